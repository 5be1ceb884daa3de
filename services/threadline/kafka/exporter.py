"""A small Prometheus exporter of consumer lag and topic growth, seen from the broker's side.

Why, when the correlator reports its own lag: a consumer that is down, stuck in a rebalance or
deadlocked reports nothing (or a stale gauge), which is exactly when lag matters. This exporter
asks the cluster, as admin, every ``interval`` seconds - the same figures as
``threadline kafka lag`` - and also exports each topic's end offset, so the DLQ's growth
(``rate(threadline_kafka_topic_end_offset{topic=~".*dlq.*"}[10m])``) is visible even if the
correlator's own DLQ counter is gone.

Metrics (labels are group and topic names, which are configuration, never data):

* ``threadline_kafka_consumer_group_lag{group,topic}``   - sum over the topic's partitions;
* ``threadline_kafka_consumer_group_members{group}``     - active members (0 = stopped);
* ``threadline_kafka_topic_end_offset{topic}``           - sum of end offsets (records written);
* ``threadline_kafka_exporter_last_success_timestamp_seconds`` and
  ``threadline_kafka_exporter_errors_total`` - is the exporter itself working.

A snapshot replaces the previous one whole (a custom collector, not label-by-label gauges), so
a deleted group disappears from the output instead of exporting its last lag forever.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Collection, Iterator, Mapping, Sequence

from kafka import KafkaAdminClient, TopicPartition
from kafka.admin import OffsetSpec
from prometheus_client import CollectorRegistry, Counter, Gauge
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from threadline.config import KafkaSettings
from threadline.errors import ThreadlineError
from threadline.kafka.clients import admin_client, kafka_errors
from threadline.kafka.groups import GroupLag, consumer_lag
from threadline.observability.http import Readiness, serve

__all__ = ["ExporterMetrics", "LagCollector", "poll_once", "run_exporter"]

log = logging.getLogger(__name__)


class LagCollector(Collector):
    """Holds the latest snapshot and renders it at scrape time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._groups: Sequence[GroupLag] = ()
        self._ends: Mapping[str, int] = {}

    def update(self, groups: Sequence[GroupLag], ends: Mapping[str, int]) -> None:
        with self._lock:
            self._groups, self._ends = tuple(groups), dict(ends)

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            groups, ends = self._groups, self._ends
        lag = GaugeMetricFamily(
            "threadline_kafka_consumer_group_lag",
            "Committed-offset lag of a consumer group on a topic (sum over partitions)",
            labels=["group", "topic"],
        )
        members = GaugeMetricFamily(
            "threadline_kafka_consumer_group_members",
            "Active members of a consumer group",
            labels=["group"],
        )
        for group in groups:
            members.add_metric([group.group], group.members)
            by_topic: dict[str, int] = {}
            for p in group.partitions:
                by_topic[p.topic] = by_topic.get(p.topic, 0) + p.lag
            for topic, total in sorted(by_topic.items()):
                lag.add_metric([group.group, topic], total)
        end = GaugeMetricFamily(
            "threadline_kafka_topic_end_offset",
            "Sum of a topic's partition end offsets (records ever written)",
            labels=["topic"],
        )
        for topic, offset in sorted(ends.items()):
            end.add_metric([topic], offset)
        yield from (lag, members, end)


def _topic_ends(
    admin: KafkaAdminClient, prefix: str, logical_topics: Collection[str]
) -> dict[str, int]:
    names = [prefix + t for t in logical_topics]
    with kafka_errors("describing topics"):
        described = admin.describe_topics(names)
        partitions = {
            TopicPartition(d["name"], p["partition_index"]): OffsetSpec.LATEST
            for d in described
            if not d.get("error_code")
            for p in d["partitions"]
        }
        found = admin.list_partition_offsets(partitions) if partitions else {}
    ends: dict[str, int] = {}
    for tp, result in found.items():
        ends[tp.topic] = ends.get(tp.topic, 0) + result.offset
    return ends


def poll_once(
    admin: KafkaAdminClient, prefix: str, logical_topics: Collection[str], collector: LagCollector
) -> None:
    """One look at the cluster; the collector keeps the previous snapshot if this fails."""
    groups = consumer_lag(admin, prefix=prefix, logical_topics=logical_topics)
    collector.update(groups, _topic_ends(admin, prefix, logical_topics))


class ExporterMetrics:
    """The exporter's registry: the lag snapshot plus two gauges about the exporter itself."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.collector = LagCollector()
        self.registry.register(self.collector)
        self.last_success = Gauge(
            "threadline_kafka_exporter_last_success_timestamp_seconds",
            "When the exporter last read the cluster successfully",
            registry=self.registry,
        )
        self.errors = Counter(
            "threadline_kafka_exporter_errors",
            "Polls of the cluster that failed",
            registry=self.registry,
        )


def run_exporter(
    settings: KafkaSettings,
    logical_topics: Collection[str],
    *,
    port: int,
    interval_s: float = 15.0,
    host: str = "0.0.0.0",  # noqa: S104 - scraped by Prometheus from outside; no PII served
    stop: threading.Event | None = None,
    metrics: ExporterMetrics | None = None,
) -> None:
    """Poll and serve until ``stop`` is set (or forever); ready after the first good poll."""
    metrics = metrics or ExporterMetrics()
    readiness = Readiness("no successful poll yet")
    server = serve(metrics.registry, port, ready=readiness, host=host, name="kafka-exporter")
    log.info("kafka exporter serving", extra={"port": server.port})
    stop = stop or threading.Event()
    admin: KafkaAdminClient | None = None
    try:
        while not stop.is_set():
            try:
                admin = admin or admin_client(settings)
                poll_once(admin, settings.topic_prefix, logical_topics, metrics.collector)
            except ThreadlineError as exc:
                metrics.errors.inc()
                readiness.set(False, f"last poll failed ({exc.code})")
                log.warning("polling the cluster failed", extra={"code": exc.code})
                if admin is not None:
                    admin.close()
                admin = None  # reconnect next time: the cluster may have moved
            else:
                metrics.last_success.set(time.time())
                readiness.set(True, "polling")
            stop.wait(interval_s)
    finally:
        server.close()
        if admin is not None:
            admin.close()
