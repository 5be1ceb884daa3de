"""No withheld value can be worked out from the published CSV tables.

This test plays the attacker with nothing but the published files and what any reader knows
about them: every row and column adds up to its Total; the weekly and monthly tables count the
same concern reports (weeks add up to months, by the ISO Thursday rule); and the all-reports
and concern-report totals appear in more than one table. It builds its own integer program from
those facts (independently of the engine's keys and relations) and asks, for every ``[c]``,
the smallest and largest value it could hold.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp  # type: ignore[import-untyped]

from threadline.insights.aggregation import Period, Statistics, compile_statistics
from threadline.insights.observations import Observation
from threadline.insights.release import write_release
from threadline.insights.report_html import WITHHELD

Cell = tuple[str, int, int]  # table, row index, column index (the Total line included)


@dataclass
class Published:
    """The CSV tables as an attacker reads them: labels, and a value or None per cell."""

    tables: dict[str, tuple[list[str], list[str], list[list[int | None]]]]

    @classmethod
    def read(cls, folder: Path) -> Published:
        tables = {}
        for path in sorted((folder / "tables").glob("*.csv")):
            with path.open(encoding="utf-8") as handle:
                header, *body = list(csv.reader(handle))
            values = [[None if v == WITHHELD else int(v) for v in row[1:]] for row in body]
            tables[path.stem] = ([row[0] for row in body], header[1:], values)
        return cls(tables)

    def cells(self) -> Iterator[tuple[Cell, int | None]]:
        for name, (_, _, values) in self.tables.items():
            for i, row in enumerate(values):
                for j, value in enumerate(row):
                    yield (name, i, j), value

    def equations(self) -> list[tuple[Cell, list[Cell]]]:
        """(total, parts) facts: every line adds up, plus the links between tables."""
        facts: list[tuple[Cell, list[Cell]]] = []
        for name, (rows, cols, _) in self.tables.items():
            last_row, last_col = len(rows) - 1, len(cols) - 1
            for i in range(len(rows)):
                facts.append(((name, i, last_col), [(name, i, j) for j in range(last_col)]))
            for j in range(len(cols)):
                facts.append(((name, last_row, j), [(name, i, j) for i in range(last_row)]))
        weeks, _, _ = self.tables["reports_by_week"]
        months, _, _ = self.tables["stage_by_month"]
        by_month: dict[str, list[Cell]] = {}
        for i, week in enumerate(weeks[:-1]):
            year, number = week.split("-W")
            thursday = date.fromisocalendar(int(year), int(number), 4)
            by_month.setdefault(f"{thursday:%Y-%m}", []).append(("reports_by_week", i, 0))
        stage_cols = len(self.tables["stage_by_month"][1]) - 1
        for i, month in enumerate(months[:-1]):
            facts.append((("stage_by_month", i, stage_cols), by_month[month]))
        week_total = (len(weeks) - 1, 2)
        overlap_total = (len(self.tables["overlap_by_agency_type"][0]) - 1, 2)
        # the same number shown twice is a one-part sum
        facts.append(
            (
                ("stage_by_month", len(months) - 1, stage_cols),
                [("reports_by_week", week_total[0], 0)],
            )
        )
        facts.append(
            (("overlap_by_agency_type", *overlap_total), [("reports_by_week", *week_total)])
        )
        return facts

    def attacker_ranges(self, nonzero: set[Cell]) -> dict[Cell, tuple[float, float]]:
        """Ranges for an attacker who also knows which withheld cells are not zero."""
        known = dict(self.cells())
        hidden = sorted(c for c, v in known.items() if v is None)
        index = {c: n for n, c in enumerate(hidden)}
        rows, rhs = [], []
        for total, parts in self.equations():
            row, constant = np.zeros(len(hidden)), 0.0
            for cell, sign in [(total, 1.0), *((p, -1.0) for p in parts)]:
                if cell in index:
                    row[index[cell]] += sign
                else:
                    constant -= sign * known[cell]  # type: ignore[operator]
            if row.any():
                rows.append(row)
                rhs.append(constant)
            else:
                assert constant == 0, f"published numbers contradict {total}"
        matrix, bound = np.array(rows), np.array(rhs)
        floor = np.array([1.0 if c in nonzero else 0.0 for c in hidden])

        def solve(objective: np.ndarray) -> float:
            result = milp(
                objective,
                constraints=LinearConstraint(matrix, bound, bound),
                integrality=np.ones(len(hidden)),
                bounds=Bounds(floor, np.inf),
            )
            return float(result.fun) if result.status == 0 else -math.inf

        ranges = {}
        for cell, n in index.items():
            unit = np.zeros(len(hidden))
            unit[n] = 1
            ranges[cell] = (solve(unit), -solve(-unit))
        return ranges


def true_value(stats: Statistics, cell: Cell) -> int:
    name, i, j = cell
    return stats.workbook.table(name).value(i, j)


def release(stats: Statistics, folder: Path) -> Published:
    write_release(stats, folder, made_on=date(2026, 1, 1))
    return Published.read(folder)


@pytest.mark.parametrize(
    ("start", "end", "threshold"),
    [
        (date(2025, 3, 1), date(2025, 10, 31), 5),  # the whole simulation
        (date(2025, 3, 3), date(2025, 3, 16), 5),  # two weeks: mostly withheld
        pytest.param(date(2025, 4, 1), date(2025, 6, 30), 5, marks=pytest.mark.slow),  # sparse
        pytest.param(date(2025, 5, 1), date(2025, 7, 31), 10, marks=pytest.mark.slow),  # strict
    ],
)
def test_no_withheld_cell_can_be_worked_out_from_the_published_tables(
    simulated: list[Observation], tmp_path: Path, start: date, end: date, threshold: int
) -> None:
    stats = compile_statistics(simulated, Period(start, end), threshold=threshold)
    published = release(stats, tmp_path)
    assert set(published.tables) == {t.name for t in stats.workbook.tables}
    withheld = 0
    for cell, value in published.cells():
        if value is not None:
            assert value == 0 or value >= threshold, f"{cell} published a small count"
            assert value == true_value(stats, cell)
    nonzero = {c for c, v in published.cells() if v is None and true_value(stats, c) > 0}
    for cell, (low, high) in published.attacker_ranges(nonzero).items():
        truth = true_value(stats, cell)
        assert low <= truth <= high, cell
        assert high - low >= 1, f"{cell} can be worked out exactly: {truth}"
        if 0 < truth < threshold:
            assert high - low >= threshold - 1, f"{cell} ({truth}) narrowed to {low}..{high}"
        withheld += 1
    assert withheld == sum(1 for _, v in published.cells() if v is None)


def test_the_attackers_model_holds_for_the_true_numbers(statistics: Statistics) -> None:
    """Guard against a vacuous proof: the facts the attacker uses are true of the real counts."""
    equations = Published(
        {
            t.name: (
                [t.row_code(i) for i in range(t.shape[0])],
                [t.col_code(j) for j in range(t.shape[1])],
                [[t.value(i, j) for j in range(t.shape[1])] for i in range(t.shape[0])],
            )
            for t in statistics.workbook.tables
        }
    ).equations()
    for total, parts in equations:
        assert true_value(statistics, total) == sum(true_value(statistics, p) for p in parts)
    assert len(equations) > 100
