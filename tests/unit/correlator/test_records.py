from __future__ import annotations

import pytest

from tests.unit.correlator.conftest import PersonFactory
from tests.unit.correlator.synthetic_tokens import tok
from threadline.correlator.records import PersonTokens, decode_person, encode_person
from threadline.errors import ContractError, ValidationError


def test_from_mapping_accepts_the_avro_shape() -> None:
    data = {
        "scheme": "v1",
        "given_name": [tok("g", 1), tok("g", 2)],
        "family_name": [tok("f", 1)],
        "name_phonetic": [],
        "dob": tok("dob", 1),
        "dob_swapped": None,
        "birth_year": tok("yr", 1),
        "postcode_district": None,
        "phones": [tok("ph", 1)],
        "emails": [],
        "handles": [],
        "name_clk": bytes(128),
    }
    person = PersonTokens.from_mapping(data)
    assert person.given_name == {tok("g", 1), tok("g", 2)}
    assert person.dob == tok("dob", 1)
    assert person.clk_bits == 0  # an all-zero CLK carries no bits to compare


def test_wrong_token_length_names_the_path_not_the_value() -> None:
    secret = b"0123456789"
    with pytest.raises(ValidationError) as caught:
        PersonTokens.from_mapping({"scheme": "v1", "phones": [secret]}, path="subject")
    assert caught.value.path == "subject.phones"
    assert secret.decode() not in str(caught.value)


def test_repr_shows_counts_never_tokens(make_person: PersonFactory) -> None:
    person = make_person(given=["a"], family=["b"], dob=(2012, 3, 4), phones=["x", "y"])
    text = repr(person)
    assert "phones=2" in text
    for token in (*person.given_name, *person.phones, person.dob):
        assert token is not None
        assert token.hex() not in text
        assert repr(token) not in text


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"given": ["a"], "family": ["b", "c"], "phonetic": ["p"], "dob": (2011, 4, 3)},
        {"postcode": "E1", "phones": ["1", "2"], "emails": ["e"], "handles": ["h"], "clk": {1, 2}},
    ],
)
def test_codec_round_trips(make_person: PersonFactory, kwargs: dict[str, object]) -> None:
    person = make_person(**kwargs)
    blob = encode_person(person)
    assert decode_person(blob) == person
    assert encode_person(decode_person(blob)) == blob


def test_codec_is_deterministic_whatever_the_set_order(make_person: PersonFactory) -> None:
    a = make_person(phones=["1", "2", "3"])
    b = PersonTokens(scheme=a.scheme, phones=frozenset(sorted(a.phones, reverse=True)))
    assert encode_person(a) == encode_person(b)


@pytest.mark.parametrize("cut", [0, 1, 5, -1])
def test_corrupt_state_is_a_contract_error(make_person: PersonFactory, cut: int) -> None:
    blob = encode_person(make_person(given=["a"], dob=(2010, 1, 2), clk={3}))
    broken = blob[:cut] if cut else b""
    with pytest.raises(ContractError) as caught:
        decode_person(broken)
    assert caught.value.code == "corrupt_state"


def test_is_empty(make_person: PersonFactory) -> None:
    assert make_person().is_empty()
    assert not make_person(phones=["1"]).is_empty()
