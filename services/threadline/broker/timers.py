"""Service-level timers and preservation-expiry reminders, as pure functions of state and time.

No platform in ``protocols/`` publishes an acknowledgement or response time, so the chase timers
are threadline policy (:class:`Timers`, configurable), used only when the protocol's own figure
is unknown. Preservation expiry is a platform fact where published (Snap 365 days, Meta 90...):
the reminder fires ``extension_request_lead_days`` before it (the protocol's figure, else the
policy's), and the request expires when the date passes.

Each timer fires once per request and per due date: its key (``ack-overdue``,
``preservation-reminder:2027-02-20``) is stored in the snapshot's ``reminders_sent``, so a broker
restart, which rebuilds state from the requests topic, never repeats a reminder; an extension moves
the expiry date and so arms a new reminder.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from threadline.broker.model import DataRequest, EventKind, RequestEvent, Status, Urgency
from threadline.broker.protocols import Protocol, RequestType

__all__ = ["Timers", "due"]

_ACTOR = "broker"


@dataclass(frozen=True)
class Timers:
    """threadline's own chase policy, by urgency (hours to acknowledgement, days to response)."""

    ack_hours: Mapping[Urgency, int] = field(
        default_factory=lambda: {Urgency.EMERGENCY: 1, Urgency.URGENT: 24, Urgency.ROUTINE: 72}
    )
    response_days: Mapping[Urgency, int] = field(
        default_factory=lambda: {Urgency.EMERGENCY: 1, Urgency.URGENT: 7, Urgency.ROUTINE: 28}
    )
    draft_expiry_days: Mapping[Urgency, int] = field(
        default_factory=lambda: {Urgency.EMERGENCY: 1, Urgency.URGENT: 7, Urgency.ROUTINE: 28}
    )
    preservation_lead_days: int = 14


def due(
    requests: Iterable[DataRequest],
    protocols: Mapping[str, Protocol],
    now: datetime,
    timers: Timers,
) -> list[DataRequest]:
    """Every snapshot a timer produces at ``now``, in request-id order, oldest event first."""
    fired = []
    for request in sorted(requests, key=lambda r: r.request_id):
        protocol = protocols.get(request.protocol_id)
        latest = None
        for _ in range(4):  # each firing records its key or ends the request, so this converges
            step = next(_steps(latest or request, protocol, now, timers), None)
            if step is None:
                break
            latest = step
            fired.append(step)
    return fired


def _fire(
    request: DataRequest, key: str, kind: EventKind, note: str, now: datetime, **changes: object
) -> DataRequest:
    event = RequestEvent(kind, now, _ACTOR, None, note)
    return request.evolve(event, reminders_sent=(*request.reminders_sent, key), **changes)


def _steps(
    request: DataRequest, protocol: Protocol | None, now: datetime, timers: Timers
) -> Iterator[DataRequest]:
    sent = set(request.reminders_sent)
    if request.status is Status.DRAFTED:
        limit = request.drafted_at + timedelta(days=timers.draft_expiry_days[request.urgency])
        if now >= limit and "draft-expired" not in sent:
            note = f"not approved within {timers.draft_expiry_days[request.urgency]} day(s)"
            yield _fire(
                request,
                "draft-expired",
                EventKind.EXPIRED,
                note,
                now,
                status=Status.EXPIRED,
                closed_at=now,
            )
        return
    levels = protocol.request_type(request.request_type).service_levels if protocol else None
    if request.status is Status.SUBMITTED and request.submitted_at is not None:
        known = levels is not None and levels.acknowledgement_hours.known
        hours = levels.acknowledgement_hours.value if known and levels else None
        hours = hours if hours is not None else timers.ack_hours[request.urgency]
        if now >= request.submitted_at + timedelta(hours=hours) and "ack-overdue" not in sent:
            yield _fire(
                request,
                "ack-overdue",
                EventKind.SLA_OVERDUE,
                f"no acknowledgement within {hours} hour(s) of submission",
                now,
            )
    if request.request_type == RequestType.PRESERVATION:
        yield from _preservation(request, protocol, now, timers, sent)
        return
    if request.status in (Status.ACKNOWLEDGED, Status.PARTIALLY_FULFILLED):
        start = request.acknowledged_at or request.submitted_at
        known = levels is not None and levels.response_days.known
        days = levels.response_days.value if known and levels else None
        days = days if days is not None else timers.response_days[request.urgency]
        if start and now >= start + timedelta(days=days) and "response-overdue" not in sent:
            yield _fire(
                request,
                "response-overdue",
                EventKind.SLA_OVERDUE,
                f"no complete response within {days} day(s)",
                now,
            )


def _preservation(
    request: DataRequest,
    protocol: Protocol | None,
    now: datetime,
    timers: Timers,
    sent: set[str],
) -> Iterator[DataRequest]:
    expires = request.preservation_expires_at
    if expires is None or request.status in (Status.REJECTED, Status.EXPIRED):
        return
    lead_fact = protocol.preservation().extension_request_lead_days if protocol else None
    lead = lead_fact.value if lead_fact and lead_fact.known and lead_fact.value else None
    lead = lead if lead is not None else timers.preservation_lead_days
    key = f"preservation-reminder:{expires:%Y-%m-%d}"
    if now >= expires:
        yield _fire(
            request,
            f"preservation-expired:{expires:%Y-%m-%d}",
            EventKind.EXPIRED,
            f"preservation lapsed on {expires:%Y-%m-%d}",
            now,
            status=Status.EXPIRED,
            closed_at=now,
        )
    elif now >= expires - timedelta(days=lead) and key not in sent:
        yield _fire(
            request,
            key,
            EventKind.PRESERVATION_EXPIRY_REMINDER,
            f"preservation expires {expires:%Y-%m-%d}; request any extension now",
            now,
        )
