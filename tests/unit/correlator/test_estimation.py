"""EM recovers the parameters that generated conditionally independent comparison patterns."""

from __future__ import annotations

import math
import random
from collections import Counter

import pytest

from tests.unit.correlator.synthetic_tokens import make_records
from threadline.correlator.comparison import FIELDS, MISSING, ComparisonVector
from threadline.correlator.estimation import (
    estimate_u,
    fit_em,
    fit_prior,
    monotone,
    u_less_matches,
)
from threadline.correlator.training import TrainingConfig, train_model

LEVELS = (3, 3, 4, 2, 2)
TRUE_M = ((0.80, 0.15, 0.05), (0.85, 0.10, 0.05), (0.75, 0.05, 0.15, 0.05), (0.6, 0.4), (0.7, 0.3))
TRUE_U = ((0.01, 0.03, 0.96), (0.005, 0.01, 0.985), (0.001, 0.0005, 0.08, 0.9185), (0.02, 0.98),
          (0.001, 0.999))  # fmt: skip
TRUE_LAMBDA = 0.2


def draw(
    rng: random.Random, probs: tuple[tuple[float, ...], ...], missing: float
) -> ComparisonVector:
    return tuple(
        MISSING if rng.random() < missing else rng.choices(range(len(p)), weights=p)[0]
        for p in probs
    )


def sample(seed: int, pairs: int, lam: float = TRUE_LAMBDA) -> Counter[ComparisonVector]:
    rng = random.Random(seed)
    return Counter(
        draw(rng, TRUE_M if rng.random() < lam else TRUE_U, missing=0.1) for _ in range(pairs)
    )


def neutral_start() -> tuple[tuple[tuple[float, ...], ...], tuple[tuple[float, ...], ...]]:
    m = tuple(tuple(0.8 if i == 0 else 0.2 / (n - 1) for i in range(n)) for n in LEVELS)
    u = tuple(tuple(0.1 / (n - 1) if i < n - 1 else 0.9 for i in range(n)) for n in LEVELS)
    return m, u


def test_classic_em_recovers_m_u_and_lambda() -> None:
    m0, u0 = neutral_start()
    fit = fit_em([sample(1, 40_000)], LEVELS, m_start=m0, u_start=u0, lambda_start=0.5)
    assert fit.converged
    assert fit.lambdas[0] == pytest.approx(TRUE_LAMBDA, abs=0.01)
    for fitted, true in zip(fit.m, TRUE_M, strict=True):
        assert fitted == pytest.approx(true, abs=0.03)
    for fitted, true in zip(fit.u, TRUE_U, strict=True):
        assert fitted == pytest.approx(true, abs=0.01)
    assert all(fit.m[f][0] > 0.5 for f in range(len(LEVELS)))  # matches mostly agree


def test_labels_switched_during_the_fit_are_swapped_back() -> None:
    m0, u0 = neutral_start()
    fit = fit_em([sample(2, 20_000)], LEVELS, m_start=u0, u_start=m0, lambda_start=0.5)
    assert all(m[0] > u[0] for m, u in zip(fit.m, fit.u, strict=True))
    assert fit.lambdas[0] == pytest.approx(TRUE_LAMBDA, abs=0.02)


def test_u_from_random_pairs_and_m_with_u_fixed() -> None:
    rng = random.Random(3)
    u = estimate_u((draw(rng, TRUE_U, missing=0.1) for _ in range(100_000)), LEVELS)
    for fitted, true in zip(u, TRUE_U, strict=True):
        assert fitted == pytest.approx(true, abs=0.005)
    m0, _ = neutral_start()
    fit = fit_em([sample(4, 30_000)], LEVELS, m_start=m0, u_start=u, lambda_start=0.5, fixed_u=True)
    assert fit.u == u
    for fitted, true in zip(fit.m, TRUE_M, strict=True):
        assert fitted == pytest.approx(true, abs=0.03)


def test_sessions_share_m_and_keep_their_own_lambda() -> None:
    m0, u0 = neutral_start()
    sessions = [sample(5, 20_000, lam=0.1), sample(6, 20_000, lam=0.6)]
    fit = fit_em(sessions, LEVELS, m_start=m0, u_start=u0, lambda_start=0.5)
    assert fit.lambdas == pytest.approx((0.1, 0.6), abs=0.02)


def test_smoothing_and_floor_keep_every_probability_inside_0_1() -> None:
    # Most levels are never seen: without smoothing they would get probability 0.
    patterns: Counter[ComparisonVector] = Counter({(0, 0, 0, 0, 0): 500, (2, 2, 3, 1, 1): 500})
    m0, u0 = neutral_start()
    fit = fit_em([patterns], LEVELS, m_start=m0, u_start=u0, lambda_start=0.5)
    for row in (*fit.m, *fit.u):
        assert all(0.0 < p < 1.0 for p in row)
        assert math.fsum(row) == pytest.approx(1.0)


def test_fit_prior_finds_the_share_of_matches_among_all_pairs() -> None:
    # 200 clear matches among 1,000,000 pairs; candidates are those pairs plus 300 non-matches.
    rng = random.Random(7)
    candidates = Counter(draw(rng, TRUE_M, missing=0.0) for _ in range(200))
    candidates.update(draw(rng, TRUE_U, missing=0.0) for _ in range(300))
    lam = fit_prior(candidates, TRUE_M, TRUE_U, total_pairs=1_000_000)
    assert lam == pytest.approx(200 / 1_000_000, rel=0.15)


def test_em_needs_patterns() -> None:
    m0, u0 = neutral_start()
    with pytest.raises(ValueError, match="at least one"):
        fit_em([Counter()], LEVELS, m_start=m0, u_start=u0, lambda_start=0.5)


def test_monotone_pools_levels_whose_weight_rises() -> None:
    m = ((0.03, 0.30, 0.20, 0.47), (0.9, 0.1))
    u = ((0.0001, 0.0001, 0.004, 0.9958), (0.1, 0.9))
    fixed = monotone(m, u)
    ratios = [a / b for a, b in zip(fixed[0], u[0], strict=True)]
    assert ratios == sorted(ratios, reverse=True)
    assert ratios[0] == pytest.approx(ratios[1])  # the violating pair now shares one ratio
    assert fixed[0][0] + fixed[0][1] == pytest.approx(0.33)  # and keeps its m mass
    assert fixed[0][2:] == m[0][2:]
    assert fixed[1] == m[1]


def test_u_less_matches_removes_the_matches_among_random_pairs() -> None:
    """A field that random non-matches almost never share (u 0.001) looks eight times commoner
    from plain frequencies when 1% of the random pairs are matches; discounting each pair by its
    match probability recovers it."""
    random_pairs = sample(7, 200_000, lam=0.01)
    plain = estimate_u((v for v, n in random_pairs.items() for _ in range(n)), LEVELS)
    assert plain[4][0] > 5 * TRUE_U[4][0]
    u = plain
    for _ in range(10):
        u = u_less_matches(random_pairs, LEVELS, TRUE_M, u, 0.01)
    for fitted, true in zip(u, TRUE_U, strict=True):
        assert fitted == pytest.approx(true, abs=0.005)
    assert u[4][0] == pytest.approx(TRUE_U[4][0], rel=0.3)


def test_training_can_discount_matches_from_the_random_pairs() -> None:
    """A handle is one child's: without the discount its u is mostly same-child random pairs."""
    records = make_records(seed=5, children=600)
    people, truth = [r.person for r in records], [r.entity for r in records]
    plain = train_model(people, TrainingConfig("t", "tests", seed=1), truth)
    config = TrainingConfig("t", "tests", seed=1, u_source="random_less_matches")
    discounted = train_model(people, config, truth)
    handles = [spec.name for spec in FIELDS].index("handles")
    assert discounted.u[handles][0] < plain.u[handles][0] / 2
    assert discounted.training.notes["u_source"] == "random_less_matches"
    assert discounted.training.converged
