"""The scrubber blanks what looks personal and keeps what operators need to read."""

from __future__ import annotations

import base64
import secrets

import pytest

from threadline.observability.pii import KINDS, contains_pii, scrub

PLANTED = [
    ("contact amira.khan@example.co.uk today", "email"),
    ("mobile 07700 900123", "phone"),
    ("mobile +44 7700 900123", "phone"),
    ("landline (020) 7946 0018", "phone"),
    ("nhs 943 476 5919", "nhs_number"),
    ("lives at SW1A 1AA", "postcode"),
    ("lives at m11ae", "postcode"),
    ("dob 12/03/2011", "date"),
    ("dob 2011-03-12", "date"),
    ("born 12 March 2011", "date"),
    ("born March 12th, 2011", "date"),
    ("snap handle @amira_k99", "handle"),
    (f"token {secrets.token_hex(16)}", "token"),
    (f"token {base64.b64encode(bytes(range(100, 116))).decode()}", "token"),
    (f"token {base64.urlsafe_b64encode(bytes(range(200, 216))).decode().rstrip('=')}", "token"),
    (f"raw {bytes(range(128, 144))!r}", "token"),
]

SAFE = [
    "event 0190f5a2-7c1e-7abc-8def-0123456789ab deduplicated",
    "request RQ-0A1B2C3D4E approved by liaison-insp1",
    "group t1a2b3c4d.threadline-broker-0-commands lag 1234567",
    "kafka.errors.TopicAuthorizationFailedError on p1.safeguarding.reports.v1 partition 3",
    "schema fingerprint c301a1b2c3d4e5f6 unknown",
    "recorded at 2026-11-25T10:00:00Z after 14:05",
    "epoch 1732500000 kafka 4.1.2 promtool 2.42.0",
    "THREADLINE_KAFKA_TOPIC_PREFIX is empty",
]


@pytest.mark.parametrize(("text", "kind"), PLANTED)
def test_planted_values_are_blanked_and_named(text: str, kind: str) -> None:
    cleaned, found = scrub(text)
    assert found == {kind}
    assert f"[REDACTED:{kind}]" in cleaned
    assert text.split(" ", 1)[1] not in cleaned


@pytest.mark.parametrize("text", SAFE)
def test_operational_text_survives(text: str) -> None:
    assert scrub(text) == (text, set())
    assert not contains_pii(text)


def test_nhs_numbers_need_a_valid_check_digit() -> None:
    assert scrub("nhs 943 476 5918")[1] == set()


def test_every_kind_is_documented_in_the_module() -> None:
    from threadline.observability import pii

    assert pii.__doc__ is not None
    for kind in KINDS:
        assert f"``{kind}``" in pii.__doc__


def test_scrubbing_is_idempotent() -> None:
    text = " ".join(t for t, _ in PLANTED)
    once, _ = scrub(text)
    assert scrub(once) == (once, set())
