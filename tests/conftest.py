"""Session fixtures shared by every test package.

The broker fixture follows the foundation issue: ``KAFKA_BOOTSTRAP_SERVERS`` if set (with
``KAFKA_ADMIN_PASSWORD`` and a credentials file in ``THREADLINE_STATE_DIR``); else a
testcontainers Kafka when a Docker engine answers; else the project's own local broker, started
here if it is not running and stopped again at the end if this session started it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest

from tests.support.cluster import KafkaCluster, local_cluster, remote_cluster
from threadline.config import KafkaSettings
from threadline.kafka.topology import Topology, load_topology


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Unit tests first (they are fast and need no broker), integration tests after."""
    items.sort(key=lambda item: item.get_closest_marker("integration") is not None)


@pytest.fixture(scope="session")
def kafka_cluster() -> Iterator[KafkaCluster]:
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        yield remote_cluster(os.environ["KAFKA_BOOTSTRAP_SERVERS"])
        return
    from tests.support.container import docker_engine_answers, scram_kafka_container

    if docker_engine_answers():
        with scram_kafka_container() as cluster:
            yield cluster
        return
    with local_cluster() as cluster:
        yield cluster


@pytest.fixture(scope="session")
def topology(kafka_cluster: KafkaCluster) -> Iterator[Topology]:
    """The real topology under a namespace of this session's own, applied and removed after."""
    from threadline.kafka.admin import apply_topology, remove_namespace

    namespaced = load_topology(namespace=f"t{uuid.uuid4().hex[:8]}.")
    with kafka_cluster.admin() as admin:
        apply_topology(admin, namespaced, passwords=kafka_cluster.passwords)
    yield namespaced
    with kafka_cluster.admin() as admin:
        remove_namespace(admin, namespaced)


@pytest.fixture(scope="session")
def settings_for(kafka_cluster: KafkaCluster, topology: Topology):  # type: ignore[no-untyped-def]
    """``settings_for("correlator")``: client settings for a principal in this namespace."""

    def make(principal: str, **overrides: object) -> KafkaSettings:
        return kafka_cluster.settings(principal, topic_prefix=topology.namespace, **overrides)

    return make
