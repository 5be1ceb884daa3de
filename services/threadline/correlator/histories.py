"""A report's history: which of its events are live, and the one child they describe.

An agency report is about **one** child, told in several events: a concern, a referral, missing
episodes, corrections, withdrawals. The resolver therefore holds one record per report
(``<agency id>/<report id>``), whose tokens are derived from the report's live events:

* token sets (names, phonetic codes, phones, e-mails, handles) are the union over live events,
  so a new phone in a later episode adds to what can link the child, never replaces it;
* single-valued tokens (date of birth with its swap and year, postcode district, name CLK) come
  from the newest live event that has them;
* only the newest token scheme counts (tokens of different schemes never compare);
* the record's age (``seq``) is that of its oldest live event: the top 64 bits of the UUIDv7
  event id (48 bits of milliseconds, then 16 random bits), so age is event time, not arrival.

Events leave the live set when withdrawn (``ReportWithdrawn``, one event or the whole report) or
superseded (``ReportUpdated``: the event it names, or every earlier concern, referral and update
of the report when it names none; missing episodes stay, being facts of their own). Every event
id ever applied is remembered, so a redelivered or replayed event is recognised and ignored.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from io import BytesIO

from fastavro import parse_schema, schemaless_reader, schemaless_writer

from threadline.contracts import EventType
from threadline.correlator.linkrecords import SCHEMA as LINK_SCHEMA
from threadline.correlator.linkrecords import LinkRecord, as_avro
from threadline.correlator.records import MAX_TOKENS_PER_FIELD, PersonTokens
from threadline.errors import ContractError

__all__ = ["ReportHistory", "decode_history", "encode_history", "seq_of"]

_VERSION = b"\x02"
_SCHEMA = parse_schema(
    {
        "type": "record",
        "name": "ReportHistory",
        "namespace": "org.threadline.correlator.v1",
        "fields": [
            {"name": "events", "type": {"type": "array", "items": LINK_SCHEMA}},
            {"name": "retired", "type": {"type": "array", "items": "string"}},
        ],
    }
)
_SUPERSEDABLE = frozenset(
    {EventType.CONCERN_RAISED, EventType.REFERRAL_MADE, EventType.REPORT_UPDATED}
)
_SETS = ("given_name", "family_name", "name_phonetic", "phones", "emails", "handles")


def seq_of(event_id: str) -> int:
    """The age of an event as an unsigned 64-bit int: the top half of its UUIDv7."""
    return uuid.UUID(event_id).int >> 64


@dataclass(frozen=True, slots=True)
class ReportHistory:
    """Live events (sorted by event id, i.e. by time) and every event id already applied."""

    events: tuple[LinkRecord, ...] = ()
    retired: tuple[str, ...] = ()

    def knows(self, event_id: str) -> bool:
        """Whether this event id was already applied (live, withdrawn, or superseded)."""
        return event_id in self.retired or any(e.event_id == event_id for e in self.events)

    def apply(self, record: LinkRecord) -> ReportHistory:
        """The history after ``record`` (which must be of this report and not yet known)."""
        kind = record.kind
        if record.observation is not None:  # published once by stage 2, never kept
            record = replace(record, observation=None)
        live = list(self.events)
        gone: list[str] = []
        if kind is EventType.REPORT_WITHDRAWN:
            target = record.withdrawn_event_id
            gone = [e.event_id for e in live if target in (None, e.event_id)]
            if target is not None and target not in gone:
                gone.append(target)  # withdrawn before it arrived: ignore it when it does
            gone.append(record.event_id)
        elif kind is EventType.REPORT_UPDATED:
            target = record.supersedes_event_id
            if target is None:
                gone = [
                    e.event_id
                    for e in live
                    if e.kind in _SUPERSEDABLE and e.event_id < record.event_id
                ]
            else:
                gone = [target]
            live.append(record)
        else:
            live.append(record)
        kept = tuple(sorted((e for e in live if e.event_id not in gone), key=_event_order))
        return ReportHistory(kept, tuple(sorted({*self.retired, *gone})))

    def seq(self) -> int | None:
        """The age of the report's record: that of its oldest live event."""
        return seq_of(self.events[0].event_id) if self.events else None

    def suspect_keys(self) -> frozenset[bytes]:
        """Identifier keys of every suspect in the live events."""
        return frozenset(key for e in self.events for key in e.suspects)

    def person(self) -> PersonTokens | None:
        """The child's tokens merged over live events (module docstring), or None if none."""
        persons = [p for e in self.events if (p := e.person()) is not None]
        if not persons:
            return None
        scheme = persons[-1].scheme
        newest_first = [p for p in reversed(persons) if p.scheme == scheme]
        sets: dict[str, set[bytes]] = {name: set() for name in _SETS}
        for p in newest_first:
            for name in _SETS:
                room = MAX_TOKENS_PER_FIELD - len(sets[name])
                sets[name].update(sorted(getattr(p, name))[: max(room, 0)])
        dated = next((p for p in newest_first if p.dob or p.birth_year), None)
        postcode = next((p.postcode_district for p in newest_first if p.postcode_district), None)
        clk = next((p.name_clk for p in newest_first if p.name_clk), None)
        return PersonTokens(
            scheme,
            **{name: frozenset(tokens) for name, tokens in sets.items()},
            dob=dated.dob if dated else None,
            dob_swapped=dated.dob_swapped if dated else None,
            birth_year=dated.birth_year if dated else None,
            postcode_district=postcode,
            name_clk=clk,
        )


def _event_order(record: LinkRecord) -> str:
    return record.event_id


def encode_history(history: ReportHistory) -> bytes:
    buffer = BytesIO()
    buffer.write(_VERSION)
    events = [as_avro(e) for e in history.events]
    schemaless_writer(buffer, _SCHEMA, {"events": events, "retired": list(history.retired)})
    return buffer.getvalue()


def decode_history(data: bytes) -> ReportHistory:
    if data[:1] != _VERSION:
        raise ContractError("not a version-2 report history", code="corrupt_state")
    buffer = BytesIO(data)
    buffer.seek(1)
    try:
        raw = schemaless_reader(buffer, _SCHEMA, None)
    except (EOFError, IndexError, ValueError, UnicodeDecodeError):
        raise ContractError("report history is corrupt", code="corrupt_state") from None
    if not isinstance(raw, dict) or buffer.tell() != len(data):
        raise ContractError("report history has trailing bytes", code="corrupt_state")
    events = []
    for item in raw["events"]:
        for name in ("suspects", "exploitation_types", "indicators"):
            item[name] = tuple(item[name])
        events.append(LinkRecord(**item))
    return ReportHistory(tuple(events), tuple(raw["retired"]))
