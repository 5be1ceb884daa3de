"""Two-way tables with totals, and the facts that tie them together for the disclosure audit.

Why every table is a two-way count with row, column and grand totals: that is the shape policy
readers know from official statistics, and it makes every published total an exact linear
relation of its cells, which is what :mod:`threadline.insights.disclosure` needs to prove that
suppressed cells stay hidden. Where the same quantity appears in two tables (all reports in the
period; concern reports in a week or a month), both cells carry the same :data:`Key`, so a
number is withheld everywhere or nowhere; the week-to-month hierarchy between the weekly and
monthly tables is declared as extra relations of a :class:`Workbook`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from threadline.insights.disclosure import Key, Relation

__all__ = ["TOTAL", "CrossTab", "Workbook", "hierarchy"]

TOTAL = "TOTAL"
"""Row or column code of a table's totals."""


@dataclass(frozen=True)
class CrossTab:
    """Counts of ``rows`` by ``cols``; index ``len(rows)``/``len(cols)`` is the total line."""

    name: str
    title: str
    row_label: str
    col_label: str
    rows: tuple[str, ...]
    cols: tuple[str, ...]
    counts: tuple[tuple[int, ...], ...]
    note: str = ""
    shared: Mapping[tuple[int, int], Key] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if len(self.counts) != len(self.rows) or any(
            len(row) != len(self.cols) for row in self.counts
        ):
            raise ValueError(f"{self.name}: counts do not match rows x cols")

    @property
    def shape(self) -> tuple[int, int]:
        """``(rows, cols)`` including the total line of each."""
        return len(self.rows) + 1, len(self.cols) + 1

    def value(self, i: int, j: int) -> int:
        """A cell, a row or column total, or the grand total."""
        rows, cols = len(self.rows), len(self.cols)
        if i < rows and j < cols:
            return self.counts[i][j]
        if i < rows:
            return sum(self.counts[i])
        if j < cols:
            return sum(row[j] for row in self.counts)
        return sum(map(sum, self.counts))

    def row_code(self, i: int) -> str:
        return self.rows[i] if i < len(self.rows) else TOTAL

    def col_code(self, j: int) -> str:
        return self.cols[j] if j < len(self.cols) else TOTAL

    def key(self, i: int, j: int) -> Key:
        """The quantity at ``(i, j)``: shared with another table, or local to this one."""
        return self.shared.get((i, j)) or (self.name, self.row_code(i), self.col_code(j))

    def positions(self) -> Iterator[tuple[int, int]]:
        rows, cols = self.shape
        return ((i, j) for i in range(rows) for j in range(cols))

    def is_margin(self, i: int, j: int) -> bool:
        return i == len(self.rows) or j == len(self.cols)

    def relations(self) -> list[Relation]:
        """Each row (total row included) sums to its total, and each column likewise."""
        rows, cols = len(self.rows), len(self.cols)
        across = [
            Relation(self.key(i, cols), tuple(self.key(i, j) for j in range(cols)))
            for i in range(rows + 1)
        ]
        down = [
            Relation(self.key(rows, j), tuple(self.key(i, j) for i in range(rows)))
            for j in range(cols + 1)
        ]
        return across + down


@dataclass(frozen=True)
class Workbook:
    """The tables published together and the facts linking them."""

    tables: tuple[CrossTab, ...]
    links: tuple[Relation, ...] = ()

    def values(self) -> dict[Key, int]:
        """Every quantity by key; a shared key must have one value wherever it appears."""
        found: dict[Key, int] = {}
        for table in self.tables:
            for i, j in table.positions():
                key, value = table.key(i, j), table.value(i, j)
                if found.setdefault(key, value) != value:
                    raise ValueError(f"shared quantity {key} differs between tables")
        return found

    def relations(self) -> list[Relation]:
        return [r for t in self.tables for r in t.relations()] + list(self.links)

    def table(self, name: str) -> CrossTab:
        return next(t for t in self.tables if t.name == name)

    def cost(self, key: Key) -> float:
        """Information lost by withholding ``key``: its count, weighted up for totals (readers
        use them most), plus one so that fewer withheld cells are preferred."""
        return 1.0 + self._weights.get(key, 1.0) * self._values.get(key, 0)

    @cached_property
    def _values(self) -> dict[Key, int]:
        return self.values()

    @cached_property
    def _weights(self) -> dict[Key, float]:
        weights: dict[Key, float] = {}
        for table in self.tables:
            last = (table.shape[0] - 1, table.shape[1] - 1)
            for i, j in table.positions():
                if table.is_margin(i, j):
                    weight = 10.0 if (i, j) == last else 3.0
                    key = table.key(i, j)
                    weights[key] = max(weights.get(key, 1.0), weight)
        return weights

    def candidates(self, target: Key) -> Iterator[frozenset[Key]]:
        """Rectangles through ``target`` in each table that shows it: withholding the other
        three corners lets the four move together without changing any total."""
        for table in self.tables:
            rows, cols = table.shape
            for i, j in table.positions():
                if table.key(i, j) != target:
                    continue
                for i2 in range(rows):
                    for j2 in range(cols):
                        if i2 != i and j2 != j:
                            yield frozenset({table.key(i, j2), table.key(i2, j), table.key(i2, j2)})


def hierarchy(
    total_keys: Mapping[str, Key], part_keys: Sequence[tuple[str, Key]]
) -> list[Relation]:
    """``total_keys[group] == sum`` of the part keys filed under ``group`` (weeks in a month)."""
    grouped: dict[str, list[Key]] = {}
    for group, key in part_keys:
        grouped.setdefault(group, []).append(key)
    return [Relation(total_keys[g], tuple(grouped.get(g, ()))) for g in sorted(total_keys)]
