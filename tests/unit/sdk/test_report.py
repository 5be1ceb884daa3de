"""Input validation: every bad input is a ValidationError naming the path, never the value."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from threadline.errors import ValidationError
from threadline.sdk.report import MAX_NARRATIVE_CHARS, parse_report


def _set(record: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    for part in parents:
        record = record[part]
    record[last] = value


@pytest.mark.parametrize(
    ("path", "value", "expected_path", "reason"),
    [
        ("event_type", "gossip", "event_type", "not an allowed value"),
        ("concern.risk_level", "extreme", "concern.risk_level", "not an allowed value"),
        ("concern.indicators", ["going_missing", "aliens"], "concern.indicators[1]", "allowed"),
        ("grading.source", 4, "grading.source", "not an allowed value"),
        ("tlp", "purple", "tlp", "not an allowed value"),
        ("occurred_at", "2030-01-01T00:00:00Z", "occurred_at", "in the future"),
        ("occurred_at", "2026-11-20T18:30:00", "occurred_at", "timezone"),
        ("subject.date_of_birth", "2011-02-30", "subject.date_of_birth", "date"),
        ("subject.date_of_birth", "2026-12-01", "subject.date_of_birth", "after occurred_at"),
        ("concern.narrative", "x" * (MAX_NARRATIVE_CHARS + 1), "concern.narrative", "at most"),
        ("subject.nickname", "Ash", "subject.nickname", "unknown field"),
        ("report_id", "", "report_id", "at least 1"),
        ("grading.handling", "C", "grading.conditions", "needs its conditions"),
    ],
)
def test_bad_fields_name_the_path_and_rule(
    report: dict[str, Any], path: str, value: Any, expected_path: str, reason: str
) -> None:
    _set(report, path, value)
    with pytest.raises(ValidationError) as caught:
        parse_report(report, now=datetime(2026, 11, 25, tzinfo=UTC))
    assert caught.value.path == expected_path
    assert reason in str(caught.value)


@pytest.mark.parametrize("missing", ["subject", "concern", "grading", "report_id"])
def test_missing_sections_are_named(report: dict[str, Any], missing: str) -> None:
    del report[missing]
    with pytest.raises(ValidationError, match=missing):
        parse_report(report)


def test_subject_needs_an_identifier(report: dict[str, Any]) -> None:
    report["subject"] = {"postcode": "E1 6AN"}
    with pytest.raises(ValidationError, match="at least one of name"):
        parse_report(report)


def test_values_never_appear_in_messages(report: dict[str, Any]) -> None:
    secret = "Zebedee-Quux-07700900777"
    for path in ("subject.given_name", "concern.risk_level", "subject.date_of_birth", "tlp"):
        bad = {**report, "subject": dict(report["subject"]), "concern": dict(report["concern"])}
        _set(bad, path, secret if path != "subject.given_name" else {"x": secret})
        with pytest.raises(ValidationError) as caught:
            parse_report(bad)
        assert secret not in str(caught.value)


def test_an_adult_subject_is_flagged_not_refused(report: dict[str, Any]) -> None:
    report["subject"]["date_of_birth"] = "2001-01-01"
    assert parse_report(report).subject_is_adult
    report["subject"]["date_of_birth"] = "2008-11-21"  # 17 on 2026-11-20
    assert not parse_report(report).subject_is_adult


def test_each_event_type_requires_its_section(report: dict[str, Any]) -> None:
    report["event_type"] = "missing_episode"
    with pytest.raises(ValidationError, match="missing_episode: required"):
        parse_report(report)
    report["missing_episode"] = {"started_at": "2026-11-18T21:00:00Z"}
    assert parse_report(report).missing_episode is not None
    withdrawn = {
        "event_type": "report_withdrawn",
        "report_id": "MPS-1",
        "occurred_at": "2026-11-20T18:30:00Z",
        "grading": {"source": 1, "intelligence": "A", "handling": "P"},
        "withdrawal": {"reason_code": "duplicate"},
    }
    assert parse_report(withdrawn).subject is None
