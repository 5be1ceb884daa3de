"""Correlator throughput and latency: one worker, simulated reports, from a full topic.

The simulator's reports are built and signed by the SDK first (not timed). Phase 1: the first
``--reports`` go into a fresh namespace's reports topic, and only then is one ``threadline
correlator run`` worker started, so ``reports_per_s`` is the worker's own: reports linked per
second (stage 2, what an alert waits for) from the worker being ready to both stages having
caught up. Phase 2, on the state phase 1 built: ``--paced`` more reports about the same
children are published at a steady ``--rate`` per second while an analyst-side consumer reads
the alerts topic; an alert version's latency is from the publish of the newest paced report it
cites to its arrival. ``state_bytes_per_subject`` is the size of the worker's RocksDB stores
(every table, both stages) divided by the active subjects. Pairwise precision and recall of the
published subjects against the simulator's truth are printed too.

    .venv/bin/python benchmarks/correlator.py --children 500 --reports 3000 --runs 3

Last line: ``{"reports_per_s", "alert_latency_p50_ms", "alert_latency_p99_ms",
"state_bytes_per_subject", ...}`` (medians over runs, with ranges).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path
from typing import Any

from kafka import TopicPartition
from prometheus_client.parser import text_string_to_metric_families

from threadline.config import KafkaSettings, load_settings, local_credentials
from threadline.correlator.evaluation import pairwise_scores
from threadline.crypto import init_dev_keys
from threadline.errors import ValidationError
from threadline.kafka.admin import apply_topology, remove_namespace
from threadline.kafka.clients import admin_client, consumer, producer
from threadline.kafka.topology import load_topology
from threadline.sdk.client import AgencyClient
from threadline.sdk.sink import MemorySink
from threadline.simulate import SimulationConfig, simulate


def settings(principal: str, prefix: str = "") -> KafkaSettings:
    return load_settings(
        KafkaSettings,
        username=principal,
        password=local_credentials()[principal],
        topic_prefix=prefix,
    )


def metric(port: int, name: str, **labels: str) -> float:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=2) as reply:
        text = reply.read().decode()
    total = 0.0
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and labels.items() <= sample.labels.items():
                total += sample.value
    return total


Record = tuple[bytes, bytes, str]  # key, value, event id


def build(children: int, reports: int, keys_dir: Path) -> tuple[list[Record], Any]:
    sim = simulate(SimulationConfig(seed=11, children=children, reports=reports))
    agencies = sorted({agency for agency, _ in sim.reports})
    keys = init_dev_keys(keys_dir, agencies=agencies)
    clients = {a: AgencyClient(a, keys=keys, sink=MemorySink(), strict=False) for a in agencies}
    built, truth, skipped = [], {}, 0
    for (agency, raw), fact in zip(sim.reports, sim.truth.reports, strict=True):
        try:
            event = clients[agency].prepare(raw)
        except ValidationError:  # the simulator's deliberately bad lines are not our load
            skipped += 1
            continue
        built.append((event.report_id.encode(), event.payload, event.event_id))
        truth[f"{agency}/{event.report_id}"] = fact.child_id
    print(f"built {len(built)} signed reports ({skipped} invalid inputs skipped)", file=sys.stderr)
    return built, (keys, truth)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--children", type=int, default=300)
    parser.add_argument("--reports", type=int, default=1500, help="phase 1: the full topic")
    parser.add_argument("--paced", type=int, default=1200, help="phase 2: reports at --rate")
    parser.add_argument("--rate", type=float, default=200.0, help="phase 2: reports per second")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    results = []
    for _ in range(args.runs):
        work = Path(tempfile.mkdtemp(prefix="tl-bench-"))
        records, (keys, truth) = build(args.children, args.reports + args.paced, work / "keys")
        topology = load_topology(namespace=f"b{uuid.uuid4().hex[:6]}.")
        admin = admin_client(settings("admin"))
        apply_topology(admin, topology, passwords=local_credentials())
        try:
            full, paced = records[: args.reports], records[args.reports :]
            result = run(topology, keys.registry_path, work, full, paced, args.rate)
            members = subjects_of(topology.topic("safeguarding.subjects.v1"))
            scores = pairwise_scores({rid: members.get(rid, rid) for rid in truth}, truth)
            result |= {"precision": round(scores.precision, 4), "recall": round(scores.recall, 4)}
            result["state_bytes_per_subject"] = round(
                result.pop("state_bytes") / max(1, len(set(members.values())))
            )
            print(json.dumps(result), file=sys.stderr)
            results.append(result)
        finally:
            remove_namespace(admin, topology)
            admin.close()
    print(json.dumps(summarise(results)))


def summarise(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians over runs, each with its range, the issue's fields first."""
    keys = ["reports_per_s", "alert_latency_p50_ms", "alert_latency_p99_ms"]
    keys += ["state_bytes_per_subject", "verified_per_s", "precision", "recall"]
    out: dict[str, Any] = {}
    for key in keys:
        values = [r[key] for r in results if r.get(key) is not None]
        if values:
            out[key] = statistics.median(values)
            out[f"{key}_range"] = [min(values), max(values)]
    first = results[0]
    out |= {k: first[k] for k in ("reports", "paced", "rate", "alerts_timed")}
    out["runs"] = len(results)
    return out


def run(
    topology: Any,
    registry: Path,
    work: Path,
    records: list[Record],
    paced: list[Record],
    rate: float,
) -> dict[str, Any]:
    """Start a worker, wait until it is ready, then the two phases (module docstring)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "THREADLINE_KAFKA_TOPIC_PREFIX": topology.namespace,
        "THREADLINE_CORRELATOR_REGISTRY_FILE": str(registry),
    }
    argv = [str(Path(sys.executable).with_name("threadline")), "--as", "correlator",
            "correlator", "run", "--workers-data-dir", str(work / "data"),
            "--metrics-port", str(port)]  # fmt: skip
    worker = subprocess.Popen(argv, env=env, stderr=subprocess.DEVNULL)
    reports_topic = topology.topic("safeguarding.reports.v1")
    try:
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/ready") as reply:
                    if reply.status == 200:
                        break
            except OSError:
                time.sleep(0.2)
        started = time.monotonic()
        writer = producer(settings("agency-met-police"))
        for key, value, _ in records:
            writer.send(reports_topic, key=key, value=value)
        writer.flush()
        verified_at, linked_at = caught_up(port, len(records), started)
        forwarded = metric(port, "threadline_correlator_events_total")
        linked = metric(port, "threadline_correlator_step_seconds_count", stage="link")
        result: dict[str, Any] = {
            "reports": len(records),
            "dead_letters": metric(port, "threadline_correlator_dlq_total"),
            "verified_per_s": round(len(records) / verified_at, 1),
            "reports_per_s": round(forwarded / linked_at, 1),
            "mean_link_step_ms": round(
                1000
                * metric(port, "threadline_correlator_step_seconds_sum", stage="link")
                / linked,
                2,
            ),
        }
        latencies = paced_latencies(topology, writer, paced, rate, port)
        writer.close()
        result |= {
            "paced": len(paced),
            "rate": rate,
            "alerts_timed": len(latencies),
            "alert_latency_p50_ms": percentile(latencies, 50),
            "alert_latency_p99_ms": percentile(latencies, 99),
        }
    finally:
        worker.terminate()
        worker.wait(timeout=60)
    result["state_bytes"] = sum(f.stat().st_size for f in (work / "data").rglob("*") if f.is_file())
    return result


def caught_up(port: int, total: int, started: float) -> tuple[float, float]:
    """Seconds from ``started`` until stage 1 verified ``total`` records, and until stage 2
    linked everything stage 1 forwarded."""
    verified_at = linked_at = None
    while linked_at is None:
        time.sleep(0.1)
        verified = metric(port, "threadline_correlator_step_seconds_count", stage="verify")
        forwarded = metric(port, "threadline_correlator_events_total")
        linked = metric(port, "threadline_correlator_step_seconds_count", stage="link")
        if verified_at is None and verified >= total:
            verified_at = time.monotonic() - started
        if verified_at is not None and linked >= forwarded:
            linked_at = time.monotonic() - started
    assert verified_at is not None
    return verified_at, linked_at


def paced_latencies(
    topology: Any, writer: Any, paced: list[Record], rate: float, port: int
) -> list[float]:
    """Publish ``paced`` at ``rate``/s; milliseconds from publish to each alert version citing
    one of them (timed from the newest paced report it cites)."""
    alerts_topic = topology.topic("safeguarding.alerts.v1")
    reader = consumer(settings("admin"))
    parts = [TopicPartition(alerts_topic, p) for p in reader.partitions_for_topic(alerts_topic)]
    reader.assign(parts)
    reader.seek_to_end(*parts)
    for tp in parts:
        reader.position(tp)  # resolve the end now, before anything is published
    arrivals: list[tuple[float, dict[str, Any]]] = []
    stop = threading.Event()

    def read() -> None:
        while not stop.is_set():
            for batch in reader.poll(timeout_ms=100).values():
                now = time.time()
                arrivals.extend((now, json.loads(r.value)) for r in batch if r.value)

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    sent: dict[str, float] = {}
    before = metric(port, "threadline_correlator_step_seconds_count", stage="verify")
    t0 = time.monotonic()
    for i, (key, value, event_id) in enumerate(paced):
        delay = t0 + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        sent[event_id] = time.time()
        writer.send(topology.topic("safeguarding.reports.v1"), key=key, value=value)
    writer.flush()
    caught_up(port, int(before) + len(paced), time.monotonic())
    time.sleep(2)
    stop.set()
    thread.join()
    reader.close()
    latencies = []
    for arrived, alert in arrivals:
        cited = [sent[r["event_id"]] for r in alert.get("reports", ()) if r["event_id"] in sent]
        if cited:
            latencies.append(1000 * (arrived - max(cited)))
    return latencies


def percentile(values: list[float], q: int) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))], 1)


def subjects_of(topic: str) -> dict[str, str]:
    """record id -> subject id, from the compacted view of the subjects topic."""
    reader = consumer(settings("admin"))
    parts = [TopicPartition(topic, p) for p in reader.partitions_for_topic(topic) or ()]
    reader.assign(parts)
    reader.seek_to_beginning(*parts)
    view: dict[str, Any] = {}
    idle = time.monotonic()
    while time.monotonic() - idle < 2:
        for batch in reader.poll(timeout_ms=300).values():
            idle = time.monotonic()
            for record in batch:
                view[record.key.decode()] = json.loads(record.value) if record.value else None
    reader.close()
    return {
        member: sid
        for sid, subject in view.items()
        if subject and subject["status"] == "active"
        for member in subject["members"]
    }


if __name__ == "__main__":
    main()
