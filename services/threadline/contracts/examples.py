"""Valid example events for tests, benchmarks and documentation, with no real data in them.

Every team's tests need records that encode: the correlator needs subjects that do and do not
match, the crypto team needs something to sign, the CLI needs something to print. Building
them by hand in each test would couple every test to the schema's every field, so they come
from here and a schema change is made once.

Nothing is real: ciphertexts, encapsulated keys and tokens are deterministic filler derived
from a ``seed`` with SHA-256, so two persons built with the same seed carry the same tokens
(and would link), and different seeds never collide. Unsigned: ``signature`` is empty and
``signing_key_id`` names a key nobody holds. Every call returns fresh, independent dicts, so a
test may mutate what it gets.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from threadline.contracts.events import EventType
from threadline.contracts.schemas import default_registry

__all__ = [
    "AGENCY_ID",
    "ENCRYPTION_SCHEME",
    "EVENT_ID",
    "OCCURRED_AT",
    "RECORDED_AT",
    "TOKEN_SCHEME",
    "concern",
    "encrypted_field",
    "filler",
    "full_event",
    "grading",
    "minimal_event",
    "person",
    "person_tokens",
]

AGENCY_ID = "agency-example"
TOKEN_SCHEME = "tl-tokens/v1"  # noqa: S105 - a scheme name, not a secret
ENCRYPTION_SCHEME = "hpke/dhkem-x25519-hkdf-sha256/hkdf-sha256/aes-256-gcm/v1"
EVENT_ID = "01a1fd55-7afb-7000-8000-000000000001"
"""A fixed, valid UUIDv7 minted at RECORDED_AT, so example bytes are reproducible."""

OCCURRED_AT = datetime(2026, 11, 20, 18, 30, tzinfo=UTC)
RECORDED_AT = datetime(2026, 11, 21, 9, 0, 0, 123000, tzinfo=UTC)


def filler(seed: object, label: str, size: int = 32) -> bytes:
    """Deterministic stand-in bytes for a token, key or ciphertext."""
    digest = hashlib.sha256(f"{seed}|{label}".encode()).digest()
    return (digest * (size // len(digest) + 1))[:size]


def encrypted_field(path: str, *, seed: object = 0, key_version: int = 1) -> dict[str, Any]:
    """An EncryptedField for ``path`` with filler ciphertext (HPKE-derived nonce, so empty)."""
    return {
        "key_id": "disclosure-example",
        "key_version": key_version,
        "scheme": ENCRYPTION_SCHEME,
        "path": path,
        "enc": filler(seed, f"enc:{path}"),
        "nonce": b"",
        "ciphertext": filler(seed, f"ct:{path}", 40),
    }


def person_tokens(seed: object = 0) -> dict[str, Any]:
    """A PersonTokens with every field filled; equal seeds give equal tokens."""
    return {
        "scheme": TOKEN_SCHEME,
        "given_name": [filler(seed, "given_name"), filler(seed, "given_name:variant")],
        "family_name": [filler(seed, "family_name")],
        "name_phonetic": [filler(seed, "name_phonetic")],
        "dob": filler(seed, "dob"),
        "dob_swapped": filler(seed, "dob_swapped"),
        "birth_year": filler(seed, "birth_year"),
        "postcode_district": filler(seed, "postcode_district"),
        "phones": [filler(seed, "phone")],
        "emails": [filler(seed, "email")],
        "handles": [filler(seed, "handle")],
        "name_clk": filler(seed, "name_clk", 128),
    }


def person(
    ref: str = "CHILD_1",
    role: str = "CHILD",
    *,
    seed: object = 0,
    at: str = "subject",
    full: bool = True,
) -> dict[str, Any]:
    """A Person; ``at`` is its field path (``associates[0]``), which the ciphertexts bind.

    ``full=False`` gives the smallest valid person: a phone number and its token only.
    """
    if not full:
        return {
            "ref": ref,
            "role": role,
            "phones": [encrypted_field(f"{at}.phones[0]", seed=seed)],
            "tokens": {"scheme": TOKEN_SCHEME, "phones": [filler(seed, "phone")]},
        }
    return {
        "ref": ref,
        "role": role,
        "given_name": encrypted_field(f"{at}.given_name", seed=seed),
        "family_name": encrypted_field(f"{at}.family_name", seed=seed),
        "other_names": [encrypted_field(f"{at}.other_names[0]", seed=seed)],
        "date_of_birth": encrypted_field(f"{at}.date_of_birth", seed=seed),
        "postcode": encrypted_field(f"{at}.postcode", seed=seed),
        "address": encrypted_field(f"{at}.address", seed=seed),
        "phones": [encrypted_field(f"{at}.phones[0]", seed=seed)],
        "emails": [encrypted_field(f"{at}.emails[0]", seed=seed)],
        "handles": [
            {
                "platform": "snapchat",
                "handle": encrypted_field(f"{at}.handles[0].handle", seed=seed),
            }
        ],
        "tokens": person_tokens(seed),
        "adult_flag": role != "CHILD",
        "age_band": "13-15" if role == "CHILD" else "25-34",
    }


def grading(*, handling_code: str = "P") -> dict[str, Any]:
    """A 3x5x2 grading: B2, with conditions exactly when the handling code is C."""
    return {
        "source_evaluation": "S2",
        "intelligence_assessment": "B",
        "handling_code": handling_code,
        "handling_conditions": "Not to be shared beyond the MASH" if handling_code == "C" else None,
    }


def concern(*, full: bool = True) -> dict[str, Any]:
    """A Concern; ``full=False`` gives the required field only."""
    if not full:
        return {"risk_level": "MEDIUM"}
    return {
        "exploitation_types": ["CSE", "ONLINE_GROOMING"],
        "other_exploitation_types": [],
        "stage": "TRUST_DECEPTION",
        "indicators": ["GOING_MISSING", "OLDER_ASSOCIATES", "NEW_PHONE"],
        "other_indicators": ["gifts of designer clothes"],
        "platforms": [
            {"platform": "snapchat", "role": "FIRST_CONTACT"},
            {"platform": "instagram", "role": "GROOMING"},
        ],
        "risk_level": "HIGH",
        "referral_routes": ["MASH", "POLICE"],
        "narrative": "[CHILD_1] ([PHONE_1]) was seen getting into a car with [SUSPECT_1].",
        "redaction_summary": {"CHILD": 1, "PHONE": 1, "SUSPECT": 1},
    }


def _header(event_id: str, *, full: bool) -> dict[str, Any]:
    return {
        "signature": b"",
        "signing_key_id": "agency-example-signing-1",
        "event_id": event_id,
        "report_id": "EXAMPLE-2026-000123",
        "agency_id": AGENCY_ID,
        "occurred_at": OCCURRED_AT,
        "recorded_at": RECORDED_AT,
        "schema_version": default_registry().schema_version,
        "token_scheme": TOKEN_SCHEME,
        "grading": grading(handling_code="C" if full else "P"),
        "tlp": "AMBER",
    }


def _body(event_type: EventType, *, full: bool) -> dict[str, Any]:
    subject = person(full=full)
    associates = [person("SUSPECT_1", "SUSPECT", seed=1, at="associates[0]")] if full else []
    people: dict[str, Any] = {"subject": subject, "concern": concern(full=full)}
    if full:
        people["associates"] = associates
    if event_type is EventType.CONCERN_RAISED:
        return people
    if event_type is EventType.REFERRAL_MADE:
        extra = {"referred_to": "Example MASH", "referred_to_agency_id": "agency-mash"}
        return {**people, "route": "MASH", **(extra if full else {})}
    if event_type is EventType.REPORT_UPDATED:
        extra = {"supersedes_event_id": EVENT_ID, "reason": "corrected date of birth"}
        return {**(extra if full else {}), **people}
    if event_type is EventType.REPORT_WITHDRAWN:
        extra = {"withdrawn_event_id": EVENT_ID, "reason": "sent twice by mistake"}
        return {**(extra if full else {}), "reason_code": "DUPLICATE"}
    episode: dict[str, Any] = {
        "subject": subject,
        "started_at": datetime(2026, 11, 18, 21, 0, tzinfo=UTC),
        "risk_level": "HIGH",
    }
    if full:
        episode |= {
            "ended_at": datetime(2026, 11, 19, 7, 45, tzinfo=UTC),
            "return_interview_done": True,
            "location_district": "E1",
        }
    return episode


def minimal_event(event_type: EventType | str, **overrides: Any) -> dict[str, Any]:
    """The smallest valid record of ``event_type``: required fields only, defaults omitted.

    ``overrides`` replace top-level fields (``event_id=new_event_id()``, ``tlp="RED"``).
    """
    kind = EventType.parse(event_type)
    return {**_header(EVENT_ID, full=False), **_body(kind, full=False), **overrides}


def full_event(event_type: EventType | str, **overrides: Any) -> dict[str, Any]:
    """A record of ``event_type`` with every field set, including optional ones."""
    kind = EventType.parse(event_type)
    return {**_header(EVENT_ID, full=True), **_body(kind, full=True), **overrides}
