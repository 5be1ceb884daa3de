"""Hostile inputs tried against a running correlator worker, and how many were mishandled.

The corpus of tests/support/hostile.py (random and mutated bytes drawn by hypothesis from a
seed, unknown fingerprints, oversized and empty records, tombstones, forged, tampered and
re-signed events, a revoked agency key, an unregistered agency, replays past the window, stale
and future events, rule-breaking reports, exact replays and re-sends), interleaved with good
reports, produced into a fresh namespace of the local broker and read by one
``threadline correlator run`` worker. A record is *mishandled* if it is not in the DLQ with its
original bytes, a reason header and the reason the pure verifier predicts (replays and re-sends:
if it is not dropped and counted), if any good report is not linked or is linked twice, or if
the worker stops. Same runner as tests/reliability/test_hostile_worker.py.

    .venv/bin/python benchmarks/hostile.py --inputs 2000 --seed 8
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.support is shared

from tests.support.harness import benchmark_cluster, run_hostile


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=2000, help="hostile records, about")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--children", type=int, default=30, help="children with good reports")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tl-hostile-"))
    with benchmark_cluster() as cluster:
        verdict, facts = run_hostile(
            cluster, work, n=args.inputs, seed=args.seed, children=args.children
        )
    for line in verdict.mishandled:
        print(f"mishandled: {line}", file=sys.stderr)
    if verdict.mishandled:
        print(f"worker log and keys kept in {work}", file=sys.stderr)
    else:
        shutil.rmtree(work, ignore_errors=True)
    print(json.dumps({**verdict.as_dict(), **facts}, sort_keys=True))


if __name__ == "__main__":
    main()
