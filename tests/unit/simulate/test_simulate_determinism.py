"""Same seed, same bytes (in any process); another seed, another data set."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import subprocess
import sys

from threadline.simulate import Simulation, SimulationConfig, simulate

CONFIG = SimulationConfig(seed=5, children=120, reports=500)
DIGEST = (
    "from threadline.simulate import SimulationConfig, simulate;"
    "import hashlib, json;"
    "s = simulate(SimulationConfig(seed=5, children=120, reports=500));"
    "print(hashlib.sha256(json.dumps([s.reports, [t.as_json() for t in s.truth.reports]],"
    " ensure_ascii=False).encode()).hexdigest())"
)


def digest(sim: Simulation) -> str:
    body = json.dumps([sim.reports, [t.as_json() for t in sim.truth.reports]], ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()


def test_same_seed_gives_identical_output() -> None:
    first, second = simulate(CONFIG), simulate(CONFIG)
    assert first.reports == second.reports
    assert first.truth == second.truth
    assert first.pii_strings() == second.pii_strings()


def test_a_different_seed_gives_different_output() -> None:
    first = simulate(CONFIG)
    other = simulate(dataclasses.replace(CONFIG, seed=6))
    assert digest(first) != digest(other)
    assert first.truth.children[0] != other.truth.children[0]


def test_output_does_not_depend_on_string_hashing() -> None:
    """Nothing may iterate a set of strings: PYTHONHASHSEED changes that order per process."""
    here = digest(simulate(CONFIG))
    for hash_seed in ("1", "2"):
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        result = subprocess.run(
            [sys.executable, "-c", DIGEST], env=env, capture_output=True, text=True, check=True
        )
        assert result.stdout.strip() == here
