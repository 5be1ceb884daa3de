"""The placeholder vocabulary: what redaction writes in place of personal data.

A redacted narrative says ``[CHILD_1] met [SUSPECT_1] on [PHONE_2]``. Everything that produces or
reads those labels (detectors, known values, redaction, the SDK builder's associate refs) shares
the types here, so the kinds, their priority and the label syntax are defined once.
"""

from __future__ import annotations

import re
from enum import StrEnum
from functools import lru_cache
from typing import Final, NamedTuple

from threadline.errors import ValidationError

__all__ = ["PERSON_KINDS", "PLACEHOLDER", "Detection", "PiiKind", "label_kind", "parse_label"]


class PiiKind(StrEnum):
    """The placeholder types a narrative can contain, e.g. ``[PHONE_1]``.

    Declared in merge priority: when spans overlap, the earlier kind names the placeholder (an
    e-mail that contains a name is an e-mail; a phone inside a long digit run is a phone).
    Person kinds follow the associate roles of the input format, so ``[PARENT_CARER_1]`` in a
    narrative is the associate whose ``ref`` the SDK builder writes as ``PARENT_CARER_1``.
    """

    URL = "URL"
    EMAIL = "EMAIL"
    ADDRESS = "ADDRESS"
    PHONE = "PHONE"
    NHS_NUMBER = "NHS_NUMBER"
    HANDLE = "HANDLE"
    DOB = "DOB"
    DATE = "DATE"
    POSTCODE = "POSTCODE"
    NUMBER = "NUMBER"
    CHILD = "CHILD"
    SUSPECT = "SUSPECT"
    ASSOCIATE = "ASSOCIATE"
    PARENT_CARER = "PARENT_CARER"
    PROFESSIONAL = "PROFESSIONAL"
    OTHER = "OTHER"


PERSON_KINDS: Final = frozenset(
    {
        PiiKind.CHILD,
        PiiKind.SUSPECT,
        PiiKind.ASSOCIATE,
        PiiKind.PARENT_CARER,
        PiiKind.PROFESSIONAL,
        PiiKind.OTHER,
    }
)
#: Existing placeholders are protected, which is what makes redaction idempotent.
PLACEHOLDER: Final = re.compile(r"\[(" + "|".join(k.value for k in PiiKind) + r")_(\d+)\]")


class Detection(NamedTuple):
    """A span of ``text`` that holds personal data of ``kind``; ``key`` is withheld from repr."""

    start: int
    end: int
    kind: PiiKind
    key: str

    def __repr__(self) -> str:
        return f"Detection(kind={self.kind.value!r}, start={self.start}, end={self.end})"


_LABEL: Final = re.compile(r"([A-Z]+(?:_[A-Z]+)*)_([1-9]\d*)")


@lru_cache(maxsize=512)
def parse_label(label: str) -> tuple[PiiKind, int] | None:
    """("PHONE", 2) for "PHONE_2"; ``None`` if it is not a label (cached: labels repeat)."""
    match = _LABEL.fullmatch(label)
    if match is None or match[1] not in PiiKind.__members__:
        return None
    return PiiKind(match[1]), int(match[2])


def label_kind(label: str) -> PiiKind:
    """The placeholder type of a well-formed label ("NHS_NUMBER_1" -> NHS_NUMBER)."""
    parsed = parse_label(label)
    if parsed is None:
        raise ValidationError("not a placeholder label like CHILD_1", path="label")
    return parsed[0]
