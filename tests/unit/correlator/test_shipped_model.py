"""The model file in models/ is complete, loadable, and reproducible from its recorded recipe."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.unit.correlator.synthetic_tokens import make_records
from threadline.correlator.comparison import FIELDS
from threadline.correlator.model import LinkageModel, latest_model_path
from threadline.correlator.training import TrainingConfig, train_model

MODELS = Path(__file__).resolve().parents[3] / "models"


@pytest.fixture(scope="module")
def shipped() -> LinkageModel:
    return LinkageModel.load(latest_model_path(MODELS))


def test_model_file_says_everything_about_itself(shipped: LinkageModel) -> None:
    doc = json.loads((MODELS / f"linkage-{shipped.version}.json").read_text())
    expected = {"format", "version", "comparison", "lambda", "fields", "thresholds", "training"}
    assert expected <= set(doc)
    assert [f["name"] for f in doc["fields"]] == [f.name for f in FIELDS]
    assert all({"levels", "m", "u"} <= set(f) for f in doc["fields"])
    assert {"data_source", "seed", "pairs", "iterations", "converged"} <= set(doc["training"])
    assert doc["training"]["converged"] is True
    assert "posterior" in doc["thresholds"]["method"]


def test_shipped_weights_are_monotone(shipped: LinkageModel) -> None:
    for spec, ws in zip(FIELDS, shipped.level_weights, strict=True):
        assert list(ws[:-1]) == sorted(ws[:-1], reverse=True), spec.name


@pytest.mark.slow
def test_shipped_model_is_reproduced_by_its_recipe(shipped: LinkageModel) -> None:
    recipe = re.search(r"--children (\d+) --seed (\d+)", shipped.training.data_source)
    assert recipe is not None, "the data source must record how to regenerate the records"
    records = make_records(seed=int(recipe[2]), children=int(recipe[1]))
    config = TrainingConfig(shipped.version, shipped.training.data_source, shipped.training.seed)
    refit = train_model([r.person for r in records], config, [r.entity for r in records])
    assert refit.lambda_ == pytest.approx(shipped.lambda_, rel=1e-9)
    for ours, theirs in ((refit.m, shipped.m), (refit.u, shipped.u)):
        for row, shipped_row in zip(ours, theirs, strict=True):
            assert row == pytest.approx(shipped_row, rel=1e-9)
    assert refit.thresholds.match == pytest.approx(shipped.thresholds.match, rel=1e-9)
    assert refit.training.pairs == shipped.training.pairs
