"""Faults injected and survived: kill -9 of the services, and the Kafka broker restarted.

Two procedures, the same ones the reliability tests run (tests/support/faults.py and
tests/support/broker_restart.py), here with more faults:

* **crash and restart** on the local broker: the correlator and the request broker are killed
  with SIGKILL at seeded random moments while agencies publish, and once more while an officer
  approves the auto-drafted requests; the result is compared with an uninterrupted run
  (subjects, alerts, requests, documents, audit chain). A fault is *survived* when the service
  came back and the whole outcome was identical.
* **Kafka restart** on a spare broker of its own (free ports, temporary state, stopped after):
  SDK clients of three agencies publish while the broker is stopped cleanly and then killed
  with SIGKILL; every acknowledged event must be on the topic exactly once, and a consumer group
  must resume from its committed offsets with nothing skipped.

    .venv/bin/python benchmarks/faults.py --faults 8 --seed 8
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.support is shared

from tests.support.broker_restart import kafka_restart
from tests.support.faults import crash_and_restart
from tests.support.harness import benchmark_cluster


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faults", type=int, default=8, help="kills while publishing")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--publish-seconds", type=float, default=40.0)
    parser.add_argument("--children", type=int, default=48, help="beyond the fixed scenario")
    parser.add_argument("--only", choices=["crash", "kafka"], default=None)
    args = parser.parse_args()
    out: dict[str, Any] = {"seed": args.seed}
    with tempfile.TemporaryDirectory(prefix="tl-faults-") as work:
        if args.only in (None, "crash"):
            with benchmark_cluster() as cluster:
                found = crash_and_restart(
                    cluster,
                    Path(work) / "crash",
                    seed=args.seed,
                    faults=args.faults,
                    extra_children=args.children,
                    publish_s=args.publish_seconds,
                )
            for fault in found.faults:
                print(f"fault: {json.dumps(fault)}", file=sys.stderr)
            out |= found.as_dict()
        if args.only in (None, "kafka"):
            restart = kafka_restart(Path(work) / "kafka", seed=args.seed)
            print(f"kafka restart: {json.dumps(restart)}", file=sys.stderr)
            out |= {
                "kafka_restarts": restart["kafka_restarts"],
                "kafka_acknowledged": restart["acknowledged"],
                "kafka_acknowledged_lost": restart["acknowledged_lost"],
                "kafka_acknowledged_duplicated": restart["acknowledged_duplicated"],
                "kafka_consumer_skipped": restart["consumer_skipped"],
                "kafka_problems": restart["problems"],
            }
    print(json.dumps(out, sort_keys=True))


if __name__ == "__main__":
    main()
