"""Simulations shared by the simulate tests; small, so the whole package runs in seconds."""

from __future__ import annotations

import pytest

from threadline.simulate import Simulation, SimulationConfig, simulate


@pytest.fixture(scope="session")
def small() -> Simulation:
    """300 children, 1,500 reports over the default agencies."""
    return simulate(SimulationConfig(seed=11, children=300, reports=1500))


@pytest.fixture(scope="session")
def medium() -> Simulation:
    """Large enough for rates to settle: 2,000 children, 10,000 reports."""
    return simulate(SimulationConfig(seed=12, children=2000, reports=10_000))
