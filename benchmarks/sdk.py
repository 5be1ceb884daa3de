"""SDK benchmark: the agency path (validate -> redact -> encrypt -> tokenise -> sign -> encode).

Two figures on the same simulated reports (``threadline.simulate``, a realistic mix of event
types, sizes and corruptions):

* ``reports_per_s_core``: building events in one process, no Kafka (one core's worth);
* ``publish_reports_per_s``: the same reports published to the local broker with
  ``AgencyClient.publish_batch`` (acks=all, idempotent), end to end until acknowledged, with a
  :class:`~threadline.sdk.pool.BuildPool` building in ``--workers`` worker processes while the
  main process sends (so this figure uses every core; ``--workers 0`` builds in the sending
  process, and ``publish_single_process_reports_per_s`` is that figure).

Repeated ``--runs`` times; the last line is JSON with medians and ranges, as in BENCHMARKS.md.
``--stages`` first prints where a build spends its time (:mod:`sdk_stages`).

    .venv/bin/python benchmarks/sdk.py --reports 5000 --runs 5
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from sdk_stages import stage_breakdown
from threadline.config import kafka_settings
from threadline.crypto import init_dev_keys
from threadline.sdk.client import AgencyClient
from threadline.sdk.pool import BuildPool, default_workers
from threadline.sdk.sink import MemorySink
from threadline.simulate import SimulationConfig, simulate


def reports(count: int, seed: int) -> list[tuple[str, dict[str, Any]]]:
    children = max(200, count // 5)
    sim = simulate(SimulationConfig(seed=seed, children=children, reports=count))
    return list(sim.reports)


def build_rate(
    clients: dict[str, AgencyClient], batch: list[tuple[str, dict[str, Any]]]
) -> tuple[float, float, int]:
    sizes = []
    failures = 0
    started = time.perf_counter()
    for agency, record in batch:
        try:
            sizes.append(len(clients[agency].prepare(record).payload))
        except Exception:  # noqa: BLE001 - counted: the benchmark reports refusals too
            failures += 1
    elapsed = time.perf_counter() - started
    return len(batch) / elapsed, statistics.mean(sizes), failures


def publish_rate(
    keys_dir: Path, batch: list[tuple[str, dict[str, Any]]], pool: BuildPool | None = None
) -> float:
    by_agency: dict[str, list[dict[str, Any]]] = {}
    for agency, record in batch:
        by_agency.setdefault(agency, []).append(record)
    clients = {
        a: AgencyClient(a, keys=_keys(keys_dir), kafka=kafka_settings(as_=f"agency-{a}"), pool=pool)
        for a in by_agency
    }
    started = time.perf_counter()
    published = 0
    for agency, records in by_agency.items():
        published += len(clients[agency].publish_batch(records).published)
    elapsed = time.perf_counter() - started
    for client in clients.values():
        client.close()
    return published / elapsed


def _keys(root: Path):  # type: ignore[no-untyped-def]
    from threadline.crypto import Keystore

    return Keystore(root)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reports", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-publish", action="store_true", help="Skip the Kafka figure.")
    parser.add_argument(
        "--workers",
        type=int,
        default=default_workers(),
        help="Build processes beside the sending one for the publish figure (0: none).",
    )
    parser.add_argument(
        "--stages", action="store_true", help="Print the per-stage cost of a build first."
    )
    args = parser.parse_args()

    batch = reports(args.reports, seed=7)
    agencies = sorted({agency for agency, _ in batch})
    with tempfile.TemporaryDirectory() as tmp:
        keys_dir = Path(tmp) / "keys"
        keys = init_dev_keys(keys_dir, agencies)
        offline = {a: AgencyClient(a, keys=keys, sink=MemorySink(), strict=True) for a in agencies}
        build_rate(offline, batch[:200])  # warm caches and the CLK masks
        if args.stages:
            for stage, micros in stage_breakdown(offline, batch, runs=args.runs).items():
                print(f"{stage:64s} {micros:7.1f} us/report", flush=True)
        pool = None
        if args.workers and not args.no_publish:
            pool = BuildPool(keys, workers=args.workers)  # started once, like the producer
            pool.warm(agencies)
        builds, publishes, singles, sizes, refused = [], [], [], [], 0
        for run in range(args.runs):
            rate, size, refused = build_rate(offline, batch)
            builds.append(rate)
            sizes.append(size)
            line = f"run {run + 1}: build {rate:,.0f}/s"
            if not args.no_publish:
                publishes.append(publish_rate(keys_dir, batch, pool))
                line += f", publish {publishes[-1]:,.0f}/s"
                if pool is not None:
                    singles.append(publish_rate(keys_dir, batch))
                    line += f" (without workers {singles[-1]:,.0f}/s)"
            print(line, flush=True)
        if pool is not None:
            pool.close()

    result: dict[str, Any] = {
        "reports_per_s_core": round(statistics.median(builds)),
        "publish_reports_per_s": round(statistics.median(publishes)) if publishes else None,
        "bytes_per_report": round(statistics.median(sizes)),
        "build_range": [round(min(builds)), round(max(builds))],
        "publish_range": [round(min(publishes)), round(max(publishes))] if publishes else None,
        "publish_workers": args.workers if publishes else None,
        "publish_single_process_reports_per_s": round(statistics.median(singles))
        if singles
        else (round(statistics.median(publishes)) if publishes and not args.workers else None),
        "refused_by_strict_redaction": refused,
        "reports": len(batch),
        "runs": args.runs,
        "machine": f"{platform.machine()} {os.cpu_count()} cores, Python "
        f"{platform.python_version()}",
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
