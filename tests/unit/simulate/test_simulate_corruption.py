"""Agencies get children wrong at roughly the configured rates, and only in named ways."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from threadline.simulate import CorruptionRates, Simulation, SimulationConfig, simulate

RATES = CorruptionRates(
    typo_given=0.3,
    typo_family=0.2,
    name_variant=0.0,
    dob_swap=0.5,
    dob_year=0.0,
    other_names=0.0,
    unlisted_pii=0.3,
)


@pytest.fixture(scope="module")
def noisy() -> Simulation:
    return simulate(SimulationConfig(seed=21, children=1500, reports=6000, corruption=RATES))


def _first_views(sim: Simulation) -> list[tuple[dict[str, object], tuple[str, ...], str]]:
    """The first report of each (agency, child): one sample per agency view."""
    seen: set[tuple[str, str]] = set()
    out = []
    for (agency, record), truth in zip(sim.reports, sim.truth.reports, strict=True):
        if "subject" in record and (agency, truth.child_id) not in seen:
            seen.add((agency, truth.child_id))
            out.append((record["subject"], truth.corruptions, truth.child_id))
    return out


def test_typo_and_swap_rates_are_roughly_as_configured(noisy: Simulation) -> None:
    views = _first_views(noisy)
    children = noisy.truth.children_by_id()
    given = [c for s, c, _ in views if "given_name" in s]
    family = [c for s, c, _ in views if "family_name" in s]
    swappable = [
        c
        for s, c, child in views
        if "date_of_birth" in s
        and (d := children[child].date_of_birth).day <= 12
        and d.day != d.month
    ]
    assert abs(sum("given_name:typo" in c for c in given) / len(given) - 0.3) < 0.05
    assert abs(sum("family_name:typo" in c for c in family) / len(family) - 0.2) < 0.05
    assert abs(sum("date_of_birth:swap" in c for c in swappable) / len(swappable) - 0.5) < 0.06


def test_recorded_corruptions_explain_every_difference_from_the_truth(noisy: Simulation) -> None:
    children = noisy.truth.children_by_id()
    for (_, record), truth in zip(noisy.reports, noisy.truth.reports, strict=True):
        subject = record.get("subject")
        if subject is None:
            continue
        child = children[truth.child_id]
        if "given_name" in subject and "given_name:typo" not in truth.corruptions:
            assert subject["given_name"] == child.given_name
        if "family_name" in subject and "family_name:typo" not in truth.corruptions:
            assert subject["family_name"] == child.family_name
        if "date_of_birth" in subject:
            written = date.fromisoformat(subject["date_of_birth"])
            swapped = "date_of_birth:swap" in truth.corruptions
            assert (written != child.date_of_birth) == swapped


def test_updates_correct_what_they_say_they_correct(noisy: Simulation) -> None:
    fixed = Counter(r["update"]["reason"] for _, r in noisy.reports if "update" in r)
    assert fixed["corrected date of birth"] > 20 and fixed["corrected spelling of first name"] > 5


def test_unlisted_identifiers_appear_at_about_the_configured_rate(noisy: Simulation) -> None:
    with_narrative = [
        t for (_, r), t in zip(noisy.reports, noisy.truth.reports, strict=True) if "concern" in r
    ]
    share = sum(bool(t.unlisted_pii) for t in with_narrative) / len(with_narrative)
    assert 0.15 < share <= 0.3  # 0.3 where the child has something unlisted to mention


def test_sparse_records_exist(small: Simulation) -> None:
    subjects = [r["subject"] for _, r in small.reports if "subject" in r]
    assert any(set(s) == {"handles"} for s in subjects)  # a charity knows only a handle
    assert any(set(s) == {"given_name", "family_name", "date_of_birth"} for s in subjects)
    assert any(s.get("other_names") for s in subjects)


def test_zero_rates_mean_no_name_or_dob_mistakes() -> None:
    clean = CorruptionRates(typo_given=0, typo_family=0, name_variant=0, dob_swap=0, dob_year=0)
    sim = simulate(SimulationConfig(seed=4, children=100, reports=400, corruption=clean))
    notes = {n for t in sim.truth.reports for n in t.corruptions}
    assert notes <= {"postcode:stale", "phone:stale", "associate_name:typo"}
