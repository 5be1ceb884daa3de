"""Fictional phone numbers only, written the many ways agencies write them.

Ofcom reserves number ranges for drama that will not be allocated to anyone: 07700 900000-900999
for mobiles and one thousand-number block per big city (020 7946 0xxx London, 0161 496 0xxx
Manchester, ...), plus 01632 960xxx with no area at all. A simulator that invented numbers
could print a real person's phone into a test log, so every number comes from those ranges.
They hold 16,000 numbers; a pool hands them out without repeats (so a shared number always
means a true shared identity) and only recycles when a very large simulation exhausts them.
"""

from __future__ import annotations

import random
from typing import Final

from threadline.simulate.namebank import choose

__all__ = [
    "FICTIONAL_PREFIXES",
    "MOBILE_PREFIX",
    "PhonePool",
    "is_fictional",
    "national_number",
    "phone_formats",
    "write_phone",
]

MOBILE_PREFIX: Final = "07700900"
#: National-format prefixes; each is followed by exactly three digits (000-999).
FICTIONAL_PREFIXES: Final = (
    MOBILE_PREFIX,
    "02079460",  # London       020 7946 0xxx
    "01214960",  # Birmingham   0121 496 0xxx
    "01614960",  # Manchester   0161 496 0xxx
    "01134960",  # Leeds        0113 496 0xxx
    "01144960",  # Sheffield    0114 496 0xxx
    "01154960",  # Nottingham   0115 496 0xxx
    "01164960",  # Leicester    0116 496 0xxx
    "01174960",  # Bristol      0117 496 0xxx
    "01184960",  # Reading      0118 496 0xxx
    "01514960",  # Liverpool    0151 496 0xxx
    "01914980",  # Tyneside     0191 498 0xxx
    "01314960",  # Edinburgh    0131 496 0xxx
    "01414960",  # Glasgow      0141 496 0xxx
    "02920180",  # Cardiff      029 2018 0xxx
    "02896496",  # Belfast      028 9649 6xxx
    "01632960",  # no area      01632 960xxx
)


def national_number(written: str) -> str:
    """Back to 11 national digits from any spelling :func:`phone_formats` produces."""
    digits = "".join(c for c in written if c.isdigit())
    if digits.startswith("0044"):
        digits = digits[4:]
    elif digits.startswith("44"):
        digits = digits[2:]
    return "0" + digits.removeprefix("0")


def is_fictional(national: str) -> bool:
    """True for an 11-digit national number inside one of the drama ranges."""
    return len(national) == 11 and national.isdigit() and national[:8] in FICTIONAL_PREFIXES


class PhonePool:
    """Draws unused fictional numbers: mobiles first, then the caller's local landline range,
    then any range; deterministic for a given ``rng``."""

    def __init__(self, rng: random.Random) -> None:
        self._free: dict[str, list[str]] = {}
        for prefix in FICTIONAL_PREFIXES:
            suffixes = [f"{n:03d}" for n in range(1000)]
            rng.shuffle(suffixes)
            self._free[prefix] = suffixes
        self._rng = rng
        self._issued: list[str] = []

    def draw(self, local_prefix: str | None = None) -> str:
        for prefix in (MOBILE_PREFIX, local_prefix, *FICTIONAL_PREFIXES):
            if prefix and self._free.get(prefix):
                number = prefix + self._free[prefix].pop()
                self._issued.append(number)
                return number
        return choose(self._rng, self._issued)  # exhausted: recycle, never invent


def _groups(national: str) -> tuple[str, str]:
    """Split into (area code, subscriber part) the way the number is usually printed."""
    if national.startswith(("020", "028", "029")):
        return national[:3], f"{national[3:7]} {national[7:]}"
    if national.startswith(("07", "01632")):
        return national[:5], national[5:]
    return national[:4], f"{national[4:7]} {national[7:]}"


def phone_formats(national: str) -> tuple[str, ...]:
    """Every spelling the simulator may emit (and a privacy scan must look for)."""
    area, rest = _groups(national)
    compact = rest.replace(" ", "")
    return (
        f"{area} {rest}",
        national,
        f"+44 {area[1:]} {rest}",
        f"+44{national[1:]}",
        f"({area}) {rest}",
        f"{area}-{rest.replace(' ', '-')}",
        f"0044 {area[1:]} {compact}",
    )


def write_phone(rng: random.Random, national: str) -> str:
    """One realistic spelling, mostly the plain national one."""
    options = phone_formats(national)
    return options[0] if rng.random() < 0.55 else choose(rng, options[1:])
