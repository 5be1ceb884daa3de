"""The link record: what stage 1 hands stage 2, and all that linking and alerting may know.

Stage 1 (``verify``, one task per report partition) reduces each verified event to a
:class:`LinkRecord` and sends it to the single-partition internal topic ``<app id>-linkage``,
where stage 2 (``link``) resolves subjects in one total order. The record keeps only what
linkage and alert rules need: references, event times, grading and TLP, the child's linkage
tokens, the suspects' identifier keys, and the structured concern fields. Ciphertexts, the
narrative, free-text reasons and handling conditions never cross into stage 2, so its state
stores hold tokens and codes only (DESIGN.md, *Privacy model*).

Wire format: one version byte (``01``), then the Avro binary encoding of :data:`SCHEMA`
(fastavro, schemaless). Avro rather than JSON because the child's tokens are binary, the record
is decoded once per report in stage 2 and again whenever a report's history is read, and the
schema documents the format in one place. It is internal to the correlator: both ends are
always the same build, so the version byte is enough to refuse a mismatched worker loudly.

``observation`` carries the report's de-identified :class:`~threadline.insights.Observation`
(Avro single-object bytes, drafted by stage 1 from the decoded event) to stage 2, which alone
knows whether the child is known to another agency. Stage 2 publishes it and does not keep it
in the report's history.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from io import BytesIO
from typing import Any

from fastavro import parse_schema, schemaless_reader, schemaless_writer

from threadline.contracts import EventType
from threadline.correlator.network import suspect_keys
from threadline.correlator.records import PersonTokens, decode_person, encode_person
from threadline.errors import ContractError

__all__ = [
    "SCHEMA",
    "LinkRecord",
    "as_avro",
    "decode_link_record",
    "encode_link_record",
    "millis",
]

_VERSION = b"\x02"
_STR_OR_NULL = ["null", "string"]
_LONG_OR_NULL = ["null", "long"]

SCHEMA: dict[str, Any] = {
    "type": "record",
    "name": "LinkRecord",
    "namespace": "org.threadline.correlator.v1",
    "doc": "One verified report event reduced to what linkage and alert rules need.",
    "fields": [
        {"name": "event_id", "type": "string"},
        {"name": "event_type", "type": "string", "doc": "EventType value, e.g. concern_raised"},
        {"name": "agency_id", "type": "string"},
        {"name": "report_id", "type": "string"},
        {"name": "occurred_at", "type": "long", "doc": "ms since the epoch, UTC"},
        {"name": "recorded_at", "type": "long"},
        {"name": "published_at", "type": "long", "doc": "Kafka timestamp of the report"},
        {"name": "source_evaluation", "type": "string"},
        {"name": "intelligence_assessment", "type": "string"},
        {"name": "handling_code", "type": "string"},
        {"name": "tlp", "type": "string"},
        {"name": "child", "type": ["null", "bytes"], "doc": "encode_person of the subject"},
        {"name": "suspects", "type": {"type": "array", "items": "bytes"}},
        {"name": "risk_level", "type": _STR_OR_NULL},
        {"name": "stage", "type": _STR_OR_NULL},
        {"name": "exploitation_types", "type": {"type": "array", "items": "string"}},
        {"name": "indicators", "type": {"type": "array", "items": "string"}},
        {"name": "missing_started_at", "type": _LONG_OR_NULL},
        {"name": "missing_ended_at", "type": _LONG_OR_NULL},
        {"name": "supersedes_event_id", "type": _STR_OR_NULL},
        {"name": "withdrawn_event_id", "type": _STR_OR_NULL},
        {"name": "source_partition", "type": "int"},
        {"name": "source_offset", "type": "long"},
        {
            "name": "observation",
            "type": ["null", "bytes"],
            "doc": "the draft insights observation (single-object Avro), none for updates",
        },
    ],
}
_PARSED = parse_schema(SCHEMA)


def millis(moment: datetime) -> int:
    """Milliseconds since the Unix epoch of an aware datetime."""
    return int(moment.astimezone(UTC).timestamp() * 1000)


@dataclass(frozen=True, slots=True)
class LinkRecord:
    """One event as stage 2 sees it (see :data:`SCHEMA` for each field)."""

    event_id: str
    event_type: str
    agency_id: str
    report_id: str
    occurred_at: int
    recorded_at: int
    published_at: int
    source_evaluation: str
    intelligence_assessment: str
    handling_code: str
    tlp: str
    child: bytes | None = None
    suspects: tuple[bytes, ...] = ()
    risk_level: str | None = None
    stage: str | None = None
    exploitation_types: tuple[str, ...] = ()
    indicators: tuple[str, ...] = ()
    missing_started_at: int | None = None
    missing_ended_at: int | None = None
    supersedes_event_id: str | None = None
    withdrawn_event_id: str | None = None
    source_partition: int = 0
    source_offset: int = 0
    observation: bytes | None = None
    _person: list[PersonTokens | None] = field(
        default_factory=list, init=False, compare=False, repr=False
    )

    @property
    def record_id(self) -> str:
        """The resolver's record id: one record per report, ``<agency id>/<report id>``."""
        return f"{self.agency_id}/{self.report_id}"

    @property
    def kind(self) -> EventType:
        return EventType(self.event_type)

    def person(self) -> PersonTokens | None:
        """The child's tokens, decoded once."""
        if not self._person:
            self._person.append(None if self.child is None else decode_person(self.child))
        return self._person[0]

    @classmethod
    def from_event(
        cls,
        event_type: EventType,
        record: dict[str, Any],
        *,
        published_at: datetime,
        source: tuple[int, int] = (0, 0),
        observation: bytes | None = None,
    ) -> LinkRecord:
        """Reduce a verified, decoded event. Badly shaped tokens raise ValidationError."""
        grading = record["grading"]
        subject = record.get("subject")
        child = None
        if subject is not None:
            child = encode_person(PersonTokens.from_mapping(subject["tokens"], path="subject"))
        suspects: list[bytes] = []
        for i, person in enumerate(record.get("associates") or ()):
            if person.get("role") == "SUSPECT":
                tokens = PersonTokens.from_mapping(person["tokens"], path=f"associates[{i}]")
                suspects.extend(suspect_keys(tokens))
        concern = record.get("concern") or {}
        started, ended = record.get("started_at"), record.get("ended_at")
        return cls(
            event_id=record["event_id"],
            event_type=event_type.value,
            agency_id=record["agency_id"],
            report_id=record["report_id"],
            occurred_at=millis(record["occurred_at"]),
            recorded_at=millis(record["recorded_at"]),
            published_at=millis(published_at),
            source_evaluation=grading["source_evaluation"],
            intelligence_assessment=grading["intelligence_assessment"],
            handling_code=grading["handling_code"],
            tlp=record["tlp"],
            child=child,
            suspects=tuple(sorted(set(suspects))),
            risk_level=concern.get("risk_level") or record.get("risk_level"),
            stage=concern.get("stage"),
            exploitation_types=tuple(concern.get("exploitation_types") or ()),
            indicators=tuple(concern.get("indicators") or ()),
            missing_started_at=millis(started) if started is not None else None,
            missing_ended_at=millis(ended) if ended is not None else None,
            supersedes_event_id=record.get("supersedes_event_id"),
            withdrawn_event_id=record.get("withdrawn_event_id"),
            source_partition=source[0],
            source_offset=source[1],
            observation=observation,
        )


_AVRO_FIELDS = tuple(f["name"] for f in SCHEMA["fields"])


def as_avro(record: LinkRecord) -> dict[str, Any]:
    """The record as the Avro writer wants it (the decoded-person cache left out)."""
    return {name: getattr(record, name) for name in _AVRO_FIELDS}


def encode_link_record(record: LinkRecord) -> bytes:
    buffer = BytesIO()
    buffer.write(_VERSION)
    schemaless_writer(buffer, _PARSED, as_avro(record))
    return buffer.getvalue()


def decode_link_record(data: bytes) -> LinkRecord:
    """Inverse of :func:`encode_link_record`; anything else raises ContractError."""
    if data[:1] != _VERSION:
        raise ContractError("not a version-2 link record", code="corrupt_link_record")
    buffer = BytesIO(data)
    buffer.seek(1)
    try:
        raw = schemaless_reader(buffer, _PARSED, None)
    except (EOFError, IndexError, ValueError, UnicodeDecodeError):
        raise ContractError("link record is corrupt", code="corrupt_link_record") from None
    if buffer.tell() != len(data) or not isinstance(raw, dict):
        raise ContractError("link record has trailing bytes", code="corrupt_link_record")
    for name in ("suspects", "exploitation_types", "indicators"):
        raw[name] = tuple(raw[name])
    return LinkRecord(**raw)
