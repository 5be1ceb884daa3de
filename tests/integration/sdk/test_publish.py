"""Publishing simulated agency data to the real broker, then reading the topic as raw bytes.

The privacy claim of the SDK is tested where it matters: after `threadline publish` has sent a
simulated population's reports under real agency principals, no generated name, date of birth,
phone number, postcode, e-mail or handle appears anywhere in the reports topic's bytes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from kafka import KafkaConsumer, TopicPartition

from tests.support.cluster import KafkaCluster
from threadline.config import KafkaSettings
from threadline.contracts import decode
from threadline.crypto import init_dev_keys
from threadline.errors import ThreadlineError
from threadline.kafka.topology import Topology
from threadline.sdk.client import AgencyClient
from threadline.sdk.pool import BuildPool
from threadline.simulate import SimulationConfig, simulate, write

pytestmark = pytest.mark.integration


def read_all(settings: KafkaSettings, topic: str) -> list[tuple[bytes | None, bytes]]:
    consumer = KafkaConsumer(**settings.client_config(), enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic)]
        consumer.assign(partitions)
        consumer.seek_to_beginning()
        ends = consumer.end_offsets(partitions)
        values: list[tuple[bytes | None, bytes]] = []
        while any(consumer.position(tp) < ends[tp] for tp in partitions):
            for batch in consumer.poll(timeout_ms=1000).values():
                values += [(m.key, m.value) for m in batch]
        return values
    finally:
        consumer.close()


def test_published_topic_holds_no_generated_pii(
    tmp_path: Path,
    kafka_cluster: KafkaCluster,
    topology: Topology,
    settings_for: Callable[..., KafkaSettings],
) -> None:
    sim = simulate(SimulationConfig(seed=11, children=60, reports=300))
    write(sim, tmp_path / "sim")
    agencies = sorted({agency for agency, _ in sim.reports})
    keys = tmp_path / "keys"
    init_dev_keys(keys, agencies)
    published = 0
    for agency in agencies:
        principal = f"agency-{agency}"
        env = {
            **os.environ,
            "THREADLINE_KEYS_DIR": str(keys),
            "THREADLINE_KAFKA_BOOTSTRAP_SERVERS": kafka_cluster.bootstrap,
            "THREADLINE_KAFKA_USERNAME": principal,
            "THREADLINE_KAFKA_PASSWORD": kafka_cluster.passwords[principal],
            "THREADLINE_KAFKA_TOPIC_PREFIX": topology.namespace,
        }
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "threadline.cli",
                "--as",
                principal,
                "publish",
                str(tmp_path / "sim" / "reports" / f"{agency}.jsonl"),
                "--json",
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        summary = json.loads(done.stdout.strip().splitlines()[-1])
        assert summary["published"] + summary["failed"] == summary["read"]
        published += summary["published"]
    assert published >= 0.95 * len(sim.reports)

    records = read_all(settings_for("correlator"), topology.topic("safeguarding.reports.v1"))
    ours = {raw["report_id"].encode() for _, raw in sim.reports}
    assert sum(key in ours for key, _ in records) == published  # others' probes share the topic
    haystack = b"\n".join(value for _, value in records).lower()
    needles = {s.lower().encode() for s in sim.pii_strings(min_length=5)}
    assert len(needles) > 200
    leaks = sorted(n.decode() for n in needles if n in haystack)
    assert leaks == [], f"{len(leaks)} generated personal values found in clear"


def test_build_workers_publish_every_good_report_once(
    tmp_path: Path,
    kafka_cluster: KafkaCluster,
    topology: Topology,
    settings_for: Callable[..., KafkaSettings],
) -> None:
    """``publish_batch`` with a BuildPool: built in a worker, sent here, acknowledged once."""
    sim = simulate(SimulationConfig(seed=12, children=60, reports=300))
    records = [raw for _, raw in sim.reports]
    records.insert(7, {"event_type": "gossip"})
    agency = sorted({agency for agency, _ in sim.reports})[0]
    keys = init_dev_keys(tmp_path / "keys", [agency])
    with (
        BuildPool(keys, workers=1) as pool,
        AgencyClient(
            agency, keys=keys, kafka=settings_for(f"agency-{agency}"), pool=pool
        ) as client,
    ):
        result = client.publish_batch(records)
    assert [o.index for o in result.failed] == [7]
    assert len(result.published) >= 0.95 * len(sim.reports)

    topic = topology.topic("safeguarding.reports.v1")
    mine = {o.event_id for o in result.published}
    # the session's reports topic is shared: other tests' records (the ACL matrix's probe
    # record, for one) are on it too, and only events can be this test's
    seen = [event_id for _, value in read_all(settings_for("correlator"), topic)
            if (event_id := _event_id(value)) is not None]  # fmt: skip
    assert sorted(e for e in seen if e in mine) == sorted(mine)  # each exactly once


def _event_id(value: bytes) -> str | None:
    try:
        return str(decode(value)[1]["event_id"])
    except ThreadlineError:
        return None
