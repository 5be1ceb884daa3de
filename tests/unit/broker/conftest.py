"""Factory fixtures for protocol tests: a minimal valid protocol document and a file writer.

The minimal document is synthetic on purpose: rule tests must not change meaning when a real
platform file is corrected, so they build exactly the protocol they need from this one template.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from threadline.broker.cases import CaseIndex
from threadline.broker.messages import default_codec
from threadline.broker.model import (
    CommandKind,
    DataRequest,
    DraftSpec,
    LiaisonCommand,
    OriginKind,
)
from threadline.broker.officers import OfficerRegistry
from threadline.broker.processor import Outgoing, RequestProcessor
from threadline.broker.protocols import Protocol, RequestType, load_protocols
from threadline.broker.samples import SampleReport, sealed_report
from threadline.broker.signing import (
    create_officer_key,
    load_officer_keys,
    load_officer_signer,
    sign_command,
)
from threadline.broker.sinks import MemorySink
from threadline.contracts import new_event_id
from threadline.crypto import Keystore, init_dev_keys

DocFactory = Callable[..., dict[str, Any]]
ProtocolWriter = Callable[..., Path]

_UNKNOWN = {"unknown": True, "note": "not published"}


def _request_type(name: RequestType) -> dict[str, Any]:
    levels: dict[str, Any] = {"acknowledgement_hours": dict(_UNKNOWN)}
    if name is RequestType.PRESERVATION:
        levels |= {"preservation_days": 90, "preservation_extension_days": 90, "max_extensions": 1}
    return {
        "available": True,
        "accepted_identifiers": ["username", "user_id"],
        "legal_bases": ["ipa2016_part3_authorisation"],
        "mandatory_fields": ["account_identifier"],
        "min_approval_rank": "inspector",
        "spoc_consultation_required": False,
        "max_date_range_days": None,
        "submission_channel": {"kind": "portal", "url": "https://le.example.invalid/requests"},
        "service_levels": levels,
        "sources": ["guide"],
    }


_TEMPLATE: dict[str, Any] = {
    "protocol_id": "example-gb",
    "platform": "example",
    "services": ["Example"],
    "version": "1.0.0",
    "jurisdiction": "GB",
    "agreement": "uk_us_data_access_agreement",
    "provider_entity": {"value": "Example Inc.", "source": "guide"},
    "effective_from": "2026-01-01",
    "reviewed_on": "2026-01-01",
    "sources": [
        {
            "id": "guide",
            "title": "Example law-enforcement guide",
            "url": "https://le.example.invalid/guide",
            "retrieved": "2026-01-01",
            "via": "synthetic test fixture",
        }
    ],
    "user_notification": {"policy": "notify_before_disclosure", "exceptions": ["emergencies"]},
    "record_retention_days": 1826,
    "request_types": {name.value: _request_type(name) for name in RequestType},
}


@pytest.fixture
def protocol_doc() -> DocFactory:
    """``make(**top_level_overrides)``: a fresh, schema-valid protocol document."""

    def make(**overrides: Any) -> dict[str, Any]:
        return copy.deepcopy(_TEMPLATE) | overrides

    return make


@pytest.fixture
def write_protocol(tmp_path: Path) -> ProtocolWriter:
    """``write(doc_or_text, name="example.yaml")``: put a protocol file in a scratch directory."""
    directory = tmp_path / "protocols"
    directory.mkdir()

    def write(content: dict[str, Any] | str, name: str = "example.yaml") -> Path:
        text = content if isinstance(content, str) else yaml.safe_dump(content, sort_keys=False)
        path = directory / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


# -- request workflow fixtures --------------------------------------------------------------------
# One keys directory per session (key generation is the slow part), with every officer enrolled;
# each test gets a fresh processor, case index and document sink over it.

AGENCY = "agency-met-police"
OFFICERS = ("liaison-spoc1", "liaison-spoc2", "liaison-insp1")


@pytest.fixture(scope="session")
def keystore(tmp_path_factory: pytest.TempPathFactory) -> Keystore:
    root = tmp_path_factory.mktemp("broker") / "keys"
    store = init_dev_keys(root, agencies=[AGENCY, "agency-lbx-csc"])
    for principal in OFFICERS:
        create_officer_key(root, principal)
    return store


@pytest.fixture(scope="session")
def shipped_protocols() -> Mapping[str, Protocol]:
    return load_protocols()


@pytest.fixture(scope="session")
def officers() -> OfficerRegistry:
    return OfficerRegistry.load()


ReportFactory = Callable[..., SampleReport]


@pytest.fixture
def make_report(keystore: Keystore) -> ReportFactory:
    """``make_report(report_id="MPS-1", seed=0, agency=AGENCY, **kw)``: a sealed, signed report."""

    def make(report_id: str = "MPS-1", *, agency: str = AGENCY, **kwargs: Any) -> SampleReport:
        return sealed_report(
            keystore.public_keyring(), keystore.agency_signer(agency), report_id=report_id, **kwargs
        )

    return make


class Clock:
    """A settable clock for the processor: tests move time instead of sleeping."""

    def __init__(self) -> None:
        # after the session's keys were made: signatures are checked against key validity
        self.now = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=1)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Broker:
    """A processor wired to in-memory ports, plus helpers to sign commands as any officer."""

    processor: RequestProcessor
    sink: MemorySink
    clock: Clock
    keys_root: Path
    published: list[Outgoing] = field(default_factory=list)

    def command(self, officer: str, kind: CommandKind, **fields: Any) -> bytes:
        command = LiaisonCommand(new_event_id(), officer, self.clock(), kind, **fields)
        return sign_command(command, load_officer_signer(self.keys_root, officer), default_codec())

    def send(self, data: bytes) -> list[tuple[str, dict[str, Any]]]:
        out = self.processor.handle_command(data)
        self.published += out
        return [default_codec().decode(o.value) for o in out]

    def do(self, officer: str, kind: CommandKind, **fields: Any) -> DataRequest:
        """Send a command that must succeed; return the request as it now stands."""
        decoded = self.send(self.command(officer, kind, **fields))
        rejected = [r for n, r in decoded if n == "CommandRejected"]
        assert not rejected, rejected
        snapshots = [DataRequest.from_record(r) for n, r in decoded if n == "RequestRecord"]
        return snapshots[-1]

    def refused(self, officer: str, kind: CommandKind, **fields: Any) -> list[str]:
        """Send a command that must be refused; return the rules it broke."""
        decoded = self.send(self.command(officer, kind, **fields))
        rejected = [r for n, r in decoded if n == "CommandRejected"]
        assert rejected, decoded
        return [v["rule"] for v in rejected[0]["violations"]]

    def draft(
        self, report: SampleReport, officer: str = "liaison-spoc1", **spec: Any
    ) -> DataRequest:
        return self.do(officer, CommandKind.DRAFT, draft=draft_spec(report, **spec))


def draft_spec(report: SampleReport, **overrides: Any) -> DraftSpec:
    """A preservation draft to Snapchat that every shipped rule accepts."""
    values: dict[str, Any] = {
        "origin_kind": OriginKind.REPORT,
        "origin_id": report.ref,
        "protocol_id": "snapchat-gb",
        "request_type": "preservation",
        "legal_basis": "voluntary_preservation_request",
        "justification": "Suspect groomed the child on Snapchat; content is deleted quickly.",
        "date_from": date(2026, 10, 1),
        "date_to": date(2026, 11, 20),
        "details": {"data_categories": "Subscriber details, logs, messages and media."},
    }
    return DraftSpec(**{**values, **overrides})


@pytest.fixture
def broker(
    keystore: Keystore, shipped_protocols: Mapping[str, Protocol], officers: OfficerRegistry
) -> Broker:
    clock = Clock()
    sink = MemorySink()
    processor = RequestProcessor(
        officers=officers,
        protocols=shipped_protocols,
        cases=CaseIndex(keystore.registry()),
        keyring=keystore.disclosure_keyring(),
        officer_keys=load_officer_keys(keystore.root),
        sink=sink,
        clock=clock,
    )
    return Broker(processor, sink, clock, keystore.root)
