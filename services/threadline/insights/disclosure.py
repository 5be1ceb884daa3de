"""Statistical disclosure control: cell suppression whose safety is proved, not hoped for.

Why suppression with an audit: a count of 1 to 4 children with a given platform, stage and age
band can point at a child someone already half-knows, so such cells are withheld (*primary*
suppression, the official-statistics convention with a threshold of 5). Withholding them is not
enough when totals are published: a row total minus the other cells gives the hidden one back.
So more cells are withheld (*secondary* suppression) until a reader who knows every published
number, every total and every identity between tables still cannot pin a hidden value down.

What "cannot pin down" means here: for each primary cell, the attacker's feasible range, the
smallest and largest whole number the cell can take given every published value, every linear
relation (row, column, grand and hierarchy totals, quantities repeated across tables) and
non-negativity, must span at least ``min_range`` (by default ``threshold - 1``: as many
possible values as the suppression rule itself hides). The bounds are exact whole-number bounds
(HiGHS through scipy: the linear relaxation when its optimum is whole, which totally unimodular
table constraints guarantee, else an integer program), so a narrow range cannot hide behind a
relaxation. Only the block of relations around a key is solved: unrelated cells are independent.
Secondary cells must not be exact either (a range of at least two values), so that no withheld
cell at all can be read off the published tables. The audit also tells the attacker which
withheld cells are not zero, which a real reader can only guess, so it errs on the safe side.

Secondary cells are chosen greedily and verified: for an under-protected cell, candidate sets
(rectangles through it, given by the caller, cheapest first: small counts, interior cells over
totals) are tried until one gives it the required range; if none does on its own, the cheapest
is kept and the search goes on. More suppression only widens ranges, so a cell once protected
stays protected, and the loop ends because every round withholds at least one more cell.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import (  # type: ignore[import-untyped]
    Bounds,
    LinearConstraint,
    linprog,
    milp,
)

__all__ = ["Key", "Protection", "Relation", "feasible_ranges", "protect"]

Key = tuple[str, ...]
"""Names one published quantity; a quantity shown in two tables has one key."""

_TRIES_PER_TARGET = 60


@dataclass(frozen=True, slots=True)
class Relation:
    """``total == sum(parts)``: a fact a reader of the published tables knows."""

    total: Key
    parts: tuple[Key, ...]


@dataclass(frozen=True)
class Protection:
    """Which quantities are withheld, why, and the audited range of each withheld one."""

    threshold: int
    min_range: int
    primary: frozenset[Key]
    secondary: frozenset[Key]
    ranges: Mapping[Key, tuple[float, float]]

    @property
    def suppressed(self) -> frozenset[Key]:
        return self.primary | self.secondary

    def published(self, key: Key, value: int) -> int | None:
        """``value`` if it may be shown, else ``None``."""
        return None if key in self.primary or key in self.secondary else value


@dataclass(frozen=True)
class _Program:
    """One block's equations ``matrix @ x == rhs`` with ``x >= floor``, over ``index``'s keys."""

    index: dict[Key, int]
    matrix: np.ndarray
    rhs: np.ndarray
    floor: np.ndarray

    def minimum(self, key: Key, sign: float = 1.0) -> float:
        """Least whole value of ``sign * key``. The linear relaxation comes first: when its
        optimum is a whole number (always, for tables with totals, whose constraint matrices
        are totally unimodular) it is the integer optimum; otherwise an integer program."""
        objective = np.zeros(len(self.index))
        objective[self.index[key]] = sign
        bounds = [(low, None) for low in self.floor]
        relaxed = linprog(objective, A_eq=self.matrix, b_eq=self.rhs, bounds=bounds, method="highs")
        if relaxed.status == 3:
            return -math.inf
        if relaxed.status == 0 and np.allclose(relaxed.x, np.round(relaxed.x), atol=1e-9):
            return float(np.round(relaxed.fun))
        result = milp(
            objective,
            constraints=LinearConstraint(self.matrix, self.rhs, self.rhs),
            integrality=np.ones_like(objective),
            bounds=Bounds(self.floor, np.inf),
        )
        if result.status == 0:
            return float(result.fun)
        if result.status in (3, 4):  # unbounded (HiGHS may also say "infeasible or unbounded")
            return -math.inf
        raise ArithmeticError(f"disclosure audit could not be solved ({result.message})")


class _Audit:
    """The attacker's integer program for one suppression pattern.

    The attacker is granted more than a reader has: besides every published value and
    relation, it knows which withheld cells are not zero (a reader of "zeros are shown" may
    guess as much), so each such cell is at least 1. Extra knowledge only narrows ranges, so a
    pattern that passes this audit passes against any real reader. Hidden quantities that share
    no relation are independent, so each range is solved over its own block of relations.
    """

    def __init__(
        self, values: Mapping[Key, int], relations: Sequence[Relation], hidden: Iterable[Key]
    ) -> None:
        self.hidden = frozenset(hidden)
        self.values = values
        self.equations: list[tuple[dict[Key, float], float]] = []
        parent = {key: key for key in self.hidden}

        def root(key: Key) -> Key:
            while parent[key] != key:
                parent[key] = parent[parent[key]]
                key = parent[key]
            return key

        for relation in relations:
            coefficients: dict[Key, float] = {}
            constant = 0.0
            for key, sign in ((relation.total, 1.0), *((p, -1.0) for p in relation.parts)):
                if key in self.hidden:
                    coefficients[key] = coefficients.get(key, 0.0) + sign
                else:
                    constant -= sign * values[key]
            coefficients = {k: c for k, c in coefficients.items() if c}
            if coefficients:
                self.equations.append((coefficients, constant))
                first, *rest = coefficients
                for other in rest:
                    parent[root(other)] = root(first)
        self.block = {key: root(key) for key in self.hidden}
        self._programs: dict[Key, _Program] = {}

    def _program(self, key: Key) -> _Program:
        block = self.block[key]
        if block not in self._programs:
            keys = sorted(k for k, b in self.block.items() if b == block)
            index = {k: n for n, k in enumerate(keys)}
            rows, rhs = [], []
            for coefficients, constant in self.equations:
                if self.block[next(iter(coefficients))] == block:
                    row = np.zeros(len(keys))
                    for k, c in coefficients.items():
                        row[index[k]] = c
                    rows.append(row)
                    rhs.append(constant)
            matrix = np.array(rows) if rows else np.zeros((0, len(keys)))
            floor = np.array([1.0 if self.values[k] > 0 else 0.0 for k in keys])
            self._programs[block] = _Program(index, matrix, np.array(rhs), floor)
        return self._programs[block]

    def range(self, key: Key) -> tuple[float, float]:
        """``(lowest, highest)`` whole value ``key`` can take; ``highest`` may be infinite."""
        if key not in self.hidden:
            raise KeyError("not a hidden quantity")
        program = self._program(key)
        if not len(program.rhs):
            return float(program.floor[program.index[key]]), math.inf
        return program.minimum(key), -program.minimum(key, -1.0)

    def wide_enough(self, key: Key, required: float) -> bool:
        """Whether ``key``'s range spans ``required``; the upper bound alone often decides,
        which halves the solving."""
        program = self._program(key)
        if not len(program.rhs):
            return True
        high = -program.minimum(key, -1.0)
        if high - program.floor[program.index[key]] < required:
            return False
        return high == math.inf or high - program.minimum(key) >= required


def feasible_ranges(
    values: Mapping[Key, int],
    relations: Sequence[Relation],
    suppressed: Iterable[Key],
    targets: Iterable[Key] | None = None,
) -> dict[Key, tuple[float, float]]:
    """Exact attacker ranges of ``targets`` (default: every suppressed key)."""
    hidden = frozenset(suppressed)
    audit = _Audit(values, relations, hidden)
    return {key: audit.range(key) for key in sorted(hidden if targets is None else targets)}


def protect(
    values: Mapping[Key, int],
    relations: Sequence[Relation],
    *,
    threshold: int,
    candidates: Callable[[Key], Iterable[frozenset[Key]]],
    cost: Callable[[Key], float],
    min_range: int | None = None,
) -> Protection:
    """Primary suppression of ``0 < value < threshold``, then verified secondary suppression.

    ``candidates(key)`` proposes sets of keys that, withheld together with ``key``, could hide
    it (rectangles in its table); ``cost(key)`` is the information lost by withholding a key.
    """
    need = threshold - 1 if min_range is None else min_range
    primary = frozenset(k for k, v in values.items() if 0 < v < threshold)
    hidden = set(primary)
    safe: set[Key] = set()

    def hides(key: Key, pattern: Iterable[Key]) -> bool:
        return _Audit(values, relations, pattern).wide_enough(key, required(key))

    def ranked(key: Key) -> list[frozenset[Key]]:
        fresh = {frozenset(c - hidden) for c in candidates(key)} - {frozenset()}
        return sorted(fresh, key=lambda c: (sum(cost(k) for k in c), len(c), sorted(c)))

    def required(key: Key) -> float:
        return need if key in primary else 1  # a secondary cell must not be exact either

    while True:
        audit = _Audit(values, relations, hidden)
        weak = [k for k in sorted(hidden - safe) if not audit.wide_enough(k, required(k))]
        safe |= hidden - set(weak)
        if not weak:
            break
        progress = False
        for target in weak:
            if progress and hides(target, hidden):  # what was withheld for another helped
                safe.add(target)
                continue
            for option in ranked(target)[:_TRIES_PER_TARGET]:
                if hides(target, hidden | option):
                    hidden |= option
                    safe.add(target)
                    progress = True
                    break
        if not progress:
            hidden |= _fallback(weak[0], ranked(weak[0]), values, relations, hidden, cost)
    return Protection(
        threshold=threshold,
        min_range=need,
        primary=primary,
        secondary=frozenset(hidden - primary),
        ranges=feasible_ranges(values, relations, hidden),
    )


def _fallback(
    target: Key,
    options: list[frozenset[Key]],
    values: Mapping[Key, int],
    relations: Sequence[Relation],
    hidden: set[Key],
    cost: Callable[[Key], float],
) -> frozenset[Key]:
    """Something more to withhold when no single candidate protects ``target`` on its own:
    the cheapest candidate, else the cheapest published key sharing a relation with anything
    withheld, else everything (a table that cannot be protected is not published)."""
    if options:
        return options[0]
    near = {
        key
        for relation in relations
        if hidden & {relation.total, *relation.parts}
        for key in (relation.total, *relation.parts)
        if key not in hidden
    }
    if near:
        return frozenset({min(near, key=lambda k: (cost(k), k))})
    rest = frozenset(values) - hidden
    if not rest:
        raise ArithmeticError(f"cannot protect {target}: nothing is left to withhold")
    return rest
