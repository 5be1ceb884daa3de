"""Application-level authorisation checks of the request broker, as one enumerable list.

The broker's ACLs keep principals off topics (tests/integration/kafka/test_acl_matrix.py);
these are the rules *inside* the broker that decide whether a liaison command may act, each
tried against the real processor (in-memory ports, real keys, shipped protocols and officer
registry) and expected to be refused with its named rule:

* four eyes: an officer approving their own draft; an approver below the protocol's rank;
  approving twice; approving a request that does not exist;
* data minimisation: an identifier type the platform's protocol does not accept; a person
  who is not in the case; a legal basis the protocol does not allow;
* identity: an approval signed by one officer and relabelled as another; a command whose
  signature was zeroed (unsigned); a command signed with a revoked officer key; a principal
  who made a signing key of their own but is not a registered officer.

Every refused command must also leave the request undecided and no document rendered: the
identifiers are decrypted only on an approval that passed every check. The unit tests in
tests/unit/broker/ pin the same rules one by one; this list exists so the suite can count
them (``benchmarks/authorisation.py``) and so a new rule is one line here.
"""

from __future__ import annotations

import json
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.unit.broker.conftest import OFFICERS, Broker, Clock, draft_spec
from threadline.broker.cases import CaseIndex
from threadline.broker.messages import LIAISON_COMMAND, default_codec
from threadline.broker.model import CommandKind, DataRequest, LiaisonCommand, Status
from threadline.broker.officers import OfficerRegistry
from threadline.broker.processor import RequestProcessor
from threadline.broker.protocols import load_protocols
from threadline.broker.samples import SampleReport, sealed_report
from threadline.broker.signing import (
    create_officer_key,
    load_officer_keys,
    load_officer_signer,
    officer_keys_path,
    sign_command,
)
from threadline.broker.sinks import MemorySink
from threadline.contracts import new_event_id
from threadline.crypto import init_dev_keys

__all__ = ["Check", "application_checks"]

SPOC1, SPOC2, INSP = OFFICERS
EMERGENCY = {
    "request_type": "emergency_disclosure",
    "legal_basis": "voluntary_emergency_disclosure",
    "urgency": "emergency",
    "details": {
        "emergency_nature": "Child missing overnight, believed with the suspect.",
        "person_at_risk": "CHILD_1 (13-15)",
        "how_data_resolves_emergency": "Current location and contacts of the suspect.",
    },
}


@dataclass(frozen=True)
class Check:
    """One attempted action, the rule that must refuse it, and what happened."""

    name: str
    expected: str
    observed: tuple[str, ...]
    undecided: bool  # the request stayed as it was and no document was rendered

    @property
    def held(self) -> bool:
        return self.expected in self.observed and self.undecided


@contextmanager
def _broker() -> Iterator[tuple[Broker, SampleReport]]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "keys"
        store = init_dev_keys(root, agencies=["agency-met-police"])
        for principal in OFFICERS:
            create_officer_key(root, principal)
        clock = Clock()
        sink = MemorySink()
        processor = RequestProcessor(
            officers=OfficerRegistry.load(),
            protocols=load_protocols(),
            cases=CaseIndex(store.registry()),
            keyring=store.disclosure_keyring(),
            officer_keys=load_officer_keys(root),
            sink=sink,
            clock=clock,
        )
        broker = Broker(processor, sink, clock, root)
        report = sealed_report(
            store.public_keyring(), store.agency_signer("agency-met-police"), report_id="AUTH-1"
        )
        processor.cases.add_report_bytes(report.data)
        yield broker, report


def _rejections(broker: Broker, data: bytes) -> tuple[str, ...]:
    decoded = broker.send(data)
    rules: list[str] = []
    for name, record in decoded:
        if name == "CommandRejected":
            rules += [v["rule"] for v in record["violations"]] or [record["code"]]
    return tuple(rules)


def _signed(broker: Broker, officer: str, kind: CommandKind, **fields: object) -> bytes:
    return broker.command(officer, kind, **fields)


def application_checks() -> list[Check]:
    """Try every refusal; see the module docstring for the list."""
    checks: list[Check] = []
    with _broker() as (broker, report):
        preservation = broker.draft(report)
        emergency = broker.draft(report, **EMERGENCY)
        documents = len(broker.sink.files)

        def attempt(name: str, expected: str, data: bytes, request: DataRequest | None) -> None:
            before = broker.processor.requests[request.request_id].status if request else None
            observed = _rejections(broker, data)
            after = broker.processor.requests[request.request_id].status if request else None
            rendered = len(broker.sink.files)
            undecided = before == after and rendered == documents
            checks.append(Check(name, expected, observed, undecided))

        approve = CommandKind.APPROVE
        draft = CommandKind.DRAFT
        p_id, e_id = preservation.request_id, emergency.request_id
        attempt(
            "self-approval",
            "self_approval",
            _signed(broker, SPOC1, approve, request_id=p_id),
            preservation,
        )
        attempt(
            "approver below the protocol's rank",
            "rank_too_low",
            _signed(broker, SPOC2, approve, request_id=e_id),
            emergency,
        )
        attempt(
            "approving a request that does not exist",
            "unknown_request",
            _signed(broker, INSP, approve, request_id="RQ-NOPE"),
            None,
        )
        spec = draft_spec(report, protocol_id="meta-instagram-gb", identifier_types=("phone",))
        attempt(
            "identifier type outside the platform's protocol",
            "identifier_not_accepted",
            _signed(broker, SPOC1, draft, draft=spec),
            None,
        )
        attempt(
            "person not in the case",
            "person_not_in_case",
            _signed(broker, SPOC1, draft, draft=draft_spec(report, persons=("SUSPECT_9",))),
            None,
        )
        attempt(
            "legal basis the protocol does not allow",
            "legal_basis_not_allowed",
            _signed(broker, SPOC1, draft, draft=draft_spec(report, legal_basis="mlat")),
            None,
        )
        forged = _signed(broker, SPOC1, approve, request_id=p_id)
        attempt(
            "approval signed by one officer, relabelled as another",
            "bad_signature",
            forged.replace(SPOC1.encode(), INSP.encode()),
            preservation,
        )
        attempt(
            "unsigned approval (signature zeroed)",
            "bad_signature",
            _unsigned(broker, INSP, approve, request_id=p_id),
            preservation,
        )
        create_officer_key(broker.keys_root, "analyst-mash")
        broker.processor.officer_keys = load_officer_keys(broker.keys_root)
        broker.clock.advance(seconds=5)  # commands are checked against key validity from now
        attempt(
            "a principal with a signing key of their own who is no officer",
            "officer_unknown",
            _signed(broker, "analyst-mash", approve, request_id=p_id),
            preservation,
        )
        _revoke(broker.keys_root, INSP)
        broker.processor.officer_keys = load_officer_keys(broker.keys_root)
        attempt(
            "approval signed with a revoked officer key",
            "bad_signature",
            _signed(broker, INSP, approve, request_id=p_id),
            preservation,
        )
        # the control: a valid approval by a second officer of rank goes through, once
        broker.processor.officer_keys = load_officer_keys(broker.keys_root)
        done = broker.do(SPOC2, approve, request_id=p_id)
        assert done.status is Status.APPROVED, "the control approval was refused"
        documents = len(broker.sink.files)
        attempt(
            "approving an approved request again",
            "invalid_transition",
            _signed(broker, SPOC2, approve, request_id=p_id),
            done,
        )
    return checks


def _unsigned(broker: Broker, officer: str, kind: CommandKind, **fields: object) -> bytes:
    """The command's wire bytes with the 64 signature bytes zeroed, as if never signed."""
    command = LiaisonCommand(new_event_id(), officer, broker.clock(), kind, **fields)  # type: ignore[arg-type]
    signer = load_officer_signer(broker.keys_root, officer)
    signed = sign_command(command, signer, default_codec())
    unsigned = default_codec().encode(LIAISON_COMMAND, command.to_record(bytes(64), signer.key_id))
    assert len(unsigned) == len(signed)
    return unsigned


def _revoke(root: Path, officer: str) -> None:
    path = officer_keys_path(root)
    document = json.loads(path.read_text())
    for entry in document["agencies"][officer]:
        entry["revoked"] = True
    path.write_text(json.dumps(document))
