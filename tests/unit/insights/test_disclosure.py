"""The suppression engine: primary rule, secondary choice, and audits checked by brute force.

The engine's audit solves integer programs; here the same ranges are found by enumerating every
whole-number completion of small tables, so the proof does not rest on the solver alone.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence

import pytest

from threadline.insights.disclosure import Key, Protection, Relation, feasible_ranges, protect
from threadline.insights.tables import CrossTab, Workbook


def workbook(*grids: Sequence[Sequence[int]], links: Sequence[Relation] = ()) -> Workbook:
    tables = tuple(
        CrossTab(
            name=f"t{n}",
            title=f"table {n}",
            row_label="row",
            col_label="col",
            rows=tuple(f"r{i}" for i in range(len(grid))),
            cols=tuple(f"c{j}" for j in range(len(grid[0]))),
            counts=tuple(tuple(row) for row in grid),
        )
        for n, grid in enumerate(grids)
    )
    return Workbook(tables, tuple(links))


def protected(book: Workbook, threshold: int) -> Protection:
    return protect(
        book.values(),
        book.relations(),
        threshold=threshold,
        candidates=book.candidates,
        cost=book.cost,
    )


def enumerate_ranges(
    values: Mapping[Key, int], relations: Sequence[Relation], hidden: frozenset[Key], cap: int
) -> dict[Key, tuple[float, float]]:
    """Every whole-number assignment of the hidden keys that satisfies every relation, by
    depth-first search with pruning; each key runs from 0 (1 when its true value is not zero,
    which the audit grants the attacker) to ``cap``; a maximum that moves when ``cap`` does
    is unbounded."""
    first = _enumerate(values, relations, hidden, cap)
    second = _enumerate(values, relations, hidden, cap + 3)
    return {
        k: (low, high if second[k][1] == high else math.inf) for k, (low, high) in first.items()
    }


def _enumerate(
    values: Mapping[Key, int], relations: Sequence[Relation], hidden: frozenset[Key], cap: int
) -> dict[Key, tuple[float, float]]:
    order = sorted(hidden)
    low = dict.fromkeys(order, math.inf)
    high = dict.fromkeys(order, -math.inf)
    touching = {k: [r for r in relations if k == r.total or k in r.parts] for k in order}

    published = {k: v for k, v in values.items() if k not in hidden}

    def consistent(assigned: dict[Key, int], key: Key) -> bool:
        known = published | assigned
        for relation in touching[key]:
            parts = [known.get(p) for p in relation.parts]
            total = known.get(relation.total)
            done = sum(p for p in parts if p is not None)
            if total is not None and done > total:
                return False
            if total is not None and None not in parts and done != total:
                return False
        return True

    def search(n: int, assigned: dict[Key, int]) -> None:
        if n == len(order):
            for key, value in assigned.items():
                low[key], high[key] = min(low[key], value), max(high[key], value)
            return
        key = order[n]
        for value in range(1 if values[key] else 0, cap + 1):
            assigned[key] = value
            if consistent(assigned, key):
                search(n + 1, assigned)
            del assigned[key]

    search(0, {})
    return {k: (low[k], high[k]) for k in order}


def test_the_primary_rule_withholds_one_to_threshold_minus_one_and_shows_zeros() -> None:
    book = workbook([[0, 1, 4, 5], [7, 9, 12, 30]])
    result = protected(book, threshold=5)
    primary_values = sorted(book.values()[k] for k in result.primary)
    assert primary_values == [1, 4]
    assert ("t0", "r0", "c0") not in result.suppressed  # a zero stays published
    assert all(book.values()[k] >= 5 or book.values()[k] == 0 for k in result.secondary)


def test_one_small_cell_takes_a_rectangle_with_it() -> None:
    book = workbook([[1, 10], [8, 20]])
    result = protected(book, threshold=5)
    assert result.suppressed == {("t0", f"r{i}", f"c{j}") for i in range(2) for j in range(2)}
    assert result.ranges[("t0", "r0", "c0")] == (1, 8)  # every other cell is at least 1


@pytest.mark.slow
def test_every_withheld_cell_is_hidden_and_the_audit_matches_brute_force() -> None:
    rng = random.Random(20251125)
    checked = 0
    for _ in range(120):
        rows, cols = rng.choice([(2, 2), (2, 3), (3, 2), (3, 3)])
        grid = [[rng.choice([0, 1, 1, 2, 3, 4, 5, 6, 9]) for _ in range(cols)] for _ in range(rows)]
        book = workbook(grid)
        result = protected(book, threshold=3)
        hidden = frozenset(result.suppressed)
        if not hidden or len(hidden) > 9:
            continue
        exact = enumerate_ranges(
            book.values(), book.relations(), hidden, cap=sum(map(sum, grid)) + 4
        )
        assert exact == result.ranges, grid
        for key, (low, high) in exact.items():
            assert high - low >= (2 if key in result.primary else 1), (grid, key)
        checked += 1
    assert checked > 40


def test_a_link_between_tables_is_part_of_the_audit() -> None:
    """A fact across tables (table 1's first cell is the sum of two diagonal cells of table 0)
    pins the usual rectangle, so protecting table 0's small cell takes more than the four
    interior cells (here: its column totals), and brute force agrees the result holds."""
    first = [[2, 10], [9, 12]]
    second = [[14, 30], [6, 7]]
    link = Relation(("t1", "r0", "c0"), (("t0", "r0", "c0"), ("t0", "r1", "c1")))
    book = workbook(first, second, links=[link])
    result = protected(book, threshold=5)
    hidden = frozenset(result.suppressed)
    rectangle = {("t0", f"r{i}", f"c{j}") for i in range(2) for j in range(2)}
    assert feasible_ranges(book.values(), book.relations(), rectangle)[("t0", "r0", "c0")] == (2, 2)
    assert hidden > rectangle
    exact = enumerate_ranges(book.values(), book.relations(), hidden, cap=90)
    assert exact == result.ranges
    low, high = exact[("t0", "r0", "c0")]
    assert high - low >= 4


def test_hidden_totals_leave_a_range_unbounded() -> None:
    book = workbook([[1, 10], [8, 20]])
    rows = {("t0", "r0", "c0"), ("t0", "r0", "TOTAL"), ("t0", "TOTAL", "c0")}
    ranges = feasible_ranges(book.values(), book.relations(), rows | {("t0", "TOTAL", "TOTAL")})
    assert ranges[("t0", "r0", "c0")] == (1, math.inf)


def test_a_table_of_only_small_counts_is_withheld_entirely() -> None:
    book = workbook([[1, 2], [1, 0]])
    result = protected(book, threshold=5)
    published = [k for k in book.values() if k not in result.suppressed]
    assert all(book.values()[k] == 0 for k in published)


@pytest.mark.parametrize("threshold", [3, 5, 10])
def test_the_required_range_follows_the_threshold(threshold: int) -> None:
    rng = random.Random(threshold)
    grid = [[rng.randint(0, 3 * threshold) for _ in range(5)] for _ in range(6)]
    result = protected(workbook(grid), threshold=threshold)
    assert result.min_range == threshold - 1
    for key in result.primary:
        low, high = result.ranges[key]
        assert high - low >= threshold - 1
