"""Pairwise precision, recall and F1 of a clustering against the truth, without listing pairs.

Entity resolution is judged pairwise: a pair of records is a true positive if both the
prediction and the truth put them in one entity. Enumerating pairs is quadratic (a hundred
thousand records are five billion pairs), but every count is a sum of ``n choose 2`` over cells
of the contingency table between predicted and true clusters (as in the pair-counting form of
the Rand index, Hubert & Arabie 1985):

* true positives  = Σ over (predicted, true) cells of C(n_ij, 2)
* predicted pairs = Σ over predicted clusters of C(a_i, 2)
* true pairs      = Σ over true clusters of C(b_j, 2)

so the cost is one pass over the records. The linkage benchmark uses this; so do the tests.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

__all__ = ["PairwiseScores", "pairwise_scores"]


@dataclass(frozen=True, slots=True)
class PairwiseScores:
    """Pair counts and the derived scores (a score with an empty denominator is 1.0)."""

    true_positives: int
    predicted_pairs: int
    true_pairs: int

    @property
    def false_positives(self) -> int:
        return self.predicted_pairs - self.true_positives

    @property
    def false_negatives(self) -> int:
        return self.true_pairs - self.true_positives

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def pairwise_scores(predicted: Mapping[str, str], truth: Mapping[str, str]) -> PairwiseScores:
    """Score ``record id -> predicted cluster`` against ``record id -> true entity``.

    Both must cover the same records (a record missing from the prediction is a bug in the
    caller, not a singleton, so it is refused rather than guessed).
    """
    if predicted.keys() != truth.keys():
        raise ValueError("predicted and true clusterings must cover the same records")
    cells = Counter((predicted[r], truth[r]) for r in predicted)
    return PairwiseScores(
        true_positives=sum(_pairs(n) for n in cells.values()),
        predicted_pairs=sum(_pairs(n) for n in Counter(predicted.values()).values()),
        true_pairs=sum(_pairs(n) for n in Counter(truth.values()).values()),
    )
