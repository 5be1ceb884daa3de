"""The labelled match rule uses the precision-target threshold alone, and says so."""

from __future__ import annotations

from dataclasses import replace

from tests.unit.correlator.synthetic_tokens import make_records
from threadline.correlator.training import TrainingConfig, train_model


def test_labelled_rule_never_raises_the_threshold_and_records_its_method() -> None:
    records = make_records(seed=5, children=600)
    people, truth = [r.person for r in records], [r.entity for r in records]
    stricter = TrainingConfig("0.0.0-a", "tests", seed=3, random_pairs=20_000)
    labelled = replace(stricter, version="0.0.0-b", match_rule="labelled")
    a = train_model(people, stricter, truth)
    b = train_model(people, labelled, truth)
    assert b.thresholds.match <= a.thresholds.match
    assert b.thresholds.match == b.training.notes["match_from_labelled"]
    assert b.thresholds.method.startswith("match: labelled precision>=")
    assert "whichever is higher" in a.thresholds.method
