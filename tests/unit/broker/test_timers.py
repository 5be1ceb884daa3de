"""SLA timers and preservation reminders fire once, at the right time, and survive a rebuild.

Why: a missed preservation expiry loses evidence for good; a reminder repeated every tick buries
the one that matters. Time is moved with a settable clock, never slept.
"""

from __future__ import annotations

from datetime import timedelta

from tests.unit.broker.conftest import Broker, ReportFactory
from threadline.broker.model import (
    CommandKind,
    DataRequest,
    EventKind,
    Outcome,
    PlatformResponse,
    Status,
)
from threadline.broker.timers import Timers, due

SPOC1, SPOC2 = "liaison-spoc1", "liaison-spoc2"


def _events(broker: Broker) -> list[tuple[str, str]]:
    decoded = [broker.processor.codec.decode(o.value) for o in broker.processor.tick()]
    return [(r["request_id"], r["event"]["kind"]) for n, r in decoded if n == "RequestRecord"]


def _submitted(broker: Broker, make_report: ReportFactory) -> DataRequest:
    report = make_report()
    broker.processor.cases.add_report_bytes(report.data)
    request = broker.draft(report)
    broker.do(SPOC2, CommandKind.APPROVE, request_id=request.request_id)
    return broker.do(SPOC1, CommandKind.SUBMIT, request_id=request.request_id)


def test_acknowledgement_overdue_fires_once(broker: Broker, make_report: ReportFactory) -> None:
    request = _submitted(broker, make_report)
    broker.clock.advance(hours=71)
    assert _events(broker) == []
    broker.clock.advance(hours=2)  # routine: 72 hours (no platform publishes a figure)
    assert _events(broker) == [(request.request_id, "sla_overdue")]
    broker.clock.advance(hours=24)
    assert _events(broker) == []


def test_preservation_reminder_then_expiry(broker: Broker, make_report: ReportFactory) -> None:
    request = _submitted(broker, make_report)
    ack = PlatformResponse(Outcome.ACKNOWLEDGED, broker.clock(), "SNAP-9")
    broker.do(SPOC1, CommandKind.RECORD_RESPONSE, request_id=request.request_id, response=ack)
    broker.clock.advance(days=365 - 15)
    assert _events(broker) == []
    broker.clock.advance(days=2)  # within 14 days of expiry
    assert _events(broker) == [(request.request_id, "preservation_expiry_reminder")]
    assert _events(broker) == []
    broker.clock.advance(days=14)
    assert _events(broker) == [(request.request_id, "expired")]
    assert broker.processor.requests[request.request_id].status is Status.EXPIRED
    assert _events(broker) == []


def test_unapproved_drafts_expire(broker: Broker, make_report: ReportFactory) -> None:
    report = make_report()
    broker.processor.cases.add_report_bytes(report.data)
    request = broker.draft(report)
    broker.clock.advance(days=28, seconds=1)
    assert _events(broker) == [(request.request_id, "expired")]


def test_reminders_already_sent_are_not_repeated_after_a_rebuild(
    broker: Broker, make_report: ReportFactory
) -> None:
    request = _submitted(broker, make_report)
    broker.clock.advance(hours=73)
    fired = due([request], broker.processor.protocols, broker.clock(), Timers())
    assert [s.event.kind for s in fired] == [EventKind.SLA_OVERDUE]
    rebuilt = DataRequest.from_record(fired[-1].to_record())
    assert due([rebuilt], broker.processor.protocols, broker.clock(), Timers()) == []
    later = broker.clock() + timedelta(days=1)
    assert due([rebuilt], broker.processor.protocols, later, Timers()) == []
