"""Find a report's own values (and detector hits) in free text, as redaction candidates.

Names are matched as whole words in any casing, with possessives, given or family name alone,
and adjacent parts of one name joined into one span ("Aisha Khan" is one [CHILD_1]). The search
is ``str.find`` per known key, not a per-report regex: compiling an alternation costs ~130 µs,
more than the whole redaction budget. A name glued to digits or underscores ("aisha_k11") is an
identifier in its own right and becomes a handle candidate.
"""

from __future__ import annotations

import re
from typing import Final, NamedTuple

from anyascii import anyascii

from threadline.sdk.detectors import detect
from threadline.sdk.known_values import KnownValues
from threadline.sdk.placeholders import PiiKind, label_kind

__all__ = ["Candidate", "find_candidates", "literal_candidates", "lowered"]

_HANDLE: Final = PiiKind.HANDLE  # enum attribute access is a descriptor call; this is a hot path
_NAME_GAP: Final = re.compile(r"[\s\-]+")


class Candidate(NamedTuple):
    """A span to redact: known values carry their label, detected ones a normalised key."""

    start: int
    end: int
    kind: PiiKind
    label: str | None  # known values arrive labelled
    key: str  # normalised value of a detected span; stays inside this module


def _is_word(char: str) -> bool:
    return char.isalnum() or char == "_"


def lowered(text: str) -> str:
    """Lower case with offsets preserved ("İ" lowers to two characters), curly apostrophes
    read as straight ones."""
    lowered = text.lower()
    if len(lowered) != len(text):
        lowered = "".join(c.lower() if len(c.lower()) == 1 else c for c in text)
    return lowered.replace("\u2019", "'")


def _ascii_folded(lowered: str) -> str:
    """Fold accents char by char ("ś" -> "s") so a listed "Wisniewski" still matches."""
    return "".join(c if c.isascii() or len(a := anyascii(c)) != 1 else a.lower() for c in lowered)


def _compound(text: str, start: int, end: int) -> Candidate:
    """A name glued to digits or underscores ("aisha_k11") is an identifier: redact it whole."""
    while start > 0 and (_is_word(text[start - 1]) or text[start - 1] == "."):
        start -= 1
    while end < len(text) and (_is_word(text[end]) or text[end] == "."):
        end += 1
    while text[start] == ".":
        start += 1
    while text[end - 1] == ".":
        end -= 1
    return Candidate(start, end, _HANDLE, None, text[start:end].lower())


def _name_hits(
    text: str, lowered: str, known: KnownValues, out: list[Candidate]
) -> list[tuple[int, int, tuple[str, ...], bool]]:
    """Whole-word occurrences of every known name key, found with str.find (no per-call regex)."""
    hays = [lowered] if text.isascii() else [lowered, _ascii_folded(lowered)]
    size = len(text)
    hits: list[tuple[int, int, tuple[str, ...], bool]] = []
    searches = [
        (key, labels, key in known.strong_names, hays) for key, labels in known.names.items()
    ]
    searches += [(key, labels, True, [text]) for key, labels in known.initials.items()]
    for key, labels, strong, where in searches:
        for hay in where:
            at = hay.find(key)
            while at >= 0:
                end = at + len(key)
                before = text[at - 1] if at else " "
                after = text[end] if end < size else " "
                if not before.isalpha() and not after.isalpha():
                    if _is_word(before) or _is_word(after):
                        out.append(_compound(text, at, end))
                    else:
                        hits.append((at, end, labels, strong))
                at = hay.find(key, at + 1)
    return hits


def _name_candidates(text: str, lowered: str, known: KnownValues, out: list[Candidate]) -> None:
    hits = _name_hits(text, lowered, known, out)
    hits.sort(key=lambda h: (h[0], -h[1]))
    runs: list[tuple[int, int, tuple[str, ...], bool]] = []
    for start, end, labels, strong in hits:
        if runs and start < runs[-1][1]:
            continue  # "brien" inside "o'brien"
        if runs and _NAME_GAP.fullmatch(text, runs[-1][1], start):
            common = tuple(label for label in runs[-1][2] if label in labels)
            if common:  # "Aisha Khan", "van der Berg": one person, one placeholder
                runs[-1] = (runs[-1][0], end, common, runs[-1][3] or strong)
                continue
        runs.append((start, end, labels, strong))
    for start, end, labels, strong in runs:
        if strong:
            out.append(Candidate(start, end, label_kind(labels[0]), labels[0], ""))


def literal_candidates(text: str, lowered: str, known: KnownValues, out: list[Candidate]) -> None:
    size = len(text)
    for lit in known.literals:
        hay = text if lit.case_sensitive else lowered
        at = hay.find(lit.needle)
        while at >= 0:
            end = at + len(lit.needle)
            before = text[at - 1] if at else " "
            after = text[end] if end < size else " "
            if lit.digits:
                ok = not before.isdigit() and not after.isdigit()
            else:
                dotted = after == "." and end + 1 < size and _is_word(text[end + 1])
                ok = not _is_word(before) and not _is_word(after) and not dotted
            if ok:
                start = at - 1 if lit.kind is _HANDLE and before == "@" else at
                out.append(Candidate(start, end, lit.kind, lit.label, ""))
            at = hay.find(lit.needle, at + 1)


def find_candidates(masked: str, known: KnownValues) -> list[Candidate]:
    low = lowered(masked)
    out = [Candidate(start, end, kind, None, key) for start, end, kind, key in detect(masked)]
    _name_candidates(masked, low, known, out)
    literal_candidates(masked, low, known, out)
    return [c for c in out if "[" not in masked[c.start : c.end]]
