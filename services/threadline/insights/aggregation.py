"""From observations to the protected tables of a statistics release.

Why these seven tables: they answer the questions in the issue and in the research behind the
project, each as a two-way count a policy reader can check against its totals: which platforms
appear at which stage of exploitation, for which kinds of exploitation and in which role; how
common each warning sign is, by age; how often a child was already known to another agency; and
how reports move week by week and month by month. Platform, stage and warning-sign tables count
*concern reports* (concerns raised and referrals); the weekly and agency tables count every
report, missing episodes included.

Rare platforms are folded into "Other platforms" before anything is counted, because a platform
named by fewer than ``threshold`` reports would be a row of suppressed cells anyway, and one
recode shared by the three platform tables keeps them consistent with each other.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property

from threadline.errors import ValidationError
from threadline.insights.agencies import AGENCY_TYPES
from threadline.insights.disclosure import Key, Protection, protect
from threadline.insights.observations import Observation, ObservationKind, iso_week, week_month
from threadline.insights.tables import CrossTab, Workbook, hierarchy
from threadline.insights.vocabulary import AGE_BANDS, OTHER_PLATFORM, stages

__all__ = [
    "ALL_REPORTS",
    "CONCERN_REPORTS",
    "Period",
    "Statistics",
    "build_workbook",
    "compile_statistics",
]

ALL_REPORTS: Key = ("reports", "all")
CONCERN_REPORTS: Key = ("reports", "concern")
UNKNOWN_AGE = "UNKNOWN_AGE"


def _concern_week(week: str) -> Key:
    return ("reports", "concern", "week", week)


def _concern_month(month: str) -> Key:
    return ("reports", "concern", "month", month)


@dataclass(frozen=True)
class Period:
    """The ISO weeks whose Thursday falls between ``start`` and ``end`` (both included).

    The Thursday rule is how ISO 8601 assigns a week to a year, and :func:`week_month` assigns
    it to a month the same way, so a period from the first to the last day of some months holds
    exactly those months' weeks and nothing of the months either side.
    """

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.start > self.end:
            raise ValidationError("the period ends before it starts (--from is after --to)")
        if not self.weeks:
            raise ValidationError(
                "the period holds no ISO week: a week counts when its Thursday falls inside "
                "the period, so choose a period of at least a week"
            )

    @cached_property
    def weeks(self) -> tuple[str, ...]:
        thursday = self.start + timedelta(days=(3 - self.start.weekday()) % 7)
        found: list[str] = []
        while thursday <= self.end:
            found.append(iso_week(thursday))
            thursday += timedelta(days=7)
        return tuple(found)

    @property
    def months(self) -> tuple[str, ...]:
        return tuple(sorted({week_month(w) for w in self.weeks}))

    def contains(self, week: str) -> bool:
        return self.weeks[0] <= week <= self.weeks[-1]


@dataclass(frozen=True)
class Statistics:
    """A workbook, its protection, and the period and threshold they were made for."""

    period: Period
    threshold: int
    workbook: Workbook
    protection: Protection

    def cell(self, table: CrossTab, i: int, j: int) -> int | None:
        """The published value at ``(i, j)``, or ``None`` where it is withheld."""
        return self.protection.published(table.key(i, j), table.value(i, j))

    def publishable(self, table: CrossTab) -> bool:
        """Whether any non-zero cell inside the table survives suppression."""
        return any(
            not table.is_margin(i, j) and (self.cell(table, i, j) or 0) > 0
            for i, j in table.positions()
        )

    @property
    def anything_published(self) -> bool:
        """Whether any table has a non-zero cell to show; if not, the release says so."""
        return any(self.publishable(t) for t in self.workbook.tables)


def compile_statistics(
    observations: Iterable[Observation], period: Period, *, threshold: int = 5
) -> Statistics:
    """Count, then protect: the whole pipeline from observations to publishable numbers."""
    if threshold < 3:
        raise ValidationError("the suppression threshold must be at least 3")
    workbook = build_workbook(observations, period, threshold=threshold)
    protection = protect(
        workbook.values(),
        workbook.relations(),
        threshold=threshold,
        candidates=workbook.candidates,
        cost=workbook.cost,
    )
    return Statistics(period, threshold, workbook, protection)


def build_workbook(
    observations: Iterable[Observation], period: Period, *, threshold: int
) -> Workbook:
    """The seven tables for ``period`` (unprotected counts)."""
    every = [o for o in observations if period.contains(o.week)]
    concerns = [o for o in every if o.kind is not ObservationKind.MISSING_EPISODE]
    recode = _platform_recode(concerns, threshold)

    def used(o: Observation) -> dict[str, set[str]]:
        roles: dict[str, set[str]] = {}
        for name, played in o.platforms:
            roles.setdefault(recode[name], set()).update(played)
        return roles

    platform_rows = _ordered(Counter(p for o in concerns for p in used(o)), last=OTHER_PLATFORM)
    weeks, months = period.weeks, period.months
    sign_rows = _ordered(Counter(s for o in concerns for s in o.warning_signs), last="OTHER")
    kinds = ("CONCERN_OR_REFERRAL", "MISSING_EPISODE")
    present = {o.agency_type for o in every}
    tables = (
        _crosstab(
            "platform_by_stage",
            "Platforms by stage of exploitation",
            "Platform",
            "Stage",
            platform_rows,
            stages(),
            ((p, o.stage) for o in concerns for p in used(o)),
            note="Concern reports naming each platform, by the stage the report describes.",
        ),
        _crosstab(
            "platform_by_exploitation",
            "Platforms by type of exploitation",
            "Platform",
            "Exploitation type",
            platform_rows,
            _ordered(Counter(t for o in concerns for t in o.exploitation_types), last="OTHER"),
            ((p, t) for o in concerns for p in used(o) for t in o.exploitation_types),
            note="A report naming several types counts once under each; totals are mentions.",
        ),
        _crosstab(
            "platform_by_role",
            "What each platform was used for",
            "Platform",
            "Role",
            platform_rows,
            _ordered(Counter(r for o in concerns for rs in used(o).values() for r in rs), "OTHER"),
            ((p, r) for o in concerns for p, rs in used(o).items() for r in rs),
            note="A platform with several roles in one report counts once under each role.",
        ),
        _crosstab(
            "warning_signs_by_age_band",
            "Warning signs by age band",
            "Warning sign",
            "Age band",
            sign_rows,
            (*AGE_BANDS, UNKNOWN_AGE),
            ((s, o.age_band or UNKNOWN_AGE) for o in concerns for s in o.warning_signs),
            note="Row totals are concern reports showing the sign; column totals are mentions.",
        ),
        _crosstab(
            "stage_by_month",
            "Concern reports by month and stage",
            "Month",
            "Stage",
            months,
            stages(),
            ((o.month, o.stage) for o in concerns),
            note="Months hold the ISO weeks whose Thursday falls in them.",
            shared={(len(months), len(stages())): CONCERN_REPORTS}
            | {(i, len(stages())): _concern_month(m) for i, m in enumerate(months)},
        ),
        _crosstab(
            "reports_by_week",
            "Reports by week",
            "ISO week",
            "Kind of report",
            weeks,
            kinds,
            ((o.week, kinds[o.kind is ObservationKind.MISSING_EPISODE]) for o in every),
            note="Weeks of the date the reported events happened (occurred_at).",
            shared={(len(weeks), 0): CONCERN_REPORTS, (len(weeks), 2): ALL_REPORTS}
            | {(i, 0): _concern_week(w) for i, w in enumerate(weeks)},
        ),
        _crosstab(
            "overlap_by_agency_type",
            "Children already known to another agency",
            "Reporting agency type",
            "Subject",
            tuple(a for a in AGENCY_TYPES if a in present),
            ("KNOWN", "NOT_KNOWN"),
            ((o.agency_type, "KNOWN" if o.known_to_other_agencies else "NOT_KNOWN") for o in every),
            note="Whether the correlator had already linked the child to another agency's report.",
            shared={(len(present), 2): ALL_REPORTS},
        ),
    )
    links = hierarchy(
        {m: _concern_month(m) for m in months}, [(week_month(w), _concern_week(w)) for w in weeks]
    )
    return Workbook(tables, tuple(links))


def _crosstab(
    name: str,
    title: str,
    row_label: str,
    col_label: str,
    rows: tuple[str, ...],
    cols: tuple[str, ...],
    pairs: Iterable[tuple[str, str]],
    *,
    note: str,
    shared: Mapping[tuple[int, int], Key] | None = None,
) -> CrossTab:
    counted = Counter(pairs)
    return CrossTab(
        name=name,
        title=title,
        row_label=row_label,
        col_label=col_label,
        rows=rows,
        cols=cols,
        counts=tuple(tuple(counted[(r, c)] for c in cols) for r in rows),
        note=note,
        shared=dict(shared or {}),
    )


def _platform_recode(concerns: list[Observation], threshold: int) -> dict[str, str]:
    reports = Counter(p for o in concerns for p in set(o.platform_names))
    return {p: p if n >= threshold else OTHER_PLATFORM for p, n in reports.items()}


def _ordered(counts: Counter[str], last: str) -> tuple[str, ...]:
    """Most frequent first, ties by name, the catch-all category at the end."""
    ranked = sorted((c for c in counts if c != last), key=lambda c: (-counts[c], c))
    return (*ranked, last) if last in counts else tuple(ranked)
