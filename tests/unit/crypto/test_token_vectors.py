"""Pinned token and CLK outputs: tokens of ``tl-tok-v1`` must never change for the same input.

The correlator's trained linkage model and every token already on the reports topic depend on
these exact bytes, so any change to normalisation, the nickname/spelling tables, the HKDF
labels or the CLK construction shows up here first. A deliberate change needs a new scheme
version (``tl-tok-v2``) and re-tokenising, never an edit of these digests.

Each field is pinned as the first 16 hex digits of SHA-256 over its length-prefixed tokens, so
a new token field added by a later scheme does not disturb the existing pins.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import pytest

from threadline.contracts import decode
from threadline.crypto.keyring import MemoryKeyring
from threadline.crypto.signatures import AgencySigner
from threadline.crypto.tokens import LinkageTokeniser
from threadline.sdk.builder import EventBuilder
from threadline.sdk.report import parse_report

from .conftest import LINKAGE_SECRET

PEOPLE: dict[str, dict[str, Any]] = {
    "aisha": {
        "given_name": "Aisha",
        "family_name": "Khan",
        "other_names": ["Ash"],
        "date_of_birth": "2011-04-03",
        "postcode": "E1 6AN",
        "address": "12 Example Street, London",
        "phones": ["07700 900123"],
        "emails": ["aisha@example.com"],
        "handles": [{"platform": "snapchat", "handle": "ash_k11"}],
    },
    "variants": {
        "given_name": "Zoë",
        "family_name": "O'Brien-Smith",
        "other_names": ["Bobby", "Алексей", "Mohamed"],
        "date_of_birth": "2010-11-05",
        "postcode": "sw1a 1aa",
        "phones": ["+44 7700 900456", "(020) 7946 0958", "+1 202 555 0143", "0044 7700 900789"],
        "emails": ["A.Smith+x@googlemail.com", "Dean@Example.ORG"],
        "handles": [
            {"platform": "instagram", "handle": "@D.Smith"},
            {"platform": "tiktok", "handle": "dsmith_99"},
        ],
    },
    "sparse": {
        "family_name": "Mohammed",
        "date_of_birth": "2011-04",
        "phones": ["not a phone"],
        "postcode": "nowhere",
    },
    "particles": {
        "given_name": "  MUHAMMAD  ",
        "family_name": "van der Berg",
        "other_names": ["Mo", "Jean-Luc"],
        "date_of_birth": "2012-03-04",
        "postcode": "B12 9QX",
    },
}

EMPTY = "e3b0c44298fc1c14"  # no token at all
NONE = "6e340b9cffb37a98"  # an optional token that is absent
PINNED: dict[str, dict[str, str]] = {
    "aisha": {
        "given_name": "36c0edd3f334ad27",
        "family_name": "96336a33d9408f82",
        "name_phonetic": "110a241e28ee7dd1",
        "dob": "615c6403b084e0db",
        "dob_swapped": "0ad0637ee44d4413",
        "birth_year": "2b21e5b35ae0965f",
        "postcode_district": "286f3fd86d719bdf",
        "phones": "6c36b133ae6a903c",
        "emails": "71ac2824cf27c720",
        "handles": "16f34122f9e702a4",
        "name_clk": "4a65ec7d5c7988a9",
    },
    "variants": {
        "given_name": "38b25502a7bc9781",
        "family_name": "62cc1105210615ed",
        "name_phonetic": "bd4474003270931d",
        "dob": "100feef73bdc2d5a",
        "dob_swapped": "7b1af85f10a15fd1",
        "birth_year": "cd094b7f285edc72",
        "postcode_district": "d0678edf0d077551",
        "phones": "561df2a386223460",
        "emails": "5678da5f26c056fb",
        "handles": "c157fbe7fbaf2ced",
        "name_clk": "66e24d2df4550ad4",
    },
    "sparse": {
        "given_name": EMPTY,
        "family_name": "b4e4c7803fec16d4",
        "name_phonetic": "e7e84b06bb9bd20e",
        "dob": NONE,
        "dob_swapped": NONE,
        "birth_year": "2b21e5b35ae0965f",
        "postcode_district": NONE,
        "phones": EMPTY,
        "emails": EMPTY,
        "handles": EMPTY,
        "name_clk": "8831996d9c0c4d6f",
    },
    "particles": {
        "given_name": "27e6d3fff926a0d3",
        "family_name": "85f4731b3cd47f78",
        "name_phonetic": "5c8c0f8da5aaf172",
        "dob": "4e5136b6bbb18c74",
        "dob_swapped": "952eee0f2a40d960",
        "birth_year": "1dbcca69f7de61bf",
        "postcode_district": "82651b241c92144d",
        "phones": EMPTY,
        "emails": EMPTY,
        "handles": EMPTY,
        "name_clk": "a503259f3000718b",
    },
}


def _digest(value: bytes | list[bytes] | None) -> str:
    h = hashlib.sha256()
    for token in value if isinstance(value, list) else [value]:
        h.update(b"\x00" if token is None else len(token).to_bytes(2, "big") + token)
    return h.hexdigest()[:16]


def _digests(tokens: Any) -> dict[str, str]:
    return {field: _digest(tokens[field]) for field in PINNED["aisha"]}


@pytest.mark.parametrize("name", sorted(PEOPLE))
def test_tokens_and_clk_are_pinned(name: str) -> None:
    tokens = LinkageTokeniser(LINKAGE_SECRET).person_tokens(PEOPLE[name])
    assert tokens["scheme"] == "tl-tok-v1"
    assert _digests(tokens) == PINNED[name]


def test_repeated_calls_give_the_pinned_tokens() -> None:
    """Caches inside normalisation must not change a second (or hundredth) answer."""
    tokeniser = LinkageTokeniser(LINKAGE_SECRET)
    for _ in range(3):
        for name in sorted(PEOPLE):
            assert _digests(tokeniser.person_tokens(PEOPLE[name])) == PINNED[name]


def test_the_sdk_writes_the_pinned_tokens() -> None:
    """The same pins through the whole SDK path (validated report -> event bytes -> decode)."""
    builder = EventBuilder(
        "met-police",
        signer=AgencySigner.generate("met-police", "mps-1"),
        disclosure=MemoryKeyring("dk-test"),
        tokeniser=LinkageTokeniser(LINKAGE_SECRET),
    )
    associates = [{"role": "other", **PEOPLE[name]} for name in ("variants", "particles")]
    raw: dict[str, Any] = {
        "event_type": "concern_raised",
        "report_id": "MPS-PIN-1",
        "occurred_at": "2026-11-20T18:30:00Z",
        "grading": {"source": 2, "intelligence": "B", "handling": "P"},
        "subject": PEOPLE["aisha"],
        "associates": associates,
        "concern": {"risk_level": "high", "narrative": "Seen at the station."},
    }
    report = parse_report(raw, now=datetime(2026, 11, 25, tzinfo=UTC))
    _, record = decode(builder.build(report, raw).payload)
    assert _digests(record["subject"]["tokens"]) == PINNED["aisha"]
    assert [_digests(a["tokens"]) for a in record["associates"]] == [
        PINNED["variants"],
        PINNED["particles"],
    ]
