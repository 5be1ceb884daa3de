from __future__ import annotations

import dataclasses
import json
import math
from pathlib import Path

import pytest

from tests.unit.correlator.conftest import PersonFactory
from threadline.correlator.comparison import FIELDS, MISSING
from threadline.correlator.model import LinkageModel, Thresholds, latest_model_path
from threadline.correlator.thresholds import threshold_for_precision, weight_for_posterior
from threadline.errors import ConfigError


def test_level_weights_are_log2_likelihood_ratios_and_missing_is_zero(model: LinkageModel) -> None:
    for ws, m, u in zip(model.level_weights, model.m, model.u, strict=True):
        assert ws[:-1] == pytest.approx([math.log2(a / b) for a, b in zip(m, u, strict=True)])
        assert ws[MISSING] == 0.0
    assert model.weight((MISSING,) * len(FIELDS)) == 0.0
    vector = (0, 0, 0, MISSING, 0, MISSING, MISSING, MISSING)
    expected = sum(model.level_weights[f][level] for f, level in enumerate(vector))
    assert model.weight(vector) == pytest.approx(expected)


def test_fitted_weights_are_ordered_sensibly(synthetic_model: LinkageModel) -> None:
    for spec, ws in zip(FIELDS, synthetic_model.level_weights, strict=True):
        assert list(ws[:-1]) == sorted(ws[:-1], reverse=True), spec.name  # strongest first
    weights = dict(zip((f.name for f in FIELDS), synthetic_model.level_weights, strict=True))
    for name in ("given_name", "family_name"):
        exact, phonetic, disagree, _ = weights[name]
        assert exact > 0 > disagree
        assert phonetic > disagree
    dob_exact, dob_swapped, dob_year, dob_disagree, _ = weights["dob"]
    assert dob_exact > dob_year > dob_disagree
    assert dob_swapped > dob_year
    for name in ("postcode_district", "phones", "emails", "handles"):
        assert weights[name][0] > 0 > weights[name][1]
    assert weights["name_clk"][0] > weights["name_clk"][3]
    # Agreement on a personal identifier outweighs agreement on a postcode district.
    assert weights["phones"][0] > weights["postcode_district"][0]
    assert weights["emails"][0] > weights["postcode_district"][0]
    # EM learnt that matches agree (m high at the strongest level) on the identifying fields.
    for f in (1, 2, 4, 5, 6):
        assert synthetic_model.m[f][0] > 0.6


def test_score_orders_pairs_by_evidence(model: LinkageModel, make_person: PersonFactory) -> None:
    child = make_person(given=["a"], family=["b"], phonetic=["A|B"], dob=(2011, 4, 3),
                        postcode="E1", phones=["1"])  # fmt: skip
    same = make_person(given=["a"], family=["b"], dob=(2011, 4, 3), phones=["1"])
    swapped = make_person(given=["a"], family=["b"], dob=(2011, 3, 4))
    sibling = make_person(given=["c"], family=["b"], dob=(2013, 9, 20), postcode="E1", phones=["1"])
    stranger = make_person(given=["x"], family=["y"], dob=(2009, 1, 20), postcode="N1")
    scores = [model.score(child, p) for p in (same, swapped, sibling, stranger)]
    assert scores == sorted(scores, reverse=True)
    assert scores[0] >= model.thresholds.match > scores[2]
    assert scores[3] < 0


def test_posterior_matches_weight_for_posterior(model: LinkageModel) -> None:
    for target in (0.5, 0.99, 0.999):
        weight = weight_for_posterior(target, model.lambda_)
        assert model.posterior(weight) == pytest.approx(target)
    assert model.posterior(-5000.0) == 0.0
    assert model.posterior(5000.0) == 1.0


def test_save_and_load_round_trip(model: LinkageModel, tmp_path: Path) -> None:
    path = model.save(tmp_path)
    assert path.name == "linkage-0.0.0-test.json"
    loaded = LinkageModel.load(path)
    assert loaded == model
    doc = json.loads(path.read_text())
    assert doc["fields"][0]["levels"] == ["exact", "phonetic", "disagree"]
    assert set(doc["training"]) >= {"data_source", "seed", "pairs", "iterations", "converged"}


def test_malformed_model_files_are_config_errors(model: LinkageModel, tmp_path: Path) -> None:
    doc = model.to_json()
    (tmp_path / "a.json").write_text("{not json")
    (tmp_path / "b.json").write_text(json.dumps({**doc, "comparison": "cmp-0"}))
    (tmp_path / "c.json").write_text(json.dumps({**doc, "lambda": 2.0}))
    (tmp_path / "d.json").write_text(json.dumps({k: v for k, v in doc.items() if k != "fields"}))
    for name in ("a", "b", "c", "d"):
        with pytest.raises(ConfigError):
            LinkageModel.load(tmp_path / f"{name}.json")


def test_thresholds_must_be_ordered() -> None:
    with pytest.raises(ConfigError):
        Thresholds(match=10.0, possible=12.0, conflict=-5.0, bridge=20.0)


def test_latest_model_path_compares_versions_numerically(
    model: LinkageModel, tmp_path: Path
) -> None:
    for version in ("0.9.0", "0.10.0", "0.2.1"):
        dataclasses.replace(model, version=version).save(tmp_path)
    assert latest_model_path(tmp_path).name == "linkage-0.10.0.json"
    with pytest.raises(ConfigError):
        latest_model_path(tmp_path / "nowhere")


def test_threshold_for_precision_on_a_hand_example() -> None:
    scored = [(30.0, True), (25.0, True), (22.0, False), (20.0, True), (20.0, True), (10.0, False)]
    chosen = threshold_for_precision(scored, 0.8)
    assert chosen.weight == 20.0  # 4 of 5 pairs at >= 20 are matches
    assert (chosen.true_positives, chosen.false_positives) == (4, 1)
    assert chosen.recall == 1.0
    strict = threshold_for_precision(scored, 1.0)
    assert strict.weight == 25.0
    assert strict.recall == 0.5


def test_unreachable_precision_links_nothing() -> None:
    chosen = threshold_for_precision([(5.0, False), (4.0, True)], 0.99)
    assert not chosen.reachable
    assert chosen.weight > 5.0
