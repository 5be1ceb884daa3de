"""Name forms: nickname and spelling variants meet, double-barrelled names split, nothing prints."""

from __future__ import annotations

import pytest

from threadline.crypto.names import NameForms
from threadline.crypto.nicknames import NICKNAMES, SPELLINGS
from threadline.crypto.normalise import normalise_name

GIVEN_PAIRS = [(canon, v) for canon, vs in NICKNAMES.items() for v in vs]
SPELLING_PAIRS = [(canon, v) for canon, vs in SPELLINGS.items() for v in vs]


def test_tables_are_normalised_and_modest() -> None:
    names = {n for table in (NICKNAMES, SPELLINGS) for c, vs in table.items() for n in (c, *vs)}
    assert all(normalise_name(n) == n and " " not in n for n in names)
    assert 100 <= len(NICKNAMES) + len(SPELLINGS) <= 200  # groups: modest, reviewable


@pytest.mark.parametrize(("canonical", "variant"), GIVEN_PAIRS + SPELLING_PAIRS)
def test_every_given_variant_meets_its_canonical(canonical: str, variant: str) -> None:
    formal = NameForms.of([canonical], ["khan"])
    informal = NameForms.of([variant], ["khan"])
    assert formal.given & informal.given
    assert formal.phonetic_pairs() & informal.phonetic_pairs()


@pytest.mark.parametrize(("canonical", "variant"), SPELLING_PAIRS)
def test_spelling_variants_also_apply_to_family_names(canonical: str, variant: str) -> None:
    assert NameForms.of([], [canonical]).family & NameForms.of([], [variant]).family


def test_nicknames_do_not_apply_to_family_names() -> None:
    assert not NameForms.of([], ["bill"]).family & NameForms.of([], ["william"]).family


@pytest.mark.parametrize(
    ("a", "b"),
    [("Mohammed", "Muhammad"), ("Mohamed", "Mo"), ("Aisha", "Ayesha"), ("Bob", "Robert")],
)
def test_examples_from_the_brief(a: str, b: str) -> None:
    assert NameForms.of([a], []).given & NameForms.of([b], []).given


def test_double_barrelled_family_names_whole_and_split() -> None:
    forms = NameForms.of(["Aisha"], ["Smith-Jones"])
    assert {"smith jones", "smith", "jones"} <= forms.family
    assert forms.family & NameForms.of(["Aisha"], ["Jones"]).family
    assert forms.full == "aisha smith jones"


def test_aliases_join_the_given_names_but_not_the_full_name() -> None:
    forms = NameForms.of(["Aisha"], ["Khan"], ["Ash"])
    assert {"aisha", "ash", "ashley"} <= forms.given
    assert forms.full == "aisha khan"


def test_phonetic_pairs_ignore_order_and_tolerate_a_missing_part() -> None:
    assert NameForms.of(["John"], ["Smith"]).phonetic_pairs() == (
        NameForms.of(["Smith"], ["John"]).phonetic_pairs()
    )
    assert NameForms.of([], ["Smith"]).phonetic_pairs() == {"|SM0"}
    assert NameForms.of([], []).phonetic_pairs() == set()


def test_repr_never_shows_names() -> None:
    text = repr(NameForms.of(["Aisha"], ["Khan"]))
    assert "aisha" not in text.lower()
    assert "khan" not in text.lower()
