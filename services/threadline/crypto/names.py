"""Which strings a person's names become before they are tokenised.

Names are where records disagree most, so one person yields several name tokens and a match on
any of them is evidence. For given names (and aliases in ``other_names``): the whole normalised
name, each word of a multi-word name, and the canonical form of every word found in the nickname
and spelling tables ("Bob" -> bob, robert). For family names: the whole name, each part of a
double-barrelled name ("Smith-Jones" -> smith jones, smith, jones) and spelling canonicals.

Phonetic tokens are *pairs*: the Metaphone code of a given-name word with that of a family-name
word, order-insensitive. A lone surname code ("SM0" for every Smith) would block thousands of
children together and say little; a pair says "both names sound alike", and sorting the pair
also catches given and family name entered the wrong way round.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache

from threadline.crypto.normalise import (
    family_name_variants,
    given_name_variants,
    name_forms,
    normalise_name,
    phonetic_code,
)

__all__ = ["NameForms"]


@dataclass(frozen=True, slots=True, repr=False)
class NameForms:
    """The token inputs derived from one person's names (holds personal data: never log it)."""

    given: frozenset[str]
    family: frozenset[str]
    given_words: frozenset[str]
    family_words: frozenset[str]
    full: str

    def __repr__(self) -> str:
        return f"NameForms(given={len(self.given)}, family={len(self.family)}, <redacted>)"

    @classmethod
    def of(
        cls, given: Iterable[str], family: Iterable[str], other_names: Iterable[str] = ()
    ) -> NameForms:
        """Expand raw given names, family names and aliases into token inputs.

        Memoised (a bounded LRU of names, no keys): the same names recur across an export,
        and the expansion is a pure function of them.
        """
        return _expand(tuple(given), tuple(family), tuple(other_names))

    @classmethod
    def _expand(
        cls, given: tuple[str, ...], family: tuple[str, ...], other_names: tuple[str, ...]
    ) -> NameForms:
        primary_given = [normalise_name(n) for n in given]
        primary_family = [normalise_name(n) for n in family]
        aliases = [normalise_name(n) for n in other_names]
        given_strings, given_words = _forms(primary_given + aliases, given_name_variants)
        family_strings, family_words = _forms(primary_family, family_name_variants)
        full = " ".join(n for n in (*primary_given[:1], *primary_family[:1]) if n)
        return cls(
            frozenset(given_strings),
            frozenset(family_strings),
            frozenset(given_words),
            frozenset(family_words),
            full,
        )

    def phonetic_pairs(self) -> frozenset[str]:
        """Sorted ``code|code`` pairs; a missing side is empty ("|SM0" for a surname alone)."""
        return _phonetic_pairs(self.given_words, self.family_words)


_NAME_CACHE = 8192


@lru_cache(maxsize=_NAME_CACHE)
def _expand(
    given: tuple[str, ...], family: tuple[str, ...], other_names: tuple[str, ...]
) -> NameForms:
    return NameForms._expand(given, family, other_names)


@lru_cache(maxsize=_NAME_CACHE)
def _phonetic_pairs(given_words: frozenset[str], family_words: frozenset[str]) -> frozenset[str]:
    given = {c for c in map(phonetic_code, given_words) if c} or {""}
    family = {c for c in map(phonetic_code, family_words) if c} or {""}
    pairs = {"|".join(sorted((g, f))) for g in given for f in family}
    pairs.discard("|")
    return frozenset(pairs)


def _forms(
    normalised: Iterable[str], canonical: Callable[[str], frozenset[str]]
) -> tuple[set[str], set[str]]:
    """Whole-and-split forms plus canonical variants; and the single words among them."""
    strings: set[str] = set()
    words: set[str] = set()
    for name in normalised:
        strings.update(name_forms(name))
        words.update(name.split())
    for word in list(words):
        words.update(canonical(word))
    strings.update(words)
    return strings, words
