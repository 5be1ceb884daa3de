"""The words of a statistics release: sections, key findings and the method, in one place.

Why separate from layout: the HTML and the PDF say the same things, and what they say about a
number must come from the *published* value (never the raw count), so the sentences are built
once here from :class:`Statistics` and both renderers only lay them out. A finding whose numbers
are withheld is left out rather than reworded around a gap.
"""

from __future__ import annotations

from dataclasses import dataclass

from threadline.insights.aggregation import ALL_REPORTS, CONCERN_REPORTS, Statistics
from threadline.insights.tables import CrossTab
from threadline.insights.vocabulary import OTHER_PLATFORM, label, platform_label

__all__ = [
    "NOTHING_PUBLISHED",
    "NO_FINDINGS",
    "SECTIONS",
    "TOO_FEW_FOR_CHART",
    "Section",
    "key_findings",
    "method_paragraphs",
    "period_label",
]

NO_FINDINGS = (
    "Too few reports in this period for headline figures: each would risk identifying a child."
)
TOO_FEW_FOR_CHART = "Too few reports to show this breakdown without risking identifying a child."
NOTHING_PUBLISHED = (
    "Nothing can be published for this period. Fewer than {threshold} reports, or too few in "
    "every breakdown, fall in it: any figure would risk identifying a child. Choose a longer "
    "period."
)


@dataclass(frozen=True, slots=True)
class Section:
    """One chart with its table: the question it answers and how to read it."""

    heading: str
    chart: str
    table: str
    lead: str


SECTIONS = (
    Section(
        "Platforms and the stages of exploitation",
        "platform_by_stage",
        "platform_by_stage",
        "Each row is a platform; the colour shows where that platform's concern reports sit on "
        "the path from targeting to control. Darker cells hold a larger share of the row.",
    ),
    Section(
        "Platforms and kinds of exploitation",
        "platform_by_exploitation",
        "platform_by_exploitation",
        "Which kinds of exploitation agencies suspected when each platform was involved.",
    ),
    Section(
        "What each platform was used for",
        "platform_by_role",
        "platform_by_role",
        "The part a platform played: where the child was first contacted, groomed, coerced, "
        "controlled, advertised or paid.",
    ),
    Section(
        "Warning signs",
        "warning_signs",
        "warning_signs_by_age_band",
        "The share of concern reports recording each warning sign. The accompanying table "
        "breaks each sign down by the child's age band.",
    ),
    Section(
        "Children already known to another agency",
        "overlap",
        "overlap_by_agency_type",
        "How often a report was about a child another agency had already reported: the "
        "fragments threadline exists to bring together.",
    ),
    Section(
        "Trend by week",
        "weekly_trend",
        "reports_by_week",
        "All reports, and the missing episodes among them, by the ISO week in which the "
        "reported events happened.",
    ),
    Section(
        "Stages over time",
        "stage_trend",
        "stage_by_month",
        "Concern reports by month and stage of exploitation.",
    ),
)


def period_label(stats: Statistics) -> str:
    weeks = stats.period.weeks
    first, last = stats.period.start, stats.period.end
    return f"{first:%-d %B %Y} to {last:%-d %B %Y} (ISO weeks {weeks[0]} to {weeks[-1]})"


def _published(stats: Statistics, key: tuple[str, ...]) -> int | None:
    return stats.protection.published(key, stats.workbook.values()[key])


def _pct(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%"


def key_findings(stats: Statistics) -> list[str]:
    """Plain sentences from published numbers only (:data:`NO_FINDINGS` when none can be)."""
    if not stats.anything_published:
        return [NO_FINDINGS]
    everything, concerns = _published(stats, ALL_REPORTS), _published(stats, CONCERN_REPORTS)
    found: list[str] = []
    if everything is not None:
        missing = f", and {everything - concerns:,} missing episodes" if concerns else ""
        concern_text = f" ({concerns:,} concerns or referrals{missing})" if concerns else ""
        found.append(f"{everything:,} reports were shared in the period{concern_text}.")
    if concerns:
        found += _platform_findings(stats, stats.workbook.table("platform_by_stage"), concerns)
        found += _sign_findings(stats, stats.workbook.table("warning_signs_by_age_band"), concerns)
    overlap = stats.workbook.table("overlap_by_agency_type")
    known = stats.cell(overlap, len(overlap.rows), 0)
    if known is not None and everything:
        found.append(
            f"{_pct(known, everything)} of reports were about a child already known to another "
            "agency through threadline."
        )
    return found or [NO_FINDINGS]


def _platform_findings(stats: Statistics, table: CrossTab, concerns: int) -> list[str]:
    cols = len(table.cols)
    totals = [
        (stats.cell(table, i, cols), code)
        for i, code in enumerate(table.rows)
        if code != OTHER_PLATFORM
    ]
    ranked = sorted(((n, c) for n, c in totals if n is not None), reverse=True)
    if not ranked:
        return []
    (top_n, top), sentences = ranked[0], []
    sentences.append(
        f"{platform_label(top)} was the platform named most often, in {_pct(top_n, concerns)} of "
        f"concern reports ({top_n:,})."
    )
    by_stage: dict[str, list[str]] = {}
    for i, code in enumerate(table.rows):
        cells = [(stats.cell(table, i, j), table.cols[j]) for j in range(cols)]
        known = [(n, s) for n, s in cells if n is not None and s != "UNKNOWN"]
        if code != OTHER_PLATFORM and known:
            by_stage.setdefault(max(known)[1], []).append(platform_label(code))
    if len(by_stage) == 1:
        stage = label(next(iter(by_stage))).lower()
        sentences.append(f"For every platform, the stage recorded most often was {stage}.")
    elif by_stage:
        parts = [f"{label(s).lower()} for {', '.join(names)}" for s, names in by_stage.items()]
        sentences.append("The stage recorded most often was " + "; ".join(parts) + ".")
    return sentences


def _sign_findings(stats: Statistics, table: CrossTab, concerns: int) -> list[str]:
    cols = len(table.cols)
    signs = [(stats.cell(table, i, cols), code) for i, code in enumerate(table.rows)]
    ranked = sorted(((n, c) for n, c in signs if n is not None and c != "OTHER"), reverse=True)
    if len(ranked) < 2:
        return []
    (n1, s1), (n2, s2) = ranked[:2]
    return [
        f"The warning sign recorded most often was {label(s1).lower()} "
        f"({_pct(n1, concerns)} of concern reports), then {label(s2).lower()} "
        f"({_pct(n2, concerns)})."
    ]


def method_paragraphs(stats: Statistics) -> list[str]:
    """How the numbers were made and protected, for the back of the report."""
    t = stats.threshold
    return [
        "Source. Each report an agency shares through threadline (a concern, a referral or a "
        "missing episode) becomes one de-identified observation: the ISO week of the events, "
        "the type and region of the reporting agency, the child's age band, the exploitation "
        "types, stage, platforms and their roles, and the warning signs, all as fixed categories, "
        "plus whether the child was already known to another agency. Observations carry no "
        "names, identifiers, dates or free text. Updates and withdrawals are not counted again.",
        f"Disclosure control. Any count from 1 to {t - 1} is withheld and shown as [c] (primary "
        "suppression); zeros are shown. Further cells are then withheld (secondary suppression) "
        "so that no withheld count can be worked out from the totals: for every withheld small "
        "count, the smallest and largest whole numbers it could be, given every published cell, "
        "every row, column and grand total, the weekly-to-monthly totals and the numbers shared "
        f"between tables, were computed exactly by integer programming and span at least {t} "
        "values, even for a reader told which withheld cells are not zero; no withheld cell "
        "can be worked out exactly. Rare platforms (named in fewer than "
        f"{t} concern reports) are grouped as 'Other platforms'.",
        "Reading the tables. A report can name several platforms, exploitation types, roles and "
        "warning signs and counts once under each, so those column totals count mentions, not "
        "reports. Weeks are ISO weeks; a month holds the weeks whose Thursday falls in it.",
        "Limitations. 'Known to another agency' depends on the correlator's linkage, which can "
        "miss a match or, rarely, make a wrong one. A withdrawn report stays counted. Tables "
        "that count different things (roles played versus reports naming a platform) are "
        "related only by inequalities, which the check does not use. Releases "
        "for overlapping periods should not be compared cell by cell: the difference between "
        "two protected releases is not itself protected.",
    ]
