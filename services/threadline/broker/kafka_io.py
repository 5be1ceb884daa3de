"""Small Kafka reading helpers the broker service and the liaison client share.

Both sides read whole topics to their current end without a consumer group (``assign`` + seek):
the broker to rebuild its request state, find the audit chain's head and index reports; an
officer's CLI to list requests and to wait for a reply. No group means no group ACL is needed and
no offsets are committed for what is only a read.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

from kafka import KafkaConsumer, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord

from threadline.config import KafkaSettings
from threadline.errors import KafkaError
from threadline.kafka.clients import kafka_errors

__all__ = ["assign_all", "read_audit_chain", "read_to_end", "tail_window"]


def assign_all(
    consumer: KafkaConsumer, topic: str, *, timeout_s: float = 15.0
) -> list[TopicPartition]:
    """Assign every partition of ``topic`` (waiting for metadata) and return them."""
    deadline = time.monotonic() + timeout_s
    with kafka_errors(f"describing {topic}"):
        while True:
            partitions = consumer.partitions_for_topic(topic)
            if partitions:
                break
            if time.monotonic() > deadline:
                raise KafkaError(f"topic {topic} has no partitions visible to this principal")
            time.sleep(0.1)
        assigned = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(assigned)
    return assigned


def read_to_end(
    consumer: KafkaConsumer,
    partitions: Iterable[TopicPartition],
    handle: Callable[[ConsumerRecord], None],
    *,
    timeout_s: float = 30.0,
) -> int:
    """Feed every record up to the end offsets (as of now) to ``handle``; returns the count."""
    parts = list(partitions)
    count = 0
    deadline = time.monotonic() + timeout_s
    with kafka_errors("reading to the end of a topic"):
        ends = consumer.end_offsets(parts)
        while any(consumer.position(p) < ends[p] for p in parts):
            if time.monotonic() > deadline:
                raise KafkaError("timed out catching up with a topic", retriable=True)
            for records in consumer.poll(timeout_ms=200).values():
                for record in records:
                    handle(record)
                    count += 1
    return count


def tail_window(consumer: KafkaConsumer, partition: TopicPartition, window: int) -> None:
    """Position ``partition`` ``window`` offsets before its end (at least at its beginning)."""
    with kafka_errors("seeking near the end of a topic"):
        end = consumer.end_offsets([partition])[partition]
        begin = consumer.beginning_offsets([partition])[partition]
        consumer.seek(partition, max(begin, end - window))


def read_audit_chain(settings: KafkaSettings, *, timeout_s: float = 120.0) -> list[bytes]:
    """Every record of ``audit.v1`` (namespaced by the settings' prefix), oldest first."""
    from threadline.kafka.clients import consumer

    reader = consumer(settings, group_id=None)
    records: list[bytes] = []
    try:
        partitions = assign_all(reader, settings.topic_prefix + "audit.v1")
        read_to_end(
            reader, partitions, lambda r: records.append(r.value or b""), timeout_s=timeout_s
        )
    finally:
        reader.close()
    return records
