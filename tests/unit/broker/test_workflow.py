"""The request lifecycle without Kafka: drafting, validation, four eyes, responses, extensions.

Why: these are the rules that make a request lawful and minimal. Each refusal test checks the
*rule name* the officer sees, because that name is also what the audit chain records.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from tests.unit.broker.conftest import Broker, ReportFactory, draft_spec
from threadline.broker.model import CommandKind, Outcome, PlatformResponse, Status
from threadline.broker.signing import create_officer_key, load_officer_keys

SPOC1, SPOC2, INSP = "liaison-spoc1", "liaison-spoc2", "liaison-insp1"


def test_draft_proposes_only_identifiers_the_platform_accepts_and_the_case_holds(
    broker: Broker, make_report: ReportFactory
) -> None:
    report = make_report(platforms=("snapchat", "instagram"))
    broker.processor.cases.add_report_bytes(report.data)

    snap = broker.draft(report)
    insta = broker.draft(report, protocol_id="meta-instagram-gb")

    assert snap.status is Status.DRAFTED and snap.version == 1
    # Snapchat takes phones, e-mails and usernames; only snapchat handles are proposed.
    assert sorted((i.identifier_type, i.path) for i in snap.identifiers) == [
        ("email", "associates[0].emails[0]"),
        ("phone", "associates[0].phones[0]"),
        ("phone", "subject.phones[0]"),
        ("username", "associates[0].handles[0].handle"),
        ("username", "subject.handles[0].handle"),
    ]
    # Instagram takes usernames only, and the child has no instagram handle.
    assert [(i.identifier_type, i.person_ref, i.platform) for i in insta.identifiers] == [
        ("username", "SUSPECT_1", "instagram")
    ]
    assert [i.ref for i in snap.identifiers] == ["ID1", "ID2", "ID3", "ID4", "ID5"]


def test_filters_narrow_the_proposal(broker: Broker, make_report: ReportFactory) -> None:
    report = make_report()
    broker.processor.cases.add_report_bytes(report.data)
    request = broker.draft(report, persons=("SUSPECT_1",), identifier_types=("username",))
    assert [(i.person_ref, i.identifier_type) for i in request.identifiers] == [
        ("SUSPECT_1", "username")
    ]


def test_drafting_refusals_name_every_rule(broker: Broker, make_report: ReportFactory) -> None:
    report = make_report()
    broker.processor.cases.add_report_bytes(report.data)
    draft = CommandKind.DRAFT

    wrong_type = draft_spec(report, protocol_id="meta-instagram-gb", identifier_types=("phone",))
    assert "identifier_not_accepted" in broker.refused(SPOC1, draft, draft=wrong_type)
    no_basis = draft_spec(report, legal_basis=None)
    assert broker.refused(SPOC1, draft, draft=no_basis) == ["legal_basis_missing"]
    wrong_basis = draft_spec(report, legal_basis="mlat")
    assert broker.refused(SPOC1, draft, draft=wrong_basis) == ["legal_basis_not_allowed"]
    inverted = draft_spec(report, date_from=date(2026, 11, 1), date_to=date(2026, 10, 1))
    assert broker.refused(SPOC1, draft, draft=inverted) == ["date_range_inverted"]
    no_dates = draft_spec(report, date_from=None, date_to=None)
    assert broker.refused(SPOC1, draft, draft=no_dates) == ["date_range_missing"]
    terse = draft_spec(report, justification="because")
    assert broker.refused(SPOC1, draft, draft=terse) == ["justification_missing"]
    emergency = draft_spec(
        report, request_type="emergency_disclosure", legal_basis="voluntary_emergency_disclosure"
    )
    missing = broker.refused(SPOC1, draft, draft=emergency)
    assert missing == ["mandatory_field_missing"] * 3  # nature, person at risk, how it helps
    nobody = draft_spec(report, persons=("SUSPECT_9",))
    assert broker.refused(SPOC1, draft, draft=nobody) == ["person_not_in_case", "no_identifier"]
    unknown = draft_spec(report, origin_id="agency-met-police/NOPE")
    assert broker.refused(SPOC1, draft, draft=unknown) == ["unknown_report"]
    whatsapp = draft_spec(report, protocol_id="meta-whatsapp-gb")
    assert "request_type_availability_unknown" in broker.refused(SPOC1, draft, draft=whatsapp)


def test_date_range_beyond_a_protocol_limit_is_refused(
    broker: Broker, make_report: ReportFactory
) -> None:
    report = make_report()
    broker.processor.cases.add_report_bytes(report.data)
    snap = broker.processor.protocols["snapchat-gb"]
    capped = replace(
        snap,
        rules=tuple(
            replace(r, max_date_range_days=30) if r.name == "preservation" else r
            for r in snap.rules
        ),
    )
    broker.processor.protocols = {**broker.processor.protocols, "snapchat-gb": capped}
    rules = broker.refused(SPOC1, CommandKind.DRAFT, draft=draft_spec(report))
    assert rules == ["date_range_too_long"]


def test_only_registered_officers_with_the_role_may_act(
    broker: Broker, make_report: ReportFactory
) -> None:
    report = make_report()
    broker.processor.cases.add_report_bytes(report.data)
    # An analyst with a (self-made) signing key is still not a liaison officer.
    create_officer_key(broker.keys_root, "analyst-mash")
    broker.processor.officer_keys = load_officer_keys(broker.keys_root)
    rules = broker.refused("analyst-mash", CommandKind.DRAFT, draft=draft_spec(report))
    assert rules == ["officer_unknown"]


def test_four_eyes_self_approval_and_rank(broker: Broker, make_report: ReportFactory) -> None:
    report = make_report()
    broker.processor.cases.add_report_bytes(report.data)
    preservation = broker.draft(report)
    emergency = broker.draft(
        report,
        request_type="emergency_disclosure",
        legal_basis="voluntary_emergency_disclosure",
        urgency="emergency",
        details={
            "emergency_nature": "Child missing overnight, believed with the suspect.",
            "person_at_risk": "CHILD_1 (13-15)",
            "how_data_resolves_emergency": "Current location and contacts of the suspect.",
        },
    )
    approve = CommandKind.APPROVE
    assert broker.refused(SPOC1, approve, request_id=preservation.request_id) == ["self_approval"]
    assert broker.refused(SPOC2, approve, request_id=emergency.request_id) == ["rank_too_low"]

    approved = broker.do(INSP, approve, request_id=emergency.request_id, note="urgent")
    assert approved.status is Status.APPROVED and approved.approved_by == INSP
    assert approved.document is not None
    assert broker.refused(INSP, approve, request_id=emergency.request_id) == ["invalid_transition"]
    sergeant_ok = broker.do(SPOC2, approve, request_id=preservation.request_id)
    assert sergeant_ok.status is Status.APPROVED


def test_lifecycle_to_fulfilled_and_platform_rejection(
    broker: Broker, make_report: ReportFactory
) -> None:
    report = make_report()
    broker.processor.cases.add_report_bytes(report.data)
    first, second = broker.draft(report), broker.draft(report)
    for request in (first, second):
        broker.do(SPOC2, CommandKind.APPROVE, request_id=request.request_id)
        broker.do(SPOC1, CommandKind.SUBMIT, request_id=request.request_id, note="email")
    now = broker.clock()
    ack = PlatformResponse(Outcome.ACKNOWLEDGED, now, "SNAP-123")
    acked = broker.do(SPOC1, CommandKind.RECORD_RESPONSE, request_id=first.request_id, response=ack)
    assert acked.status is Status.ACKNOWLEDGED and acked.platform_reference == "SNAP-123"
    assert acked.preservation_expires_at is not None  # Snap preserves for 365 days
    assert (acked.preservation_expires_at - now).days == 365
    done = broker.do(
        SPOC1,
        CommandKind.RECORD_RESPONSE,
        request_id=first.request_id,
        response=PlatformResponse(Outcome.FULFILLED, now),
    )
    assert done.status is Status.FULFILLED and done.closed_at == now

    no = PlatformResponse(Outcome.REJECTED, now, None, "username not found")
    refused = broker.do(
        SPOC1, CommandKind.RECORD_RESPONSE, request_id=second.request_id, response=no
    )
    assert refused.status is Status.REJECTED and refused.rejected_by == "platform"
    assert broker.refused(SPOC1, CommandKind.SUBMIT, request_id=second.request_id) == [
        "invalid_transition"
    ]


def test_officer_rejection_needs_a_reason(broker: Broker, make_report: ReportFactory) -> None:
    report = make_report()
    broker.processor.cases.add_report_bytes(report.data)
    request = broker.draft(report)
    assert broker.refused(INSP, CommandKind.REJECT, request_id=request.request_id) == [
        "reason_missing"
    ]
    rejected = broker.do(INSP, CommandKind.REJECT, request_id=request.request_id, note="not needed")
    assert rejected.status is Status.REJECTED and rejected.rejection_reason == "not needed"


def test_preservation_extension_moves_expiry_once(
    broker: Broker, make_report: ReportFactory
) -> None:
    report = make_report()
    broker.processor.cases.add_report_bytes(report.data)
    original = broker.draft(report, persons=("SUSPECT_1",), identifier_types=("username",))
    broker.do(SPOC2, CommandKind.APPROVE, request_id=original.request_id)
    broker.do(SPOC1, CommandKind.SUBMIT, request_id=original.request_id)
    now = broker.clock()
    ack = PlatformResponse(Outcome.ACKNOWLEDGED, now, "SNAP-P1")
    preserved = broker.do(
        SPOC1, CommandKind.RECORD_RESPONSE, request_id=original.request_id, response=ack
    )
    expiry = preserved.preservation_expires_at
    assert expiry is not None

    extend = {"related_request_id": original.request_id, "extension": True}
    extension = broker.draft(
        report, persons=("SUSPECT_1",), identifier_types=("username",), **extend
    )
    broker.do(SPOC2, CommandKind.APPROVE, request_id=extension.request_id)
    broker.do(SPOC1, CommandKind.SUBMIT, request_id=extension.request_id)
    broker.do(SPOC1, CommandKind.RECORD_RESPONSE, request_id=extension.request_id, response=ack)
    extended = broker.processor.requests[original.request_id]
    assert extended.extensions_used == 1
    assert extended.preservation_expires_at is not None
    assert (extended.preservation_expires_at - expiry).days == 180  # Snap: one 180-day extension
    document = broker.sink.files[f"{extension.request_id}.json"].decode()
    assert original.reference_number in document and "SNAP-P1" in document

    again = broker.refused(
        SPOC1, CommandKind.DRAFT, draft=draft_spec(report, identifier_types=("username",), **extend)
    )
    assert again == ["extension_limit_reached"]


def test_a_redelivered_command_is_applied_once(broker: Broker, make_report: ReportFactory) -> None:
    report = make_report()
    broker.processor.cases.add_report_bytes(report.data)
    data = broker.command(SPOC1, CommandKind.DRAFT, draft=draft_spec(report))
    assert len(broker.send(data)) == 2  # audit + request
    assert broker.send(data) == []
    request = next(iter(broker.processor.requests.values()))
    approval = broker.command(SPOC2, CommandKind.APPROVE, request_id=request.request_id)
    assert broker.send(approval)
    assert broker.send(approval) == []
