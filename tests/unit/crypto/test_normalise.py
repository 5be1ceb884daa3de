"""Normalisation: idempotent, blind to case, spacing and punctuation, exact on formats."""

from __future__ import annotations

import string
from datetime import date

import phonenumbers
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from threadline.crypto.normalise import (
    birth_year,
    name_forms,
    normalise_dob,
    normalise_email,
    normalise_handle,
    normalise_name,
    normalise_phone,
    phonetic_code,
    postcode_district,
    swap_day_month,
)

WORDS = st.lists(st.text(string.ascii_letters, min_size=1, max_size=12), min_size=1, max_size=4)
PUNCT = st.sampled_from([" ", "  ", "\t", "-", ",", " / ", "_", "\u00a0"])


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Aisha", "aisha"),
        ("  AISHA \n", "aisha"),
        ("Zoë", "zoe"),
        ("ZOË", "zoe"),
        ("Smith-Jones", "smith jones"),
        ("O'Brien", "obrien"),
        ("O\u2019Brien", "obrien"),
        ("Müller-Lüdenscheidt", "muller ludenscheidt"),
        ("Алексей", "aleksey"),
        ("محمد", "mhmd"),
        ("\uff21\uff29\uff33\uff28\uff21", "aisha"),  # full-width AISHA, folded by NFKC
        ("Straße", "strasse"),
        ("St. John", "st john"),
        ("123", ""),
        ("", ""),
    ],
)
def test_names(raw: str, expected: str) -> None:
    assert normalise_name(raw) == expected


@given(st.text(max_size=40))
@settings(max_examples=300)
def test_name_normalisation_is_idempotent_and_plain(raw: str) -> None:
    once = normalise_name(raw)
    assert normalise_name(once) == once
    assert set(once) <= set(string.ascii_lowercase + " ")
    assert "  " not in once
    assert once == once.strip()


@given(WORDS, st.data())
def test_case_whitespace_and_separators_do_not_matter(
    words: list[str], data: st.DataObject
) -> None:
    canonical = normalise_name(" ".join(words))
    separators = [data.draw(PUNCT) for _ in words]
    messy = "".join(s + w for s, w in zip(separators, words, strict=True)) + data.draw(PUNCT)
    assert normalise_name(messy) == canonical
    assert normalise_name(messy.upper()) == canonical
    assert normalise_name(messy.swapcase()) == canonical


@given(st.text("aeiouAEIOU", min_size=1, max_size=6), st.sampled_from("\u0301\u0308\u0300\u0327"))
def test_diacritics_do_not_matter(letters: str, mark: str) -> None:
    decorated = "".join(c + mark for c in letters)
    assert normalise_name(decorated) == normalise_name(letters)


def test_forms_of_double_barrelled_names() -> None:
    assert name_forms("smith jones") == ("smith jones", "smith", "jones")
    assert name_forms("khan") == ("khan",)
    assert name_forms("") == ()


@pytest.mark.parametrize(
    ("word", "code"),
    [("ibrahim", "ABRHM"), ("ebrahim", "ABRHM"), ("smith", "SM0"), ("smyth", "SM0"), ("", "")],
)
def test_phonetic_codes(word: str, code: str) -> None:
    assert phonetic_code(word) == code


@pytest.mark.parametrize(
    ("raw", "district"),
    [
        ("E1 6AN", "E1"),
        ("e16an", "E1"),
        ("SW1A 1AA", "SW1A"),
        ("sw1a1aa", "SW1A"),
        ("M1 1AA", "M1"),
        ("EC1A 1BB", "EC1A"),
        ("DN55 1PT", "DN55"),
        ("CR2 6XH", "CR2"),
        ("E16", "E16"),
        ("75001", None),
        ("", None),
        ("not a postcode", None),
    ],
)
def test_postcode_district(raw: str, district: str | None) -> None:
    assert postcode_district(raw) == district


@given(st.from_regex(r"0[1-9][0-9]{9}", fullmatch=True), st.sampled_from(["{}", "+44{}", "{} "]))
def test_gb_phone_fast_path_agrees_with_libphonenumber(digits: str, shape: str) -> None:
    raw = shape.format(digits[1:] if shape.startswith("+44") else digits)
    reference = phonenumbers.format_number(
        phonenumbers.parse(raw, "GB"), phonenumbers.PhoneNumberFormat.E164
    )
    assert normalise_phone(raw) == reference


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("07700 900123", "+447700900123"),
        ("+44 7700 900123", "+447700900123"),
        ("+44 (0)7700 900123", "+447700900123"),
        ("(020) 7946-0000", "+442079460000"),
        ("+1 202 555 0100", "+12025550100"),
        ("12", None),
        ("call me", None),
    ],
)
def test_phones(raw: str, e164: str | None) -> None:
    assert normalise_phone(raw) == e164


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("Aisha@Example.com ", "aisha@example.com"),
        ("A.Smith+tag@GoogleMail.com", "asmith@gmail.com"),
        ("a.smith+tag@example.com", "a.smith+tag@example.com"),
        ("no-at-sign", None),
        ("x@localhost", None),
        ("+only@gmail.com", None),
    ],
)
def test_emails(raw: str, normalised: str | None) -> None:
    assert normalise_email(raw) == normalised


def test_handles() -> None:
    assert normalise_handle("Instagram", " @D.Smith ") == "instagram:d.smith"
    assert normalise_handle("snapchat", "@") is None
    assert normalise_handle("", "x") is None
    assert normalise_handle("a:b", "x") is None


def test_dates_of_birth() -> None:
    assert normalise_dob("2011-04-03") == date(2011, 4, 3)
    assert normalise_dob(date(2011, 4, 3)) == date(2011, 4, 3)
    assert normalise_dob("03/04/2011") is None
    assert normalise_dob(None) is None
    assert birth_year("2011") == 2011
    assert birth_year("2011-04") == 2011
    assert birth_year("2011-04-03") == 2011
    assert birth_year("soon") is None


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2030, 12, 31)))
def test_day_month_swap_is_an_involution(dob: date) -> None:
    swapped = swap_day_month(dob)
    if dob.day <= 12 and dob.day != dob.month:
        assert swapped is not None
        assert swapped != dob
        assert (swapped.day, swapped.month) == (dob.month, dob.day)
        assert swap_day_month(swapped) == dob
    else:
        assert swapped is None


@given(st.text(max_size=30))
def test_formats_never_raise(raw: str) -> None:
    assume(raw is not None)
    postcode_district(raw)
    normalise_phone(raw)
    normalise_email(raw)
    normalise_handle(raw, raw)
    normalise_dob(raw)
    birth_year(raw)


@given(st.text(max_size=20))
@settings(max_examples=300)
def test_case_does_not_matter_in_any_script(raw: str) -> None:
    assert normalise_name(raw.upper()) == normalise_name(raw) == normalise_name(raw.lower())
