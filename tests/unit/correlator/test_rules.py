"""Alert rules from data, and the alert content and versions built from them."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from tests.unit.correlator.test_linker import DAY, link
from threadline.correlator.alerts import alert_id, build_alert, next_version, retire
from threadline.correlator.linkrecords import LinkRecord
from threadline.correlator.rules import AlertRules, Finding, escalation_findings
from threadline.errors import ConfigError

RULES = AlertRules.load()


def episode(day: float, risk: str = "HIGH") -> LinkRecord:
    record = link(int(day * DAY), "lbx-csc", f"M-{day}", kind="missing_episode", risk=risk)
    return replace(record, missing_started_at=record.recorded_at)


def test_the_shipped_rules_load() -> None:
    assert RULES.cross_agency_link.min_agencies == 2
    assert RULES.cross_agency_link.severity_for(agencies=2, risk="MEDIUM") == "medium"
    assert RULES.cross_agency_link.severity_for(agencies=3, risk="LOW") == "high"
    assert RULES.cross_agency_link.severity_for(agencies=2, risk="CRITICAL") == "critical"
    assert RULES.offender_network.severity_for(children=3) == "critical"


def test_a_bad_rules_file_names_the_problem(tmp_path: Path) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(
        "format: threadline.alert-rules/1\ncross_agency_link: {severity: urgent}\n"
        "offender_network: {severity: high}\n"
    )
    with pytest.raises(ConfigError, match=r"cross_agency_link\.severity"):
        AlertRules.load(path)
    with pytest.raises(ConfigError, match="cannot read"):
        AlertRules.load(tmp_path / "missing.yaml")


def test_missing_episodes_count_in_a_sliding_window_and_merge_duplicates() -> None:
    def codes(events: list[LinkRecord]) -> list[str]:
        return [f.code for f in escalation_findings(RULES, events)]

    assert codes([episode(0), episode(10), episode(45)]) == []  # never three within 30 days
    assert codes([episode(0), episode(10), episode(20)]) == ["repeated_missing"]
    # two agencies reporting the same episode hours apart count once
    assert codes([episode(0), episode(0.2), episode(20)]) == []
    (finding,) = escalation_findings(RULES, [episode(0), episode(10), episode(20)])
    assert finding == Finding("repeated_missing", "3 missing episodes within 30 days", "high")


def test_rising_risk_and_a_late_stage_escalate() -> None:
    low = link(0, "met-police", "A", risk="LOW")
    high = link(DAY, "lbx-csc", "B", risk="CRITICAL")
    (finding,) = escalation_findings(RULES, [high, low])
    assert finding == Finding("risk_rising", "risk rose from LOW to CRITICAL", "critical")
    assert escalation_findings(RULES, [replace(high, risk_level="LOW"), low]) == []
    coerced = replace(low, stage="CONTROL")
    assert [f.code for f in escalation_findings(RULES, [coerced])] == ["coercion_or_control"]


def test_alert_versions_only_go_up_and_unchanged_is_silent() -> None:
    a = link(0, "met-police", "A", risk="LOW")
    b = replace(link(DAY, "lbx-csc", "B"), tlp="RED", handling_code="C", source_evaluation="S1")
    finding = Finding("known_to_agencies", "known to 2 agencies", "medium")
    content = build_alert("cross_agency_link", "subj-x", [finding], ["subj-x"], [a, b], "medium")
    assert content["alert_id"] == alert_id("cross_agency_link", "subj-x")
    assert (content["tlp"], content["handling_code"]) == ("RED", "C")
    assert content["highest_grading"] == {"source_evaluation": "S1", "intelligence_assessment": "B"}
    first = next_version(None, content)
    assert first is not None
    assert first["version"] == 1
    assert next_version({**first, "emitted_at": "later"}, content) is None
    grown = next_version(first, {**content, "severity": "high"})
    assert grown is not None
    assert grown["version"] == 2
    gone = retire(grown, ["alrt-other"], a.recorded_at)
    assert gone is not None
    assert (gone["status"], gone["version"], gone["superseded_by"]) == (
        "retired",
        3,
        ["alrt-other"],
    )
    assert retire(gone, [], a.recorded_at) is None
