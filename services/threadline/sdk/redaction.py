"""Narrative redaction: replace personal data with typed placeholders before a report leaves.

A narrative is the one free-text field in a report, so it is where names, phones and handles
slip past field encryption. :func:`redact` replaces them with placeholders such as
``[CHILD_1]`` or ``[PHONE_2]`` so an analyst still reads *who did what with which number*
without learning the values. It is a pure function: no I/O and no state between calls.

Two sources of spans are merged:

* the report's own values (:class:`KnownValues`): names as whole words in any casing, with
  possessives, given or family name alone; every listed phone, e-mail, handle, postcode,
  address and DOB however it is written;
* pattern detectors (:mod:`threadline.sdk.detectors`) for values nobody listed.

Overlapping spans merge into one placeholder named by the stronger kind. Numbering follows the
report for known values and first appearance in the text for the rest; one value keeps one
placeholder. Placeholders already in the text are left alone, so redaction is idempotent.

Afterwards a residual scan looks again (detectors, known name tokens and near-misses such as
"Aishaa"). ``strict=True`` turns anything it finds into :class:`RedactionError`; otherwise it
becomes a warning. Both name the kind and offset only, never the value, as do the findings.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, NamedTuple

import jellyfish

from threadline.errors import RedactionError
from threadline.sdk.detectors import detect
from threadline.sdk.known_values import KnownPerson, KnownValue, KnownValues, fold
from threadline.sdk.matching import Candidate, find_candidates, literal_candidates, lowered
from threadline.sdk.placeholders import PLACEHOLDER, PiiKind, label_kind

__all__ = [
    "Finding",
    "KnownPerson",
    "KnownValue",
    "KnownValues",
    "PiiKind",
    "Redaction",
    "Residual",
    "redact",
]

_PRIORITY: Final = {kind: rank for rank, kind in enumerate(PiiKind)}
_RESIDUAL_KIND: Final = {kind: kind.value.lower() for kind in PiiKind}
# Capitalised whole words: checked against known names exactly, and (5+ letters) for near-misses.
_CAPITALISED: Final = re.compile(r"[A-Z\u00c0-\u00de](?<![^\W\d_].)[^\W\d_]+")
# Capitalised words one edit away from plausible names; never worth a strict-mode failure.
_COMMON_WORD_LIST: Final = (
    "there their where which these those staff school police after again about being could "
    "would should other while under until since today later night money phone house hotel "
    "party friends mother father sister brother carer carers worker social staying young"
)
_COMMON_WORDS: Final = frozenset(_COMMON_WORD_LIST.split())


class Finding(NamedTuple):
    """One replaced span of the input: its placeholder, never its value.

    A NamedTuple rather than a frozen dataclass: thousands are built per second, and frozen
    dataclasses pay for ``object.__setattr__`` on every field.
    """

    kind: PiiKind
    label: str
    start: int
    end: int
    known: bool

    @property
    def span(self) -> tuple[int, int]:
        """Offsets into the (NFC-normalised) input narrative."""
        return self.start, self.end


class Residual(NamedTuple):
    """Something that still looks like personal data after redaction, by kind and offset."""

    kind: str
    offset: int


@dataclass(frozen=True, slots=True)
class Redaction:
    """The redacted narrative, counts per placeholder type, findings and residual warnings."""

    text: str
    summary: Mapping[str, int]
    findings: tuple[Finding, ...]
    warnings: tuple[Residual, ...]


def _mask(text: str) -> tuple[str, dict[PiiKind, int]]:
    """Hide existing placeholders behind '[' (no detector matches it) and note their numbers."""
    highest: dict[PiiKind, int] = {}
    if "[" not in text:
        return text, highest

    def hide(m: re.Match[str]) -> str:
        kind = label_kind(m[0][1:-1])
        highest[kind] = max(highest.get(kind, 0), int(m[2]))
        return "[" * (m.end() - m.start())

    return PLACEHOLDER.sub(hide, text), highest


def _uncovered(text: str, cand: Candidate, kept: list[Candidate]) -> list[tuple[int, int]]:
    """The parts of ``cand`` outside ``kept``; where a part meets a kept span it is trimmed to
    letters/digits, and a part without any is dropped (a lone "-" is not personal data)."""
    pieces: list[tuple[int, int]] = []
    position = cand.start
    for k in sorted(k for k in kept if k.start < cand.end and cand.start < k.end):
        if k.start > position:
            pieces.append((position, k.start))
        position = max(position, k.end)
    if position < cand.end:
        pieces.append((position, cand.end))
    trimmed = []
    for piece_start, piece_end in pieces:
        start, end = piece_start, piece_end
        while start < end and start != cand.start and not text[start].isalnum():
            start += 1
        while end > start and end != cand.end and not text[end - 1].isalnum():
            end -= 1
        if any(c.isalnum() for c in text[start:end]):
            trimmed.append((start, end))
    return trimmed


def _merge(text: str, candidates: list[Candidate]) -> list[Candidate]:
    """Resolve overlaps: the strongest kind keeps its span; weaker ones keep what is left over.

    Every letter or digit inside any candidate ends up inside some kept span, so nothing a
    detector flagged survives, and "ref 12345678 2011-04-03" stays a number and a date.
    """
    candidates.sort(key=lambda c: (c.start, -c.end, _PRIORITY[c.kind], c.label is None))
    clusters: list[list[Candidate]] = []
    reach = -1
    previous = (-1, -1)
    for cand in candidates:
        if (cand.start, cand.end) == previous:
            continue  # same span found twice (detector and listed value): the first is stronger
        previous = (cand.start, cand.end)
        if cand.start < reach:
            clusters[-1].append(cand)
        else:
            clusters.append([cand])
        reach = max(reach, cand.end)
    merged: list[Candidate] = []
    for cluster in clusters:
        if len(cluster) == 1:
            merged.append(cluster[0])
            continue
        cluster.sort(key=lambda c: (_PRIORITY[c.kind], c.label is None, c.start - c.end))
        kept: list[Candidate] = []
        for cand in cluster:
            for start, end in _uncovered(text, cand, kept):
                if (start, end) == (cand.start, cand.end):
                    kept.append(cand)
                else:
                    piece = "".join(ch for ch in text[start:end].lower() if ch.isalnum())
                    kept.append(cand._replace(start=start, end=end, key=piece))
        merged += kept
    merged.sort(key=lambda c: c.start)
    return merged


def _label(
    cand: Candidate,
    known: KnownValues,
    seen: dict[tuple[PiiKind, str], str],
    counters: dict[PiiKind, int],
) -> tuple[str, bool]:
    if cand.label is not None:
        return cand.label, True
    key = (cand.kind, cand.key)
    label = known.keys.get(key)
    if label is not None:
        return label, True
    if key not in seen:
        counters[cand.kind] = counters.get(cand.kind, 0) + 1
        seen[key] = f"{cand.kind.value}_{counters[cand.kind]}"
    return seen[key], False


def _near_known_name(key: str, names: list[str]) -> bool:
    """``names``: the strong names of 4+ letters (the caller filters them once per text)."""
    size = len(key)
    return any(
        abs(len(name) - size) <= 1 and jellyfish.damerau_levenshtein_distance(key, name) <= 1
        for name in names
    )


def _residuals(masked: str, known: KnownValues) -> list[Residual]:
    """Look again: detectors, listed literals, capitalised known names and near-misses."""
    found = [Residual(_RESIDUAL_KIND[kind], start) for start, _end, kind, _key in detect(masked)]
    leftovers: list[Candidate] = []
    literal_candidates(masked, lowered(masked), known, leftovers)
    found += [Residual(_RESIDUAL_KIND[c.kind], c.start) for c in leftovers]
    names = known.strong_names
    near = [name for name in names if len(name) >= 4]
    for m in _CAPITALISED.finditer(masked):
        key = fold(m[0])
        if key in names:
            found.append(Residual("name", m.start()))
        elif len(key) >= 5 and key not in _COMMON_WORDS and _near_known_name(key, near):
            found.append(Residual("possible_name", m.start()))
    return sorted(set(found), key=lambda r: (r.offset, r.kind))


def redact(narrative: str, known: KnownValues, *, strict: bool) -> Redaction:
    """Replace every known or detected personal value in ``narrative`` with a placeholder.

    Raises :class:`RedactionError` in strict mode when the residual scan still finds something;
    the message names kinds and offsets only.
    """
    text = narrative
    if not unicodedata.is_normalized("NFC", text):  # "s" + U+0301 would split a name in two
        text = unicodedata.normalize("NFC", text)
    masked, highest = _mask(text)
    counters = dict(known.labels_max)
    for kind, number in highest.items():
        counters[kind] = max(number, counters.get(kind, 0))
    seen: dict[tuple[PiiKind, str], str] = {}
    findings: list[Finding] = []
    parts: list[str] = []
    hidden: list[str] = []  # the same text with placeholders masked, for the residual scan
    summary: dict[str, int] = {}
    position = 0
    for cand in _merge(masked, find_candidates(masked, known)):
        label, is_known = _label(cand, known, seen, counters)
        kind = label_kind(label)
        findings.append(Finding(kind, label, cand.start, cand.end, is_known))
        name = kind.value
        summary[name] = summary.get(name, 0) + 1
        placeholder = f"[{label}]"
        parts += (text[position : cand.start], placeholder)
        hidden += (masked[position : cand.start], "[" * len(placeholder))
        position = cand.end
    parts.append(text[position:])
    hidden.append(masked[position:])
    redacted = "".join(parts)
    residuals = _residuals("".join(hidden), known)
    if residuals and strict:
        where = ", ".join(f"{r.kind} at offset {r.offset}" for r in residuals[:5])
        raise RedactionError(f"narrative still holds personal data after redaction: {where}")
    return Redaction(redacted, summary, tuple(findings), tuple(residuals))
