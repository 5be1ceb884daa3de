"""Redaction against the simulator's narratives: what the topic privacy scan will check later."""

from __future__ import annotations

import re
from typing import Any

import pytest

from threadline.sdk.redaction import KnownValues, redact
from threadline.simulate import Simulation, SimulationConfig, simulate


@pytest.fixture(scope="module")
def simulation() -> Simulation:
    return simulate(SimulationConfig(seed=42, children=400, reports=2000))


def _clear_text(record: dict[str, Any]) -> list[str]:
    """What the SDK may send in clear beside the redacted narrative: enums, reasons, ids."""
    concern = record.get("concern", {})
    out = [record["report_id"], record["tlp"], record["event_type"]]
    out += concern.get("indicators", []) + concern.get("exploitation_types", [])
    out += concern.get("referral_routes", []) + concern.get("other_indicators", [])
    for block in ("referral", "update", "withdrawal", "missing_episode", "grading"):
        out += [v for v in (record.get(block) or {}).values() if isinstance(v, str)]
    return out


def test_every_simulated_narrative_passes_strict_redaction_and_leaks_nothing(
    simulation: Simulation,
) -> None:
    """The same scan the integration test runs over topic bytes: any case, any substring."""
    sent, narratives = [], []
    for _, record in simulation.reports:
        sent += _clear_text(record)
        if "concern" in record:
            known = KnownValues.from_report(record)
            narratives.append(redact(record["concern"]["narrative"], known, strict=True).text)
    assert len(narratives) > 1800
    lowered = "\n".join(sent + narratives).lower()
    assert [s for s in simulation.pii_strings() if s.lower() in lowered] == []
    without_placeholders = re.sub(r"\[[A-Z_]+_\d+\]", " ", "\n".join(narratives))
    assert not re.search(r"\d(?:[ -]?\d){6,}", without_placeholders)  # no phone, NHS, long id


def test_unlisted_values_in_narratives_are_caught_by_the_detectors(simulation: Simulation) -> None:
    unlisted = [
        (record, truth)
        for (_, record), truth in zip(simulation.reports, simulation.truth.reports, strict=True)
        if truth.unlisted_pii
    ]
    assert len(unlisted) > 100
    for record, truth in unlisted:
        result = redact(
            record["concern"]["narrative"], KnownValues.from_report(record), strict=True
        )
        assert any(not f.known for f in result.findings), truth.unlisted_pii
