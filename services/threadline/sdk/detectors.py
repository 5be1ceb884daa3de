"""Pattern detectors for personal data that an agency did not list in the structured record.

An agency that fills ``subject.phones`` will still type a second number into the narrative, so
redaction cannot rely on the known values alone. These detectors find the shapes of UK personal
data (phones, postcodes, NHS numbers, dates, e-mails, URLs, handles, street addresses, long
numbers) in free text. Every regex is compiled once at import: the SDK redacts thousands of
narratives a second and per-call compilation would dominate.

Each :class:`Detection` carries a normalised ``key`` so that two spellings of one value
("07700 900123", "+44 7700 900123") get one placeholder. The key *is* personal data, so it is
kept out of ``repr`` and never leaves the SDK.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Final

import phonenumbers

from threadline.sdk.placeholders import Detection, PiiKind

__all__ = [
    "detect",
    "is_valid_nhs_number",
    "normalise_date",
    "normalise_phone",
    "normalise_postcode",
]


# Enum attribute access is a descriptor call; detectors build thousands of these a second.
_URL_KIND, _EMAIL, _ADDRESS, _PHONE, _NHS_NUMBER = list(PiiKind)[:5]
_HANDLE_KIND, _DATE, _POSTCODE, _NUMBER = (
    PiiKind.HANDLE,
    PiiKind.DATE,
    PiiKind.POSTCODE,
    PiiKind.NUMBER,
)

# Postcode areas, so "xy1 2ab" is not a postcode but "e1 6an" is (narratives are not upper-case).
_AREA_CODES: Final = (
    "AB AL B BA BB BD BH BL BN BR BS BT CA CB CF CH CM CO CR CT CV CW DA DD DE DG DH DL DN DT DY "
    "E EC EH EN EX FK FY G GL GU GY HA HD HG HP HR HS HU HX IG IM IP IV JE KA KT KW KY L LA LD LE "
    "LL LN LS LU M ME MK ML N NE NG NN NP NR NW OL OX PA PE PH PL PO PR RG RH RM S SA SE SG SK SL "
    "SM SN SO SP SR SS ST SW SY TA TD TF TN TQ TR TS TW UB W WA WC WD WF WN WR WS WV YO ZE"
)
_AREAS: Final = frozenset(_AREA_CODES.split())
_MONTH_NAMES: Final = (
    "jan january|feb february|mar march|apr april|may|jun june|jul july|aug august"
    "|sep sept september|oct october|nov november|dec december"
)
_MONTHS: Final = {
    name: number
    for number, names in enumerate(_MONTH_NAMES.split("|"), start=1)
    for name in names.split()
}
_MONTH: Final = (
    r"(?i:(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?"
    r"|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?))\.?"
)
_STREET: Final = (
    r"(?:Street|St|Road|Rd|Avenue|Ave|Lane|Close|Court|Drive|Way|Gardens|Place"
    r"|Crescent|Grove|Terrace|Hill|Park|Walk|Square|Mews|Row|Rise|View|Green|Parade"
    r"|Estate)\b"
)

# Everything that starts with a digit, "+" or "(" in ONE pass. The engine skips fast only to a
# single literal or character class, so each alternative looks back at the gate character
# instead of starting with its own lookbehind (15 separate scans cost ~130 µs a narrative).
# Order matters: the first alternative to match wins, and a rejected match falls back in code.
_DIGIT_LED: Final = re.compile(
    r"[0-9+(](?:"
    r"(?P<phone>(?<![\w+].)(?:(?<=\+)[ ]?44[ ]?(?:\(0\)[ ]?)?\(?|(?<=0)0[ ]?44[ ]?(?:\(0\)[ ]?)?"
    r"\(?|(?<=\()0|(?<=0))[1-9](?:[ \-.()]{0,3}[0-9]){8,9}(?![0-9]))"
    r"|(?P<intl>(?<=\+)(?<![\w+].)(?!44)[1-9](?:[ \-.()]{0,3}[0-9]){6,14}(?![0-9]))"
    r"|(?P<iso>(?<=[0-9])(?<![\w/.-].)[0-9]{3}[-/.][0-9]{1,2}[-/.][0-9]{1,2}(?![\w/]))"
    r"|(?P<dmy>(?<=[0-9])(?<![\w/.-].)[0-9]?[/.-][0-9]{1,2}[/.-](?:[0-9]{4}|[0-9]{2})(?![\w/]))"
    r"|(?P<dmy_text>(?<=[0-9])(?<![\w].)[0-9]?(?:st|nd|rd|th)?\s+(?:of\s+)?"
    + _MONTH
    + r",?\s+[0-9]{4}\b)"
    r"|(?P<nhs>(?<=[0-9])(?<![\w-].)[0-9]{2}[ -]?[0-9]{3}[ -]?[0-9]{4}(?![\w-]))"
    r"|(?P<number>(?<=[0-9])(?<![0-9].)(?:[ -]?[0-9]){6,}(?![0-9]))"
    r"|(?P<address>(?<=[0-9])(?<![\w].)[0-9]{0,3}[A-Za-z]?,?\s+(?:[A-Z][\w'-]*\s+){1,3}"
    + _STREET
    + r")"
    r"|(?P<postcode>(?<=[A-Za-z][0-9])[A-Za-z0-9]?[ \u00a0]{0,2}"
    r"[0-9][ABD-HJLNP-UW-Zabd-hjlnp-uw-z]{2}(?![\w]))"
    r"|(?P<outward>(?<=[A-Z][0-9])[A-Z0-9]?(?![\w]))"
    r")"
)
_DATE_TEXT: Final = re.compile(
    r"(?i)([0-9]{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r",?\s+([0-9]{4})"
)
_DATE_MONTH_FIRST: Final = re.compile(_MONTH + r"\s+([0-9]{1,2})(?:st|nd|rd|th)?,?\s+([0-9]{4})\b")
_MONTH_STEMS: Final = tuple(name for name in _MONTHS if len(name) == 3)
_DATE_PARTS: Final = re.compile(r"[0-9]+")
_OUTWARD_CUE_BEFORE: Final = re.compile(
    r"(?i:\b(?:in|from|near|around|postcode|district|area|to|at))\s+$"
)
_OUTWARD_CUE_AFTER: Final = re.compile(r"\s+(?i:area|district|postcode)\b")
_URL: Final = re.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"'\[\]]+")
_TLDS: Final = "com org net uk io gg me tv ly app"
_BARE_URL: Final = re.compile(
    r"(?i)\b(?:[a-z0-9-]+\.)+(?:" + _TLDS.replace(" ", "|") + r")/[^\s<>\"'\[\]]*"
)
_BARE_URL_TLDS: Final = tuple(f".{tld}/" for tld in _TLDS.split())
_BARE_URL_TLD: Final = re.compile("|".join(re.escape(tld) for tld in _BARE_URL_TLDS))
_EMAIL_DOMAIN: Final = re.compile(r"[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,24}")
_HANDLE: Final = re.compile(r"@(?<![\w@.].)[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,30}[A-Za-z0-9_])?")
_PLATFORM_WORDS: Final = (
    "snapchat snap instagram insta ig tiktok discord roblox twitter x youtube facebook fb"
    " whatsapp telegram kik"
)
_PLATFORMS: Final = tuple(_PLATFORM_WORDS.split())
# Every whole-word platform name in one pass (longest first, so "snapchat" is not "snap").
# Whole words cannot overlap, so this finds exactly what one str.find loop per name did.
_PLATFORM_WORD: Final = re.compile(
    r"(?<!\w)(?:" + "|".join(sorted(_PLATFORMS, key=len, reverse=True)) + r")(?!\w)"
)
_PLATFORM_TAIL: Final = re.compile(
    r"(?i)\s*(?:(user ?name|handle|account|profile|id)\s*[:=]?|[:=])"
    r"\s*@?([A-Za-z0-9_][A-Za-z0-9_.]{0,29}[A-Za-z0-9_]|[A-Za-z0-9_])"
)
_PLATFORM_CUES: Final = (":", "=", "user", "handle", "account", "profile", "id")
_PLATFORM_CUE: Final = re.compile("|".join(re.escape(cue) for cue in _PLATFORM_CUES))
_HANDLE_STOPWORDS: Final = frozenset(
    {"a", "an", "and", "the", "is", "was", "she", "he", "they", "it", "his", "her", "their", "on"}
)
# "her snapchat account was deleted": after these cues only an obvious handle (digit _ .) counts.
_WEAK_HANDLE_CUES: Final = frozenset({"account", "profile", "id"})
_NON_DIGIT: Final = re.compile(r"\D")


def normalise_phone(raw: str) -> str | None:
    """UK numbers as national digits ("07700900123"); others as E.164; ``None`` if not a phone."""
    digits = _NON_DIGIT.sub("", raw)
    if raw.lstrip().startswith("+") and not digits.startswith("44"):
        try:
            number = phonenumbers.parse(raw, None)
        except phonenumbers.NumberParseException:
            return None
        if not phonenumbers.is_possible_number(number):
            return None
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    if digits.startswith("0044"):
        digits = digits[4:]
    elif digits.startswith("44") and not raw.lstrip().startswith("0"):
        digits = digits[2:]
    national = "0" + digits.removeprefix("0")
    return national if 10 <= len(national) <= 11 else None


def normalise_postcode(raw: str) -> str:
    """Upper case without spaces: "e1 6an" and "E16AN" are one postcode."""
    return "".join(raw.split()).upper()


def normalise_date(day: int, month: int, year: int) -> str | None:
    """ISO date, or ``None`` when the parts are not a calendar date."""
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def is_valid_nhs_number(digits: str) -> bool:
    """NHS modulus-11 check: weights 10..2 over the first nine digits; 10 is never valid."""
    if len(digits) != 10 or not digits.isdigit():
        return False
    total = sum(int(d) * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True))
    check = 11 - total % 11
    return (0 if check == 11 else check) == int(digits[9]) and check != 10


def _year(raw: str) -> int:
    year = int(raw)
    if len(raw) == 2:
        return 2000 + year if year < 50 else 1900 + year
    return year


def _date_key(kind: str, raw: str) -> str | None:
    if kind == "dmy_text":
        m = _DATE_TEXT.match(raw)
        if m is None:
            return None
        return normalise_date(int(m[1]), _MONTHS[m[2].lower()], int(m[3]))
    a, b, c = _DATE_PARTS.findall(raw)
    if kind == "iso":
        return normalise_date(int(c), int(b), int(a))
    year = _year(c)  # day first, as written in the UK; month first only if that is impossible
    return normalise_date(int(a), int(b), year) or normalise_date(int(b), int(a), year)


def _outward(text: str, start: int, end: int) -> tuple[int, str] | None:
    """A bare outward code ("in E1", "B12 area") only with a place cue: M1 is also a motorway."""
    letters = start
    while letters > start - 2 and letters > 0 and text[letters - 1].isupper():
        letters -= 1
    area = text[letters:start]
    if area not in _AREAS or (letters and _is_word_char(text[letters - 1])):
        return None
    before = _OUTWARD_CUE_BEFORE.search(text, max(0, letters - 12), letters)
    if before or _OUTWARD_CUE_AFTER.match(text, end):
        return letters, text[letters:end]
    return None


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _digit_led(text: str, out: list[Detection]) -> None:  # noqa: PLR0912 - one branch per kind
    for m in _DIGIT_LED.finditer(text):
        kind, start, end, raw = m.lastgroup, m.start(), m.end(), m[0]
        digits = _NON_DIGIT.sub("", raw)
        if kind in ("phone", "intl"):
            if raw.startswith("(") and ")" not in raw:
                start += 1  # "(07700 900123)": the bracket belongs to the sentence
            key = normalise_phone(raw)
            if key:
                out.append(Detection(start, end, _PHONE, key))
                continue
        elif kind in ("iso", "dmy", "dmy_text"):
            key = _date_key(kind, raw)
            if key:
                out.append(Detection(start, end, _DATE, key))
                continue
        elif kind == "nhs" and is_valid_nhs_number(digits):
            out.append(Detection(start, end, _NHS_NUMBER, digits))
            continue
        elif kind == "address":
            out.append(Detection(start, end, _ADDRESS, " ".join(raw.lower().split())))
            continue
        elif kind == "postcode":
            letters = start - (2 if start >= 2 and text[start - 2].isalpha() else 1)
            area = text[letters:start].upper()
            if area in _AREAS and not (letters and _is_word_char(text[letters - 1])):
                key = normalise_postcode(text[letters:end])
                out.append(Detection(letters, end, _POSTCODE, key))
            continue
        elif kind == "outward":
            found = _outward(text, start, end)
            if found:
                out.append(Detection(found[0], end, _POSTCODE, found[1]))
            continue
        if len(digits) >= 7:  # a long number that is not a valid phone/date/NHS number
            out.append(Detection(start, end, _NUMBER, digits))


def _month_first_dates(text: str, lowered: str, out: list[Detection]) -> None:
    for stem in _MONTH_STEMS:
        at = lowered.find(stem)
        while at >= 0:
            m = None if at and lowered[at - 1].isalpha() else _DATE_MONTH_FIRST.match(text, at)
            if m:
                key = normalise_date(int(m[2]), _MONTHS[m[1].lower()], int(m[3]))
                if key:
                    out.append(Detection(m.start(), m.end(), _DATE, key))
            at = lowered.find(stem, at + 1)


def _emails(text: str, out: list[Detection]) -> None:
    at = text.find("@")
    while at >= 0:
        start = at
        while start > 0 and (_is_word_char(text[start - 1]) or text[start - 1] in "._%+-"):
            start -= 1
        m = _EMAIL_DOMAIN.match(text, at + 1) if start < at else None
        if m:
            out.append(Detection(start, m.end(), _EMAIL, text[start : m.end()].lower()))
        at = text.find("@", at + 1)


def _platform_handles(text: str, lowered: str, out: list[Detection]) -> None:
    """ "snapchat: ash_k11", "instagram username d.smith": handles written without an @."""
    size = len(text)
    for word in _PLATFORM_WORD.finditer(lowered):
        at, end = word.span()
        # the bounds were checked on the lower-cased text; the original text decides
        if (at and _is_word_char(text[at - 1])) or (end < size and _is_word_char(text[end])):
            continue
        m = _PLATFORM_TAIL.match(text, end)
        if m:
            handle = m[2]
            special = any(c.isdigit() or c in "_." for c in handle)
            weak_cue = (m[1] or "").lower() in _WEAK_HANDLE_CUES
            if special or (not weak_cue and handle.lower() not in _HANDLE_STOPWORDS):
                start = m.start(2) - (1 if text[m.start(2) - 1] == "@" else 0)
                out.append(Detection(start, m.end(2), _HANDLE_KIND, handle.lower()))


def _online(text: str, lowered: str, out: list[Detection]) -> None:
    urls = list(_URL.finditer(text)) if "://" in text or "www." in lowered else []
    if _BARE_URL_TLD.search(lowered):
        urls += _BARE_URL.finditer(text)
    for m in urls:
        url = m[0].rstrip(".,;:!?)'\"")
        out.append(Detection(m.start(), m.start() + len(url), _URL_KIND, url.lower()))
    if "@" in text:
        _emails(text, out)
        for m in _HANDLE.finditer(text):
            out.append(Detection(m.start(), m.end(), _HANDLE_KIND, m[0][1:].lower()))
    if _PLATFORM_CUE.search(lowered):
        _platform_handles(text, lowered, out)


def detect(text: str) -> list[Detection]:
    """Every span that looks like personal data; spans may overlap (the caller merges them)."""
    out: list[Detection] = []
    lowered = text.lower()
    if len(lowered) != len(text):  # "İ" lowers to two characters; keep offsets aligned
        lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    _online(text, lowered, out)
    _digit_led(text, out)
    _month_first_dates(text, lowered, out)
    return out
