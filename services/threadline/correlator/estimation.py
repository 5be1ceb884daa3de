"""Estimating m, u and lambda without labels: Winkler's EM, and u from random pairs.

Nobody can label which reports are about the same child (that is the point of the system), so
the parameters are learnt from unlabelled comparison patterns. The candidate pairs are a mixture
of matches and non-matches; under conditional independence of the fields given the class, the
EM algorithm of Winkler (1988, "Using the EM algorithm for weight computation in the
Fellegi-Sunter model of record linkage"; also Jaro 1989) fits the mixture:

* E-step: for each distinct pattern gamma, ``g = λ·Πm / (λ·Πm + (1-λ)·Πu)``, the probability
  that a pair with that pattern is a match;
* M-step: λ = mean g; ``m_f[l]`` = share of the match mass whose field f is at level l (pairs
  where f is missing carry no information about f and are left out); ``u`` likewise with 1-g.

It runs over the *counts* of distinct patterns, not over pairs, so a million pairs cost no more
than the few hundred patterns they collapse to. Every M-step adds a small pseudo-count
(``smoothing``) and clamps probabilities into ``[floor, 1 - floor]``: a level never seen among
non-matches would otherwise get u = 0 and an infinite weight.

u-probabilities can instead be fixed from random pairs (:func:`estimate_u`): almost every random
pair is a non-match, so level frequencies among them estimate u directly and stably; EM then
fits only m and λ (``fixed_u=True``), which avoids the classic failure where EM converges to a
split of the data other than match / non-match. :func:`fit_prior` then finds λ over all pairs,
the prior that goes with those unconditional u (see training.py for why).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from threadline.correlator.comparison import MISSING, ComparisonVector

__all__ = ["EmFit", "estimate_u", "fit_em", "fit_prior", "monotone", "u_less_matches"]

Probabilities = tuple[tuple[float, ...], ...]


@dataclass(frozen=True, slots=True)
class EmFit:
    """Result of :func:`fit_em`: one λ per session, and the final log-likelihood of all patterns."""

    m: Probabilities
    u: Probabilities
    lambdas: tuple[float, ...]
    iterations: int
    converged: bool
    log_likelihood: float


def estimate_u(
    vectors: Iterable[ComparisonVector],
    level_counts: Sequence[int],
    *,
    smoothing: float = 0.5,
    floor: float = 1e-6,
) -> Probabilities:
    """u per field level from comparison vectors of random (so almost surely non-matching) pairs."""
    counts = [[0.0] * n for n in level_counts]
    for vector in vectors:
        for f, level in enumerate(vector):
            if level != MISSING:
                counts[f][level] += 1.0
    return tuple(_normalise(c, smoothing, floor) for c in counts)


def u_less_matches(
    patterns: Mapping[ComparisonVector, int],
    level_counts: Sequence[int],
    m: Probabilities,
    u: Probabilities,
    lambda_: float,
    *,
    smoothing: float = 0.5,
    floor: float = 1e-6,
) -> Probabilities:
    """u from random pairs again, each pair counted by its probability of being a *non*-match.

    "Almost every random pair is a non-match" is true of pairs but not of agreements on a
    unique identifier: a handle or an e-mail address belongs to one child, so nearly every
    random pair that shares one is a pair of reports about the same child, and plain level
    frequencies (:func:`estimate_u`) turn those matches into a u, and a weight, that says a
    shared handle is common among different children. Weighting each random pair by
    ``1 - P(match | gamma)`` under the fitted m, u and the all-pairs prior ``lambda_`` removes
    them: an M-step for u on the random sample with m and lambda held. Training alternates it
    with the fit of m until u settles (see training.py).
    """
    counts = [[0.0] * n for n in level_counts]
    for vector, count in patterns.items():
        weight = count * (1.0 - _match_probability(vector, m, u, lambda_))
        for f, level in enumerate(vector):
            if level != MISSING:
                counts[f][level] += weight
    return tuple(_normalise(c, smoothing, floor) for c in counts)


def fit_em(
    sessions: Sequence[Mapping[ComparisonVector, int]],
    level_counts: Sequence[int],
    *,
    m_start: Probabilities,
    u_start: Probabilities,
    lambda_start: float,
    fixed_u: bool = False,
    max_iterations: int = 500,
    tolerance: float = 1e-7,
    smoothing: float = 0.5,
    floor: float = 1e-6,
) -> EmFit:
    """Fit m (and u unless ``fixed_u``) and one λ per session by expectation-maximisation.

    A *session* is a set of pattern counts with its own match share λ; m and u are shared. One
    session is Winkler's classic EM. Several sessions are how training copes with blocking
    (Splink's approach): pairs retrieved by one blocking rule are fitted with the fields that
    rule conditions on set to MISSING, so those fields' agreement, forced by the rule, is not
    mistaken for evidence; each field's m is then learnt from the sessions that leave it free.

    Converged means the largest change of any parameter in one iteration fell below
    ``tolerance``. If the fitted "match" class agrees *less* often than the "non-match" class
    on most fields, the labels switched during the fit; they are swapped back.
    """
    items = [
        [(vector, float(count)) for vector, count in patterns.items() if count > 0]
        for patterns in sessions
    ]
    if not any(items):
        raise ValueError("EM needs at least one comparison pattern")
    m, u = m_start, u_start
    lambdas = [lambda_start] * len(items)
    converged = False
    iterations = 0
    for iterations in range(1, max_iterations + 1):  # noqa: B007 - the count is reported
        m_mass = [[0.0] * n for n in level_counts]
        u_mass = [[0.0] * n for n in level_counts]
        new_lambdas = []
        for session, lam in zip(items, lambdas, strict=True):
            match_total = total = 0.0
            for vector, count in session:
                g = _match_probability(vector, m, u, lam)
                match_total += count * g
                total += count
                for f, level in enumerate(vector):
                    if level != MISSING:
                        m_mass[f][level] += count * g
                        u_mass[f][level] += count * (1.0 - g)
            new_lambdas.append(min(max(match_total / total, floor), 1.0 - floor) if total else lam)
        new_m = tuple(_normalise(c, smoothing, floor) for c in m_mass)
        new_u = u if fixed_u else tuple(_normalise(c, smoothing, floor) for c in u_mass)
        change = max(
            *(abs(a - b) for a, b in zip(new_lambdas, lambdas, strict=True)),
            _largest_change(new_m, m),
            _largest_change(new_u, u),
        )
        m, u, lambdas = new_m, new_u, new_lambdas
        if change < tolerance:
            converged = True
            break
    if not fixed_u and _labels_switched(m, u):
        m, u, lambdas = u, m, [1.0 - lam for lam in lambdas]
    log_likelihood = sum(
        _log_likelihood(session, m, u, lam) for session, lam in zip(items, lambdas, strict=True)
    )
    return EmFit(m, u, tuple(lambdas), iterations, converged, log_likelihood)


def fit_prior(
    patterns: Mapping[ComparisonVector, int],
    m: Probabilities,
    u: Probabilities,
    total_pairs: int,
    *,
    max_iterations: int = 1000,
    tolerance: float = 1e-12,
) -> float:
    """The share of matches among *all* pairs, from the candidate patterns, m and u.

    Pairs blocking did not retrieve are taken as non-matches (blocking exists because their
    posterior is negligible), so λ is the fixed point of
    ``λ = Σ_candidates P(match | gamma; λ) / total_pairs``: EM for λ alone on the full pair space.
    """
    items = [(vector, float(count)) for vector, count in patterns.items() if count > 0]
    lam = sum(count for _, count in items) / total_pairs / 2.0
    for _ in range(max_iterations):
        new = sum(count * _match_probability(v, m, u, lam) for v, count in items) / total_pairs
        new = min(max(new, 1e-12), 1.0 - 1e-12)
        if abs(new - lam) < tolerance * max(lam, 1e-12):
            return new
        lam = new
    return lam


def monotone(m: Probabilities, u: Probabilities) -> Probabilities:
    """m adjusted so each field's likelihood ratio never rises from one level to the next.

    Levels are ordered strongest agreement first, so a weaker level earning a higher weight is
    an artefact of sparse counts (e.g. Dice >= 0.9 is rarer than >= 0.75 among the few pairs
    whose names differ). Adjacent violators are pooled (the pool-adjacent-violators algorithm
    on the ratio m/u): a pooled block shares one ratio, sum m / sum u, and keeps its m mass.
    """
    fixed = []
    for m_f, u_f in zip(m, u, strict=True):
        blocks: list[tuple[float, float, int]] = []  # (m mass, u mass, levels)
        for mi, ui in zip(m_f, u_f, strict=True):
            blocks.append((mi, ui, 1))
            while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] < blocks[-1][0] / blocks[-1][1]:
                (m2, u2, n2), (m1, u1, n1) = blocks.pop(), blocks.pop()
                blocks.append((m1 + m2, u1 + u2, n1 + n2))
        row: list[float] = []
        for mass_m, mass_u, count in blocks:
            start = len(row)
            row.extend(mass_m * u_f[start + i] / mass_u for i in range(count))
        fixed.append(tuple(row))
    return tuple(fixed)


def _match_probability(
    vector: ComparisonVector, m: Probabilities, u: Probabilities, lam: float
) -> float:
    log_m = math.log(lam)
    log_u = math.log(1.0 - lam)
    for f, level in enumerate(vector):
        if level != MISSING:
            log_m += math.log(m[f][level])
            log_u += math.log(u[f][level])
    diff = log_u - log_m
    if diff > 700:
        return 0.0
    return 1.0 / (1.0 + math.exp(diff))


def _log_likelihood(
    items: Sequence[tuple[ComparisonVector, float]], m: Probabilities, u: Probabilities, lam: float
) -> float:
    total = 0.0
    for vector, count in items:
        pm, pu = lam, 1.0 - lam
        for f, level in enumerate(vector):
            if level != MISSING:
                pm *= m[f][level]
                pu *= u[f][level]
        total += count * math.log(pm + pu)
    return total


def _normalise(mass: Sequence[float], smoothing: float, floor: float) -> tuple[float, ...]:
    total = sum(mass) + smoothing * len(mass)
    if total <= 0.0:
        return tuple(1.0 / len(mass) for _ in mass)
    probs = [min(max((x + smoothing) / total, floor), 1.0 - floor) for x in mass]
    scale = sum(probs)
    return tuple(p / scale for p in probs)


def _largest_change(new: Probabilities, old: Probabilities) -> float:
    return max(
        abs(a - b)
        for row_new, row_old in zip(new, old, strict=True)
        for a, b in zip(row_new, row_old, strict=True)
    )


def _labels_switched(m: Probabilities, u: Probabilities) -> bool:
    """Level 0 is the strongest agreement of every field; matches must agree there more often."""
    return sum(1 if mf[0] < uf[0] else -1 for mf, uf in zip(m, u, strict=True)) > 0
