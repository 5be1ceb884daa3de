"""Who reports what about whom, and when: the plan, before any record is written.

Planning first and writing second keeps each concern separate and the output in time order.
Reports per child are heavily skewed (lognormal weights: most children appear once to three
times, a few dozen times); the event mix is hit on average but shaped per child: missing
episodes repeat for children who go missing, updates and withdrawals always amend an earlier
report by the same agency, and the stage of exploitation only moves forward.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import accumulate

from threadline.simulate.concern import PROFILES
from threadline.simulate.config import Agency, AgencyKind, SimulationConfig
from threadline.simulate.namebank import Weighted
from threadline.simulate.population import Child, Population

__all__ = ["Draft", "plan_reports"]

_MISSING_REPORTERS = {
    AgencyKind.POLICE: 6,
    AgencyKind.SOCIAL_CARE: 2,
    AgencyKind.CHARITY: 1,
    AgencyKind.YOUTH_JUSTICE: 0.5,
}
_ORIGINALS = ("concern_raised", "referral_made", "missing_episode")


@dataclass(slots=True)
class Draft:
    """A report to write: subject, author, event and time; ids are given after sorting."""

    child: Child
    agency: Agency
    event_type: str
    at: datetime
    stage: int  # 0-3 along targeting -> control, -1 unknown
    amends: Draft | None = None
    order: int = 0
    report_id: str = ""
    withdrawn: bool = field(default=False, repr=False)


def _reporters(agencies: tuple[Agency, ...], weights: dict[AgencyKind, float]) -> Weighted[Agency]:
    return Weighted.of([(a, weights.get(a.kind, 0.2)) for a in agencies])


def _allocate(
    rng: random.Random, config: SimulationConfig, children: tuple[Child, ...]
) -> list[int]:
    """Every child at least once; the rest by lognormal weight (networked children weigh more)."""
    weights = [
        rng.lognormvariate(0, config.report_skew) * (1.5 if c.network_id else 1.0) for c in children
    ]
    counts = [1] * len(children)
    cumulative = list(accumulate(weights))
    for i in rng.choices(
        range(len(children)), cum_weights=cumulative, k=config.reports - len(children)
    ):
        counts[i] += 1
    return counts


def _rates(
    config: SimulationConfig, counts: list[int], children: tuple[Child, ...]
) -> tuple[float, float, float, float, float]:
    """Per-slot probabilities that make the totals match the configured mix on average."""
    mix = config.events
    total_share = (
        mix.concern_raised
        + mix.referral_made
        + mix.missing_episode
        + mix.report_updated
        + mix.report_withdrawn
    )
    later = sum(counts) - len(counts)
    prone_later = sum(n - 1 for n, c in zip(counts, children, strict=True) if c.missing_prone)
    missing = config.reports * mix.missing_episode / total_share
    p_prone = min(0.9, missing / prone_later) if prone_later else 0.0
    rest = later - prone_later
    p_other = min(0.9, max(0.0, missing - p_prone * prone_later) / rest) if rest else 0.0
    slots = max(1, later)  # the roll is shared, so these are absolute per-slot probabilities
    p_update = min(0.5, config.reports * mix.report_updated / total_share / slots)
    p_withdraw = min(0.2, config.reports * mix.report_withdrawn / total_share / slots)
    referral = mix.referral_made / ((mix.concern_raised + mix.referral_made) or 1.0)
    return p_prone, p_other, p_update, p_withdraw, referral


def plan_reports(
    rng: random.Random, config: SimulationConfig, population: Population
) -> list[Draft]:
    """All drafts, sorted by time (ties broken by creation order, so output is stable)."""
    agencies = config.agency_table
    start, span = config.start, timedelta(days=config.days)
    end = start + span
    by_profile = {name: _reporters(agencies, p.reporters) for name, p in PROFILES.items()}
    missing_by = _reporters(agencies, _MISSING_REPORTERS)
    counts = _allocate(rng, config, population.children)
    p_prone, p_other, p_update, p_withdraw, referral = _rates(config, counts, population.children)
    drafts: list[Draft] = []
    for child, count in zip(population.children, counts, strict=True):
        first = start + span * rng.uniform(0, 0.85)
        times = sorted([first] + [first + (end - first) * rng.random() for _ in range(count - 1)])
        base, climb = rng.choice((0, 0, 1, 1, 2)), rng.randint(0, 3)
        mine: list[Draft] = []
        for i, slot in enumerate(times):
            when = slot
            stage = min(3, base + (climb * i) // max(1, count - 1))
            if rng.random() < 0.08:
                stage = -1
            roll = rng.random()
            p_missing = p_prone if child.missing_prone else p_other
            targets = [d for d in mine if d.event_type in _ORIGINALS and not d.withdrawn]
            amends, event = None, "referral_made" if rng.random() < referral else "concern_raised"
            if i and roll < p_missing:
                event = "missing_episode"
            elif i and targets and roll < p_missing + p_update:
                event, amends = "report_updated", rng.choice(targets)
            elif i and targets and roll < p_missing + p_update + p_withdraw:
                event, amends = "report_withdrawn", rng.choice(targets)
                amends.withdrawn = True
            if amends is not None:
                gap = min(timedelta(hours=rng.uniform(2, 336)), (end - amends.at) / 2)
                when, agency, stage = amends.at + gap, amends.agency, amends.stage
            elif event == "missing_episode":
                agency = missing_by.pick(rng)
            else:
                agency = by_profile[child.profile].pick(rng)
            mine.append(Draft(child, agency, event, when, stage, amends, order=len(drafts) + i))
        drafts += mine
    drafts.sort(key=lambda d: (d.at, d.order))
    return drafts
