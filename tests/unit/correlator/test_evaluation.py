from __future__ import annotations

import itertools
import random

import pytest

from threadline.correlator.evaluation import pairwise_scores


def test_hand_example() -> None:
    truth = {"a": "X", "b": "X", "c": "X", "d": "Y", "e": "Y", "f": "Z"}
    predicted = {"a": "1", "b": "1", "c": "2", "d": "2", "e": "2", "f": "3"}
    scores = pairwise_scores(predicted, truth)
    # Predicted pairs: ab, cd, ce, de (4). True pairs: ab, ac, bc, de (4). Both: ab, de.
    assert (scores.true_positives, scores.predicted_pairs, scores.true_pairs) == (2, 4, 4)
    assert (scores.false_positives, scores.false_negatives) == (2, 2)
    assert scores.precision == 0.5
    assert scores.recall == 0.5
    assert scores.f1 == 0.5


def test_perfect_and_degenerate_clusterings() -> None:
    truth = {"a": "X", "b": "X", "c": "Y"}
    assert pairwise_scores(truth, truth).f1 == 1.0
    singletons = pairwise_scores({"a": "1", "b": "2", "c": "3"}, truth)
    assert (singletons.precision, singletons.recall, singletons.f1) == (1.0, 0.0, 0.0)
    lumped = pairwise_scores({"a": "1", "b": "1", "c": "1"}, truth)
    assert lumped.precision == pytest.approx(1 / 3)
    assert lumped.recall == 1.0


def test_matches_brute_force_pair_enumeration() -> None:
    rng = random.Random(5)
    records = [f"r{i}" for i in range(120)]
    truth = {r: f"t{rng.randrange(30)}" for r in records}
    predicted = {r: f"p{rng.randrange(25)}" for r in records}
    pairs = list(itertools.combinations(records, 2))
    tp = sum(truth[a] == truth[b] and predicted[a] == predicted[b] for a, b in pairs)
    scores = pairwise_scores(predicted, truth)
    assert scores.true_positives == tp
    assert scores.predicted_pairs == sum(predicted[a] == predicted[b] for a, b in pairs)
    assert scores.true_pairs == sum(truth[a] == truth[b] for a, b in pairs)


def test_record_sets_must_match() -> None:
    with pytest.raises(ValueError, match="same records"):
        pairwise_scores({"a": "1"}, {"a": "X", "b": "X"})
