"""The seven tables: what each counts, how they agree with each other, and the period rules."""

from __future__ import annotations

from datetime import date

import pytest

from threadline.errors import ValidationError
from threadline.insights.aggregation import (
    ALL_REPORTS,
    CONCERN_REPORTS,
    Period,
    Statistics,
    build_workbook,
    compile_statistics,
)
from threadline.insights.observations import Observation, ObservationKind
from threadline.insights.vocabulary import stages

from .conftest import SIMULATED_PERIOD


def obs(week: str = "2025-W10", **fields: object) -> Observation:
    record = {"week": week, "kind": "CONCERN", "agency_type": "police", "region": "london"}
    return Observation.from_record({**record, **fields})


def test_the_thursday_rule_makes_months_whole() -> None:
    period = Period(date(2025, 3, 1), date(2025, 5, 31))
    assert period.weeks[0] == "2025-W10"  # 2025-W09's Thursday is 27 February
    assert period.weeks[-1] == "2025-W22"  # 2025-W22's Thursday is 29 May
    assert period.months == ("2025-03", "2025-04", "2025-05")
    assert period.contains("2025-W15") and not period.contains("2025-W09")


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (date(2025, 3, 9), date(2025, 3, 1), "ends before it starts"),
        (date(2025, 3, 7), date(2025, 3, 9), "holds no ISO week"),  # Friday to Sunday
    ],
)
def test_empty_periods_are_refused(start: date, end: date, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Period(start, end)


def test_thresholds_below_three_are_refused(simulated: list[Observation]) -> None:
    with pytest.raises(ValidationError, match="at least 3"):
        compile_statistics(simulated, SIMULATED_PERIOD, threshold=2)


def test_tables_agree_on_every_shared_number(statistics: Statistics) -> None:
    book = statistics.workbook
    values = book.values()  # raises if a shared key had two values
    week, month = book.table("reports_by_week"), book.table("stage_by_month")
    overlap = book.table("overlap_by_agency_type")
    assert (
        values[ALL_REPORTS] == week.value(len(week.rows), 2) == overlap.value(len(overlap.rows), 2)
    )
    assert values[CONCERN_REPORTS] == week.value(len(week.rows), 0)
    assert values[CONCERN_REPORTS] == month.value(len(month.rows), len(month.cols))


def test_counts_match_the_observations(
    simulated: list[Observation], statistics: Statistics
) -> None:
    inside = [o for o in simulated if SIMULATED_PERIOD.contains(o.week)]
    concerns = [o for o in inside if o.kind is not ObservationKind.MISSING_EPISODE]
    values = statistics.workbook.values()
    assert values[ALL_REPORTS] == len(inside) > 1000
    assert values[CONCERN_REPORTS] == len(concerns)
    stage = statistics.workbook.table("platform_by_stage")
    snapchat = stage.rows.index("snapchat")
    assert stage.value(snapchat, len(stage.cols)) == sum(
        1 for o in concerns if "snapchat" in o.platform_names
    )
    signs = statistics.workbook.table("warning_signs_by_age_band")
    missing = signs.rows.index("GOING_MISSING")
    assert signs.value(missing, len(signs.cols)) == sum(
        1 for o in concerns if "GOING_MISSING" in o.warning_signs
    )


def test_missing_episodes_stay_out_of_platform_stage_and_sign_tables() -> None:
    missing = obs(kind="MISSING_EPISODE", warning_signs=["GOING_MISSING"])
    book = build_workbook([missing] * 7, SIMULATED_PERIOD, threshold=5)
    assert book.table("warning_signs_by_age_band").rows == ()
    assert book.values()[CONCERN_REPORTS] == 0
    assert book.values()[ALL_REPORTS] == 7


def test_rare_platforms_are_folded_into_other_in_every_platform_table() -> None:
    common = [obs(platforms={"snapchat": ["GROOMING"]}) for _ in range(6)]
    rare = [obs(platforms={"kick": ["FIRST_CONTACT"], "twitch": ["CONTROL"]}) for _ in range(2)]
    book = build_workbook(common + rare, SIMULATED_PERIOD, threshold=5)
    for name in ("platform_by_stage", "platform_by_exploitation", "platform_by_role"):
        assert book.table(name).rows in {("snapchat", "other"), ("snapchat",)}
    stage = book.table("platform_by_stage")
    assert stage.value(1, len(stage.cols)) == 2  # one report naming two rare platforms counts once


def test_observations_outside_the_period_are_ignored() -> None:
    book = build_workbook([obs("2024-W10"), obs("2025-W10")], SIMULATED_PERIOD, threshold=5)
    assert book.values()[ALL_REPORTS] == 1


def test_stage_columns_are_always_complete(statistics: Statistics) -> None:
    assert statistics.workbook.table("platform_by_stage").cols == stages()
    months = statistics.workbook.table("stage_by_month").rows
    assert months == SIMULATED_PERIOD.months == tuple(f"2025-{m:02d}" for m in range(3, 11))


def test_an_empty_period_publishes_nothing_and_too_few_reports_publish_nothing() -> None:
    assert not compile_statistics([], SIMULATED_PERIOD).anything_published
    few = [obs(platforms={"snapchat": ["GROOMING"]}, stage="CONTROL") for _ in range(4)]
    assert not compile_statistics(few, SIMULATED_PERIOD).anything_published
