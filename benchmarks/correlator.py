"""Correlator throughput: one worker, simulated reports, from a full topic to the last alert.

The simulator's reports are built and signed by the SDK first (not timed), produced into a fresh
namespace's reports topic, and only then is one ``threadline correlator run`` worker started, so
the figure is the worker's own: reports verified per second (stage 1) and reports linked per
second (stage 2, which is what an alert waits for), from the worker being ready to both stages
having caught up. Linkage quality against the simulator's truth is printed too (pairwise
precision and recall of the published subjects).

    .venv/bin/python benchmarks/correlator.py --children 300 --reports 1500
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
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


def build(children: int, reports: int, keys_dir: Path) -> tuple[list[tuple[bytes, bytes]], Any]:
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
        built.append((event.report_id.encode(), event.payload))
        truth[f"{agency}/{event.report_id}"] = fact.child_id
    print(f"built {len(built)} signed reports ({skipped} invalid inputs skipped)", file=sys.stderr)
    return built, (keys, truth)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--children", type=int, default=300)
    parser.add_argument("--reports", type=int, default=1500)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="tl-bench-"))
    records, (keys, truth) = build(args.children, args.reports, work / "keys")
    topology = load_topology(namespace=f"b{uuid.uuid4().hex[:6]}.")
    admin = admin_client(settings("admin"))
    apply_topology(admin, topology, passwords=local_credentials())
    try:
        result = run(topology, keys.registry_path, work, records)
        members = subjects_of(topology.topic("safeguarding.subjects.v1"))
        scores = pairwise_scores({rid: members.get(rid, rid) for rid in truth}, truth)
        result |= {"precision": round(scores.precision, 4), "recall": round(scores.recall, 4)}
        print(json.dumps(result))
    finally:
        remove_namespace(admin, topology)
        admin.close()


def run(
    topology: Any, registry: Path, work: Path, records: list[tuple[bytes, bytes]]
) -> dict[str, Any]:
    """Start a worker, wait until it is ready, produce everything, time both stages."""
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
        for key, value in records:
            writer.send(topology.topic("safeguarding.reports.v1"), key=key, value=value)
        writer.flush()
        writer.close()
        n, verified_at, linked_at = len(records), None, None
        while linked_at is None:
            time.sleep(0.1)
            verified = metric(port, "threadline_correlator_step_seconds_count", stage="verify")
            forwarded = metric(port, "threadline_correlator_events_total")
            linked = metric(port, "threadline_correlator_step_seconds_count", stage="link")
            if verified_at is None and verified >= n:
                verified_at = time.monotonic() - started
            if verified_at is not None and linked >= forwarded:
                linked_at = time.monotonic() - started
        assert verified_at is not None
        return {
            "reports": n,
            "dead_letters": metric(port, "threadline_correlator_dlq_total"),
            "verified_per_s": round(n / verified_at, 1),
            "linked_per_s": round(forwarded / linked_at, 1),
            "seconds_to_last_alert": round(linked_at, 2),
            "mean_link_step_ms": round(
                1000
                * metric(port, "threadline_correlator_step_seconds_sum", stage="link")
                / linked,
                2,
            ),
        }
    finally:
        worker.terminate()
        worker.wait(timeout=60)


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
