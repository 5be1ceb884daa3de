"""The lag exporter renders whole snapshots: a vanished group disappears."""

from __future__ import annotations

from prometheus_client import CollectorRegistry

from threadline.kafka.exporter import LagCollector
from threadline.kafka.groups import GroupLag, PartitionLag


def test_snapshot_is_rendered_and_replaced() -> None:
    registry = CollectorRegistry()
    collector = LagCollector()
    registry.register(collector)
    parts = (PartitionLag("t.reports", 0, 1, 4), PartitionLag("t.reports", 1, 0, 2))
    collector.update([GroupLag("t.correlator", "Stable", 2, parts)], {"t.reports.dlq": 9})
    lag = registry.get_sample_value(
        "threadline_kafka_consumer_group_lag", {"group": "t.correlator", "topic": "t.reports"}
    )
    assert lag == 5
    members = {"group": "t.correlator"}
    assert registry.get_sample_value("threadline_kafka_consumer_group_members", members) == 2
    end = registry.get_sample_value("threadline_kafka_topic_end_offset", {"topic": "t.reports.dlq"})
    assert end == 9
    collector.update([], {})
    assert registry.get_sample_value("threadline_kafka_consumer_group_members", members) is None
