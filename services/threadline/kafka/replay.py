"""Putting dead-lettered reports back on the reports topic, once the cause is fixed.

Replay re-publishes the original bytes and key to the reports topic, so a report refused for a
cause since fixed (an agency missing from the registry, a schema not yet shipped) is processed
again. It keeps the **original record's timestamp** (read back at the source position; the DLQ
record's own timestamp if the source is gone): the correlator judges "now" by the record
timestamp, so a replay is judged as at first arrival and not refused as ``stale_event`` or
``replay_of_old_event`` merely because triage took a few days. (A topic with
``message.timestamp.type=LogAppendTime`` overrides this; see the DLQ runbook.)

It is safe to repeat because the correlator deduplicates by ``event_id`` and marks an event id
seen only once it passed verification (``correlator/screening.py``). Each replayed record
carries a ``threadline.replayed-from`` header naming its DLQ position, and each replay is
appended to a local ledger (:class:`ReplayLedger`) so the same DLQ record is not replayed twice
by accident.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kafka import TopicPartition

from threadline.config import KafkaSettings
from threadline.errors import KafkaError
from threadline.kafka.clients import consumer, kafka_errors, producer
from threadline.kafka.dlq import (
    REPORTS_TOPIC,
    SOURCE_OFFSET,
    SOURCE_PARTITION,
    SOURCE_TOPIC,
    DeadLetter,
)

__all__ = [
    "REPLAYED_FROM",
    "ReplayLedger",
    "Replayed",
    "original_timestamps",
    "replay",
    "source_position",
]

REPLAYED_FROM = "threadline.replayed-from"


@dataclass(frozen=True)
class Replayed:
    """One replayed record: where it was in the DLQ, where it went, with which timestamp."""

    source: DeadLetter
    topic: str
    partition: int
    offset: int
    timestamp_ms: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "dlq": self.source.position,
            "reason": self.source.reason,
            "fingerprint": self.source.fingerprint,
            "size": len(self.source.value),
            "to": f"{self.topic}:{self.partition}:{self.offset}",
            "timestamp_ms": self.timestamp_ms,
        }


def source_position(letter: DeadLetter) -> TopicPartition | None:
    """The partition the record was first read from, if the headers say so."""
    try:
        return TopicPartition(letter.headers[SOURCE_TOPIC], int(letter.headers[SOURCE_PARTITION]))
    except (KeyError, ValueError):
        return None


def original_timestamps(
    settings: KafkaSettings, letters: Sequence[DeadLetter], *, timeout_s: float = 10.0
) -> dict[str, int]:
    """DLQ position -> timestamp of the original record, read at its source position.

    Letters whose source is gone (retention) or unreadable are left out; the caller falls back
    to the DLQ record's own timestamp, which is when the correlator refused it.
    """
    reader = consumer(settings, group_id=None, max_poll_records=1)
    found: dict[str, int] = {}
    try:
        for letter in letters:
            tp = source_position(letter)
            offset = letter.headers.get(SOURCE_OFFSET, "")
            if tp is None or not offset.isdigit():
                continue
            with kafka_errors(f"reading the source of {letter.position}"):
                reader.assign([tp])
                reader.seek(tp, int(offset))
                deadline = time.monotonic() + timeout_s
                while time.monotonic() < deadline:
                    records = reader.poll(timeout_ms=200).get(tp, [])
                    if records:
                        if records[0].offset == int(offset):
                            found[letter.position] = int(records[0].timestamp)
                        break
    finally:
        reader.close()
    return found


def replay(settings: KafkaSettings, letters: Sequence[DeadLetter]) -> list[Replayed]:
    """Publish each record's original key and bytes, with its original timestamp, to the
    reports topic; wait for every acknowledgement (acks=all, idempotent). Records whose source
    was another topic are refused before anything is sent."""
    target = settings.topic_prefix + REPORTS_TOPIC
    strangers = [d.position for d in letters if d.source_topic not in (None, target)]
    if strangers:
        raise KafkaError(
            f"{len(strangers)} record(s) did not come from {target} (first: {strangers[0]}); "
            "narrow the selection"
        )
    stamps = original_timestamps(settings, letters)
    writer = producer(settings)
    try:
        with kafka_errors(f"replaying to {target}"):
            futures = [
                (
                    letter,
                    writer.send(
                        target,
                        key=letter.key,
                        value=letter.value,
                        headers=[(REPLAYED_FROM, letter.position.encode())],
                        timestamp_ms=stamps.get(letter.position, letter.timestamp_ms),
                    ),
                )
                for letter in letters
            ]
            writer.flush(timeout=60)
            done = [(letter, future.get(timeout=60)) for letter, future in futures]
    finally:
        writer.close(timeout=10)
    return [
        Replayed(letter, meta.topic, meta.partition, meta.offset, meta.timestamp)
        for letter, meta in done
    ]


class ReplayLedger:
    """An append-only JSON-lines record of replays on this operator's machine.

    Kept outside Kafka on purpose: the admin who replays owns the record, and the DLQ positions
    it lists are what stop a second, accidental replay of the same records.
    """

    def __init__(self, path: Path) -> None:
        self.path = path

    def replayed_positions(self) -> set[str]:
        if not self.path.is_file():
            return set()
        with self.path.open(encoding="utf-8") as lines:
            return {json.loads(line)["dlq"] for line in lines if line.strip()}

    def record(self, replayed: Iterable[Replayed], *, operator: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        at = datetime.now(UTC).isoformat(timespec="seconds")
        with self.path.open("a", encoding="utf-8") as out:
            for item in replayed:
                out.write(json.dumps({"at": at, "operator": operator, **item.as_dict()}) + "\n")
