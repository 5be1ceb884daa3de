"""A last-line scrubber for text that is about to leave the process in a log line.

threadline's first defence is that code never formats a personal value into a message: errors
name a field *path* and a rule, never the value (see ``threadline.errors``). This module is the
seatbelt for the day someone forgets. It finds text that *looks like* personal data or linkage
material and replaces it with ``[REDACTED:<kind>]``, so the line is still useful (you can see
that something was there, and what kind) while the value is gone.

What it catches (``KINDS``):

* ``email``      - ``local@domain.tld``;
* ``phone``      - UK numbers (``07700 900123``, ``+44 7700 900123``, ``(020) 7946 0018``) and
  any ``+<country>`` number of 8-15 digits with spaces, dots, dashes or brackets;
* ``nhs_number`` - ten digits (``943 476 5919``) whose modulus-11 check digit is right, so
  ordinary ten-digit numbers (epoch seconds) mostly survive;
* ``postcode``   - full UK postcodes (``SW1A 1AA``, ``m1 1ae``), spaced or not;
* ``date``       - date-only values: ``12/03/2011``, ``12-03-2011``, ``2011-03-12``,
  ``12 March 2011``, ``March 12, 2011``. A child's date of birth cannot be told from any other
  date, so *every* bare date is blanked; timestamps with a time of day (``2026-11-25T10:00``)
  are kept because a date of birth is never written that way;
* ``handle``     - ``@name`` social-media handles;
* ``token``      - linkage-token-like runs: 24+ hex digits (a 16-byte token is 32), base64 runs
  of 20+ characters that mix upper case, lower case and digits (or are at least 30 % upper
  case), and Python ``bytes`` reprs with eight or more ``\\x`` escapes.

What it cannot catch, by construction:

* **names, addresses without a postcode, school names, free-text descriptions** - no pattern
  tells "Amira" or "the flat above the chip shop" from ordinary words; only not logging them
  helps;
* dates of birth written without a year or in words ("born in March", "aged 14");
* handles written without ``@``, and phone numbers split across fields or words;
* a token or digest cut shorter than the thresholds (16 hex digits - an Avro fingerprint -
  survive on purpose), or encoded some other way (base32, decimal);
* false positives exist too: SHA-256 digests look exactly like tokens and are blanked (log a
  12-hex prefix instead), and operational dates without a time of day are blanked.

Performance: a handful of compiled regular expressions, roughly microseconds per short message.
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["KINDS", "REDACTED", "contains_pii", "scrub"]

REDACTED = "[REDACTED:{kind}]"

_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_NOT_TIME = r"(?![T ]\d{1,2}:\d{2})"


def _nhs_checksum(match: re.Match[str]) -> bool:
    digits = [int(c) for c in match.group(0) if c.isdigit()]
    if len(digits) != 10:
        return False
    check = 11 - sum(d * w for d, w in zip(digits[:9], range(10, 1, -1), strict=True)) % 11
    return (0 if check == 11 else check) == digits[9] and check != 10


def _token_like(match: re.Match[str]) -> bool:
    run = match.group(0)
    upper = sum(c.isupper() for c in run)
    lower = sum(c.islower() for c in run)
    digit = sum(c.isdigit() for c in run)
    return upper > 0 and lower > 0 and (digit > 0 or upper / len(run) >= 0.3)


def _always(_: re.Match[str]) -> bool:
    return True


_EMAIL = r"[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
_BYTES_REPR = r"""(?<!\w)b(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")"""
_HEX_RUN = r"(?<![0-9A-Fa-f])[0-9A-Fa-f]{24,}(?![0-9A-Fa-f])"
_BASE64_RUN = r"(?<![A-Za-z0-9+/_-])[A-Za-z0-9+/_-]{20,}={0,2}(?![A-Za-z0-9+/_=-])"
_DATE = (
    r"\b(?:\d{4}-\d{2}-\d{2}" + _NOT_TIME + r"|\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})"
    r"|\d{1,2}(?:st|nd|rd|th)? " + _MONTHS + r",? \d{4}"
    r"|" + _MONTHS + r" \d{1,2}(?:st|nd|rd|th)?,? \d{4})\b"
)
_POSTCODE = r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[ABD-HJLNP-UW-Z]{2}\b"
_NHS = r"(?<![\w+-])\d{3}[ -]?\d{3}[ -]?\d{4}(?![\w-])"
_PHONE = (
    r"(?<![\w+-])(?:\+\d{1,3}[ .-]?(?:\(0\)[ .-]?)?|\(?0)"  # +44, +44 (0) or a leading 0
    r"\d{1,4}\)?(?:[ .-]?\d{2,4}){2,4}(?![\w-])"
)
_HANDLE = r"(?<![\w@])@[A-Za-z0-9_](?:[A-Za-z0-9_.]{0,28}[A-Za-z0-9_])?"


def _phone_length(match: re.Match[str]) -> bool:
    return 9 <= sum(c.isdigit() for c in match.group(0)) <= 15


def _many_escapes(match: re.Match[str]) -> bool:
    return match.group(0).count("\\x") >= 6


# Order matters: an e-mail address contains something handle-shaped, a token contains digits.
_RULES: tuple[tuple[str, re.Pattern[str], Callable[[re.Match[str]], bool]], ...] = (
    ("email", re.compile(_EMAIL), _always),
    ("token", re.compile(_BYTES_REPR), _many_escapes),
    ("token", re.compile(_HEX_RUN), _always),
    ("token", re.compile(_BASE64_RUN), _token_like),
    ("date", re.compile(_DATE, re.IGNORECASE), _always),
    ("postcode", re.compile(_POSTCODE, re.IGNORECASE), _always),
    ("nhs_number", re.compile(_NHS), _nhs_checksum),
    ("phone", re.compile(_PHONE), _phone_length),
    ("handle", re.compile(_HANDLE), _always),
)

KINDS = tuple(dict.fromkeys(kind for kind, _, _ in _RULES))
"""Every kind of redaction, in the order the rules run."""


def scrub(text: str) -> tuple[str, set[str]]:
    """``text`` with every suspected personal value replaced, and the kinds that were found."""
    found: set[str] = set()
    for kind, pattern, accept in _RULES:
        if kind == "token" and len(text) < 20:
            continue
        text = pattern.sub(_replacer(kind, accept, found), text)
    return text, found


def _replacer(
    kind: str, accept: Callable[[re.Match[str]], bool], found: set[str]
) -> Callable[[re.Match[str]], str]:
    def replace(match: re.Match[str]) -> str:
        if not accept(match):
            return match.group(0)
        found.add(kind)
        return REDACTED.format(kind=kind)

    return replace


def contains_pii(text: str) -> bool:
    """True when :func:`scrub` would change ``text``."""
    return bool(scrub(text)[1])
