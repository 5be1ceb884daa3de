"""The public surface of threadline.simulate, pinned, and configuration errors."""

from __future__ import annotations

from datetime import datetime

import pytest

import threadline.simulate as simulate_package
from threadline.errors import ConfigError
from threadline.simulate import CorruptionRates, EventMix, SimulationConfig


def test_public_api_is_pinned() -> None:
    assert sorted(simulate_package.__all__) == sorted(
        [
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
    )


def test_defaults_describe_the_documented_agencies() -> None:
    config = SimulationConfig()
    assert [a.agency_id for a in config.agency_table] == [
        "met-police",
        "lbx-csc",
        "school-0123",
        "nhs-trust-rx",
        "charity-safe",
        "yjs-lbx",
    ]
    assert config.offender_count == 80


@pytest.mark.parametrize(
    "kwargs",
    [
        {"children": 0},
        {"children": 10, "reports": 5},
        {"days": 0},
        {"agencies": ()},
        {"agencies": ("a-police", "a-police")},
        {"start": datetime(2025, 1, 1)},
        {"networked_share": 1.5},
        {"offenders": 0},
        {"corruption": CorruptionRates(typo_given=-0.1)},
        {"events": EventMix(concern_raised=0, referral_made=0)},
    ],
)
def test_bad_settings_are_refused_by_name(kwargs: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        SimulationConfig(**kwargs)  # type: ignore[arg-type]
