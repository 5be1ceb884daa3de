"""Turning a draft specification into a ``drafted`` request, or a refusal that names every rule.

Pure: everything it needs (officers, protocols, the case index, the clock) arrives in a
:class:`Context`. All checks run and all violations are reported together, so an officer fixes a
draft in one go rather than one error at a time. The approver's rank is not known yet, so the
rank rule is checked at approval (``workflow``); everything else the protocol says is checked here.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from threadline.broker.cases import CaseIndex
from threadline.broker.errors import RequestRefused, Violation
from threadline.broker.identifiers import platform_names, propose
from threadline.broker.model import (
    DataRequest,
    DraftSpec,
    EventKind,
    RequestEvent,
    Status,
)
from threadline.broker.officers import OfficerRegistry
from threadline.broker.protocols import (
    RANK_ORDER,
    IdentifierType,
    LegalBasis,
    Protocol,
    Rank,
    RequestType,
    validate_request,
)
from threadline.broker.timers import Timers

__all__ = [
    "BROKER",
    "SYSTEM_FIELDS",
    "Context",
    "build_draft",
    "find_protocol",
    "protocol_violations",
    "request_id_for",
]

BROKER = "broker"
"""The actor name of the broker itself (timers, automatic drafts)."""

SYSTEM_FIELDS = frozenset(
    {
        "requesting_authority",
        "officer_name",
        "official_email",
        "officer_phone",
        "officer_badge_number",
        "account_identifier",
        "date_range",
        "timezone",
        "user_notification_position",
        "signature",
        "letterhead",
        "english_language",
        "legal_basis_citation",
    }
)
"""Mandatory protocol fields the document fills from the registry, the request and the approval;
any other mandatory field (data_categories, emergency_nature...) must be written by the officer."""

MIN_JUSTIFICATION = 20


@dataclass(frozen=True)
class Context:
    """Everything the pure workflow may consult; ``now`` is the only clock it sees."""

    officers: OfficerRegistry
    protocols: Mapping[str, Protocol]
    cases: CaseIndex
    now: datetime
    timers: Timers = field(default_factory=Timers)


def request_id_for(seed: str) -> str:
    """A stable request id from a command id (or an alert and platform), so re-delivery of the
    same draft finds the request it already made instead of making a second one."""
    return "RQ-" + hashlib.sha256(seed.encode()).hexdigest()[:10].upper()


def find_protocol(protocols: Mapping[str, Protocol], name: str) -> Protocol:
    if name in protocols:
        return protocols[name]
    matches = [p for p in protocols.values() if name.lower() in platform_names(p)]
    if len(matches) == 1:
        return matches[0]
    raise RequestRefused.one(
        "unknown_platform", f"no single protocol for {name[:40]!r}; give a protocol id"
    )


def protocol_violations(
    protocol: Protocol,
    request: DataRequest | DraftSpec,
    identifier_types: set[IdentifierType],
    *,
    approver_rank: Rank | None = None,
    spoc_consulted: bool | None = None,
) -> list[Violation]:
    """The protocol rules (part 1's ``validate_request``) as broker violations."""
    found = validate_request(
        protocol,
        RequestType(request.request_type),
        identifier_types=identifier_types,
        legal_basis=LegalBasis(str(request.legal_basis)),
        date_from=request.date_from,
        date_to=request.date_to,
        approver_rank=approver_rank or RANK_ORDER[-1],  # rank is checked at approval
        spoc_consulted=spoc_consulted,
    )
    return [Violation(v.rule.value, v.path, v.message) for v in found]


def build_draft(
    spec: DraftSpec,
    *,
    drafted_by: str,
    request_id: str,
    command_id: str | None,
    ctx: Context,
    existing: Mapping[str, DataRequest],
    auto: bool = False,
) -> DataRequest:
    """The version-1 snapshot of a new request, or :class:`RequestRefused` listing every rule."""
    protocol = find_protocol(ctx.protocols, spec.protocol_id)
    violations: list[Violation] = []
    try:
        request_type = RequestType(spec.request_type)
    except ValueError:
        raise RequestRefused.one("unknown_request_type", f"{spec.request_type[:40]!r}") from None
    if not spec.legal_basis:
        violations.append(Violation("legal_basis_missing", "legal_basis", "name a legal basis"))
    elif spec.legal_basis not in set(LegalBasis):
        violations.append(
            Violation("unknown_legal_basis", "legal_basis", f"{spec.legal_basis[:40]!r}")
        )
    if len(spec.justification.strip()) < MIN_JUSTIFICATION:
        violations.append(
            Violation(
                "justification_missing",
                "justification",
                "state why the request is necessary and proportionate",
            )
        )
    entries = ctx.cases.entries(ctx.cases.refs_for(spec.origin_kind, spec.origin_id))
    refs, found = propose(
        protocol,
        request_type,
        entries,
        persons=spec.persons,
        identifier_types=spec.identifier_types,
    )
    violations.extend(found)
    types = {IdentifierType(r.identifier_type) for r in refs}
    types |= {IdentifierType(t) for t in spec.identifier_types if t in set(IdentifierType)}
    if not any(
        v.rule.startswith("legal_basis") or v.rule == "unknown_legal_basis" for v in violations
    ):
        violations.extend(protocol_violations(protocol, spec, types))
    rule = protocol.request_type(request_type)
    for name in rule.mandatory_fields:
        if name not in SYSTEM_FIELDS and not spec.details.get(name, "").strip():
            violations.append(
                Violation("mandatory_field_missing", name, f"{protocol.platform} requires {name}")
            )
    violations.extend(_related(spec, protocol, existing))
    if violations:
        raise RequestRefused(violations)
    event = RequestEvent(EventKind.DRAFTED, ctx.now, drafted_by, command_id)
    return DataRequest(
        request_id=request_id,
        version=1,
        status=Status.DRAFTED,
        event=event,
        reference_number=f"TL/{ctx.now:%Y}/{request_id.removeprefix('RQ-')}",
        protocol_id=protocol.protocol_id,
        protocol_version=protocol.version,
        platform=protocol.platform,
        request_type=request_type.value,
        legal_basis=str(spec.legal_basis),
        urgency=spec.urgency,
        justification=spec.justification.strip(),
        date_from=spec.date_from,
        date_to=spec.date_to,
        details=dict(sorted(spec.details.items())),
        origin_kind=spec.origin_kind,
        origin_id=spec.origin_id,
        identifiers=tuple(refs),
        drafted_by=drafted_by,
        drafted_at=ctx.now,
        auto_drafted=auto,
        related_request_id=spec.related_request_id,
        extension=spec.extension,
        command_ids=(command_id,) if command_id else (),
    )


def _related(
    spec: DraftSpec, protocol: Protocol, existing: Mapping[str, DataRequest]
) -> list[Violation]:
    if spec.related_request_id is None:
        if spec.extension:
            return [Violation("related_request_missing", "related_request_id", "extend which?")]
        return []
    related = existing.get(spec.related_request_id)
    if related is None:
        return [Violation("unknown_related_request", "related_request_id", "no such request")]
    if related.request_type != RequestType.PRESERVATION or related.platform != protocol.platform:
        return [
            Violation(
                "related_not_preservation",
                "related_request_id",
                "the related request is not a preservation with this platform",
            )
        ]
    return _extension(spec, protocol, related) if spec.extension else []


def _extension(spec: DraftSpec, protocol: Protocol, related: DataRequest) -> list[Violation]:
    if spec.request_type != RequestType.PRESERVATION:
        return [
            Violation("extension_not_preservation", "request_type", "only preservations extend")
        ]
    if related.preservation_expires_at is None or related.status in (
        Status.REJECTED,
        Status.EXPIRED,
    ):
        return [Violation("related_not_preserved", "related_request_id", "nothing is preserved")]
    limit = protocol.preservation().max_extensions
    if limit.known and limit.value is not None and related.extensions_used >= limit.value:
        return [
            Violation(
                "extension_limit_reached",
                "request_types.preservation.service_levels.max_extensions",
                f"{protocol.platform} allows {limit.value} extension(s); all used",
            )
        ]
    return []
