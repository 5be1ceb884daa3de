"""How an agency's record of a child drifts from the truth, and how an update corrects it.

Linkage is only tested if the same child looks different to different agencies. Each agency
keeps a *view* of a child, built once at first contact: which fields it holds at all (a charity
may only have a handle, a school only name and DOB) and which mistakes were made at intake
(a typo, a transliteration, a nickname, day and month swapped). The view is reused for every
later report from that agency, so its mistakes repeat, until a ``report_updated`` fixes one.
Every mistake is recorded by name in the ground truth, so benchmarks can score by cause.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date

from threadline.simulate.config import AgencyKind, CorruptionRates
from threadline.simulate.namebank import NameBank, choose
from threadline.simulate.population import Child, Handle

__all__ = ["UPDATE_REASONS", "AgencyView", "correct", "make_view", "typo"]

_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_FIELDS = ("given", "family", "dob", "postcode", "address", "phones", "emails", "handles")
# Probability that each kind of agency holds each field at all (given, family, dob, postcode,
# address, phones, emails, handles).
_HOLDS: dict[AgencyKind, tuple[float, ...]] = {
    AgencyKind.POLICE: (0.95, 0.9, 0.85, 0.7, 0.5, 0.75, 0.1, 0.5),
    AgencyKind.SOCIAL_CARE: (0.99, 0.97, 0.95, 0.9, 0.8, 0.45, 0.15, 0.2),
    AgencyKind.SCHOOL: (1.0, 1.0, 1.0, 0.8, 0.35, 0.1, 0.5, 0.15),
    AgencyKind.HEALTH: (0.97, 0.97, 0.98, 0.9, 0.6, 0.5, 0.1, 0.05),
    AgencyKind.CHARITY: (0.65, 0.3, 0.25, 0.3, 0.1, 0.5, 0.2, 0.7),
    AgencyKind.YOUTH_JUSTICE: (1.0, 1.0, 1.0, 0.9, 0.7, 0.6, 0.1, 0.3),
    AgencyKind.OTHER: (0.9, 0.8, 0.7, 0.6, 0.4, 0.5, 0.2, 0.4),
}
# (only a handle, only name + DOB): the sparse records linkage must still place.
_SPARSE: dict[AgencyKind, tuple[float, float]] = {
    AgencyKind.CHARITY: (0.3, 0.05),
    AgencyKind.POLICE: (0.05, 0.05),
    AgencyKind.SCHOOL: (0.0, 0.2),
    AgencyKind.HEALTH: (0.0, 0.2),
    AgencyKind.SOCIAL_CARE: (0.0, 0.1),
}
_PLAIN_REASONS = (
    "risk reassessed after strategy meeting",
    "additional information from partner agency",
    "stage of exploitation reviewed",
)
_CORRECTED = (
    "corrected date of birth",
    "corrected spelling of first name",
    "corrected family name",
)
UPDATE_REASONS = _PLAIN_REASONS + _CORRECTED


@dataclass(slots=True)
class AgencyView:
    """What one agency holds about one child; mutable because updates correct it."""

    given_name: str | None
    family_name: str | None
    other_names: list[str]
    date_of_birth: date | None
    holds: set[str]
    handles: list[Handle]
    stale_postcode: bool
    stale_phone: bool
    corruptions: list[str] = field(default_factory=list)


def typo(rng: random.Random, name: str) -> str:
    """One keyboard slip (insert, delete, transpose or substitute), never on the first letter."""
    if len(name) < 3:
        return name + choose(rng, _LETTERS)
    i = rng.randrange(1, len(name) - 1)
    op = rng.randrange(4)
    if op == 0:
        return name[:i] + choose(rng, _LETTERS) + name[i:]
    if op == 1:
        return name[:i] + name[i + 1 :]
    if op == 2 and name[i] != name[i + 1]:
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    letter = choose(rng, _LETTERS.replace(name[i].lower(), ""))
    return name[:i] + letter + name[i + 1 :]


def _swap_day_month(dob: date) -> date | None:
    if dob.day > 12 or dob.day == dob.month:
        return None
    return dob.replace(month=dob.day, day=dob.month)


def make_view(
    rng: random.Random, child: Child, kind: AgencyKind, rates: CorruptionRates, bank: NameBank
) -> AgencyView:
    """Decide, once per agency and child, what the agency holds and what it got wrong."""
    handle_only, name_dob_only = _SPARSE.get(kind, (0.0, 0.0))
    roll = rng.random()
    if roll < handle_only and child.handles:
        holds = {"handles"}
    elif roll < handle_only + name_dob_only:
        holds = {"given", "family", "dob"}
    else:
        holds = {f for f, p in zip(_FIELDS, _HOLDS[kind], strict=True) if rng.random() < p}
    if not holds & {"given", "family", "dob", "phones", "emails", "handles"}:
        holds.add("given")  # a subject needs at least one identifier
    view = AgencyView(
        given_name=child.given_name if "given" in holds else None,
        family_name=child.family_name if "family" in holds else None,
        other_names=[],
        date_of_birth=child.date_of_birth if "dob" in holds else None,
        holds=holds,
        handles=[h for h in child.handles if rng.random() < 0.7] or list(child.handles[:1]),
        stale_postcode=rng.random() < rates.stale_postcode,
        stale_phone=rng.random() < rates.stale_phone,
    )
    if view.given_name:
        spellings = bank.other_spellings(view.given_name)
        if spellings and rng.random() < rates.name_variant:
            view.given_name = choose(rng, spellings)
            view.corruptions.append("given_name:variant")
        if rng.random() < rates.typo_given:
            view.given_name = typo(rng, view.given_name)
            view.corruptions.append("given_name:typo")
        if child.nicknames and rng.random() < rates.other_names:
            view.other_names = list(child.nicknames)
    if view.family_name and rng.random() < rates.typo_family:
        view.family_name = typo(rng, view.family_name)
        view.corruptions.append("family_name:typo")
    if view.date_of_birth:
        swapped = _swap_day_month(view.date_of_birth)
        if swapped and rng.random() < rates.dob_swap:
            view.date_of_birth = swapped
            view.corruptions.append("date_of_birth:swap")
        elif rng.random() < rates.dob_year:
            dob = view.date_of_birth
            view.date_of_birth = dob.replace(
                year=dob.year + choose(rng, (-1, 1)), day=min(dob.day, 28)
            )
            view.corruptions.append("date_of_birth:year")
    return view


def correct(rng: random.Random, view: AgencyView, child: Child) -> str:
    """Fix one of the view's mistakes (or just revise the assessment); returns the reason."""
    if not view.corruptions:
        return choose(rng, _PLAIN_REASONS)
    mistake = view.corruptions.pop(rng.randrange(len(view.corruptions)))
    if mistake.startswith("date_of_birth"):
        view.date_of_birth = child.date_of_birth
        return _CORRECTED[0]
    if mistake.startswith("given_name"):
        view.given_name = child.given_name
        view.corruptions = [c for c in view.corruptions if not c.startswith("given_name")]
        return _CORRECTED[1]
    view.family_name = child.family_name
    return _CORRECTED[2]
