"""The request broker end to end on the real broker: CLI, four eyes, refusals, restart, audit.

Why: the unit tests prove the rules; these prove the wiring. Commands really travel on
``liaison.commands.v1`` signed by officers, replies come back on ``platform.requests.v1``, the
broker's transactions really land, its state really comes back after a restart, ACLs really keep
liaisons out of reports and analysts out of commands, and a tampered audit chain is really caught.
Tests run in file order and share one broker (module fixture); later ones rely on earlier requests.
"""

from __future__ import annotations

import hashlib
import json
import stat
import time
from collections.abc import Callable
from datetime import date
from io import BytesIO
from typing import Any

import kafka.errors as kerr
import pypdf
import pytest
from click.testing import CliRunner
from kafka import KafkaProducer

from tests.integration.broker.conftest import RunningBroker
from tests.support.acl_probe import try_read
from tests.support.cluster import KafkaCluster
from threadline.broker.audit import verify
from threadline.broker.client import LiaisonClient
from threadline.broker.kafka_io import read_audit_chain
from threadline.broker.messages import AUDIT_RECORD, default_codec
from threadline.broker.model import CommandKind, DraftSpec, OriginKind, Outcome, PlatformResponse
from threadline.broker.signing import create_officer_key, load_officer_signer, sign_command
from threadline.cli.main import cli
from threadline.config import KafkaSettings
from threadline.kafka.topology import Topology

pytestmark = pytest.mark.integration

Officer = Callable[[str], LiaisonClient]
JUSTIFICATION = "The suspect groomed the child on Snapchat; messages are deleted once opened."
STATE: dict[str, str] = {}


def _cli(running: RunningBroker, kafka_cluster: KafkaCluster, principal: str, *args: str) -> Any:
    env = {
        "THREADLINE_KAFKA_BOOTSTRAP_SERVERS": kafka_cluster.bootstrap,
        "THREADLINE_KAFKA_PASSWORD": kafka_cluster.passwords[principal],
        "THREADLINE_KAFKA_TOPIC_PREFIX": running.kafka.topic_prefix,
        "THREADLINE_BROKER_KEYS_DIR": str(running.keystore.root),
        "THREADLINE_BROKER_REPLY_TIMEOUT_S": "20",
    }
    return CliRunner().invoke(cli, ["--as", principal, *args], env=env)


def _draft(report_ref: str, **overrides: Any) -> DraftSpec:
    values: dict[str, Any] = {
        "origin_kind": OriginKind.REPORT,
        "origin_id": report_ref,
        "protocol_id": "snapchat-gb",
        "request_type": "preservation",
        "legal_basis": "voluntary_preservation_request",
        "justification": JUSTIFICATION,
        "persons": ("SUSPECT_1",),
        "date_from": date(2026, 10, 1),
        "date_to": date(2026, 11, 20),
    }
    return DraftSpec(**{**values, **overrides})


def test_draft_approve_submit_respond_through_the_cli(
    running_broker: RunningBroker, kafka_cluster: KafkaCluster
) -> None:
    met = running_broker.reports["met"]
    drafted = _cli(
        running_broker,
        kafka_cluster,
        "liaison-spoc1",
        "requests",
        "draft",
        "--json",
        "--report",
        met.ref,
        "--platform",
        "snapchat",
        "--type",
        "preservation",
        "--legal-basis",
        "voluntary_preservation_request",
        "--justification",
        JUSTIFICATION,
        "--from",
        "2026-10-01",
        "--to",
        "2026-11-20",
        "--person",
        "SUSPECT_1",
        "--identifier-type",
        "username",
    )
    assert drafted.exit_code == 0, drafted.output
    request = json.loads(drafted.output)["request"]
    request_id = STATE["preservation"] = request["request_id"]
    assert request["status"] == "drafted"
    assert [i["path"] for i in request["identifiers"]] == ["associates[0].handles[0].handle"]

    self_approval = _cli(
        running_broker, kafka_cluster, "liaison-spoc1", "requests", "approve", request_id
    )
    assert self_approval.exit_code == 2 and "self_approval" in self_approval.output

    approved = _cli(
        running_broker, kafka_cluster, "liaison-spoc2", "requests", "approve", request_id, "--json"
    )
    assert approved.exit_code == 0, approved.output
    document = json.loads(approved.output)["request"]["document"]
    pdf_path = running_broker.settings.documents() / document["pdf_file"]
    assert stat.S_IMODE(pdf_path.stat().st_mode) == 0o600
    text = " ".join(pypdf.PdfReader(BytesIO(pdf_path.read_bytes())).pages[0].extract_text().split())
    assert met.plaintexts["associates[0].handles[0].handle"] in text
    assert met.plaintexts["associates[0].phones[0]"] not in text  # not asked for

    for principal, args in (
        ("liaison-spoc1", ("submit", request_id, "--channel", "email")),
        (
            "liaison-spoc1",
            (
                "record-response",
                request_id,
                "--outcome",
                "acknowledged",
                "--platform-reference",
                "SNAP-LE-1",
            ),
        ),
    ):
        result = _cli(running_broker, kafka_cluster, principal, "requests", *args, "--json")
        assert result.exit_code == 0, result.output
    listed = _cli(running_broker, kafka_cluster, "liaison-insp1", "requests", "list", "--json")
    statuses = {r["request_id"]: r["status"] for r in json.loads(listed.output)}
    assert statuses[request_id] == "acknowledged"
    shown = _cli(running_broker, kafka_cluster, "liaison-insp1", "requests", "show", request_id)
    assert shown.exit_code == 0 and "SNAP-LE-1" in shown.output


def test_refusals_name_the_rule(running_broker: RunningBroker, officer: Officer) -> None:
    spoc1, spoc2 = officer("liaison-spoc1"), officer("liaison-spoc2")
    met = running_broker.reports["met"]
    wrong = spoc1.send(
        spoc1.command(
            CommandKind.DRAFT,
            draft=_draft(
                met.ref,
                protocol_id="meta-instagram-gb",
                identifier_types=("phone",),
                details={"data_categories": "all"},
            ),
        )
    )
    assert wrong.refusal is not None and "identifier_not_accepted" in [
        v.rule for v in wrong.refusal.violations
    ]
    no_basis = spoc1.send(spoc1.command(CommandKind.DRAFT, draft=_draft(met.ref, legal_basis=None)))
    assert no_basis.refusal is not None and no_basis.refusal.rule == "legal_basis_missing"

    emergency = spoc1.send(
        spoc1.command(
            CommandKind.DRAFT,
            draft=_draft(
                met.ref,
                request_type="emergency_disclosure",
                legal_basis="voluntary_emergency_disclosure",
                urgency="emergency",
                details={
                    "emergency_nature": "Child missing, with suspect.",
                    "person_at_risk": "CHILD_1",
                    "how_data_resolves_emergency": "Suspect's location.",
                },
            ),
        )
    )
    assert emergency.request is not None
    STATE["emergency"] = emergency.request.request_id
    low = spoc2.send(spoc2.command(CommandKind.APPROVE, request_id=STATE["emergency"]))
    assert low.refusal is not None and low.refusal.rule == "rank_too_low"
    unknown = spoc2.send(spoc2.command(CommandKind.SUBMIT, request_id="RQ-NOPE"))
    assert unknown.refusal is not None and unknown.refusal.rule == "unknown_request"


def test_impersonation_and_non_officers_are_refused(
    running_broker: RunningBroker,
    officer: Officer,
    settings_for: Callable[..., KafkaSettings],
    topology: Topology,
) -> None:
    spoc1 = officer("liaison-spoc1")
    # spoc1 signs an approval, then rewrites the officer to the inspector: signature breaks.
    command = spoc1.command(CommandKind.APPROVE, request_id=STATE["emergency"])
    data = sign_command(
        command, load_officer_signer(spoc1.keys_dir, "liaison-spoc1"), default_codec()
    )
    forged = data.replace(b"liaison-spoc1", b"liaison-insp1")
    reply = spoc1.send_raw(forged, command.command_id)
    assert reply.refusal is not None and reply.refusal.rule == "bad_signature"

    # An analyst cannot write commands at all (ACL) ...
    analyst = KafkaProducer(
        **settings_for("analyst-mash").client_config(),
        acks="all",
        enable_idempotence=False,
        max_block_ms=10_000,
    )
    try:
        with pytest.raises(kerr.TopicAuthorizationFailedError):
            analyst.send(topology.topic("liaison.commands.v1"), value=b"x").get(timeout=15)
    finally:
        analyst.close(timeout=5)
    # ... and a command signed with an analyst's own key is not an officer's (application check).
    create_officer_key(spoc1.keys_dir, "analyst-mash")
    impostor = LiaisonClient(
        settings_for("liaison-spoc1"), spoc1.keys_dir, officer="analyst-mash", timeout_s=20
    )
    refused = impostor.send(
        impostor.command(CommandKind.DRAFT, draft=_draft(running_broker.reports["met"].ref))
    )
    assert refused.refusal is not None and refused.refusal.rule == "bad_signature"

    # A garbage command is rejected (keyed by a digest of its bytes) and the broker carries on.
    junk = b"not a command"
    garbage = spoc1.send_raw(junk, f"undecodable-{hashlib.sha256(junk).hexdigest()[:16]}")
    assert garbage.refusal is not None and garbage.refusal.rule == "undecodable_command"


def test_liaison_cannot_read_reports(
    settings_for: Callable[..., KafkaSettings], topology: Topology
) -> None:
    assert (
        try_read(
            settings_for("liaison-spoc1").client_config(),
            topology.topic("safeguarding.reports.v1"),
            deadline_s=10,
        )
        == "denied"
    )


def test_a_severe_alert_auto_drafts_a_preservation(
    running_broker: RunningBroker,
    officer: Officer,
    settings_for: Callable[..., KafkaSettings],
    topology: Topology,
) -> None:
    met, csc = running_broker.reports["met"], running_broker.reports["csc"]
    alert = {
        "alert_id": "AL-E2E-1",
        "type": "offender_network",
        "severity": "critical",
        "subject_id": "SUBJ-E2E-1",
        "report_refs": [
            {"agency_id": r.agency_id, "report_id": r.report_id, "event_id": r.event_id}
            for r in (met, csc)
        ],
    }
    writer = KafkaProducer(**settings_for("correlator").client_config(), acks="all")
    writer.send(
        topology.topic("safeguarding.alerts.v1"), key=b"AL-E2E-1", value=json.dumps(alert).encode()
    ).get(timeout=15)
    writer.close(timeout=5)
    insp = officer("liaison-insp1")
    deadline = time.monotonic() + 20
    auto: list[Any] = []
    while not auto and time.monotonic() < deadline:
        auto = [r for r in insp.requests().values() if r.auto_drafted]
        time.sleep(0.3)
    assert sorted(r.platform for r in auto) == ["meta-instagram", "snapchat"]
    snap = next(r for r in auto if r.platform == "snapchat")
    assert {i.report_id for i in snap.identifiers} == {met.report_id, csc.report_id}
    approved = insp.send(insp.command(CommandKind.APPROVE, request_id=snap.request_id))
    assert approved.request is not None and approved.request.document is not None
    by_subject = insp.send(
        insp.command(CommandKind.DRAFT, draft=_draft("SUBJ-E2E-1", origin_kind=OriginKind.SUBJECT))
    )
    assert by_subject.request is not None


def test_restart_rebuilds_state_from_kafka(running_broker: RunningBroker, officer: Officer) -> None:
    assert running_broker.service is not None
    before = dict(running_broker.service.processor.requests)
    head = (
        running_broker.service.processor.audit.next_seq,
        running_broker.service.processor.audit.head,
    )
    restarted = running_broker.restart()
    assert restarted.processor.requests == before
    assert (restarted.processor.audit.next_seq, restarted.processor.audit.head) == head
    spoc1 = officer("liaison-spoc1")
    done = spoc1.send(
        spoc1.command(
            CommandKind.RECORD_RESPONSE,
            request_id=STATE["preservation"],
            response=PlatformResponse(Outcome.FULFILLED, before[STATE["preservation"]].drafted_at),
        )
    )
    assert done.request is not None and done.request.status.value == "fulfilled"


def test_topics_hold_no_identifier_and_no_key(
    running_broker: RunningBroker, kafka_cluster: KafkaCluster, topology: Topology
) -> None:
    from threadline.broker.kafka_io import assign_all, read_to_end
    from threadline.kafka.clients import consumer

    admin = kafka_cluster.settings("admin")
    dump = bytearray()
    for name in ("platform.requests.v1", "audit.v1", "liaison.commands.v1"):
        reader = consumer(admin, group_id=None)
        try:
            read_to_end(
                reader,
                assign_all(reader, topology.topic(name)),
                lambda r: dump.extend((r.key or b"") + (r.value or b"")),
            )
        finally:
            reader.close()
    assert len(dump) > 1000
    for report in running_broker.reports.values():
        for value in report.plaintexts.values():
            assert value.encode() not in dump
    keyring = running_broker.keystore.disclosure_keyring()
    for version in keyring.versions():
        assert version.private is not None
        assert version.private.private_bytes_raw() not in dump
    documents = b"".join(p.read_bytes() for p in running_broker.settings.documents().glob("*.json"))
    assert (
        running_broker.reports["met"].plaintexts["associates[0].handles[0].handle"].encode()
        in documents
    )


def test_audit_verify_detects_a_tampered_record(
    running_broker: RunningBroker,
    kafka_cluster: KafkaCluster,
    topology: Topology,
    settings_for: Callable[..., KafkaSettings],
) -> None:
    intact = _cli(running_broker, kafka_cluster, "broker", "audit", "verify", "--json")
    assert intact.exit_code == 0, intact.output
    verdict = json.loads(intact.output)
    assert verdict["ok"] and verdict["records"] > 10

    records = read_audit_chain(settings_for("broker"))
    codec = default_codec()
    assert not verify(records[:3] + records[4:], codec).ok  # a removed record
    _, record = codec.decode(records[-1])
    altered = codec.encode(
        AUDIT_RECORD, {**record, "seq": record["seq"] + 1, "actor": "liaison-spoc1"}
    )
    writer = KafkaProducer(**kafka_cluster.settings("admin").client_config(), acks="all")
    writer.send(topology.topic("audit.v1"), key=b"audit", value=altered).get(timeout=15)
    writer.close(timeout=5)
    broken = _cli(running_broker, kafka_cluster, "broker", "audit", "verify", "--json")
    assert broken.exit_code == 1
    problems = json.loads(broken.output)["problems"]
    assert any("altered" in p for p in problems)
