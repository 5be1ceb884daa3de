"""Insights fixtures: realistic observations from a seeded simulation, made once per session."""

from __future__ import annotations

from datetime import date

import pytest

from threadline.insights.aggregation import Period, Statistics, compile_statistics
from threadline.insights.observations import Observation
from threadline.insights.simulated import simulated_observations
from threadline.simulate import SimulationConfig

SIMULATED_PERIOD = Period(date(2025, 3, 1), date(2025, 10, 31))
"""The simulator's default window (240 days from 1 March 2025), as whole months."""


@pytest.fixture(scope="session")
def simulated() -> list[Observation]:
    """About 1,300 observations: simulate -> SDK -> decode -> observation_from_event."""
    return list(simulated_observations(SimulationConfig(seed=11, children=300, reports=1500)))


@pytest.fixture(scope="session")
def statistics(simulated: list[Observation]) -> Statistics:
    return compile_statistics(simulated, SIMULATED_PERIOD, threshold=5)
