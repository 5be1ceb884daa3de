"""How decision thresholds are chosen: precision first, from the model or from labelled pairs.

Wrongly merging two children is worse than missing a link: a false merge puts one child's
concerns (and later a data request) on another child's record, while a missed link only delays
the moment two agencies find each other, and the "possible match" band still shows it to an
analyst. So thresholds are set for precision, and recall is what is left.

Two ways, both reproducible and recorded in the model file:

* **From the model** (no truth available, the usual case): the lowest weight whose posterior
  match probability reaches a target, ``w = log2(p / (1 - p)) - log2(lambda / (1 - lambda))``
  (:func:`weight_for_posterior`).
  With the default ``p = 0.999`` for ``match`` a linked candidate is wrong about once in a
  thousand *if the model's independence assumption held*; it does not hold exactly (names and
  CLK are correlated), which is why the labelled route, when available, can only raise it.
* **From labelled pairs** (a validation set with truth, e.g. the simulator's): the lowest weight
  at which the pairs scoring at least that weight reach a target precision
  (:func:`threshold_for_precision`). Training takes the larger of the two.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["PrecisionThreshold", "threshold_for_precision", "weight_for_posterior"]


def weight_for_posterior(posterior: float, lambda_: float) -> float:
    """The weight at which ``P(match | weight)`` equals ``posterior`` under prior ``lambda_``."""
    if not 0.0 < posterior < 1.0 or not 0.0 < lambda_ < 1.0:
        raise ValueError("posterior and lambda must be in (0, 1)")
    return math.log2(posterior / (1.0 - posterior)) - math.log2(lambda_ / (1.0 - lambda_))


@dataclass(frozen=True, slots=True)
class PrecisionThreshold:
    """The chosen weight and what it achieves on the labelled pairs it was chosen from."""

    weight: float
    precision: float
    recall: float
    true_positives: int
    false_positives: int
    reachable: bool


def threshold_for_precision(
    scored: Iterable[tuple[float, bool]], target_precision: float
) -> PrecisionThreshold:
    """The lowest weight ``t`` such that pairs with weight ``>= t`` have precision ``>= target``.

    ``scored`` holds ``(weight, is_match)`` for labelled candidate pairs. Pairs of equal weight
    are decided together (a threshold cannot split a tie). When no weight reaches the target,
    ``reachable`` is False and the weight returned is just above the highest score, i.e. link
    nothing: the safe answer for a precision-first system.
    """
    if not 0.0 < target_precision <= 1.0:
        raise ValueError("target precision must be in (0, 1]")
    pairs = sorted(scored, key=lambda item: -item[0])
    positives = sum(1 for _, is_match in pairs if is_match)
    best: PrecisionThreshold | None = None
    tp = fp = 0
    i = 0
    while i < len(pairs):
        weight = pairs[i][0]
        while i < len(pairs) and pairs[i][0] == weight:
            tp += pairs[i][1]
            fp += not pairs[i][1]
            i += 1
        precision = tp / (tp + fp)
        if precision >= target_precision:
            recall = tp / positives if positives else 0.0
            best = PrecisionThreshold(weight, precision, recall, tp, fp, reachable=True)
    if best is not None:
        return best
    top = pairs[0][0] if pairs else 0.0
    return PrecisionThreshold(math.nextafter(top, math.inf), 1.0, 0.0, 0, 0, reachable=False)
