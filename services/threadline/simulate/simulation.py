"""Run a simulation: population, plan, records and truth from one seed.

One ``random.Random(seed)`` drives every choice and nothing iterates a set or dict whose order
depends on string hashing, so the same configuration gives byte-identical output in any
process. :meth:`Simulation.pii_strings` lists every clear-text identifier the run produced, in
the spellings it used, so privacy tests can grep topic bytes and state stores for leaks.
"""

from __future__ import annotations

import gc
import random
from dataclasses import dataclass
from datetime import date
from typing import Any

from threadline.simulate.concern import fixed_text as concern_text
from threadline.simulate.config import SimulationConfig
from threadline.simulate.namebank import load_bank
from threadline.simulate.narrative import fixed_text as narrative_text
from threadline.simulate.phones import PhonePool, phone_formats
from threadline.simulate.population import build_population
from threadline.simulate.records import Renderer
from threadline.simulate.records import fixed_text as record_text
from threadline.simulate.timeline import plan_reports
from threadline.simulate.truth import OffenderNetwork, Truth

__all__ = ["Simulation", "simulate"]

_PERSON_TEXT = ("given_name", "family_name", "postcode", "address")


@dataclass(frozen=True, slots=True)
class Simulation:
    """The reports, in time order, as ``(agency_id, agency-input record)``, and their truth."""

    config: SimulationConfig
    reports: list[tuple[str, dict[str, Any]]]
    truth: Truth
    unlisted_values: tuple[str, ...]  # identifiers narratives mention that no field lists

    def pii_strings(self, *, min_length: int = 4, vocabulary_safe: bool = True) -> tuple[str, ...]:
        """Every clear-text identifier generated, in every spelling emitted or likely.

        Names (given, family, full, nicknames, misspelt variants as written), dates of birth
        in several formats, phones in every format :func:`phone_formats` knows, postcodes with
        and without the space, addresses, e-mails, handles, NHS numbers.

        Strings shorter than ``min_length`` are left out: "Li" or "Mo" would match random
        ciphertext bytes. With ``vocabulary_safe`` (the default), so are strings that occur,
        in any case, inside the fixed text the simulator writes next to them: a byte scan
        cannot tell the family name "Tran" from "online_contact_with_strangers", or a typo
        "Nfor" from "information". The same person's longer strings (full name, phone, DOB)
        stay in the list; pass ``vocabulary_safe=False`` for everything.
        """
        found: set[str] = set(self.unlisted_values)
        for child in self.truth.children:
            found.update(
                (
                    child.given_name,
                    child.family_name,
                    child.nhs_number,
                    f"{child.given_name} {child.family_name}",
                    *child.nicknames,
                    *child.emails,
                )
            )
            found.update(_date_formats(child.date_of_birth))
            for residence in child.residences:
                found.update(_postcode_forms(residence.postcode))
                found.update((residence.address, residence.address.split(",")[0]))
            for _, number in child.phones:
                found.update(phone_formats(number))
            found.update(h.handle for h in child.handles)  # "@x" contains "x": bare is enough
        for o in self.truth.offenders:
            found.update((o.given_name, o.family_name, f"{o.given_name} {o.family_name}"))
            found.update(_date_formats(o.date_of_birth))
            if o.street_name:
                found.add(o.street_name)
            for number in o.phones:
                found.update(phone_formats(number))
            found.update(h.handle for h in o.handles)
        for _, record in self.reports:
            for person in (record.get("subject") or {}, *record.get("associates", ())):
                _record_pii(person, found)
        strings = sorted(s for s in found if len(s) >= min_length)
        if vocabulary_safe:
            words = _vocabulary(self.config)
            strings = [s for s in strings if len(s) > 40 or s.lower() not in words]
        return tuple(strings)


def _postcode_forms(postcode: str) -> tuple[str, str]:
    return postcode, postcode.replace(" ", "")


def _vocabulary(config: SimulationConfig) -> str:
    """Everything written beside the personal data that does not depend on a person."""
    agencies = [a.agency_id for a in config.agency_table]
    parts = (*narrative_text(), *concern_text(), *record_text(), *agencies)
    return "\n".join(parts).lower()


def _date_formats(day: date) -> tuple[str, ...]:
    return (
        day.isoformat(),
        f"{day:%d/%m/%Y}",
        f"{day.day}/{day.month}/{day.year}",
        f"{day.day} {day:%B %Y}",
        f"{day:%d-%m-%Y}",
        f"{day:%d.%m.%Y}",
        f"{day:%Y%m%d}",
        f"{day:%B} {day.day}, {day.year}",
    )


def _record_pii(person: dict[str, Any], found: set[str]) -> None:
    """What the agency actually wrote, typos and stale values included."""
    found.update(person[f] for f in _PERSON_TEXT if person.get(f))
    found.update(person.get("other_names", ()))
    found.update(person.get("phones", ()))
    found.update(person.get("emails", ()))
    found.update(h["handle"] for h in person.get("handles", ()))
    if person.get("date_of_birth"):
        found.update(_date_formats(date.fromisoformat(person["date_of_birth"])))
    if person.get("given_name") and person.get("family_name"):
        found.add(f"{person['given_name']} {person['family_name']}")


def simulate(config: SimulationConfig | None = None) -> Simulation:
    """Generate a reproducible multi-agency data set with ground truth.

    The cyclic garbage collector is paused while the run builds its ~30 small objects per
    report: the data holds no reference cycles, and full collections over millions of live
    dicts took half the time of a 50,000-report run. It is restored on return.
    """
    paused = gc.isenabled()
    gc.disable()
    try:
        return _simulate(config or SimulationConfig())
    finally:
        if paused:
            gc.enable()


def _simulate(config: SimulationConfig) -> Simulation:
    rng = random.Random(config.seed)  # noqa: S311 - a simulator must be reproducible, not secret
    bank = load_bank()
    population = build_population(rng, config, bank, PhonePool(rng))
    drafts = plan_reports(rng, config, population)
    renderer = Renderer(rng, config, bank, population)
    reports: list[tuple[str, dict[str, Any]]] = []
    truths = []
    for position, draft in enumerate(drafts):
        record, report_truth = renderer.render(draft, position)
        reports.append((draft.agency.agency_id, record))
        truths.append(report_truth)
    networks = tuple(
        OffenderNetwork(n.network_id, n.profile, n.offender_ids, tuple(n.child_ids))
        for n in population.networks
        if n.child_ids
    )
    truth = Truth(tuple(truths), population.children, population.offenders, networks)
    return Simulation(config, reports, truth, tuple(renderer.unlisted))
