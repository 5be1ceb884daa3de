"""Stage 1 without Kafka: verify a report, drop duplicates, reduce it to a link record.

:meth:`ReportScreen.screen` decides the fate of one record of ``safeguarding.reports.v1``:

* :class:`DeadLetter` - it failed verification (``reason`` is the error code, see
  :mod:`~threadline.correlator.verify`); the runner sends the **original bytes** to the DLQ
  with :func:`dead_letter_headers`.
* :class:`Duplicate` - an exact **replay** (an event id already seen) or a **re-send** (the same
  agency published the same content under a new event id). Counted, never forwarded.
* :class:`Forward` - a new event: its :class:`LinkRecord` goes to the linkage topic, carrying
  the draft insights observation when an :class:`~threadline.correlator.observing.Observer`
  is given. An event whose observation cannot be drafted is still forwarded (linking matters
  more than a statistic); ``unobserved`` says so, for a metric.

The two dedupe tables are partition-local: reports are keyed by report id, so a replay or
re-send of a report lands on the partition that saw the original. Each entry stores the
*origin* of the first sighting (source partition and offset). Seeing the same event at its own
origin again is not a replay but the same Kafka record processed again after a crash (its table
writes were committed, its offset not yet): it is forwarded again, and stage 2, which ignores an
event id it already applied, makes that harmless. Stage 1 does not need the step lock of
:mod:`~threadline.correlator.guards`: a re-run also restores a content entry whose write was
lost, and stage 2 backstops any replay stage 1 missed.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from threadline.correlator.linkrecords import LinkRecord, encode_link_record
from threadline.correlator.observing import Observer
from threadline.correlator.state import Table
from threadline.correlator.verify import EventVerifier
from threadline.errors import ThreadlineError, ValidationError

__all__ = [
    "DeadLetter",
    "Duplicate",
    "Forward",
    "ReportScreen",
    "dead_letter_headers",
]

_ORIGIN = struct.Struct("<IQ")


@dataclass(frozen=True, slots=True)
class Forward:
    """A new, verified event and its encoded link record."""

    record: LinkRecord
    payload: bytes
    unobserved: bool = False


@dataclass(frozen=True, slots=True)
class Duplicate:
    """An event already seen: the same event id (``replay``) or the same content (``resend``)."""

    kind: Literal["replay", "resend"]
    event_type: str


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """An event that failed; ``message`` names rules and paths, never values."""

    reason: str
    message: str


class ReportScreen:
    """Verifier plus the two dedupe tables (event id -> origin, agency+content -> origin)."""

    def __init__(
        self,
        verifier: EventVerifier,
        events: Table[bytes, bytes],
        contents: Table[bytes, bytes],
        observer: Observer | None = None,
    ) -> None:
        self.verifier = verifier
        self.events = events
        self.contents = contents
        self.observer = observer

    def screen(
        self, data: bytes, *, received_at: datetime, source: tuple[int, int]
    ) -> Forward | Duplicate | DeadLetter:
        """Decide one record; ``source`` is its (partition, offset) in the reports topic."""
        try:
            event = self.verifier.verify(data, received_at=received_at)
        except ThreadlineError as exc:
            return DeadLetter(exc.code, exc.message)
        observation, unobserved = None, False
        if self.observer is not None:
            try:
                observation = self.observer.draft(event.event_type, event.record)
            except ValidationError:
                unobserved = True
        try:
            record = LinkRecord.from_event(
                event.event_type,
                event.record,
                published_at=received_at,
                source=source,
                observation=observation,
            )
        except ThreadlineError as exc:
            return DeadLetter(exc.code, exc.message)
        origin = _ORIGIN.pack(*source)
        event_key = event.event_id.encode()
        seen = self.events.get(event_key)
        if seen is not None and seen != origin:
            return Duplicate("replay", event.event_type.value)
        content_key = event.agency_id.encode() + b"|" + event.fingerprint
        first = self.contents.get(content_key)
        if first is not None and first != origin:
            return Duplicate("resend", event.event_type.value)
        if seen is None:
            self.events.set(event_key, origin)
        if first is None:  # new, or a re-run whose second write had not been committed
            self.contents.set(content_key, origin)
        return Forward(record, encode_link_record(record), unobserved)


def dead_letter_headers(
    reason: str, message: str, *, topic: str, partition: int, offset: int
) -> list[tuple[str, bytes]]:
    """Kafka headers of a dead letter: why, and where the original bytes came from."""
    return [
        ("threadline.reason", reason.encode()),
        ("threadline.error", message.encode()[:1000]),
        ("threadline.source.topic", topic.encode()),
        ("threadline.source.partition", str(partition).encode()),
        ("threadline.source.offset", str(offset).encode()),
    ]
