"""The request workflow's values: commands in, request snapshots out.

Immutable dataclasses, so the pure workflow can return a new :class:`DataRequest` per event and a
test can compare them. ``to_record``/``from_record`` map them to the Avro records of
``schemas/broker`` one to one; the schemas keep kinds and statuses as strings and this module is
where they become enums (a value the enum does not know is refused on the way in).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

__all__ = [
    "CommandKind",
    "DataRequest",
    "DocumentRef",
    "DraftSpec",
    "EventKind",
    "IdentifierRef",
    "LiaisonCommand",
    "OriginKind",
    "Outcome",
    "PlatformResponse",
    "RequestEvent",
    "Status",
    "Urgency",
]


class CommandKind(StrEnum):
    DRAFT = "draft"
    APPROVE = "approve"
    REJECT = "reject"
    SUBMIT = "submit"
    RECORD_RESPONSE = "record_response"


class Status(StrEnum):
    """The lifecycle a request moves through; the last four are final."""

    DRAFTED = "drafted"
    APPROVED = "approved"
    SUBMITTED = "submitted"
    ACKNOWLEDGED = "acknowledged"
    PARTIALLY_FULFILLED = "partially_fulfilled"
    FULFILLED = "fulfilled"
    REJECTED = "rejected"
    EXPIRED = "expired"


class EventKind(StrEnum):
    DRAFTED = "drafted"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUBMITTED = "submitted"
    ACKNOWLEDGED = "acknowledged"
    PARTIALLY_FULFILLED = "partially_fulfilled"
    FULFILLED = "fulfilled"
    PLATFORM_REJECTED = "platform_rejected"
    EXPIRED = "expired"
    SLA_OVERDUE = "sla_overdue"
    PRESERVATION_EXPIRY_REMINDER = "preservation_expiry_reminder"
    PRESERVATION_EXTENDED = "preservation_extended"


class Urgency(StrEnum):
    ROUTINE = "routine"
    URGENT = "urgent"
    EMERGENCY = "emergency"


class OriginKind(StrEnum):
    ALERT = "alert"
    SUBJECT = "subject"
    REPORT = "report"


class Outcome(StrEnum):
    ACKNOWLEDGED = "acknowledged"
    FULFILLED = "fulfilled"
    PARTIALLY_FULFILLED = "partially_fulfilled"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class DraftSpec:
    origin_kind: OriginKind
    origin_id: str
    protocol_id: str
    request_type: str
    legal_basis: str | None
    justification: str
    date_from: date | None = None
    date_to: date | None = None
    urgency: Urgency = Urgency.ROUTINE
    persons: tuple[str, ...] = ()
    identifier_types: tuple[str, ...] = ()
    details: dict[str, str] = field(default_factory=dict)
    related_request_id: str | None = None
    extension: bool = False

    def to_record(self) -> dict[str, Any]:
        return {
            **dataclasses.asdict(self),
            "persons": list(self.persons),
            "identifier_types": list(self.identifier_types),
            "details": dict(self.details),
        }

    @classmethod
    def from_record(cls, raw: dict[str, Any]) -> DraftSpec:
        return cls(
            **{
                **raw,
                "origin_kind": OriginKind(raw["origin_kind"]),
                "urgency": Urgency(raw["urgency"]),
                "persons": tuple(raw["persons"]),
                "identifier_types": tuple(raw["identifier_types"]),
                "details": dict(raw["details"]),
            }
        )


@dataclass(frozen=True, slots=True)
class PlatformResponse:
    outcome: Outcome
    received_at: datetime
    platform_reference: str | None = None
    note: str | None = None

    def to_record(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_record(cls, raw: dict[str, Any]) -> PlatformResponse:
        return cls(**{**raw, "outcome": Outcome(raw["outcome"])})


@dataclass(frozen=True, slots=True)
class LiaisonCommand:
    """A command as the broker sees it after its signature was checked (or before signing)."""

    command_id: str
    officer: str
    issued_at: datetime
    kind: CommandKind
    request_id: str | None = None
    draft: DraftSpec | None = None
    note: str | None = None
    response: PlatformResponse | None = None

    def to_record(self, signature: bytes = bytes(64), signing_key_id: str = "") -> dict[str, Any]:
        return {
            "signature": signature,
            "signing_key_id": signing_key_id,
            "command_id": self.command_id,
            "officer": self.officer,
            "issued_at": self.issued_at,
            "kind": self.kind.value,
            "request_id": self.request_id,
            "draft": self.draft.to_record() if self.draft else None,
            "note": self.note,
            "response": self.response.to_record() if self.response else None,
        }

    @classmethod
    def from_record(cls, raw: dict[str, Any]) -> LiaisonCommand:
        return cls(
            command_id=raw["command_id"],
            officer=raw["officer"],
            issued_at=raw["issued_at"],
            kind=CommandKind(raw["kind"]),
            request_id=raw["request_id"],
            draft=DraftSpec.from_record(raw["draft"]) if raw["draft"] else None,
            note=raw["note"],
            response=PlatformResponse.from_record(raw["response"]) if raw["response"] else None,
        )


@dataclass(frozen=True, slots=True)
class IdentifierRef:
    """Where one identifier is held (an encrypted field of one event), never its value."""

    ref: str
    identifier_type: str
    agency_id: str
    report_id: str
    event_id: str
    path: str
    person_ref: str
    person_role: str
    platform: str | None = None


@dataclass(frozen=True, slots=True)
class DocumentRef:
    pdf_file: str
    json_file: str
    pdf_sha256: str
    json_sha256: str
    audit_seq: int
    issued_at: datetime


@dataclass(frozen=True, slots=True)
class RequestEvent:
    kind: EventKind
    at: datetime
    by: str
    command_id: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True)
class DataRequest:
    """The whole state of one request after its latest event (what the compacted topic keeps)."""

    request_id: str
    version: int
    status: Status
    event: RequestEvent
    reference_number: str
    protocol_id: str
    protocol_version: str
    platform: str
    request_type: str
    legal_basis: str
    urgency: Urgency
    justification: str
    date_from: date | None
    date_to: date | None
    details: dict[str, str]
    origin_kind: OriginKind
    origin_id: str
    identifiers: tuple[IdentifierRef, ...]
    drafted_by: str
    drafted_at: datetime
    auto_drafted: bool = False
    approved_by: str | None = None
    approved_at: datetime | None = None
    rejected_by: str | None = None
    rejection_reason: str | None = None
    submitted_by: str | None = None
    submitted_at: datetime | None = None
    acknowledged_at: datetime | None = None
    closed_at: datetime | None = None
    platform_reference: str | None = None
    related_request_id: str | None = None
    extension: bool = False
    preservation_expires_at: datetime | None = None
    extensions_used: int = 0
    document: DocumentRef | None = None
    reminders_sent: tuple[str, ...] = ()
    command_ids: tuple[str, ...] = ()

    @property
    def final(self) -> bool:
        return self.status in (Status.FULFILLED, Status.REJECTED, Status.EXPIRED)

    def evolve(self, event: RequestEvent, **changes: Any) -> DataRequest:
        """The next snapshot: ``event`` applied, version bumped, its command remembered."""
        seen = self.command_ids
        if event.command_id and event.command_id not in seen:
            seen = (*seen, event.command_id)
        return dataclasses.replace(
            self, version=self.version + 1, event=event, command_ids=seen, **changes
        )

    def to_record(self) -> dict[str, Any]:
        record = dataclasses.asdict(self)
        record["identifiers"] = [dataclasses.asdict(i) for i in self.identifiers]
        record["reminders_sent"] = list(self.reminders_sent)
        record["command_ids"] = list(self.command_ids)
        return record

    @classmethod
    def from_record(cls, raw: dict[str, Any]) -> DataRequest:
        event = raw["event"]
        document = raw["document"]
        return cls(
            **{
                **raw,
                "status": Status(raw["status"]),
                "urgency": Urgency(raw["urgency"]),
                "origin_kind": OriginKind(raw["origin_kind"]),
                "event": RequestEvent(**{**event, "kind": EventKind(event["kind"])}),
                "identifiers": tuple(IdentifierRef(**i) for i in raw["identifiers"]),
                "document": DocumentRef(**document) if document else None,
                "details": dict(raw["details"]),
                "reminders_sent": tuple(raw["reminders_sent"]),
                "command_ids": tuple(raw["command_ids"]),
            }
        )
