"""The processor end to end without Kafka: identity, bad input, privacy, rebuild, auto-drafts.

Why: these are the security properties of the broker. Officers cannot act as one another; no
command, however malformed, stops it; decrypted identifiers and key material never reach a topic;
and its state can be rebuilt from what it published.
"""

from __future__ import annotations

import dataclasses

import pytest

from tests.unit.broker.conftest import Broker, ReportFactory, draft_spec
from threadline.broker.audit import verify
from threadline.broker.cases import CaseIndex
from threadline.broker.disclosure import canonical
from threadline.broker.messages import default_codec
from threadline.broker.model import CommandKind, LiaisonCommand, Status
from threadline.broker.processor import RequestProcessor
from threadline.broker.signing import load_officer_signer, sign_command
from threadline.contracts import new_event_id
from threadline.crypto import MemoryKeyring


def _audit(broker: Broker) -> list[dict[str, object]]:
    return [default_codec().decode(o.value)[1] for o in broker.published if o.topic == "audit.v1"]


def test_an_officer_cannot_sign_as_another(broker: Broker, make_report: ReportFactory) -> None:
    report = make_report()
    broker.processor.cases.add_report_bytes(report.data)
    request = broker.draft(report)
    # liaison-spoc1 names liaison-insp1 as the officer but signs with its own key.
    forged = LiaisonCommand(
        new_event_id(),
        "liaison-insp1",
        broker.clock(),
        CommandKind.APPROVE,
        request_id=request.request_id,
    )
    signer = load_officer_signer(broker.keys_root, "liaison-spoc1")
    data = sign_command(
        dataclasses.replace(forged, officer="liaison-spoc1"), signer, default_codec()
    )
    tampered = data.replace(b"liaison-spoc1", b"liaison-insp1")
    decoded = broker.send(tampered)
    assert [r["code"] for n, r in decoded if n == "CommandRejected"] == ["bad_signature"]
    assert _audit(broker)[-1]["actor"] == "unverified:liaison-insp1"
    assert broker.processor.requests[request.request_id].status is Status.DRAFTED


@pytest.mark.parametrize("data", [b"", b"garbage", b"\xc3\x01" + bytes(8) + b"x"])
def test_undecodable_commands_are_rejected_not_fatal(broker: Broker, data: bytes) -> None:
    decoded = broker.send(data)
    rejections = [r for n, r in decoded if n == "CommandRejected"]
    assert len(rejections) == 1 and rejections[0]["command_id"].startswith("undecodable-")


def test_an_unexpected_error_becomes_a_rejection(
    broker: Broker, make_report: ReportFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*_: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setattr("threadline.broker.processor.decide", explode)
    rules = broker.refused("liaison-spoc1", CommandKind.DRAFT, draft=draft_spec(make_report()))
    assert rules == ["internal_error"]


def test_no_identifier_or_key_material_reaches_a_topic(
    broker: Broker, make_report: ReportFactory, keystore: object
) -> None:
    report = make_report(seed=11)
    broker.processor.cases.add_report_bytes(report.data)
    request = broker.draft(report)
    broker.do("liaison-spoc2", CommandKind.APPROVE, request_id=request.request_id)
    broker.do("liaison-spoc1", CommandKind.SUBMIT, request_id=request.request_id)
    published = b"".join(o.key + o.value for o in broker.published)
    document = broker.sink.files[f"{request.request_id}.json"]
    keyring = broker.processor._keyring  # the test peeks at the key it must not find
    secrets = [v.private.private_bytes_raw() for v in keyring.versions() if v.private]
    assert secrets
    for secret in secrets:
        assert secret not in published
    disclosed = [
        canonical(i.identifier_type, report.plaintexts[i.path])[0] for i in request.identifiers
    ]
    assert "sus_11_instagram" not in disclosed  # minimisation: another platform's handle
    for value in disclosed:
        assert value.encode() in document  # positive control: the document has them
    for value in report.plaintexts.values():
        assert value.encode() not in published
    assert verify([o.value for o in broker.published if o.topic == "audit.v1"], default_codec()).ok
    decrypted = [a for a in _audit(broker) if a["action"] == "field_decrypted"]
    assert len(decrypted) == len(request.identifiers)
    assert {a["field_path"] for a in decrypted} == {i.path for i in request.identifiers}
    assert all(a["actor"] == "liaison-spoc2" and a["key_id"] for a in decrypted)


def test_a_failed_decryption_is_audited_and_leaves_the_request_drafted(
    broker: Broker, make_report: ReportFactory
) -> None:
    report = make_report()
    broker.processor.cases.add_report_bytes(report.data)
    request = broker.draft(report)
    broker.processor._keyring = MemoryKeyring()  # a key that never sealed these fields
    rules = broker.refused("liaison-spoc2", CommandKind.APPROVE, request_id=request.request_id)
    assert rules == ["decryption_failed"]
    assert "decryption_failed" in [a["action"] for a in _audit(broker)]
    assert broker.processor.requests[request.request_id].status is Status.DRAFTED
    assert not broker.sink.files


def test_state_is_rebuilt_from_published_records(
    broker: Broker, make_report: ReportFactory
) -> None:
    report = make_report()
    broker.processor.cases.add_report_bytes(report.data)
    first, second = broker.draft(report), broker.draft(report)
    broker.do("liaison-spoc2", CommandKind.APPROVE, request_id=first.request_id)
    broker.do("liaison-insp1", CommandKind.REJECT, request_id=second.request_id, note="dup")
    old = broker.processor
    rebuilt = RequestProcessor(
        officers=old.officers,
        protocols=old.protocols,
        cases=CaseIndex(),
        keyring=MemoryKeyring(),
        officer_keys=old.officer_keys,
        sink=broker.sink,
    )
    for out in broker.published:
        if out.topic == "platform.requests.v1":
            rebuilt.restore(out.value)
    rebuilt.audit.resume([o.value for o in broker.published if o.topic == "audit.v1"][-1])
    assert rebuilt.requests == old.requests
    assert (rebuilt.audit.next_seq, rebuilt.audit.head) == (old.audit.next_seq, old.audit.head)


def test_a_severe_alert_auto_drafts_a_preservation_that_still_needs_approval(
    broker: Broker, make_report: ReportFactory
) -> None:
    a, b = make_report("MPS-1", seed=1), make_report("CSC-9", seed=2, agency="agency-lbx-csc")
    for report in (a, b):
        broker.processor.cases.add_report_bytes(report.data)
    alert = {
        "alert_id": "AL-1",
        "type": "offender_network",
        "severity": "high",
        "subject_id": "SUBJ-1",
        "report_refs": [
            {"agency_id": r.agency_id, "report_id": r.report_id, "event_id": r.event_id}
            for r in (a, b)
        ],
    }
    out = broker.processor.handle_alert({**alert, "severity": "low"})
    assert out == []
    out = broker.processor.handle_alert(alert)
    drafts = [default_codec().decode(o.value)[1] for o in out if o.topic == "platform.requests.v1"]
    assert sorted(d["platform"] for d in drafts) == ["meta-instagram", "snapchat"]
    assert all(d["status"] == "drafted" and d["auto_drafted"] for d in drafts)
    assert all({i["person_ref"] for i in d["identifiers"]} == {"SUSPECT_1"} for d in drafts)
    assert broker.processor.handle_alert(alert) == []  # re-read after a restart: nothing new
    snap = next(d for d in drafts if d["platform"] == "snapchat")
    approved = broker.do("liaison-spoc1", CommandKind.APPROVE, request_id=snap["request_id"])
    assert approved.status is Status.APPROVED and len(approved.identifiers) == 2
    by_subject = broker.draft(a, origin_kind="subject", origin_id="SUBJ-1")
    assert {i.report_id for i in by_subject.identifiers} == {"MPS-1", "CSC-9"}


def test_a_severe_alert_read_before_its_reports_catches_the_reports_up(
    broker: Broker, make_report: ReportFactory
) -> None:
    """Reports and alerts are read by separate consumers, so an alert can overtake the report
    it names; its drafts must not be lost (found by tests/reliability/test_faults_crash.py)."""
    late = make_report("MPS-7", seed=7)
    caught_up: list[int] = []

    def refresh() -> None:
        caught_up.append(1)
        broker.processor.cases.add_report_bytes(late.data)

    broker.processor.refresh_cases = refresh
    alert = {
        "alert_id": "AL-7",
        "type": "cross_agency_link",
        "severity": "critical",
        "subject_id": "SUBJ-7",
        "report_refs": [{"agency_id": late.agency_id, "report_id": late.report_id}],
    }
    out = broker.processor.handle_alert(alert)
    assert caught_up == [1]
    assert any(o.topic == "platform.requests.v1" for o in out)
    assert broker.processor.handle_alert(alert) == [] and caught_up == [1]


def test_metrics_count_refusals_and_audit_actions(
    broker: Broker, make_report: ReportFactory
) -> None:
    from prometheus_client import CollectorRegistry

    from threadline.broker.metrics import BrokerMetrics

    metrics = BrokerMetrics(CollectorRegistry())
    report = make_report()
    broker.processor.cases.add_report_bytes(report.data)
    request = broker.draft(report)
    broker.refused("liaison-spoc1", CommandKind.APPROVE, request_id=request.request_id)
    metrics.observe(broker.published, default_codec(), broker.processor.requests)
    registry = metrics.registry
    assert (
        registry.get_sample_value("threadline_broker_refusals_total", {"rule": "self_approval"})
        == 1
    )
    assert (
        registry.get_sample_value(
            "threadline_broker_audit_records_total", {"action": "request_drafted"}
        )
        == 1
    )
    assert registry.get_sample_value("threadline_broker_requests", {"status": "drafted"}) == 1


def test_alerts_in_the_correlator_format_are_understood() -> None:
    """The correlator publishes ``threadline.alert/1``: ``reports`` and ``subject_ids``."""
    from threadline.broker.cases import Alert

    alert = Alert.from_mapping(
        {
            "format": "threadline.alert/1",
            "alert_id": "alrt-1",
            "type": "offender_network",
            "severity": "HIGH",
            "subject_ids": ["subj-b", "subj-a"],
            "reports": [{"agency_id": "met-police", "report_id": "R1", "event_id": "e1"}],
        }
    )
    assert alert.subject_ids == ("subj-b", "subj-a") and alert.severity == "high"
    assert [(r.agency_id, r.report_id) for r in alert.report_refs] == [("met-police", "R1")]


def test_the_same_number_typed_three_ways_is_listed_once() -> None:
    from threadline.broker.disclosure import canonical

    forms = ["07700 900519", "+44 7700 900519", "0044 7700 900519"]
    assert {canonical("phone", f) for f in forms} == {("+447700900519", "+447700900519")}
    assert (
        canonical("email", "A.Smith@Example.org")[1] == canonical("email", "a.smith@example.org")[1]
    )
    assert canonical("username", "@Dean.S")[1] == canonical("username", "dean.s")[1]
