"""The request lifecycle as a pure state machine: (requests, command, context) -> decision.

::

    drafted ──approve (other officer, rank)──▶ approved ──submit──▶ submitted
       │                                                            │ record-response
       ├──reject──▶ rejected                 acknowledged ◀─────────┤
       └──(timer)──▶ expired                      │                 ├──▶ fulfilled
                                                  ├──▶ partially_fulfilled ──▶ fulfilled
                                                  └──▶ rejected (by the platform)
    preservations: acknowledged/fulfilled ──(expiry date)──▶ expired; an extension moves the date

No I/O and no clock but ``ctx.now``: the service decides *when*, this module decides *what*. An
approval does not decrypt anything itself; it returns ``disclose`` and the processor performs the
audited decryption and renders the document, so the one step that touches the disclosure key is
small and separate (``disclosure``). Every decision carries its audit entries.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta

from threadline.broker.audit import AuditEntry
from threadline.broker.drafting import (
    BROKER,
    Context,
    build_draft,
    find_protocol,
    protocol_violations,
    request_id_for,
)
from threadline.broker.errors import RequestRefused
from threadline.broker.model import (
    CommandKind,
    DataRequest,
    EventKind,
    LiaisonCommand,
    Outcome,
    RequestEvent,
    Status,
)
from threadline.broker.officers import Role
from threadline.broker.protocols import IdentifierType, Protocol, RequestType

__all__ = ["Decision", "decide", "purpose_of"]


@dataclass(frozen=True)
class Decision:
    """New snapshots to publish, audit entries to chain, and whether to disclose now."""

    requests: tuple[DataRequest, ...] = ()
    audit: tuple[AuditEntry, ...] = ()
    disclose: DataRequest | None = None
    duplicate: bool = False


def purpose_of(request: DataRequest) -> str:
    """The 'why' of an audit entry: what kind of request, to whom, on what basis."""
    approved = f", approved by {request.approved_by}" if request.approved_by else ""
    return (
        f"{request.request_type} to {request.platform} under {request.legal_basis} "
        f"({request.reference_number}{approved})"
    )


def decide(requests: Mapping[str, DataRequest], command: LiaisonCommand, ctx: Context) -> Decision:
    """What ``command`` does to the requests; raises :class:`RequestRefused` naming the rule."""
    if command.kind is CommandKind.DRAFT:
        return _draft(requests, command, ctx)
    request = requests.get(command.request_id or "")
    if request is None:
        raise RequestRefused.one("unknown_request", "no request has that id")
    if command.command_id in request.command_ids:
        return Decision(duplicate=True)
    handler = {
        CommandKind.APPROVE: _approve,
        CommandKind.REJECT: _reject,
        CommandKind.SUBMIT: _submit,
        CommandKind.RECORD_RESPONSE: _respond,
    }[command.kind]
    return handler(requests, request, command, ctx)


def _entry(request: DataRequest, command: LiaisonCommand, action: str) -> AuditEntry:
    return AuditEntry(
        actor=command.officer,
        action=action,
        request_id=request.request_id,
        command_id=command.command_id,
        purpose=purpose_of(request),
    )


def _draft(requests: Mapping[str, DataRequest], command: LiaisonCommand, ctx: Context) -> Decision:
    request_id = request_id_for(command.command_id)
    existing = requests.get(request_id)
    if existing is not None and command.command_id in existing.command_ids:
        return Decision(duplicate=True)
    if existing is not None:
        raise RequestRefused.one("duplicate_request", "a request with this id already exists")
    ctx.officers.require(command.officer, Role.REQUESTER)
    if command.draft is None:
        raise RequestRefused.one("draft_missing", "a draft command needs a draft")
    drafted = build_draft(
        command.draft,
        drafted_by=command.officer,
        request_id=request_id,
        command_id=command.command_id,
        ctx=ctx,
        existing=requests,
    )
    return Decision((drafted,), (_entry(drafted, command, "request_drafted"),))


def _expect(request: DataRequest, *allowed: Status) -> None:
    if request.status not in allowed:
        wanted = " or ".join(s.value for s in allowed)
        raise RequestRefused.one(
            "invalid_transition", f"the request is {request.status.value}, not {wanted}"
        )


def _approve(
    requests: Mapping[str, DataRequest],
    request: DataRequest,
    command: LiaisonCommand,
    ctx: Context,
) -> Decision:
    _expect(request, Status.DRAFTED)
    approver = ctx.officers.require(command.officer, Role.APPROVER)
    if approver.principal == request.drafted_by:
        raise RequestRefused.one(
            "self_approval", "a request must be approved by an officer other than its drafter"
        )
    protocol = find_protocol(ctx.protocols, request.protocol_id)
    drafter = ctx.officers.get(request.drafted_by)
    spoc = approver.has(Role.SPOC) or (drafter is not None and drafter.has(Role.SPOC))
    types = {IdentifierType(i.identifier_type) for i in request.identifiers}
    violations = protocol_violations(
        protocol, request, types, approver_rank=approver.rank, spoc_consulted=spoc
    )
    if violations:
        raise RequestRefused(violations)
    refs = {(i.agency_id, i.report_id) for i in request.identifiers}
    for agency_id, report_id in sorted(refs):
        entry = ctx.cases.entry(agency_id, report_id)
        if entry is None or entry.withdrawn:
            raise RequestRefused.one("report_withdrawn", "a report behind the request is gone")
    approved = request.evolve(
        RequestEvent(
            EventKind.APPROVED, ctx.now, approver.principal, command.command_id, command.note
        ),
        status=Status.APPROVED,
        approved_by=approver.principal,
        approved_at=ctx.now,
    )
    return Decision((), (_entry(approved, command, "request_approved"),), disclose=approved)


def _reject(
    requests: Mapping[str, DataRequest],
    request: DataRequest,
    command: LiaisonCommand,
    ctx: Context,
) -> Decision:
    _expect(request, Status.DRAFTED, Status.APPROVED)
    officer = ctx.officers.require(command.officer, Role.REQUESTER)
    if officer.principal != request.drafted_by and not officer.has(Role.APPROVER):
        raise RequestRefused.one("officer_not_authorised", "only the drafter or an approver")
    if not (command.note or "").strip():
        raise RequestRefused.one("reason_missing", "say why the request is rejected")
    rejected = request.evolve(
        RequestEvent(
            EventKind.REJECTED, ctx.now, officer.principal, command.command_id, command.note
        ),
        status=Status.REJECTED,
        rejected_by=officer.principal,
        rejection_reason=command.note,
        closed_at=ctx.now,
    )
    return Decision((rejected,), (_entry(rejected, command, "request_rejected"),))


def _submit(
    requests: Mapping[str, DataRequest],
    request: DataRequest,
    command: LiaisonCommand,
    ctx: Context,
) -> Decision:
    _expect(request, Status.APPROVED)
    officer = ctx.officers.require(command.officer, Role.REQUESTER)
    submitted = request.evolve(
        RequestEvent(
            EventKind.SUBMITTED, ctx.now, officer.principal, command.command_id, command.note
        ),
        status=Status.SUBMITTED,
        submitted_by=officer.principal,
        submitted_at=ctx.now,
    )
    return Decision((submitted,), (_entry(submitted, command, "request_submitted"),))


_NEXT = {
    Outcome.ACKNOWLEDGED: ((Status.SUBMITTED,), Status.ACKNOWLEDGED, EventKind.ACKNOWLEDGED),
    Outcome.PARTIALLY_FULFILLED: (
        (Status.SUBMITTED, Status.ACKNOWLEDGED),
        Status.PARTIALLY_FULFILLED,
        EventKind.PARTIALLY_FULFILLED,
    ),
    Outcome.FULFILLED: (
        (Status.SUBMITTED, Status.ACKNOWLEDGED, Status.PARTIALLY_FULFILLED),
        Status.FULFILLED,
        EventKind.FULFILLED,
    ),
    Outcome.REJECTED: (
        (Status.SUBMITTED, Status.ACKNOWLEDGED),
        Status.REJECTED,
        EventKind.PLATFORM_REJECTED,
    ),
}


def _respond(
    requests: Mapping[str, DataRequest],
    request: DataRequest,
    command: LiaisonCommand,
    ctx: Context,
) -> Decision:
    response = command.response
    if response is None:
        raise RequestRefused.one("response_missing", "record-response needs an outcome")
    allowed, status, kind = _NEXT[response.outcome]
    _expect(request, *allowed)
    officer = ctx.officers.require(command.officer, Role.REQUESTER)
    at = response.received_at
    changes: dict[str, object] = {"status": status}
    if response.platform_reference:
        changes["platform_reference"] = response.platform_reference
    if status is Status.ACKNOWLEDGED or request.acknowledged_at is None:
        changes["acknowledged_at"] = at
    if status in (Status.FULFILLED, Status.REJECTED):
        changes["closed_at"] = at
    if status is Status.REJECTED:
        changes |= {"rejected_by": "platform", "rejection_reason": response.note}
    preserved = request.request_type == RequestType.PRESERVATION and status in (
        Status.ACKNOWLEDGED,
        Status.FULFILLED,
    )
    protocol = ctx.protocols.get(request.protocol_id)
    extended: tuple[DataRequest, ...] = ()
    if preserved and protocol is not None and request.preservation_expires_at is None:
        days = protocol.preservation().days
        if days.known and days.value is not None:
            changes["preservation_expires_at"] = at + timedelta(days=days.value)
        related = requests.get(request.related_request_id or "")
        if request.extension and related is not None:
            extended = _extend(related, protocol, command, ctx)
    note = response.note or (
        f"platform reference {response.platform_reference}" if response.platform_reference else None
    )
    updated = request.evolve(
        RequestEvent(kind, ctx.now, officer.principal, command.command_id, note), **changes
    )
    return Decision((*extended, updated), (_entry(updated, command, "response_recorded"),))


def _extend(
    original: DataRequest, protocol: Protocol, command: LiaisonCommand, ctx: Context
) -> tuple[DataRequest, ...]:
    """The preservation an acknowledged extension prolongs, with its new expiry date."""
    days = protocol.preservation().extension_days
    days_value = days.value if days.known and days.value else protocol.preservation().days.value
    if original.preservation_expires_at is None or not days_value:
        return ()
    new_expiry = original.preservation_expires_at + timedelta(days=days_value)
    event = RequestEvent(
        EventKind.PRESERVATION_EXTENDED,
        ctx.now,
        BROKER,
        None,
        f"extended to {new_expiry:%Y-%m-%d} by {command.request_id}",
    )
    return (
        original.evolve(
            event,
            preservation_expires_at=new_expiry,
            extensions_used=original.extensions_used + 1,
            status=original.status if original.status is not Status.EXPIRED else Status.FULFILLED,
        ),
    )
