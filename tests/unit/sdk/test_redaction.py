"""Redaction by example: known values, labels, numbering, strict mode and what never prints."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from tests.unit.sdk.conftest import REPORT

from threadline.errors import RedactionError, ValidationError
from threadline.sdk.redaction import KnownPerson, KnownValue, KnownValues, PiiKind, redact

RECORD: dict[str, Any] = {
    "subject": REPORT["subject"],
    "associates": [
        *REPORT["associates"],
        {"role": "parent_carer", "given_name": "Samira", "family_name": "Khan"},
    ],
}


@pytest.fixture
def known() -> KnownValues:
    return KnownValues.from_report(copy.deepcopy(RECORD))


def text_of(narrative: str, known: KnownValues) -> str:
    return redact(narrative, known, strict=False).text


@pytest.mark.parametrize(
    ("narrative", "expected"),
    [
        ("Aisha was seen.", "[CHILD_1] was seen."),
        ("AISHA KHAN was seen.", "[CHILD_1] was seen."),
        ("aisha's phone", "[CHILD_1]'s phone"),
        ("Aisha\u2019s phone", "[CHILD_1]\u2019s phone"),
        ("Ms Khan called.", "Ms [CHILD_1] called."),
        ("Ash left with Dean Smith.", "[CHILD_1] left with [SUSPECT_1]."),
        ("Ashley and Deanna are friends.", "Ashley and Deanna are friends."),
        ("Samira rang.", "[PARENT_CARER_1] rang."),
    ],
)
def test_known_names_are_whole_words_in_any_casing(
    narrative: str, expected: str, known: KnownValues
) -> None:
    assert text_of(narrative, known) == expected


def test_a_shared_family_name_goes_to_the_first_person_alone_and_to_the_right_one_in_full(
    known: KnownValues,
) -> None:
    assert text_of("Khan and Samira Khan", known) == "[CHILD_1] and [PARENT_CARER_1]"


def test_listed_values_keep_their_labels_however_they_are_written(known: KnownValues) -> None:
    narrative = (
        "Call +447700900123 or 07700-900-123; Dean uses 07700 900456. Mail AISHA@EXAMPLE.COM, "
        "snap @ash_k11, insta d.smith. Lives at 12 Example Street, e1 6an. DOB 03/04/2011."
    )
    assert text_of(narrative, known) == (
        "Call [PHONE_1] or [PHONE_1]; [SUSPECT_1] uses [PHONE_2]. Mail [EMAIL_1], "
        "snap [HANDLE_1], insta [HANDLE_2]. Lives at [ADDRESS_1], [POSTCODE_1]. DOB [DOB_1]."
    )


def test_unlisted_values_are_numbered_after_the_listed_ones_in_order_of_appearance(
    known: KnownValues,
) -> None:
    result = redact(
        "Also 0161 496 0123, then 07700 900999, then 0161-496-0123.", known, strict=True
    )
    assert result.text == "Also [PHONE_3], then [PHONE_4], then [PHONE_3]."
    assert result.summary == {"PHONE": 3}
    assert [f.known for f in result.findings] == [False, False, False]


def test_a_swapped_day_and_month_is_still_the_date_of_birth(known: KnownValues) -> None:
    assert text_of("born 04/03/2011, seen 05/06/2025", known) == "born [DOB_1], seen [DATE_1]"


@pytest.mark.parametrize(
    ("narrative", "kind"),
    [
        ("write to someone.else@example.org today", "EMAIL"),
        ("call 07911 123456 now", "PHONE"),
        ("call (020) 7946 0018 now", "PHONE"),
        ("call +44 (0) 161 496 0018 now", "PHONE"),
        ("call 0044 7700 900018 now", "PHONE"),
        ("call +48 512 345 678 now", "PHONE"),
        ("NHS 943 476 5919 on file", "NHS_NUMBER"),
        ("ref 943 476 5918 on file", "NUMBER"),
        ("near sw1a 1aa last night", "POSTCODE"),
        ("found in LS9 last night", "POSTCODE"),
        ("on 3rd April 2024 at noon", "DATE"),
        ("on April 3, 2024 at noon", "DATE"),
        ("on 2024-04-03 at noon", "DATE"),
        ("see https://www.tiktok.com/@someone for it", "URL"),
        ("see instagram.com/someone for it", "URL"),
        ("messaged by @trap_king_22 again", "HANDLE"),
        ("snapchat username gr8_m8 again", "HANDLE"),
        ("stays at 27 Victoria Road sometimes", "ADDRESS"),
        ("case 12345678 open", "NUMBER"),
    ],
)
def test_detectors_catch_unlisted_values(narrative: str, kind: str) -> None:
    result = redact(narrative, KnownValues(), strict=True)
    assert [f.kind.value for f in result.findings] == [kind]
    assert f"[{kind}_1]" in result.text


@pytest.mark.parametrize(
    "narrative",
    [
        "She drove down the M1 and the A1 at 10:30 on 3 May.",
        "Her snapchat account was deleted in year 9.",
        "Scored 7 out of 10; 3 of 4 tests; room 101.",
    ],
)
def test_ordinary_text_is_left_alone(narrative: str) -> None:
    assert redact(narrative, KnownValues(), strict=True).text == narrative


def test_a_name_glued_to_digits_is_an_unlisted_handle(known: KnownValues) -> None:
    assert text_of("her alias aisha_2011 and aisha2011", known) == (
        "her alias [HANDLE_3] and [HANDLE_4]"
    )


def test_overlaps_keep_the_stronger_kind_and_the_rest_of_the_weaker(known: KnownValues) -> None:
    assert text_of("ref 12345678 2011-04-03", known) == "ref [NUMBER_1] [DOB_1]"
    assert text_of("mail aisha.khan@example.org", known) == "mail [EMAIL_2]"


def test_existing_placeholders_are_kept_and_numbering_continues() -> None:
    result = redact("[PHONE_4] called 07700 900222", KnownValues(), strict=True)
    assert result.text == "[PHONE_4] called [PHONE_5]"


def test_one_letter_aliases_match_only_as_capitals() -> None:
    known = KnownValues.from_report(
        {"associates": [{"role": "suspect", "other_names": ["K"]}, {"other_names": ["Lil T"]}]}
    )
    assert text_of("K and Lil T met; ok k.", known) == "[SUSPECT_1] and [OTHER_1] met; ok k."


def test_name_particles_only_count_beside_the_rest_of_the_name() -> None:
    known = KnownValues([KnownPerson("CHILD_1", ("Jan", "van der Berg"))])
    assert text_of("Van der Berg left in a white van.", known) == "[CHILD_1] left in a white van."


def test_accents_match_either_way() -> None:
    known = KnownValues([KnownPerson("CHILD_1", ("Łukasz", "Wiśniewski"))])
    assert text_of("Lukasz Wisniewski", known) == "[CHILD_1]"
    assert text_of("Wis\u0301niewski", KnownValues([KnownPerson("CHILD_1", ("Wisniewski",))])) == (
        "[CHILD_1]"
    )


def test_strict_mode_names_kind_and_offset_never_the_value(known: KnownValues) -> None:
    with pytest.raises(RedactionError) as caught:
        redact("She met Aishaa again.", known, strict=True)
    assert str(caught.value).endswith("possible_name at offset 8")
    assert "Aishaa" not in str(caught.value)
    lenient = redact("She met Aishaa again.", known, strict=False)
    assert [(w.kind, w.offset) for w in lenient.warnings] == [("possible_name", 8)]


def test_nothing_that_prints_holds_a_value(known: KnownValues) -> None:
    result = redact("Aisha (07700 900123) and d.smith", known, strict=False)
    printed = " ".join(
        [repr(known), str(known.persons), str(known.values), repr(result.findings), str(result)]
    ).lower()
    for value in ("aisha", "khan", "07700", "900123", "d.smith", "example.com", "e1 6an"):
        assert value not in printed.replace("[child_1]", "")


def test_explicit_known_values_and_bad_labels() -> None:
    known = KnownValues(
        [KnownPerson("SUSPECT_2", ("Dee",))], [KnownValue("PHONE_7", "07700 900001")]
    )
    assert text_of("Dee on 07700900001 and 07700 900002", known) == (
        "[SUSPECT_2] on [PHONE_7] and [PHONE_8]"
    )
    assert known.values[0].kind is PiiKind.PHONE
    with pytest.raises(ValidationError) as caught:
        KnownValues([KnownPerson("PHONE_1", ("Dee",))])
    assert caught.value.path == "persons[0].label"
    with pytest.raises(ValidationError):
        KnownValues(values=[KnownValue("phone-1", "x")])


@pytest.mark.parametrize(
    ("record", "path"),
    [
        ({"subject": "Aisha"}, "subject"),
        ({"subject": {"phones": "07700 900123"}}, "subject.phones"),
        ({"subject": {"given_name": 7}}, "subject.given_name"),
        ({"associates": [{"handles": [{"handle": 5}]}]}, "associates[0].handles[0].handle"),
    ],
)
def test_malformed_records_fail_with_a_path_and_no_value(record: dict[str, Any], path: str) -> None:
    with pytest.raises(ValidationError) as caught:
        KnownValues.from_report(record)
    assert caught.value.path == path
    assert "Aisha" not in str(caught.value) and "07700" not in str(caught.value)
