"""Soak: a steady stream of reports through SDK -> correlator, with the request broker running,
for a long time on one machine; do memory and consumer lag stay flat?

A fresh namespace of the local broker; one ``threadline correlator run`` worker and one
``threadline broker run`` process, each as its own principal; six simulated agencies publishing
with the SDK (``publish_batch``, acks=all) at ``--rate`` reports per second. The population is
endless: every ``--chunk`` reports a new simulation (next seed, report ids prefixed) brings new
children, so state grows as it would in service. Every ``--sample-seconds`` the resident memory
(RSS, from /proc) of each service process and the correlator group's lag (end offset minus
committed offset, as ``threadline kafka lag`` computes it) on the reports topic and on its
internal linkage topic are sampled. After the load stops the run waits for the lag to drain.

Printed: memory slope per process in MiB/hour (least squares over the samples after the
warm-up), lag mean/max/slope and the lag after draining; the last line is JSON.

    make soak                                                   # 30 minutes at 100 reports/s
    .venv/bin/python benchmarks/soak.py --minutes 1 --rate 50   # a quick sanity check
"""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests.support is shared

from tests.integration.correlator.conftest import Worker
from tests.support.cluster import KafkaCluster
from tests.support.faults import BrokerProcess
from tests.support.harness import benchmark_cluster, fresh_namespace

from threadline.broker.signing import create_officer_key
from threadline.crypto import Keystore, init_dev_keys
from threadline.kafka.groups import consumer_lag
from threadline.kafka.topology import Topology
from threadline.sdk.client import AgencyClient
from threadline.simulate import SimulationConfig, simulate
from threadline.simulate.config import DEFAULT_AGENCIES

AGENCIES = tuple(a.agency_id for a in DEFAULT_AGENCIES)

MIB = 1024 * 1024


def reports(chunk: int, children: int) -> Iterator[tuple[str, dict[str, Any]]]:
    """An endless stream of simulated reports: simulation after simulation, new children each."""
    start = datetime.now(UTC) - timedelta(days=240)
    for n in itertools.count():
        sim = simulate(
            SimulationConfig(seed=5000 + n, children=children, reports=chunk, start=start)
        )
        for agency, raw in sim.reports:
            renamed = raw
            if isinstance(raw, dict) and isinstance(raw.get("report_id"), str):
                renamed = {**raw, "report_id": f"S{n}-{raw['report_id']}"}
            yield agency, renamed


def rss_mib(pid: int | None) -> float | None:
    if pid is None:
        return None
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024 / MIB
    except OSError:
        return None
    return None


def slope(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of (x, y) points; None with fewer than three."""
    if len(points) < 3:
        return None
    n = len(points)
    mx = sum(x for x, _ in points) / n
    my = sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    if sxx == 0:
        return None
    return sum((x - mx) * (y - my) for x, y in points) / sxx


def lag(cluster: KafkaCluster, topology: Topology) -> tuple[int, int]:
    """The correlator group's lag on the reports topic and on its linkage topic."""
    group = f"{topology.namespace}threadline-correlator"
    logical = [t.name[len(topology.namespace) :] for t in topology.topics]
    with cluster.admin() as admin:
        (found,) = consumer_lag(admin, prefix=topology.namespace, logical_topics=logical,
                                group=group)  # fmt: skip
    reports = sum(p.lag for p in found.partitions if p.topic.endswith("safeguarding.reports.v1"))
    return reports, found.total - reports


class Publisher:
    """Six agencies' SDK clients publishing at a steady rate, in small batches per tick."""

    def __init__(self, cluster: KafkaCluster, keys: Keystore, prefix: str, stream: Any) -> None:
        self.clients = {
            a: AgencyClient(a, keys=keys, strict=False,
                            kafka=cluster.settings(f"agency-{a}", topic_prefix=prefix))
            for a in AGENCIES
        }  # fmt: skip
        self.stream = stream
        self.attempted = self.acknowledged = self.refused = self.failed = 0

    def publish(self, count: int) -> None:
        by_agency: dict[str, list[Any]] = {}
        for agency, raw in itertools.islice(self.stream, count):
            by_agency.setdefault(agency, []).append(raw)
        for agency, raws in by_agency.items():
            result = self.clients[agency].publish_batch(raws, timeout_s=60)
            self.attempted += len(raws)
            self.acknowledged += len(result.published)
            for outcome in result.failed:
                # the simulator's deliberately bad lines are refused by validation, not lost
                if outcome.error is not None and outcome.error.code == "invalid_report":
                    self.refused += 1
                else:
                    self.failed += 1

    def close(self) -> None:
        for client in self.clients.values():
            client.close()


def arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--rate", type=float, default=100.0, help="reports per second")
    parser.add_argument("--sample-seconds", type=float, default=5.0)
    parser.add_argument(
        "--warmup-minutes",
        type=float,
        default=None,
        help="not in slopes (default 1/5, max 5)",
    )
    parser.add_argument("--chunk", type=int, default=5000, help="reports per simulation")
    parser.add_argument("--drain-minutes", type=float, default=10.0)
    return parser.parse_args()


def main() -> None:
    args = arguments()
    warmup_s = 60 * (args.warmup_minutes if args.warmup_minutes is not None
                     else min(5.0, args.minutes / 5))  # fmt: skip
    samples: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="tl-soak-") as tmp, benchmark_cluster() as cluster:
        work = Path(tmp)
        keys = init_dev_keys(work / "keys", agencies=AGENCIES,
                             now=datetime.now(UTC) - timedelta(days=1))  # fmt: skip
        create_officer_key(keys.root, "liaison-insp1")  # the broker needs an officer
        with fresh_namespace(cluster, keys, work) as ns:
            correlator = ns.worker("soak-correlator")
            broker = BrokerProcess(cluster, ns.name, keys, work / "soak-broker")
            publisher = Publisher(cluster, keys, ns.name, reports(args.chunk, args.chunk // 5))
            services: dict[str, Worker] = {"correlator": correlator, "broker": broker}
            try:
                for service in services.values():
                    service.start()
                for service in services.values():
                    service.wait_ready(timeout_s=180)
                started = time.monotonic()
                duration = 60 * args.minutes
                next_sample = started
                while (now := time.monotonic()) - started < duration:
                    due = int(args.rate * (now - started)) - publisher.attempted
                    if due > 0:
                        publisher.publish(due)
                    if now >= next_sample:
                        samples.append(sample(now - started, services, cluster, ns.topology))
                        next_sample += args.sample_seconds
                        report_progress(samples[-1], publisher)
                    time.sleep(0.05)
                load_s = time.monotonic() - started
                drained_s = None
                deadline = time.monotonic() + 60 * args.drain_minutes
                while time.monotonic() < deadline:
                    point = sample(time.monotonic() - started, services, cluster, ns.topology)
                    samples.append(point)
                    report_progress(point, publisher)
                    if point["lag_reports"] + point["lag_linkage"] <= 2:
                        drained_s = round(time.monotonic() - started - load_s, 1)
                        break
                    time.sleep(args.sample_seconds)
                alive = {name: s.process is not None and s.process.poll() is None
                         for name, s in services.items()}  # fmt: skip
                linked = correlator.counter("threadline_correlator_step_seconds_count",
                                            stage="link")  # fmt: skip
                # printed before the services stop: a worker with a backlog can take minutes
                # to shut down cleanly, and the figures must not depend on that
                print(json.dumps(summary(samples, warmup_s, load_s, drained_s, alive, linked,
                                         publisher, args)), flush=True)  # fmt: skip
            finally:
                publisher.close()
                for service in services.values():
                    try:
                        service.stop()
                    except subprocess.TimeoutExpired:  # killed by stop(); noted, not fatal
                        print(f"{service.home.name} did not stop within 60 s", file=sys.stderr)


def sample(
    at: float, services: dict[str, Worker], cluster: KafkaCluster, topology: Topology
) -> dict[str, Any]:
    try:
        lag_reports, lag_linkage = lag(cluster, topology)
    except Exception:  # noqa: BLE001 - a sample may fail (group rebalancing); the next counts
        lag_reports = lag_linkage = -1
    point: dict[str, Any] = {"t": round(at, 1), "lag_reports": lag_reports,
                             "lag_linkage": lag_linkage}  # fmt: skip
    for name, service in services.items():
        point[f"rss_{name}"] = rss_mib(service.process.pid if service.process else None)
    return point


def report_progress(point: dict[str, Any], publisher: Publisher) -> None:
    print(
        f"t={point['t']:7.1f}s published={publisher.acknowledged} "
        f"lag reports={point['lag_reports']} linkage={point['lag_linkage']} "
        f"rss correlator={point['rss_correlator']:.0f} MiB broker={point['rss_broker']:.0f} MiB",
        file=sys.stderr,
        flush=True,
    )


def summary(
    samples: list[dict[str, Any]],
    warmup_s: float,
    load_s: float,
    drained_s: float | None,
    alive: dict[str, bool],
    linked: float,
    publisher: Publisher,
    args: argparse.Namespace,
) -> dict[str, Any]:
    steady = [s for s in samples if warmup_s <= s["t"] <= load_s]
    lags = [(s["t"], s["lag_reports"] + s["lag_linkage"]) for s in steady if s["lag_reports"] >= 0]
    out: dict[str, Any] = {
        "minutes": args.minutes,
        "rate_target": args.rate,
        "rate_acknowledged": round(publisher.acknowledged / load_s, 1),
        "published": publisher.acknowledged,
        "refused_by_validation": publisher.refused,
        "publish_failed": publisher.failed,
        "linked": int(linked),
        "samples": len(samples),
        "warmup_s": warmup_s,
        "services_alive": alive,
    }
    for name in ("correlator", "broker"):
        points = [(s["t"] / 3600, s[f"rss_{name}"]) for s in steady if s[f"rss_{name}"]]
        per_hour = slope(points)
        out[f"rss_{name}_mib_start"] = round(points[0][1], 1) if points else None
        out[f"rss_{name}_mib_end"] = round(points[-1][1], 1) if points else None
        out[f"rss_{name}_slope_mib_per_h"] = round(per_hour, 1) if per_hour is not None else None
        per_report = per_hour * 1024 / (3600 * out["rate_acknowledged"]) if per_hour else None
        out[f"rss_{name}_kib_per_report"] = round(per_report, 2) if per_report else None
    lag_slope = slope([(t / 60, v) for t, v in lags])
    out |= {
        "lag_mean": round(sum(v for _, v in lags) / len(lags), 1) if lags else None,
        "lag_max": max((v for _, v in lags), default=None),
        "lag_slope_per_min": round(lag_slope, 2) if lag_slope is not None else None,
        "lag_after_drain": samples[-1]["lag_reports"] + samples[-1]["lag_linkage"],
        "drained_s": drained_s,
    }
    return out


if __name__ == "__main__":
    main()
