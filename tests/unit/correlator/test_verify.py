"""Stage 1: verification, dead-letter reasons, re-send fingerprints and the dedupe tables."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.support.reports import Desk, child, dev_keys, report, suspect
from threadline.contracts import decode
from threadline.correlator.linkrecords import decode_link_record
from threadline.correlator.screening import (
    DeadLetter,
    Duplicate,
    Forward,
    ReportScreen,
    dead_letter_headers,
)
from threadline.correlator.state import MemoryTable
from threadline.correlator.verify import EventVerifier, VerificationPolicy, content_fingerprint
from threadline.crypto import AgencyRegistry
from threadline.errors import ThreadlineError

NOW = datetime.now(UTC)


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    yield Desk(dev_keys(Path(tmp_path_factory.mktemp("keys")) / "keys"))


@pytest.fixture
def verifier(desk: Desk) -> EventVerifier:
    return EventVerifier(desk.keys.registry())


def reason(verifier: EventVerifier, data: bytes, received_at: datetime = NOW) -> str:
    with pytest.raises(ThreadlineError) as caught:
        verifier.verify(data, received_at=received_at)
    message = caught.value.message
    for secret in ("Aisha", "Khan", "07700", "kid_"):  # error texts never quote the report
        assert secret not in message
    return caught.value.code


def test_a_signed_report_verifies(desk: Desk, verifier: EventVerifier) -> None:
    built = desk.build("met-police", report("MPS-1", child(1), associates=[suspect(1)]))
    event = verifier.verify(built.payload, received_at=NOW)
    assert (event.event_id, event.agency_id, event.report_id) == (
        built.event_id,
        "met-police",
        "MPS-1",
    )


def test_failures_have_reasons(desk: Desk, verifier: EventVerifier) -> None:
    payload = desk.build("met-police", report("MPS-1", child(1))).payload
    tampered = payload.replace(b"MPS-1", b"MPS-2")  # still decodes, no longer what was signed
    assert reason(verifier, tampered) == "bad_signature"
    stranger = EventVerifier(AgencyRegistry())
    assert reason(stranger, payload) == "unknown_agency"
    assert reason(verifier, b"not an event at all") == "malformed_event"
    assert reason(verifier, b"\xc3\x01" + bytes(8) + b"\x00") == "unknown_fingerprint"
    assert reason(verifier, payload[:-5]) == "malformed_event"
    small = EventVerifier(verifier.registry, VerificationPolicy(max_event_bytes=100))
    assert reason(small, payload) == "oversized_event"


def test_the_clock_is_the_brokers_timestamp(desk: Desk, verifier: EventVerifier) -> None:
    payload = desk.build("met-police", report("MPS-1", child(1))).payload
    assert reason(verifier, payload, NOW - timedelta(hours=1)) == "future_event"
    assert reason(verifier, payload, NOW + timedelta(days=3)) == "stale_event"
    assert reason(verifier, payload, NOW + timedelta(days=31)) == "replay_of_old_event"
    verifier.verify(payload, received_at=NOW + timedelta(minutes=3))


def test_a_resend_has_the_same_fingerprint_and_new_content_does_not(desk: Desk) -> None:
    raw = report("MPS-1", child(1), associates=[suspect(1)])
    first, second = (decode(desk.build("met-police", raw).payload) for _ in range(2))
    assert (
        first[1]["subject"]["phones"][0]["ciphertext"]
        != second[1]["subject"]["phones"][0]["ciphertext"]
    )
    assert content_fingerprint(*first) == content_fingerprint(*second)
    other = decode(desk.build("met-police", {**raw, "tlp": "red"}).payload)
    assert content_fingerprint(*other) != content_fingerprint(*first)


def screen(verifier: EventVerifier) -> ReportScreen:
    return ReportScreen(verifier, MemoryTable(), MemoryTable())


def test_screen_forwards_once_and_counts_replays_and_resends(
    desk: Desk, verifier: EventVerifier
) -> None:
    gate = screen(verifier)
    raw = report("MPS-1", child(1), associates=[suspect(1), {"role": "parent_carer"}])
    original = desk.build("met-police", raw).payload
    first = gate.screen(original, received_at=NOW, source=(2, 10))
    assert isinstance(first, Forward)
    record = decode_link_record(first.payload)
    assert (record.record_id, record.source_partition, record.source_offset) == (
        "met-police/MPS-1",
        2,
        10,
    )
    assert len(record.suspects) == 1  # the suspect's phone; the parent is not a suspect
    # the same Kafka record again (re-processed after a crash) is forwarded again
    assert isinstance(gate.screen(original, received_at=NOW, source=(2, 10)), Forward)
    assert gate.screen(original, received_at=NOW, source=(2, 11)) == Duplicate(
        "replay", "concern_raised"
    )
    resend = desk.build("met-police", raw).payload
    assert gate.screen(resend, received_at=NOW, source=(2, 12)) == Duplicate(
        "resend", "concern_raised"
    )
    # the same content from another agency is not a re-send
    assert isinstance(
        gate.screen(desk.build("lbx-csc", raw).payload, received_at=NOW, source=(2, 13)),
        Forward,
    )
    dead = gate.screen(b"garbage", received_at=NOW, source=(2, 14))
    assert isinstance(dead, DeadLetter)
    assert dead.reason == "malformed_event"


def test_dead_letter_headers_say_why_and_where() -> None:
    headers = dict(dead_letter_headers("bad_signature", "nope", topic="t", partition=1, offset=9))
    assert headers == {
        "threadline.reason": b"bad_signature",
        "threadline.error": b"nope",
        "threadline.source.topic": b"t",
        "threadline.source.partition": b"1",
        "threadline.source.offset": b"9",
    }
