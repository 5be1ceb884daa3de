"""Fixtures for the operator commands.

They get a namespace of their own (not the session's shared one): lag and DLQ counts are
exact only if no other test package writes to the same topics at the same time.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from kafka import KafkaConsumer, TopicPartition

from tests.support.cluster import KafkaCluster
from threadline.cli.main import cli
from threadline.config import KafkaSettings
from threadline.kafka.clients import consumer, producer
from threadline.kafka.topology import Topology, load_topology

Settings = Callable[..., KafkaSettings]
Run = Callable[..., Result]


@pytest.fixture(scope="package")
def ops_topology(kafka_cluster: KafkaCluster) -> Iterator[Topology]:
    from threadline.kafka.admin import apply_topology, remove_namespace

    namespaced = load_topology(namespace=f"ops{uuid.uuid4().hex[:8]}.")
    with kafka_cluster.admin() as admin:
        apply_topology(admin, namespaced, passwords=kafka_cluster.passwords)
    yield namespaced
    with kafka_cluster.admin() as admin:
        remove_namespace(admin, namespaced)


@pytest.fixture(scope="package")
def ops_settings(kafka_cluster: KafkaCluster, ops_topology: Topology) -> Settings:
    def make(principal: str, **overrides: object) -> KafkaSettings:
        return kafka_cluster.settings(principal, topic_prefix=ops_topology.namespace, **overrides)

    return make


@pytest.fixture
def run_cli(kafka_cluster: KafkaCluster, ops_topology: Topology, tmp_path: Path) -> Run:
    """``run_cli("kafka", "lag", "--json")`` as admin in this session's namespace."""

    def run(*args: str, principal: str = "admin", stdin: str | None = None) -> Result:
        env = {
            "THREADLINE_KAFKA_BOOTSTRAP_SERVERS": kafka_cluster.bootstrap,
            "THREADLINE_KAFKA_PASSWORD": kafka_cluster.passwords[principal],
            "THREADLINE_KAFKA_TOPIC_PREFIX": ops_topology.namespace,
            "THREADLINE_STATE_DIR": str(tmp_path / "state"),
        }
        return CliRunner().invoke(cli, ["--as", principal, *args], env=env, input=stdin)

    return run


def publish(
    settings: KafkaSettings,
    topic: str,
    records: list[tuple[bytes, bytes]],
    *,
    partition: int | None = None,
    headers: list[tuple[str, bytes]] | None = None,
    timestamp_ms: int | None = None,
) -> list[int]:
    """Send and wait; returns the offsets the records got."""
    writer = producer(settings)
    try:
        futures = [
            writer.send(
                topic,
                key=key,
                value=value,
                partition=partition,
                headers=headers or [],
                timestamp_ms=timestamp_ms,
            )
            for key, value in records
        ]
        writer.flush(timeout=30)
        return [future.get(timeout=30).offset for future in futures]
    finally:
        writer.close(timeout=10)


@pytest.fixture
def group_name(ops_topology: Topology) -> str:
    """A consumer group the correlator principal may use, unique to the test."""
    return f"{ops_topology.namespace}threadline-correlator-ops-{uuid.uuid4().hex[:6]}"


@pytest.fixture
def member(ops_settings: Settings, group_name: str) -> Iterator[Callable[..., KafkaConsumer]]:
    """Start a correlator-principal consumer in ``group_name``; closed after the test."""
    started: list[KafkaConsumer] = []

    def start(topic: str, **overrides: Any) -> KafkaConsumer:
        reader = consumer(ops_settings("correlator"), group_id=group_name, **overrides)
        reader.subscribe([topic])
        started.append(reader)
        return reader

    yield start
    for reader in started:
        reader.close()


def commit(reader: KafkaConsumer, offsets: dict[TopicPartition, int]) -> None:
    from kafka import OffsetAndMetadata

    reader.commit({tp: OffsetAndMetadata(o, "", -1) for tp, o in offsets.items()})
