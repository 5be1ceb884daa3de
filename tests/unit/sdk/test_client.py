"""The whole SDK path without a broker: what leaves the agency, and what never does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from tests.unit.sdk.conftest import AGENCY, PII

from threadline.contracts import decode, split_signature
from threadline.crypto import Keystore, unseal
from threadline.errors import PublishError, RedactionError, ValidationError
from threadline.sdk.client import AgencyClient
from threadline.sdk.sink import MemorySink

Factory = Callable[..., tuple[AgencyClient, MemorySink]]


def test_published_bytes_hold_no_cleartext_pii(
    client_factory: Factory, report: dict[str, Any]
) -> None:
    client, sink = client_factory()
    client.publish(report)
    [(topic, key, value)] = sink.records
    assert topic == "safeguarding.reports.v1" and key == b"MPS-2026-000123"
    lowered = value.lower()
    for value_in_clear in PII:
        assert value_in_clear.lower().encode() not in lowered, value_in_clear


def test_event_round_trips_signature_and_fields(
    client_factory: Factory, report: dict[str, Any], keys: Keystore
) -> None:
    client, sink = client_factory()
    event_id = client.publish(report)
    payload = sink.records[0][2]
    event_type, record = decode(payload)
    assert event_type == "concern_raised" and record["event_id"] == event_id
    body, signature = split_signature(payload)
    keys.registry().verify(
        AGENCY, record["signing_key_id"], body, signature, at=record["recorded_at"]
    )
    keyring = keys.disclosure_keyring()
    subject = record["subject"]
    assert (
        unseal(keyring, subject["given_name"], event_id=event_id, path="subject.given_name")
        == b"Aisha"
    )
    handle = record["associates"][0]["handles"][0]
    assert handle["platform"] == "instagram"
    assert unseal(keyring, handle["handle"], event_id=event_id) == b"d.smith"
    assert subject["ref"] == "CHILD_1" and record["associates"][0]["ref"] == "SUSPECT_1"
    assert subject["age_band"] == "13-15" and not subject["adult_flag"]
    narrative = record["concern"]["narrative"]
    assert "[CHILD_1]" in narrative and "[PHONE_1]" in narrative and "[SUSPECT_1]" in narrative
    assert record["concern"]["redaction_summary"]["CHILD"] >= 1
    assert record["grading"]["source_evaluation"] == "S2" and record["tlp"] == "AMBER"


def test_same_person_same_tokens_across_agencies(
    client_factory: Factory, report: dict[str, Any]
) -> None:
    police, police_sink = client_factory()
    care, care_sink = client_factory(agency="lbx-csc")
    police.publish(report)
    report["subject"]["given_name"] = "ayesha"  # a transliteration variant, lower-cased
    report["subject"]["phones"] = ["+447700900123"]
    care.publish(report)
    tokens = [decode(s.records[0][2])[1]["subject"]["tokens"] for s in (police_sink, care_sink)]
    assert tokens[0]["phones"] == tokens[1]["phones"]
    assert tokens[0]["dob"] == tokens[1]["dob"]
    assert set(tokens[0]["given_name"]) & set(tokens[1]["given_name"])


def test_strict_mode_refuses_residual_pii_and_sends_nothing(
    client_factory: Factory, report: dict[str, Any]
) -> None:
    """A misspelt known name ("Khann") is not redacted but is caught by the residual scan."""
    client, sink = client_factory()
    report["concern"]["narrative"] = "She was collected by Khann again on Friday."
    with pytest.raises(RedactionError) as caught:
        client.publish(report)
    assert "Khann" not in str(caught.value) and "concern.narrative" in str(caught.value)
    assert sink.records == []
    lenient, lenient_sink = client_factory(strict=False)
    lenient.publish(report)
    assert len(lenient_sink.records) == 1


def test_batch_keeps_good_records_and_reports_bad_ones(
    client_factory: Factory, report: dict[str, Any]
) -> None:
    client, sink = client_factory()
    bad = {**report, "tlp": "purple"}
    result = client.publish_batch([report, bad, {**report, "report_id": "MPS-2"}])
    assert [o.ok for o in result.outcomes] == [True, False, True]
    assert isinstance(result.outcomes[1].error, ValidationError)
    assert len(sink.records) == 2


def test_broker_failure_is_reported_per_record(
    client_factory: Factory, report: dict[str, Any]
) -> None:
    failing = MemorySink(
        fail=lambda value: RuntimeError("broker down") if b"ZZZ-9" in value else None
    )
    client, _ = client_factory(sink=failing)
    result = client.publish_batch([report, {**report, "report_id": "ZZZ-9"}])
    assert result.outcomes[0].ok
    assert isinstance(result.outcomes[1].error, PublishError)
    assert result.outcomes[1].error.retriable
    with pytest.raises(PublishError):
        client.publish({**report, "report_id": "ZZZ-9"})


def test_wrong_agency_has_no_key(client_factory: Factory) -> None:
    from threadline.errors import ThreadlineError

    with pytest.raises(ThreadlineError):
        client_factory(agency="not-registered")
