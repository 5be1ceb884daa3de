"""Synthetic, seeded, reproducible multi-agency safeguarding data with ground truth.

Tests, the demo and the benchmarks need many reports about the same children from different
agencies, written the way real agencies write them (typos, transliterations, missing fields,
stale addresses, swapped dates), plus the truth to score linkage and alerts against. No real
person can appear: names are recombined from embedded lists, phones come from Ofcom's drama
ranges, e-mails use example.com/example.org and NHS numbers the 999 test range.

    >>> from threadline.simulate import SimulationConfig, simulate, write
    >>> sim = simulate(SimulationConfig(seed=7, children=50, reports=200))
    >>> len(sim.reports), sim.reports[0][0] in {a.agency_id for a in sim.config.agency_table}
    (200, True)
"""

from __future__ import annotations

from threadline.simulate.config import (
    DEFAULT_AGENCIES,
    Agency,
    AgencyKind,
    CorruptionRates,
    EventMix,
    SimulationConfig,
)
from threadline.simulate.population import Child, Handle, Offender, Residence
from threadline.simulate.simulation import Simulation, simulate
from threadline.simulate.truth import OffenderNetwork, ReportTruth, Truth
from threadline.simulate.writer import write

__all__ = [
    "DEFAULT_AGENCIES",
    "Agency",
    "AgencyKind",
    "Child",
    "CorruptionRates",
    "EventMix",
    "Handle",
    "Offender",
    "OffenderNetwork",
    "ReportTruth",
    "Residence",
    "Simulation",
    "SimulationConfig",
    "Truth",
    "simulate",
    "write",
]
