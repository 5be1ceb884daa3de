"""``threadline kafka lag`` and ``kafka reprocess`` against the real broker."""

from __future__ import annotations

import json
import time
from collections.abc import Callable

import pytest
from kafka import KafkaConsumer, TopicPartition

from tests.integration.ops.conftest import Run, Settings, commit, publish
from threadline.errors import KafkaError
from threadline.kafka.clients import admin_client
from threadline.kafka.exporter import LagCollector, poll_once
from threadline.kafka.groups import consumer_lag, reset_to_earliest
from threadline.kafka.topology import Topology, load_topology

pytestmark = pytest.mark.integration

REPORTS = "safeguarding.reports.v1"
LOGICAL = [t.name for t in load_topology().topics]


def _end(settings: Settings, tp: TopicPartition) -> int:
    from kafka.admin import OffsetSpec

    admin = admin_client(settings("admin"))
    try:
        return int(admin.list_partition_offsets({tp: OffsetSpec.LATEST})[tp].offset)
    finally:
        admin.close()


def _join(reader: KafkaConsumer, deadline_s: float = 30.0) -> None:
    """Poll until the group has assigned this member its partitions."""
    end = time.monotonic() + deadline_s
    while not reader.assignment():
        assert time.monotonic() < end, "consumer never joined its group"
        reader.poll(timeout_ms=200)


@pytest.fixture
def lagging_group(
    ops_settings: Settings,
    ops_topology: Topology,
    group_name: str,
    member: Callable[..., KafkaConsumer],
) -> tuple[str, TopicPartition, int]:
    """A stopped group that committed 2 on partition 0 of reports, which has 2 + 5 records."""
    topic = ops_topology.topic(REPORTS)
    tp = TopicPartition(topic, 0)
    publish(
        ops_settings("agency-met-police"),
        topic,
        [(b"r%d" % i, b"x") for i in range(7)],
        partition=0,
    )
    reader = member(topic)
    _join(reader)
    commit(reader, {tp: _end(ops_settings, tp) - 5})
    reader.close()
    return group_name, tp, _end(ops_settings, tp)


def test_lag_is_end_minus_committed(
    ops_settings: Settings, lagging_group: tuple[str, TopicPartition, int], run_cli: Run
) -> None:
    group, tp, end = lagging_group
    admin = admin_client(ops_settings("admin"))
    try:
        (found,) = consumer_lag(
            admin, prefix=ops_settings("admin").topic_prefix, logical_topics=LOGICAL, group=group
        )
        listed = consumer_lag(
            admin, prefix=ops_settings("admin").topic_prefix, logical_topics=LOGICAL
        )
    finally:
        admin.close()
    assert found.stopped and found.members == 0
    assert [(p.topic, p.partition, p.end, p.lag) for p in found.partitions] == [
        (tp.topic, 0, end, 5)
    ]
    assert group in {g.group for g in listed}

    result = run_cli("kafka", "lag", "--group", group, "--json")
    assert result.exit_code == 0, result.output
    (row,) = json.loads(result.stdout)["groups"]
    assert row["total_lag"] == 5 and row["partitions"][0]["committed"] == end - 5
    table = run_cli("kafka", "lag")
    assert table.exit_code == 0 and group in table.stdout


def test_the_exporter_sees_the_same_lag(
    ops_settings: Settings, lagging_group: tuple[str, TopicPartition, int]
) -> None:
    from prometheus_client import CollectorRegistry

    group, tp, _ = lagging_group
    registry = CollectorRegistry()
    collector = LagCollector()
    registry.register(collector)
    admin = admin_client(ops_settings("admin"))
    try:
        poll_once(admin, ops_settings("admin").topic_prefix, LOGICAL, collector)
    finally:
        admin.close()
    labels = {"group": group, "topic": tp.topic}
    assert registry.get_sample_value("threadline_kafka_consumer_group_lag", labels) == 5
    assert (
        registry.get_sample_value("threadline_kafka_consumer_group_members", {"group": group}) == 0
    )
    assert registry.get_sample_value("threadline_kafka_topic_end_offset", {"topic": tp.topic})


def test_reprocess_refuses_an_active_group_then_rewinds_a_stopped_one(
    ops_settings: Settings,
    ops_topology: Topology,
    group_name: str,
    member: Callable[..., KafkaConsumer],
    run_cli: Run,
) -> None:
    topic = ops_topology.topic(REPORTS)
    tp = TopicPartition(topic, 1)
    publish(ops_settings("agency-met-police"), topic, [(b"k", b"v")] * 3, partition=1)
    reader = member(topic)
    _join(reader)
    commit(reader, {tp: _end(ops_settings, tp)})
    prefix = ops_topology.namespace

    admin = admin_client(ops_settings("admin"))
    try:
        with pytest.raises(KafkaError, match="member") as refused:
            reset_to_earliest(admin, group_name, prefix=prefix, logical_topics=LOGICAL, apply=True)
        assert refused.value.code == "group_active"
        cli_refused = run_cli("kafka", "reprocess", "--group", group_name, "--to-earliest", "--yes")
        assert cli_refused.exit_code != 0
        assert isinstance(cli_refused.exception, KafkaError)

        reader.close()
        needs_flag = run_cli("kafka", "reprocess", "--group", group_name, "--yes")
        assert needs_flag.exit_code == 2 and "--to-earliest" in needs_flag.output
        declined = run_cli(
            "kafka", "reprocess", "--group", group_name, "--to-earliest", stdin="n\n"
        )
        assert declined.exit_code != 0
        (still,) = consumer_lag(admin, prefix=prefix, logical_topics=LOGICAL, group=group_name)
        assert still.total == 0

        done = run_cli(
            "kafka", "reprocess", "--group", group_name, "--to-earliest", "--yes", "--json"
        )
        assert done.exit_code == 0, done.output
        assert json.loads(done.stdout)["applied"] is True
        (after,) = consumer_lag(admin, prefix=prefix, logical_topics=LOGICAL, group=group_name)
    finally:
        admin.close()
    assert [(p.partition, p.committed) for p in after.partitions] == [(1, 0)]
    assert after.total == _end(ops_settings, tp)


def test_the_exporter_serves_and_stops(ops_settings: Settings) -> None:
    import threading

    from threadline.kafka.exporter import ExporterMetrics, run_exporter

    metrics, stop = ExporterMetrics(), threading.Event()
    worker = threading.Thread(
        target=run_exporter,
        args=(ops_settings("admin"), LOGICAL),
        kwargs={
            "port": 0,
            "host": "127.0.0.1",
            "interval_s": 0.2,
            "stop": stop,
            "metrics": metrics,
        },
    )
    worker.start()
    try:
        deadline = time.monotonic() + 30
        while not metrics.registry.get_sample_value(
            "threadline_kafka_exporter_last_success_timestamp_seconds"
        ):
            assert time.monotonic() < deadline, "the exporter never polled successfully"
            time.sleep(0.1)
    finally:
        stop.set()
        worker.join(timeout=10)
    assert not worker.is_alive()
    assert metrics.registry.get_sample_value("threadline_kafka_exporter_errors_total") == 0
