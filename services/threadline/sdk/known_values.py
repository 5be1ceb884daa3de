"""The report's own personal data, each value paired with the placeholder it becomes.

Pattern detectors cannot recognise a name, so redaction starts from what the agency already
told us: the subject's and associates' names, dates of birth, phones, e-mails, handles,
postcodes and addresses. :class:`KnownValues` turns them into a lookup built once per report:

* names go into a dict of folded tokens ("aisha", "khan", "ash"), so a narrative is matched with
  one precompiled tokeniser pass and dict lookups. Compiling a per-report alternation regex
  costs ~130 µs, more than the whole redaction budget;
* other values become lower-cased literals found with ``str.find`` plus normalised keys, so a
  detector's "+44 7700 900123" finds the label of the listed "07700 900123".

Nothing here prints a value: ``repr`` shows counts and labels only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache
from typing import Final, NamedTuple

from anyascii import anyascii

from threadline.errors import ValidationError
from threadline.sdk.detectors import normalise_date, normalise_phone, normalise_postcode
from threadline.sdk.placeholders import PERSON_KINDS, PiiKind, label_kind, parse_label

__all__ = ["KnownPerson", "KnownValue", "KnownValues", "Literal", "fold"]

# Associate roles of the input format; anything else (or no role) counts as "other", as in
# the validator, so placeholder numbering matches the refs the SDK builder assigns.
_ROLES: Final = frozenset({"suspect", "associate", "parent_carer", "professional", "other"})
_NAME_SPLIT: Final = re.compile(r"[\s\-]+")
_DIGIT: Final = re.compile(r"[0-9]")
_NON_DIGIT: Final = re.compile(r"[^0-9]")
# Name particles match only next to a stronger part of the same name: "van" alone is a vehicle.
_PARTICLE_WORDS: Final = (
    "al el bin bint ibn abu ben van von der den de del della di da du la le dos das"
)
_PARTICLES: Final = frozenset(_PARTICLE_WORDS.split())


def fold(token: str) -> str:
    """Case- and apostrophe-insensitive form of a name; keeps length, so offsets still hold."""
    return token.lower().replace("\u2019", "'")


@lru_cache(maxsize=8192)
def _name_keys(name: str) -> tuple[tuple[str, tuple[tuple[str, bool], ...]], ...]:
    """Per part of one listed name: its initial (one-letter parts, else "") and its search
    keys, each with whether it is strong enough to match alone (particles are not).

    A pure function of the name, memoised in a bounded LRU (no keys, no labels): names recur
    across an export, and this is most of the cost of indexing a person.
    """
    parts = [fold(p) for p in _NAME_SPLIT.split(name.strip()) if p]
    has_strong = any(p not in _PARTICLES for p in parts)
    out = []
    for part in parts:
        strong = not (has_strong and part in _PARTICLES)
        variants = [part]
        if "'" in part:
            variants += [part.replace("'", ""), part.rsplit("'", 1)[1]]
        if not part.isascii():
            variants.append(anyascii(part).lower())
        initial = part.upper() if len(part) == 1 and part.isalpha() else ""
        out.append((initial, tuple((key, strong) for key in variants if len(key) >= 2)))
    return tuple(out)


class KnownPerson(NamedTuple):
    """One person's names (given, family, other names) and the label they all become."""

    label: str
    names: tuple[str, ...]

    def __repr__(self) -> str:
        return f"KnownPerson(label={self.label!r}, names=<{len(self.names)} withheld>)"


class KnownValue(NamedTuple):
    """One non-name value (phone, e-mail, handle, postcode, address, DOB...) and its label."""

    label: str
    value: str

    @property
    def kind(self) -> PiiKind:
        """The placeholder type, read from the label."""
        return label_kind(self.label)

    def __repr__(self) -> str:
        return f"KnownValue(label={self.label!r}, value=<withheld>)"


class Literal(NamedTuple):
    """A lower-cased needle; ``digits`` means only digits count as neighbours (phones, DOBs)."""

    needle: str
    label: str
    kind: PiiKind
    digits: bool
    case_sensitive: bool


# Enum attribute access goes through a descriptor; these run per value, thousands a second.
_PHONE, _POSTCODE, _DOB, _DATE, _HANDLE, _ADDRESS = (
    PiiKind.PHONE,
    PiiKind.POSTCODE,
    PiiKind.DOB,
    PiiKind.DATE,
    PiiKind.HANDLE,
    PiiKind.ADDRESS,
)
_DIGIT_KINDS: Final = frozenset({PiiKind.PHONE, PiiKind.DOB, PiiKind.NHS_NUMBER, PiiKind.NUMBER})


def _value_key(kind: PiiKind, value: str) -> str | None:
    """The normalised form detectors produce for the same value, so spellings share a label."""
    if kind is _PHONE:
        return normalise_phone(value)
    if kind is _POSTCODE:
        return normalise_postcode(value)
    if kind is _DOB or kind is _DATE:
        parts = value.strip()[:10].split("-")
        if len(parts) == 3 and all(p.isdigit() for p in parts):
            return normalise_date(int(parts[2]), int(parts[1]), int(parts[0]))
        return None
    if kind is _HANDLE:
        value = value.strip().removeprefix("@")
    elif kind in _DIGIT_KINDS:
        value = _NON_DIGIT.sub("", value)
    return " ".join(value.lower().split())


def _lookup_keys(kind: PiiKind, value: str, key: str | None) -> list[tuple[PiiKind, str]]:
    """Keys under which a detector's finding resolves to this known value's label."""
    key = key or _value_key(kind, value)
    if not key:
        return []
    keys = [(kind, key)]
    if kind is _POSTCODE and len(key) >= 5:
        keys.append((kind, key[:-3]))  # "in E1" names the same place as "E1 6AN"
    elif kind is _DOB:
        keys.append((_DATE, key))
        year, month, day = (int(p) for p in key.split("-"))
        swapped = normalise_date(month, day, year)  # 04/03 written for 3 April is still the DOB
        if swapped:
            keys.append((_DATE, swapped))
    return keys


def _literals(kind: PiiKind, value: str, label: str) -> list[Literal]:
    """Spellings to find verbatim (case-insensitively) even where no detector would fire."""
    text = " ".join(value.split())
    digits = kind in _DIGIT_KINDS
    found: list[Literal] = []
    needles = [text.lower()]
    if kind is _HANDLE:
        needles = [text.removeprefix("@").lower()]
    elif kind is _POSTCODE:
        needles.append(text.replace(" ", "").lower())
        key = normalise_postcode(text)
        if len(key) >= 5:  # the outward code alone names a district: only upper case is safe
            found.append(Literal(key[:-3], label, kind, digits=False, case_sensitive=True))
    elif kind is _ADDRESS:
        for part in (p.strip() for p in text.split(",")):
            if _DIGIT.search(part):
                needles.append(part.lower())
                words = part.split()
                if len(words) > 2 and words[0][0].isdigit():
                    needles.append(" ".join(words[1:]).lower())
    elif digits:
        needles.append(_NON_DIGIT.sub("", text))
    found += (
        Literal(n, label, kind, digits, case_sensitive=False)
        for n in dict.fromkeys(needles)
        if len(n) >= 2
    )
    return found


class KnownValues:
    """The report's own PII as (label, value) pairs, pre-indexed for :func:`redact`.

    Build it from the agency record with :meth:`from_report`, or from explicit pairs when the
    caller labels values itself. Labels are validated; a malformed one is a ValidationError.
    """

    __slots__ = (
        "_persons",
        "_values",
        "initials",
        "keys",
        "labels_max",
        "literals",
        "names",
        "strong_names",
    )

    def __init__(self, persons: Sequence[KnownPerson] = (), values: Sequence[KnownValue] = ()):
        self._persons: list[KnownPerson] = []
        self._values: list[KnownValue] = []
        self.names: dict[str, tuple[str, ...]] = {}
        self.initials: dict[str, tuple[str, ...]] = {}  # one-letter names, matched as capitals
        self.strong_names: set[str] = set()
        self.literals: list[Literal] = []
        self.keys: dict[tuple[PiiKind, str], str] = {}
        self.labels_max: dict[PiiKind, int] = {}
        for i, person in enumerate(persons):
            self._add_person(person, f"persons[{i}].label")
        for i, known in enumerate(values):
            self._add_value(known, None, f"values[{i}].label")

    @property
    def persons(self) -> tuple[KnownPerson, ...]:
        """Everyone whose names the narrative may use, subject first."""
        return tuple(self._persons)

    @property
    def values(self) -> tuple[KnownValue, ...]:
        """Every other listed value with its label."""
        return tuple(self._values)

    def __repr__(self) -> str:
        return f"KnownValues(persons={len(self._persons)}, values={len(self._values)})"

    def _note_label(self, label: str, path: str) -> PiiKind:
        parsed = parse_label(label)
        if parsed is None:
            raise ValidationError(f"{path} is not a placeholder label like CHILD_1", path=path)
        kind, number = parsed
        if number > self.labels_max.get(kind, 0):
            self.labels_max[kind] = number
        return kind

    def _add_person(self, person: KnownPerson, path: str) -> None:
        if self._note_label(person.label, path) not in PERSON_KINDS:
            raise ValidationError("a person's label must name a person kind", path=path)
        self._persons.append(person)
        label = person.label
        for name in person.names:
            for initial, keys in _name_keys(name):
                if initial:  # "K", "Lil T": a capital, never "k"
                    labels = self.initials.get(initial, ())
                    if label not in labels:
                        self.initials[initial] = (*labels, label)
                for key, strong in keys:
                    labels = self.names.get(key, ())
                    if label not in labels:
                        self.names[key] = (*labels, label)
                    if strong:
                        self.strong_names.add(key)

    def _add_value(self, known: KnownValue, key: str | None, path: str) -> None:
        kind = self._note_label(known.label, path)
        self._values.append(known)
        for lookup in _lookup_keys(kind, known.value, key):
            self.keys.setdefault(lookup, known.label)
        self.literals.extend(_literals(kind, known.value, known.label))

    @classmethod
    def from_report(cls, record: Mapping[str, object]) -> KnownValues:
        """Label the subject CHILD_1 and each associate by role in input order (SUSPECT_1,
        ASSOCIATE_1, PARENT_CARER_1...), and number every other value by first appearance in
        the record, subject first (the same value keeps one label)."""
        people: list[tuple[str, Mapping[str, object], str]] = []
        subject = record.get("subject")
        if subject is not None:
            people.append(("CHILD_1", _mapping(subject, "subject"), "subject"))
        counts: dict[str, int] = {}
        for i, raw in enumerate(_list(record.get("associates"), "associates")):
            person = _mapping(raw, f"associates[{i}]")
            role = person.get("role")
            kind = role.upper() if isinstance(role, str) and role in _ROLES else "OTHER"
            counts[kind] = counts.get(kind, 0) + 1
            people.append((f"{kind}_{counts[kind]}", person, f"associates[{i}]"))
        known = cls()
        numbering: dict[tuple[PiiKind, str], str] = {}
        per_kind: dict[PiiKind, int] = {}
        for label, person, path in people:
            names = [_text(person.get(f), f"{path}.{f}") for f in ("given_name", "family_name")]
            names += _texts(person.get("other_names"), f"{path}.other_names")
            known._add_person(KnownPerson(label, tuple(n for n in names if n)), path)
            for kind, value in _person_values(person, path):
                key = _value_key(kind, value)
                slot = (kind, key or value)
                if slot not in numbering:
                    per_kind[kind] = per_kind.get(kind, 0) + 1
                    numbering[slot] = f"{kind.value}_{per_kind[kind]}"
                known._add_value(KnownValue(numbering[slot], value), key, path)
        return known


def _person_values(person: Mapping[str, object], path: str) -> Iterable[tuple[PiiKind, str]]:
    for field, kind in (
        ("date_of_birth", PiiKind.DOB),
        ("postcode", PiiKind.POSTCODE),
        ("address", PiiKind.ADDRESS),
    ):
        value = _text(person.get(field), f"{path}.{field}")
        if value:
            yield kind, value
    for field, kind in (("phones", PiiKind.PHONE), ("emails", PiiKind.EMAIL)):
        for value in _texts(person.get(field), f"{path}.{field}"):
            yield kind, value
    for i, raw in enumerate(_list(person.get("handles"), f"{path}.handles")):
        handle = _mapping(raw, f"{path}.handles[{i}]")
        value = _text(handle.get("handle"), f"{path}.handles[{i}].handle")
        if value:
            yield PiiKind.HANDLE, value


def _mapping(raw: object, path: str) -> Mapping[str, object]:
    if not isinstance(raw, Mapping):
        raise ValidationError(f"{path} must be an object", path=path)
    return raw


def _list(raw: object, path: str) -> list[object]:
    if raw is None:
        return []
    if not isinstance(raw, list | tuple):
        raise ValidationError(f"{path} must be a list", path=path)
    return list(raw)


def _text(raw: object, path: str) -> str | None:
    if raw is None or isinstance(raw, str):
        return raw
    raise ValidationError(f"{path} must be a string", path=path)


def _texts(raw: object, path: str) -> list[str]:
    return [t for i, v in enumerate(_list(raw, path)) if (t := _text(v, f"{path}[{i}]"))]
