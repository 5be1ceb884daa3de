"""The dead-letter topic for operators: what is in it, and putting records back once fixed.

The correlator sends every report it cannot process to ``safeguarding.reports.dlq.v1`` with
the original bytes as the value, the original key, and headers saying why::

    threadline.reason            machine-readable code (unknown_agency, bad_signature, ...)
    threadline.error             one-line message (names paths and rules, never values)
    threadline.source.topic      where the record was read
    threadline.source.partition
    threadline.source.offset

Triage never decodes a record: the value is a signed, field-encrypted report, and the only
parts shown are its size and the Avro single-object header (bytes 2..10, the CRC-64 schema
fingerprint, resolved to a schema name when it is one we ship). Header text is passed through
the log scrubber before it is shown, in case a producer put something personal in it.

Replaying records to the reports topic is :mod:`threadline.kafka.replay`.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from kafka import TopicPartition

from threadline.config import KafkaSettings
from threadline.contracts.schemas import MAGIC, SchemaRegistry
from threadline.errors import KafkaError
from threadline.kafka.clients import consumer, kafka_errors
from threadline.observability.pii import scrub

__all__ = [
    "DLQ_TOPIC",
    "REPORTS_TOPIC",
    "SOURCE_OFFSET",
    "SOURCE_PARTITION",
    "SOURCE_TOPIC",
    "DeadLetter",
    "counts_by_reason",
    "parse_headers",
    "read_dead_letters",
    "select",
]

DLQ_TOPIC = "safeguarding.reports.dlq.v1"
REPORTS_TOPIC = "safeguarding.reports.v1"
REASON, ERROR = "threadline.reason", "threadline.error"
SOURCE_TOPIC, SOURCE_PARTITION = "threadline.source.topic", "threadline.source.partition"
SOURCE_OFFSET = "threadline.source.offset"
_HEADER_MAX = 200


@dataclass(frozen=True)
class DeadLetter:
    """One DLQ record: its position, why it is there, and the untouched original bytes."""

    topic: str
    partition: int
    offset: int
    timestamp_ms: int
    key: bytes | None
    value: bytes
    headers: dict[str, str]

    @property
    def position(self) -> str:
        return f"{self.topic}:{self.partition}:{self.offset}"

    @property
    def reason(self) -> str:
        return self.headers.get(REASON) or "unknown"

    @property
    def source_topic(self) -> str | None:
        return self.headers.get(SOURCE_TOPIC)

    @property
    def fingerprint(self) -> str | None:
        """The schema fingerprint from the single-object header, in hex, if there is one."""
        if len(self.value) >= 10 and self.value[:2] == MAGIC:
            return self.value[2:10].hex()
        return None

    def summary(self, schemas: SchemaRegistry | None = None) -> dict[str, Any]:
        """Everything triage may show: no byte of the record body, headers scrubbed."""
        fingerprint = self.fingerprint
        writer = schemas.writer(bytes.fromhex(fingerprint)) if schemas and fingerprint else None
        source = ":".join(
            self.headers.get(h, "?") for h in (SOURCE_TOPIC, SOURCE_PARTITION, SOURCE_OFFSET)
        )
        return {
            "partition": self.partition,
            "offset": self.offset,
            "at": datetime.fromtimestamp(self.timestamp_ms / 1000, UTC).isoformat(
                timespec="seconds"
            ),
            "reason": self.reason,
            "error": self.headers.get(ERROR, ""),
            "source": source,
            "key": _safe_text(self.key.decode("utf-8", "replace")) if self.key else None,
            "size": len(self.value),
            "fingerprint": fingerprint,
            "schema": _schema_name(writer.event_type.value, writer.release) if writer else None,
        }


def _schema_name(event_type: str, release: int | None) -> str:
    return f"{event_type} ({'working copy' if release is None else f'release {release}'})"


def _safe_text(text: str) -> str:
    return scrub(text[:_HEADER_MAX])[0]


def parse_headers(headers: Iterable[tuple[str, bytes | None]]) -> dict[str, str]:
    """Kafka headers as text, scrubbed and shortened; a repeated header keeps its last value."""
    return {name: _safe_text((value or b"").decode("utf-8", "replace")) for name, value in headers}


def counts_by_reason(letters: Iterable[DeadLetter]) -> dict[str, int]:
    """How many records per reason, most frequent first."""
    return dict(Counter(letter.reason for letter in letters).most_common())


def select(
    letters: Iterable[DeadLetter],
    *,
    reasons: Collection[str] = (),
    skip: Collection[str] = (),
) -> list[DeadLetter]:
    """Records with one of ``reasons`` (any if empty) whose position is not in ``skip``."""
    return [
        letter
        for letter in letters
        if (not reasons or letter.reason in reasons) and letter.position not in skip
    ]


def read_dead_letters(settings: KafkaSettings, *, timeout_s: float = 60.0) -> list[DeadLetter]:
    """Every record now in the DLQ topic (namespaced by the settings), oldest first per
    partition. Reads without a consumer group: triage commits nothing."""
    topic = settings.topic_prefix + DLQ_TOPIC
    reader = consumer(settings, group_id=None)
    letters: list[DeadLetter] = []
    deadline = time.monotonic() + timeout_s
    try:
        with kafka_errors(f"reading {topic}"):
            partitions = [TopicPartition(topic, p) for p in sorted(_partitions(reader, topic))]
            reader.assign(partitions)
            reader.seek_to_beginning(*partitions)
            ends = reader.end_offsets(partitions)
            while any(reader.position(tp) < ends[tp] for tp in partitions):
                if time.monotonic() > deadline:
                    raise KafkaError(f"timed out reading {topic}", retriable=True)
                for records in reader.poll(timeout_ms=200).values():
                    letters.extend(_letter(record) for record in records)
    finally:
        reader.close()
    return sorted(letters, key=lambda d: (d.partition, d.offset))


def _partitions(reader: Any, topic: str, timeout_s: float = 15.0) -> set[int]:
    deadline = time.monotonic() + timeout_s
    while not (found := reader.partitions_for_topic(topic)):
        if time.monotonic() > deadline:
            raise KafkaError(f"topic {topic} does not exist or this principal may not see it")
        time.sleep(0.1)
    return set(found)


def _letter(record: Any) -> DeadLetter:
    return DeadLetter(
        topic=record.topic,
        partition=record.partition,
        offset=record.offset,
        timestamp_ms=record.timestamp,
        key=record.key,
        value=record.value or b"",
        headers=parse_headers(record.headers or ()),
    )
