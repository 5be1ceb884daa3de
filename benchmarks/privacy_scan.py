"""Privacy regression (issue 8): a full simulated run, then every byte it left behind, scanned.

    .venv/bin/python benchmarks/privacy_scan.py --children 150 --reports 600

Runs ``threadline demo`` programmatically in a namespace of its own (agencies publishing
through the SDK under their own principals, the correlator and request broker as separate
processes, an approved request with its documents), re-publishes a few damaged copies of real
reports so the error paths run too, then scans every topic of the namespace (faust's
changelog and repartition topics included, read as admin), the correlator's RocksDB stores
(read through RocksDB: their SST files are Snappy-compressed), every file of the run (service
logs, Prometheus' data), both services' ``/metrics`` and the demo's console for every
generated name, date of birth, phone, postcode, address, e-mail and handle in any common
rendering; logs, metrics and console also for every linkage token and name CLK in raw, hex,
base64 and repr form. Documents may hold the approved identifiers and nothing else.

How the scan works and what it cannot see: ``tests/support/pii_scan.py``. The last line is
JSON; a hit is listed above it with its source and a little context.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.privacy_run import full_run, scan_run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--children", type=int, default=150)
    parser.add_argument("--reports", type=int, default=600)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning"])
    parser.add_argument("--keep", action="store_true", help="keep the run's folder")
    args = parser.parse_args()

    started = time.monotonic()
    run = full_run(
        children=args.children, reports=args.reports, seed=args.seed, log_level=args.log_level
    )
    report = scan_run(run)
    for hit in [*report.pii_hits, *report.token_hits, *report.document_violations]:
        print(hit)
    if args.keep:
        print(f"run folder: {run.demo.folder}")
    else:
        run.discard()
    figures = report.figures()
    figures |= {
        "published": run.demo.published,
        "log_level": args.log_level,
        "seconds": round(time.monotonic() - started, 1),
    }
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
