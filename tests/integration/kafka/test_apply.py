"""``apply`` against the real broker: idempotent, and drift is reported, then fixable."""

from __future__ import annotations

import uuid

import pytest
from kafka.admin import ConfigResource, ConfigResourceType

from tests.support.cluster import KafkaCluster
from threadline.kafka.admin import apply_topology, remove_namespace
from threadline.kafka.topology import load_topology

pytestmark = pytest.mark.integration


def test_apply_twice_changes_nothing_and_drift_is_reported(kafka_cluster: KafkaCluster) -> None:
    topology = load_topology(namespace=f"apply{uuid.uuid4().hex[:6]}.")
    reports = topology.topic("safeguarding.reports.v1")
    with kafka_cluster.admin() as admin:
        try:
            first = apply_topology(admin, topology)
            assert len(first.created_topics) == len(topology.topics)
            assert first.created_acls == len(topology.acls)

            second = apply_topology(admin, topology)
            assert not second.changed
            assert second.unchanged_acls == len(topology.acls)
            assert sorted(second.unchanged_topics) == sorted(t.name for t in topology.topics)

            admin.alter_configs(
                [
                    ConfigResource(
                        ConfigResourceType.TOPIC, reports, configs={"retention.ms": "1234"}
                    )
                ],
                incremental=True,
            )
            drifted = apply_topology(admin, topology)
            assert [(d.topic, d.setting, d.actual, d.fixed) for d in drifted.drift] == [
                (reports, "retention.ms", "1234", False)
            ]

            fixed = apply_topology(admin, topology, fix_drift=True)
            assert [d.fixed for d in fixed.drift] == [True]
            assert not apply_topology(admin, topology).drift
        finally:
            remove_namespace(admin, topology)
