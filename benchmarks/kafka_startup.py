"""Local broker start-up: cold (format + start) once, then warm starts (data already there).

Runs a spare broker on its own ports and state directory, so a broker already serving tests
is not disturbed. Warm start to ready (authenticated admin request answered) must stay under
30 s on the 2-core machine. Last line JSON: median and range of the warm starts.

    .venv/bin/python benchmarks/kafka_startup.py --runs 5
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from threadline.config import LocalKafkaSettings
from threadline.kafka.local import LocalKafka
from threadline.kafka.topology import load_topology


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    principals = load_topology().principal_names()
    with tempfile.TemporaryDirectory() as tmp:
        broker = LocalKafka(
            LocalKafkaSettings(port=39092, controller_port=39093), state=Path(tmp) / "kafka"
        )
        broker.ensure_jars()
        started = time.perf_counter()
        broker.start(principals)
        cold = time.perf_counter() - started
        broker.stop()
        warm = []
        try:
            for _ in range(args.runs):
                started = time.perf_counter()
                broker.start(principals)
                warm.append(time.perf_counter() - started)
                broker.stop()
        finally:
            broker.stop()
    print(
        json.dumps(
            {
                "cold_start_s": round(cold, 2),
                "warm_start_s": round(statistics.median(warm), 2),
                "warm_start_range_s": [round(min(warm), 2), round(max(warm), 2)],
                "runs": args.runs,
            }
        )
    )


if __name__ == "__main__":
    main()
