"""What a protocol says, as typed, immutable values the request workflow can query.

Kept apart from the loader so the workflow, the document renderer and the tests can build and read
protocols without touching YAML or JSON Schema. The enums here are the single source of truth for
ranks, request types, identifier types and legal bases; a test pins the schema's enums to them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Generic, TypeVar

from threadline.errors import ConfigError

__all__ = [
    "RANK_ORDER",
    "Fact",
    "IdentifierType",
    "LegalBasis",
    "Preservation",
    "Protocol",
    "Rank",
    "RequestType",
    "RequestTypeRule",
    "ServiceLevels",
    "Source",
    "SubmissionChannel",
    "UserNotification",
    "rank_at_least",
]

T = TypeVar("T")


class Rank(StrEnum):
    """UK police ranks, lowest first: the declaration order *is* the ordering (see RANK_ORDER).

    Statutory roles are not ranks. Under IPA 2016 Part 3 the single point of contact (SPoC, s.76)
    advises; the Investigatory Powers Commissioner, through OCDA, grants routine authorisations
    (s.60A); a designated senior officer grants urgent ones (s.61A), at Inspector for entity data
    and Superintendent for all data (Schedule 4). Protocols express that as ``min_approval_rank``.
    """

    CONSTABLE = "constable"
    SERGEANT = "sergeant"
    INSPECTOR = "inspector"
    CHIEF_INSPECTOR = "chief_inspector"
    SUPERINTENDENT = "superintendent"
    CHIEF_SUPERINTENDENT = "chief_superintendent"
    ASSISTANT_CHIEF_CONSTABLE = "assistant_chief_constable"
    DEPUTY_CHIEF_CONSTABLE = "deputy_chief_constable"
    CHIEF_CONSTABLE = "chief_constable"


RANK_ORDER: tuple[Rank, ...] = tuple(Rank)


def rank_at_least(rank: Rank, minimum: Rank) -> bool:
    """True when ``rank`` is ``minimum`` or above; the one place ranks are compared."""
    return RANK_ORDER.index(Rank(rank)) >= RANK_ORDER.index(Rank(minimum))


class RequestType(StrEnum):
    """The five kinds of request every protocol file must describe, even if only as unknown."""

    PRESERVATION = "preservation"
    EMERGENCY_DISCLOSURE = "emergency_disclosure"
    BASIC_SUBSCRIBER_INFO = "basic_subscriber_info"
    TRAFFIC_DATA = "traffic_data"
    CONTENT = "content"


class IdentifierType(StrEnum):
    USERNAME = "username"
    PROFILE_URL = "profile_url"
    USER_ID = "user_id"
    EMAIL = "email"
    PHONE = "phone"
    IP_TIMESTAMP = "ip_timestamp"
    DEVICE_ID = "device_id"
    CONTENT_ID = "content_id"
    GROUP_ID = "group_id"


class LegalBasis(StrEnum):
    IPA2016_PART3_AUTHORISATION = "ipa2016_part3_authorisation"
    COPPO2019_OVERSEAS_PRODUCTION_ORDER = "coppo2019_overseas_production_order"
    UK_US_DATA_ACCESS_AGREEMENT = "uk_us_data_access_agreement"
    VOLUNTARY_EMERGENCY_DISCLOSURE = "voluntary_emergency_disclosure"
    VOLUNTARY_PRESERVATION_REQUEST = "voluntary_preservation_request"
    DOMESTIC_PRODUCTION_ORDER = "domestic_production_order"
    MLAT = "mlat"


@dataclass(frozen=True, slots=True)
class Fact(Generic[T]):
    """A published value with its source, or ``known=False`` with a note saying where we looked."""

    value: T | None
    known: bool
    note: str = ""
    source: str | None = None


@dataclass(frozen=True, slots=True)
class Source:
    """Where a fact was read, and when: platforms rewrite these pages without notice."""

    id: str
    title: str
    url: str
    via: str
    published: date | None = None
    retrieved: date | None = None
    date_note: str = ""


@dataclass(frozen=True, slots=True)
class SubmissionChannel:
    kind: str
    url: str | None = None
    address: str | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class ServiceLevels:
    acknowledgement_hours: Fact[int]
    response_days: Fact[int]
    preservation_days: Fact[int]
    preservation_extension_days: Fact[int]
    max_extensions: Fact[int]
    extension_request_lead_days: Fact[int]


@dataclass(frozen=True, slots=True)
class Preservation:
    """What a preservation buys: the SLA timers and expiry reminders are computed from this."""

    days: Fact[int]
    extension_days: Fact[int]
    max_extensions: Fact[int]
    extension_request_lead_days: Fact[int]


@dataclass(frozen=True, slots=True)
class UserNotification:
    policy: str
    exceptions: tuple[str, ...]
    note: str = ""


@dataclass(frozen=True, slots=True)
class RequestTypeRule:
    """One request type as a platform offers it, plus threadline's approval policy for it.

    ``min_approval_rank``, ``spoc_consultation_required`` and ``max_date_range_days`` are local
    policy (aligned with IPA 2016 Schedule 4); everything else is a published platform fact.
    """

    name: RequestType
    available: Fact[bool]
    accepted_identifiers: frozenset[IdentifierType] | None  # None: the research did not find them
    legal_bases: frozenset[LegalBasis]
    mandatory_fields: tuple[str, ...]
    min_approval_rank: Rank
    spoc_consultation_required: bool
    max_date_range_days: int | None
    submission_channel: SubmissionChannel
    service_levels: ServiceLevels
    sources: tuple[str, ...]
    notes: str = ""


@dataclass(frozen=True, slots=True)
class Protocol:
    """One platform's rules under one agreement; ``origin`` (the file) is kept for messages only."""

    protocol_id: str
    platform: str
    services: tuple[str, ...]
    version: str
    jurisdiction: str
    agreement: str
    provider_entity: Fact[str]
    effective_from: date
    reviewed_on: date
    sources: tuple[Source, ...]
    user_notification: UserNotification
    record_retention_days: Fact[int]
    rules: tuple[RequestTypeRule, ...]
    origin: str = field(default="", compare=False)

    def request_type(self, name: RequestType | str) -> RequestTypeRule:
        for rule in self.rules:
            if rule.name == name:
                return rule
        raise ConfigError(f"unknown request type {name!r}", code="unknown_request_type")

    def accepts(self, request_type: RequestType | str, identifier_type: IdentifierType) -> bool:
        """False for unknown acceptance too: an unconfirmed identifier is never sent silently."""
        accepted = self.request_type(request_type).accepted_identifiers
        return accepted is not None and IdentifierType(identifier_type) in accepted

    def allowed_legal_bases(self, request_type: RequestType | str) -> frozenset[LegalBasis]:
        return self.request_type(request_type).legal_bases

    def min_rank(self, request_type: RequestType | str) -> Rank:
        return self.request_type(request_type).min_approval_rank

    def max_date_range_days(self, request_type: RequestType | str) -> int | None:
        return self.request_type(request_type).max_date_range_days

    def preservation(self) -> Preservation:
        levels = self.request_type(RequestType.PRESERVATION).service_levels
        return Preservation(
            levels.preservation_days,
            levels.preservation_extension_days,
            levels.max_extensions,
            levels.extension_request_lead_days,
        )
