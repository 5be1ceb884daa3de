"""The SLA-breach gauge the ``ThreadlineRequestSlaBreached`` alert is built on."""

from __future__ import annotations

import dataclasses

from prometheus_client import CollectorRegistry

from tests.unit.broker.conftest import Broker, ReportFactory
from threadline.broker.messages import default_codec
from threadline.broker.metrics import AUDIT, BrokerMetrics, is_overdue
from threadline.broker.model import CommandKind, Status, Urgency


def test_overdue_requests_are_counted_by_urgency(
    broker: Broker, make_report: ReportFactory
) -> None:
    report = make_report()
    broker.processor.cases.add_report_bytes(report.data)
    drafted = broker.draft(report)
    late = dataclasses.replace(drafted, status=Status.SUBMITTED, reminders_sent=("ack-overdue",))
    answered = dataclasses.replace(late, status=Status.ACKNOWLEDGED)
    slow = dataclasses.replace(answered, reminders_sent=("ack-overdue", "response-overdue"))
    done = dataclasses.replace(slow, status=Status.FULFILLED)
    assert [is_overdue(r) for r in (drafted, late, answered, slow, done)] == [
        False,
        True,
        False,
        True,
        False,
    ]

    metrics = BrokerMetrics(CollectorRegistry())
    emergency = dataclasses.replace(slow, urgency=Urgency.EMERGENCY)
    metrics.observe([], default_codec(), {"a": late, "b": emergency, "c": done})
    value = metrics.registry.get_sample_value
    assert value("threadline_broker_requests_overdue", {"urgency": "routine"}) == 1
    assert value("threadline_broker_requests_overdue", {"urgency": "emergency"}) == 1
    assert value("threadline_broker_requests_overdue", {"urgency": "urgent"}) == 0


def test_decryptions_are_counted_by_approver_rank_and_field_type(
    broker: Broker, make_report: ReportFactory
) -> None:
    report = make_report(seed=7)
    broker.processor.cases.add_report_bytes(report.data)
    request = broker.draft(report, persons=("SUSPECT_1",))
    broker.do("liaison-spoc2", CommandKind.APPROVE, request_id=request.request_id)
    codec = default_codec()
    decrypted = [
        record
        for name, record in (codec.decode(o.value) for o in broker.published if o.topic == AUDIT)
        if name == "AuditRecord" and record["action"] == "field_decrypted"
    ]
    assert decrypted, "an approval decrypts the approved identifiers"
    metrics = BrokerMetrics(CollectorRegistry())
    metrics.officer_ranks = {o.principal: o.rank.value for o in broker.processor.officers}
    metrics.observe(broker.published, codec, {})
    counted = sum(
        metrics.registry.get_sample_value(
            "threadline_broker_decryptions_total",
            {"approver_rank": "sergeant", "field_type": kind},
        )
        or 0
        for kind in {r["identifier_type"] for r in decrypted}
    )
    assert counted == len(decrypted)
