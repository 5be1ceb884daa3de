from __future__ import annotations

import pytest

from tests.unit.correlator.conftest import PersonFactory
from threadline.correlator.comparison import (
    FIELDS,
    MISSING,
    compare,
    given_names_differ,
    has_personal_agreement,
    is_unnamed_match,
)

GIVEN, FAMILY, DOB, POSTCODE, PHONES, EMAILS, HANDLES, CLK = range(len(FIELDS))


def level(field: int, name: str) -> int:
    return FIELDS[field].levels.index(name)


def test_identical_records_agree_everywhere_they_can(make_person: PersonFactory) -> None:
    p = make_person(
        given=["g"], family=["f"], phonetic=["G|F"], dob=(2011, 4, 3), postcode="E1",
        phones=["1"], emails=["e"], handles=["h"], clk={1, 2, 3},
    )  # fmt: skip
    vector = compare(p, p)
    assert vector[:CLK] == (0, 0, 0, 0, 0, 0, 0)
    assert vector[CLK] == MISSING  # the CLK repeats the exact names, so it is not counted


def test_missing_on_either_side_is_missing(make_person: PersonFactory) -> None:
    assert compare(make_person(given=["g"]), make_person()) == (MISSING,) * len(FIELDS)


def test_nickname_variant_tokens_overlap_as_exact(make_person: PersonFactory) -> None:
    bill = make_person(given=["bill", "william"])
    william = make_person(given=["william"])
    assert compare(bill, william)[GIVEN] == level(GIVEN, "exact")


def test_a_shared_phonetic_pair_makes_inexact_parts_spelling_variants(
    make_person: PersonFactory,
) -> None:
    # name_phonetic tokens are of (given code, family code) pairs, as threadline.crypto makes them.
    a = make_person(given=["jon"], family=["smith"], phonetic=["JN|SM0"])
    both_mistyped = make_person(given=["john"], family=["smyth"], phonetic=["JN|SM0"])
    assert compare(a, both_mistyped)[GIVEN:DOB] == (
        level(GIVEN, "phonetic"),
        level(FAMILY, "phonetic"),
    )
    given_mistyped = make_person(given=["john"], family=["smith"], phonetic=["JN|SM0"])
    assert compare(a, given_mistyped)[GIVEN:DOB] == (
        level(GIVEN, "phonetic"),
        level(FAMILY, "exact"),
    )


def test_siblings_names_disagree(make_person: PersonFactory) -> None:
    a = make_person(given=["aisha"], family=["khan"], phonetic=["AX|KN"])
    b = make_person(given=["omar"], family=["khan"], phonetic=["KN|OMR"])
    assert compare(a, b)[GIVEN:DOB] == (level(GIVEN, "disagree"), level(FAMILY, "exact"))


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ((2011, 4, 3), (2011, 4, 3), "exact"),
        ((2011, 4, 3), (2011, 3, 4), "swapped"),
        ((2011, 4, 3), (2011, 5, 20), "year"),
        ((2011, 4, 3), (2012, 4, 3), "disagree"),
    ],
)
def test_dob_levels(
    make_person: PersonFactory, a: tuple[int, int, int], b: tuple[int, int, int], expected: str
) -> None:
    assert compare(make_person(dob=a), make_person(dob=b))[DOB] == level(DOB, expected)


def test_set_fields_agree_on_any_overlap(make_person: PersonFactory) -> None:
    a = make_person(phones=["1", "2"], emails=["x"], handles=["h"])
    b = make_person(phones=["2", "3"], emails=["y"])
    vector = compare(a, b)
    assert vector[PHONES] == 0
    assert vector[EMAILS] == 1
    assert vector[HANDLES] == MISSING


def test_clk_bands_by_dice_when_no_name_part_is_exact(make_person: PersonFactory) -> None:
    base = set(range(0, 40))
    near = set(range(0, 36)) | {100, 101, 102, 103}  # one bigram in ten changed
    far = set(range(200, 240))
    a = make_person(given=["a"], clk=base)
    assert compare(a, make_person(given=["b"], clk=base))[CLK] == 0
    assert compare(a, make_person(given=["b"], clk=near))[CLK] in (0, 1)
    assert compare(a, make_person(given=["b"], clk=far))[CLK] == level(CLK, "lower")
    assert compare(a, make_person(given=["a"], clk=base))[CLK] == MISSING


def test_different_schemes_never_compare(make_person: PersonFactory) -> None:
    a = make_person(given=["g"], phones=["1"])
    b = make_person(given=["g"], phones=["1"], scheme="other-v2")
    assert compare(a, b) == (MISSING,) * len(FIELDS)


@pytest.mark.parametrize(
    ("vector_of", "personal"),
    [
        ({GIVEN: 0}, True),
        ({EMAILS: 0, GIVEN: 2}, True),
        ({HANDLES: 0}, True),
        ({GIVEN: 1, DOB: 0}, True),
        ({GIVEN: 1, DOB: 1}, True),  # spelling variant, DOB swapped
        ({DOB: 0, FAMILY: 0}, False),  # given unknown: a DOB identifies only up to twins
        ({GIVEN: 1, FAMILY: 0, PHONES: 0, POSTCODE: 0}, False),  # siblings with similar names
        ({GIVEN: 2, FAMILY: 0, DOB: 0, PHONES: 0}, False),  # twins
        ({FAMILY: 0, POSTCODE: 0, PHONES: 0}, False),  # a household
    ],
)
def test_personal_agreement(vector_of: dict[int, int], personal: bool) -> None:
    vector = tuple(vector_of.get(i, MISSING) for i in range(len(FIELDS)))
    assert has_personal_agreement(vector) is personal


@pytest.mark.parametrize(
    ("vector_of", "unnamed"),
    [
        ({FAMILY: 0, DOB: 0, POSTCODE: 0}, True),  # no first name on one side
        ({FAMILY: 0, DOB: 1, PHONES: 0}, True),  # DOB swapped, a phone for the place
        ({FAMILY: 0, DOB: 0}, False),  # same surname and birthday: nothing places them together
        ({FAMILY: 0, DOB: 0, POSTCODE: 1, PHONES: 1}, False),
        ({FAMILY: 0, DOB: 2, POSTCODE: 0}, False),  # only the year
        ({FAMILY: 1, DOB: 0, POSTCODE: 0}, False),  # the surname only sounds alike
        ({GIVEN: 2, FAMILY: 0, DOB: 0, POSTCODE: 0}, False),  # a different first name: twins
        ({FAMILY: MISSING, DOB: 0, POSTCODE: 0, PHONES: 0}, False),
    ],
)
def test_unnamed_match(vector_of: dict[int, int], unnamed: bool) -> None:
    vector = tuple(vector_of.get(i, MISSING) for i in range(len(FIELDS)))
    assert is_unnamed_match(vector) is unnamed
    assert not has_personal_agreement(vector)


def test_given_names_differ_only_when_both_are_known(make_person: PersonFactory) -> None:
    al = make_person(given=["al"], family=["f"], phonetic=["al|f"])
    bo = make_person(given=["bo"], family=["f"], phonetic=["bo|f"])
    nameless = make_person(family=["f"], phonetic=["|f"])
    assert given_names_differ(compare(al, bo))
    assert not given_names_differ(compare(al, nameless))
    assert not given_names_differ(compare(al, al))
