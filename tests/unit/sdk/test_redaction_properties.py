"""Properties of redaction that must hold for any text, not just the examples we thought of."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from threadline.sdk.detectors import is_valid_nhs_number
from threadline.sdk.redaction import KnownPerson, KnownValue, KnownValues, redact

PLACEHOLDER = re.compile(r"\[[A-Z]+(?:_[A-Z]+)*_(\d+)\]")
WORDS = [
    "the",
    "she",
    "was",
    "seen",
    "near",
    "a",
    "car",
    "with",
    "on",
    "at",
    "and",
    "phone",
    "money",
    "school",
    "late",
    "-",
    ",",
    ".",
    "(",
    ")",
    "'s",
    "12",
    "3",
    "2024",
    "£20",
]
AREAS = ["E", "N", "SE", "SW", "B", "M", "LS", "BS", "NG", "CF", "G", "EH", "BT", "CR", "IG"]
PARTICLES = {"al", "el", "bin", "van", "von", "der", "de", "del", "di", "da", "du", "la", "le"}

filler = st.lists(
    st.one_of(
        st.sampled_from(WORDS),
        st.text("abcdefghijklmnopqrstuvwxyzXYZ0123456789.,!?-", min_size=1, max_size=6),
    ),
    max_size=12,
).map(" ".join)
names = st.text("abcdefghijklmnopqrstuvwxyzéñöł", min_size=2, max_size=9).filter(
    lambda n: n not in PARTICLES
)
casings = st.sampled_from([str.lower, str.upper, str.title, str.swapcase, str.capitalize])
mobile = st.integers(0, 999_999_999).map(lambda n: f"07{n:09d}")
phone_text = st.tuples(mobile, st.integers(0, 4)).map(
    lambda p: (
        f"{p[0][:5]} {p[0][5:]}",
        p[0],
        f"+44 {p[0][1:5]} {p[0][5:]}",
        f"+44{p[0][1:]}",
        f"{p[0][:5]}-{p[0][5:8]}-{p[0][8:]}",
    )[p[1]]
)
emails = st.tuples(
    st.text("abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8),
    st.sampled_from([".", "_", ""]),
    st.text("abcdefghijklmnopqrstuvwxyz", min_size=1, max_size=6),
    st.sampled_from(["example.com", "example.org", "mail.example.co.uk"]),
).map(lambda e: f"{e[0]}{e[1]}{e[2]}@{e[3]}")


def _postcode(area: str, district: int, sector: int, unit: str, space: str, lower: bool) -> str:
    code = f"{area}{district}{space}{sector}{unit}"
    return code.lower() if lower else code


postcodes = st.builds(
    _postcode,
    st.sampled_from(AREAS),
    st.integers(1, 20),
    st.integers(0, 9),
    st.text("ABDEFGHJLNPQRSTUWXYZ", min_size=2, max_size=2),
    st.sampled_from(["", " "]),
    st.booleans(),
)


def _nhs(nine: int, style: int) -> str | None:
    digits = f"{nine:09d}"
    check = 11 - sum(int(d) * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
    if check == 10:
        return None
    number = digits + str(0 if check == 11 else check)
    assert is_valid_nhs_number(number)
    return (
        number,
        f"{number[:3]} {number[3:6]} {number[6:]}",
        f"{number[:3]}-{number[3:6]}-{number[6:]}",
    )[style]


nhs_numbers = st.builds(_nhs, st.integers(0, 999_999_999), st.integers(0, 2)).filter(bool)
pii = st.one_of(phone_text, emails, postcodes, nhs_numbers.map(str))


def _without_placeholders(text: str) -> str:
    return PLACEHOLDER.sub(" ", text)


def _survives(word: str, text: str) -> bool:
    """A whole-word, case-insensitive occurrence (letters on either side make another word)."""
    pattern = r"(?<![^\W\d_])" + re.escape(word) + r"(?![^\W\d_])"
    return re.search(pattern, _without_placeholders(text), re.IGNORECASE) is not None


@st.composite
def reports(draw: st.DrawFn) -> tuple[str, KnownValues, list[str], list[str]]:
    """Random text with known names and values embedded in random casing."""
    people = draw(st.lists(st.lists(names, min_size=1, max_size=3), min_size=1, max_size=3))
    persons = [
        KnownPerson(("CHILD_1", "SUSPECT_1", "ASSOCIATE_1")[i], tuple(p))
        for i, p in enumerate(people)
    ]
    values = draw(st.lists(st.one_of(phone_text, emails, postcodes), max_size=3))
    known = KnownValues(
        persons,
        [
            KnownValue(("PHONE_1" if v[0] in "0+" else "EMAIL_1" if "@" in v else "POSTCODE_1"), v)
            for v in values
        ],
    )
    flat = [n for p in people for n in p]
    chunks = [draw(filler)]
    for item in draw(st.permutations(flat + values)):
        chunks += [draw(casings)(item) + draw(st.sampled_from(["", "'s"])), draw(filler)]
    return " ".join(chunks), known, flat, values


@settings(max_examples=300, deadline=None)
@given(reports())
def test_no_known_value_survives_in_any_casing(
    case: tuple[str, KnownValues, list[str], list[str]],
) -> None:
    text, known, flat_names, values = case
    redacted = redact(text, known, strict=False).text
    for name in flat_names:
        assert not _survives(name, redacted)
    for value in values:
        assert value.lower() not in _without_placeholders(redacted).lower()


@settings(max_examples=300, deadline=None)
@given(reports())
def test_redaction_is_idempotent(case: tuple[str, KnownValues, list[str], list[str]]) -> None:
    text, known, _, _ = case
    once = redact(text, known, strict=False).text
    assert redact(once, known, strict=False).text == once


@settings(max_examples=300, deadline=None)
@given(filler, pii, filler)
def test_generated_uk_identifiers_are_removed_from_random_text(
    before: str, value: str, after: str
) -> None:
    result = redact(f"{before} {value} {after}", KnownValues(), strict=False)
    assert value.lower() not in result.text.lower()
    digits = re.sub(r"\D", "", value)
    if len(digits) >= 7:
        assert digits not in re.sub(r"\D", "", _without_placeholders(result.text))


@settings(max_examples=300, deadline=None)
@given(filler, st.lists(pii, min_size=1, max_size=5), filler)
def test_placeholders_hold_a_counter_never_digits_of_the_value(
    before: str, values: list[str], after: str
) -> None:
    result = redact(" ".join([before, *values, after]), KnownValues(), strict=False)
    for number in PLACEHOLDER.findall(result.text):
        assert 1 <= int(number) <= len(result.findings)
    printed = repr(result.findings)
    for value in values:
        assert value not in printed


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300), reports())
def test_any_unicode_text_is_handled_without_error(
    noise: str, case: tuple[str, KnownValues, list[str], list[str]]
) -> None:
    text, known, _, _ = case
    once = redact(noise + " " + text + " " + noise, known, strict=False).text
    assert redact(once, known, strict=False).text == once
