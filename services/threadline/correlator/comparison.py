"""The comparison vector of a pair of person records: one agreement level per field.

Fellegi & Sunter (1969) score a pair by the pattern gamma of agreements between its fields; this
module defines that pattern. Each field has a few *ordered* levels, strongest agreement first,
so one field contributes one piece of evidence however the agreement was reached (an exact
given-name token and a phonetic-only agreement are two levels of one field, not two fields,
which keeps the conditional-independence assumption of the model from counting the same
evidence twice). ``MISSING`` (-1) means the field is absent on either side: it is no evidence
either way, so the model gives it weight 0.

Levels, and why:

* ``given_name`` / ``family_name``: ``exact`` when any token overlaps (tokens already include
  nickname, spelling and word-split variants, so "Bob" meets "Robert" here); ``phonetic`` when
  no token overlaps but the records share a ``name_phonetic`` token; else ``disagree``. Those
  tokens are of *pairs* (a given-name code with a family-name code, order-insensitive; see
  :mod:`threadline.crypto.names`), so a shared one says both parts sound alike, and each part
  that does not agree exactly is a spelling variant.
* ``dob``: ``exact``; ``swapped`` (one side's DOB equals the other's day/month-swapped DOB, a
  classic DD/MM vs MM/DD entry error); ``year`` (only the year agrees, e.g. a typed-wrong day,
  or one side knows only the year); ``disagree``.
* ``postcode_district``, ``phones``, ``emails``, ``handles``: any overlap or not. Children move
  and change phones, so disagreement is weak evidence; the EM fit learns how weak.
* ``name_clk``: the Dice coefficient of the two CLKs, banded at 0.9 / 0.75 / 0.6 (typo-level,
  variant-level, loosely similar names) and below. The CLK is made of the same names as the
  tokens, so it is compared only when *neither* name part agrees exactly: otherwise it would
  count the exact agreement a second time (a shared family name alone gives siblings' CLKs a
  Dice near 0.6). It is the evidence for spelling variants the tokens and codes missed.

Records of different token schemes are incomparable (their tokens use different keys), so
their vector is all ``MISSING``.
"""

from __future__ import annotations

from dataclasses import dataclass

from threadline.correlator.records import PersonTokens

__all__ = [
    "COMPARISON_VERSION",
    "FIELDS",
    "MISSING",
    "ComparisonVector",
    "FieldSpec",
    "compare",
    "given_names_differ",
    "has_personal_agreement",
    "is_unnamed_match",
]

COMPARISON_VERSION = "cmp-1"
MISSING = -1

ComparisonVector = tuple[int, ...]


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """A compared field and its non-missing levels, strongest agreement first."""

    name: str
    levels: tuple[str, ...]


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("given_name", ("exact", "phonetic", "disagree")),
    FieldSpec("family_name", ("exact", "phonetic", "disagree")),
    FieldSpec("dob", ("exact", "swapped", "year", "disagree")),
    FieldSpec("postcode_district", ("agree", "disagree")),
    FieldSpec("phones", ("agree", "disagree")),
    FieldSpec("emails", ("agree", "disagree")),
    FieldSpec("handles", ("agree", "disagree")),
    FieldSpec("name_clk", ("dice>=0.90", "dice>=0.75", "dice>=0.60", "lower")),
)

_EXACT, _PHONETIC, _NAME_DISAGREE = 0, 1, 2
_PENDING = -2
_DOB_EXACT, _DOB_SWAPPED, _DOB_YEAR, _DOB_DISAGREE = 0, 1, 2, 3
_AGREE, _DISAGREE = 0, 1
_ALL_MISSING: ComparisonVector = (MISSING,) * len(FIELDS)


def compare(a: PersonTokens, b: PersonTokens) -> ComparisonVector:
    """The agreement level of every field in :data:`FIELDS` order (hot path: set tests and
    integer comparisons only)."""
    if a.scheme != b.scheme:
        return _ALL_MISSING
    given = _name_level(a.given_name, b.given_name)
    family = _name_level(a.family_name, b.family_name)
    if _PENDING in (given, family):
        given, family = _phonetic_levels(a, b, given, family)
    return (
        given,
        family,
        _dob_level(a, b),
        _one_level(a.postcode_district, b.postcode_district),
        _set_level(a.phones, b.phones),
        _set_level(a.emails, b.emails),
        _set_level(a.handles, b.handles),
        MISSING if _EXACT in (given, family) else _clk_level(a, b),
    )


def has_personal_agreement(vector: ComparisonVector) -> bool:
    """True when the pair agrees on something that identifies a child, not just a household.

    Siblings share a family name, a postcode and often a parent's phone, and twins share a DOB
    too; under conditional independence those agreements multiply into a weight that looks like
    a match. A link therefore also needs one of: an e-mail or handle in common; the same given
    name; or a given name that only sounds alike (siblings' names sometimes do, Jon and Jan)
    *and* the same DOB (exact or swapped). A DOB without a given name does not count: in a
    household it identifies a child only up to twins (:func:`is_unnamed_match` is that case).
    """
    given = vector[0]
    if vector[5] == _AGREE or vector[6] == _AGREE or given == _EXACT:
        return True
    return given == _PHONETIC and vector[2] in (_DOB_EXACT, _DOB_SWAPPED)


def is_unnamed_match(vector: ComparisonVector) -> bool:
    """True for household evidence that would identify a child were the given name known.

    The same family name and DOB (exact or swapped) *and* the same postcode district or phone,
    with no given name on one side: between two children this is
    twins (or a coincidence of surname, birthday and neighbourhood); usually it is one child
    reported by an agency that did not record the first name. It is weaker than personal
    agreement, and :mod:`~threadline.correlator.linking` (rule 5) uses it only where no other
    child fits: never into a subject that holds a different given name, and never when the
    record reaches two subjects with different given names.
    """
    return (
        vector[0] == MISSING
        and vector[1] == _EXACT
        and vector[2] in (_DOB_EXACT, _DOB_SWAPPED)
        and _AGREE in (vector[3], vector[4])
    )


def given_names_differ(vector: ComparisonVector) -> bool:
    """True when both records have a given name and the names do not even sound alike."""
    return vector[0] == _NAME_DISAGREE


def _name_level(x: frozenset[bytes], y: frozenset[bytes]) -> int:
    if not x or not y:
        return MISSING
    return _PENDING if x.isdisjoint(y) else _EXACT


def _phonetic_levels(a: PersonTokens, b: PersonTokens, given: int, family: int) -> tuple[int, int]:
    """Name parts without an exact token in common: spelling variants if the pair codes meet."""
    level = _NAME_DISAGREE if a.name_phonetic.isdisjoint(b.name_phonetic) else _PHONETIC
    return (level if given == _PENDING else given), (level if family == _PENDING else family)


def _dob_level(a: PersonTokens, b: PersonTokens) -> int:
    if a.dob is not None and b.dob is not None:
        if a.dob == b.dob:
            return _DOB_EXACT
        if a.dob == b.dob_swapped or b.dob == a.dob_swapped:
            return _DOB_SWAPPED
    if a.birth_year is None or b.birth_year is None:
        return MISSING if a.dob is None or b.dob is None else _DOB_DISAGREE
    return _DOB_YEAR if a.birth_year == b.birth_year else _DOB_DISAGREE


def _one_level(x: bytes | None, y: bytes | None) -> int:
    if x is None or y is None:
        return MISSING
    return _AGREE if x == y else _DISAGREE


def _set_level(x: frozenset[bytes], y: frozenset[bytes]) -> int:
    if not x or not y:
        return MISSING
    return _DISAGREE if x.isdisjoint(y) else _AGREE


def _clk_level(a: PersonTokens, b: PersonTokens) -> int:
    total = a.clk_bits + b.clk_bits
    if not a.clk_bits or not b.clk_bits:
        return MISSING
    # Dice = 2|A∩B| / (|A|+|B|), compared in integers scaled by 100 to avoid a division.
    shared = 200 * (a.clk_int & b.clk_int).bit_count()
    if shared >= 90 * total:
        return 0
    if shared >= 75 * total:
        return 1
    return 2 if shared >= 60 * total else 3
