"""Linkage tokens: deterministic, key-separated per field, secret-dependent, variant-tolerant."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, get_type_hints

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import SecretBytes

from threadline.crypto.tokens import TOKEN_BYTES, LinkageTokeniser, PersonTokens, derive_key
from threadline.errors import ConfigError

from .conftest import LINKAGE_SECRET

PersonFactory = Callable[..., dict[str, Any]]
SCHEMAS = Path(__file__).resolve().parents[3] / "schemas"
LIST_FIELDS = ("given_name", "family_name", "name_phonetic", "phones", "emails", "handles")
ONE_FIELDS = ("dob", "dob_swapped", "birth_year", "postcode_district")


def _all_tokens(tokens: PersonTokens) -> set[bytes]:
    out: set[bytes] = set()
    for name in LIST_FIELDS:
        out.update(tokens[name])  # type: ignore[literal-required]
    out.update(t for name in ONE_FIELDS if (t := tokens[name]))  # type: ignore[literal-required]
    return out


def test_shape_matches_the_avro_schema(
    tokeniser: LinkageTokeniser, person_factory: PersonFactory
) -> None:
    schema = json.loads((SCHEMAS / "PersonTokens.avsc").read_text(encoding="utf-8"))
    avro_fields = {f["name"] for f in schema["fields"]}
    assert set(get_type_hints(PersonTokens)) == avro_fields
    tokens = tokeniser.person_tokens(person_factory())
    assert set(tokens) == avro_fields
    assert tokens["scheme"] == "tl-tok-v1"
    assert all(len(t) == TOKEN_BYTES for t in _all_tokens(tokens))
    assert tokens["name_clk"] is not None
    assert len(tokens["name_clk"]) == 128
    for name in LIST_FIELDS:
        values = tokens[name]  # type: ignore[literal-required]
        assert values == sorted(set(values)), f"{name} must be sorted and unique"


def test_deterministic(tokeniser: LinkageTokeniser, person_factory: PersonFactory) -> None:
    assert tokeniser.person_tokens(person_factory()) == LinkageTokeniser(
        LINKAGE_SECRET
    ).person_tokens(person_factory())


def test_different_secrets_share_no_token(person_factory: PersonFactory) -> None:
    a = LinkageTokeniser(b"a" * 32).person_tokens(person_factory())
    b = LinkageTokeniser(b"b" * 32).person_tokens(person_factory())
    assert not _all_tokens(a) & _all_tokens(b)
    assert a["name_clk"] != b["name_clk"]


def test_field_keys_are_separated(tokeniser: LinkageTokeniser) -> None:
    fields = ("given_name", "family_name", "phone", "email", "handle", "dob", "postcode_district")
    assert len({tokeniser.token(f, "e1") for f in fields}) == len(fields)
    keys = {derive_key(LINKAGE_SECRET, "tl-tok-v1", f) for f in fields}
    assert len(keys) == len(fields)
    assert derive_key(LINKAGE_SECRET, "tl-tok-v2", "dob") != derive_key(
        LINKAGE_SECRET, "tl-tok-v1", "dob"
    )


def test_no_token_is_a_plain_hmac_of_the_value(
    tokeniser: LinkageTokeniser, person_factory: PersonFactory
) -> None:
    person = person_factory()
    tokens = _all_tokens(tokeniser.person_tokens(person))
    candidates = [
        "Aisha",
        "aisha",
        "Khan",
        "khan",
        "2011-04-03",
        "E1",
        "+447700900123",
        "07700 900123",
        "aisha@example.com",
        "snapchat:ash_k11",
        "ash_k11",
    ]
    for value in candidates:
        for key in (LINKAGE_SECRET, b""):
            full = hmac.new(key, value.encode(), hashlib.sha256).digest()
            assert full[:TOKEN_BYTES] not in tokens
            assert full[-TOKEN_BYTES:] not in tokens
        assert hashlib.sha256(value.encode()).digest()[:TOKEN_BYTES] not in tokens


def test_tokens_do_not_contain_the_values(
    tokeniser: LinkageTokeniser, person_factory: PersonFactory
) -> None:
    blob = b"".join(_all_tokens(tokeniser.person_tokens(person_factory())))
    for value in (b"aisha", b"khan", b"2011", b"7700900123", b"ash_k11"):
        assert value not in blob.lower()


def test_nickname_and_spelling_variants_share_tokens(
    tokeniser: LinkageTokeniser, person_factory: PersonFactory
) -> None:
    pairs = [("Robert", "Bob"), ("Elizabeth", "Liz"), ("Mohammed", "Muhammad"), ("Aisha", "Ayesha")]
    for formal, informal in pairs:
        a = tokeniser.person_tokens(person_factory(given_name=formal, other_names=[]))
        b = tokeniser.person_tokens(person_factory(given_name=informal, other_names=[]))
        assert set(a["given_name"]) & set(b["given_name"]), (formal, informal)
        assert set(a["name_phonetic"]) & set(b["name_phonetic"]), (formal, informal)


def test_swapped_dob_meets_the_plain_dob(
    tokeniser: LinkageTokeniser, person_factory: PersonFactory
) -> None:
    a = tokeniser.person_tokens(person_factory(date_of_birth="2011-04-03"))
    b = tokeniser.person_tokens(person_factory(date_of_birth="2011-03-04"))
    assert a["dob"] != b["dob"]
    assert a["dob"] == b["dob_swapped"]
    assert b["dob"] == a["dob_swapped"]
    assert a["birth_year"] == b["birth_year"]
    same = tokeniser.person_tokens(person_factory(date_of_birth="2011-04-04"))
    late = tokeniser.person_tokens(person_factory(date_of_birth="2011-04-13"))
    assert same["dob_swapped"] is None
    assert late["dob_swapped"] is None
    assert a["birth_year"] != a["dob"]


@given(
    dob=st.dates().filter(lambda d: d.day <= 12 and d.day != d.month),
)
@settings(max_examples=50)
def test_dob_swap_symmetry(tokeniser: LinkageTokeniser, dob: Any) -> None:
    swapped = f"{dob.year:04d}-{dob.day:02d}-{dob.month:02d}"
    a = tokeniser.person_tokens({"date_of_birth": dob.isoformat()})
    b = tokeniser.person_tokens({"date_of_birth": swapped})
    assert a["dob"] == b["dob_swapped"]
    assert b["dob"] == a["dob_swapped"]


@given(
    given_name=st.text("abcdefghij", min_size=1, max_size=10),
    family=st.text("klmnopqrst", min_size=1, max_size=10),
    pad=st.sampled_from(["", " ", "  ", "\t"]),
    punct=st.sampled_from(["", ".", "'"]),
)
@settings(max_examples=100)
def test_person_tokens_ignore_case_spacing_and_punctuation(
    tokeniser: LinkageTokeniser, given_name: str, family: str, pad: str, punct: str
) -> None:
    plain = tokeniser.person_tokens({"given_name": given_name, "family_name": family})
    messy = tokeniser.person_tokens(
        {
            "given_name": f"{pad}{given_name.upper()}{punct}{pad}",
            "family_name": f"{punct}{family.title()}",
        }
    )
    assert plain == messy


def test_identifiers_in_any_format_meet(
    tokeniser: LinkageTokeniser, person_factory: PersonFactory
) -> None:
    a = tokeniser.person_tokens(person_factory())
    b = tokeniser.person_tokens(
        person_factory(
            postcode="e16 an",
            phones=["+44 (0)7700 900123"],
            emails=[" AISHA@EXAMPLE.COM"],
            handles=[{"platform": "Snapchat", "handle": "@Ash_K11"}],
        )
    )
    for name in ("postcode_district", "phones", "emails", "handles"):
        assert a[name] == b[name], name


def test_missing_and_unusable_values_give_no_tokens(tokeniser: LinkageTokeniser) -> None:
    empty = tokeniser.person_tokens({})
    assert all(not empty[n] for n in (*LIST_FIELDS, *ONE_FIELDS))  # type: ignore[literal-required]
    assert empty["name_clk"] is None
    junk = tokeniser.person_tokens(
        {
            "date_of_birth": 20110403,
            "postcode": "75001",
            "phones": ["call me"],
            "emails": ["nope"],
            "handles": [{"platform": "x"}, "not-a-dict"],
            "given_name": None,
        }
    )
    assert all(not junk[n] for n in (*LIST_FIELDS, *ONE_FIELDS))  # type: ignore[literal-required]


def test_partial_dob_still_gives_a_birth_year(tokeniser: LinkageTokeniser) -> None:
    tokens = tokeniser.person_tokens({"date_of_birth": "2011"})
    assert tokens["dob"] is None
    assert (
        tokens["birth_year"]
        == tokeniser.person_tokens({"date_of_birth": "2011-04-03"})["birth_year"]
    )


def test_construction_rules() -> None:
    with pytest.raises(ConfigError, match="at least 32 bytes"):
        LinkageTokeniser(b"short")
    with pytest.raises(ConfigError, match="unknown token scheme"):
        LinkageTokeniser(LINKAGE_SECRET, "tl-tok-v0")
    wrapped = LinkageTokeniser(SecretBytes(LINKAGE_SECRET))
    assert wrapped.token("dob", "x") == LinkageTokeniser(LINKAGE_SECRET).token("dob", "x")


def test_repr_is_redacted(tokeniser: LinkageTokeniser) -> None:
    assert LINKAGE_SECRET.hex() not in repr(tokeniser)
    assert "redacted" in repr(tokeniser)
