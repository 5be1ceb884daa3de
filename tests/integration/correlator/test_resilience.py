"""Same input, same result: one worker, two workers, and a worker killed with -9 mid-stream.

The input is published once (signed by the SDK) into a namespace whose reports topic has four
partitions, then copied record for record (same partition, key, bytes and timestamp) into fresh
namespaces, so every run reads an identical topic. The interleaving of the four partitions into
the linkage topic still differs from run to run; subjects and active alerts must not.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.integration.correlator.conftest import (
    ALERTS,
    REPORTS,
    SUBJECTS,
    Namespace,
    wait_until,
)
from tests.support.reports import child, report, suspect

pytestmark = [pytest.mark.integration, pytest.mark.slow]

AGENCIES = ("met-police", "lbx-csc", "school-0123")
Outcome = tuple[dict[str, list[str]], dict[str, dict[str, Any]]]


def scenario() -> list[tuple[str, dict[str, Any]]]:
    """Twelve children; cross-agency links, two offender networks, escalations, a correction
    and a withdrawal."""
    base = datetime.now(UTC) - timedelta(days=20)
    out: list[tuple[str, dict[str, Any]]] = []
    for i in range(12):
        for k in range(1 + i % 3):
            agency = AGENCIES[(i + k) % 3]
            associates = [suspect(i % 4)] if i % 2 == 0 else []
            risk = "high" if (i == 3 and k == 1) else "low" if i == 3 else "medium"
            person = child(200 + i, phones=[f"07700 95{i:02d}{k:02d}"])
            raw = report(f"R{i}-{k}", person, associates=associates, risk=risk, occurred_at=base)
            out.append((agency, raw))
    for day in (1, 9, 17):  # three missing episodes within 30 days
        started = base + timedelta(days=day)
        episode = {"started_at": started.isoformat(), "risk_level": "high"}
        raw = report(f"M1-{day}", child(201), event_type="missing_episode", occurred_at=started)
        out.append(("lbx-csc", {**raw, "missing_episode": episode}))
    update = report("R5-0", child(205), event_type="report_updated", occurred_at=base)
    out.append(("lbx-csc", update))
    out.append(("lbx-csc", report("R7-1", None, event_type="report_withdrawn", occurred_at=base)))
    return out


@pytest.fixture(scope="module")
def source(namespaces: Callable[..., Namespace]) -> list[dict[str, Any]]:
    """The scenario published once; returns its records for copying."""
    ns = namespaces(reports_partitions=4)
    ns.publish(scenario())
    records = ns.read(REPORTS)
    assert len({r.partition for r in records}) == 4
    return [
        {"key": r.key, "value": r.value, "partition": r.partition, "timestamp_ms": r.timestamp}
        for r in sorted(records, key=lambda r: (r.partition, r.offset))
    ]


def outcome(ns: Namespace) -> Outcome:
    subjects = {
        sid: s["members"]
        for sid, s in ns.latest(SUBJECTS).items()
        if s is not None and s["status"] == "active"
    }
    alerts = {
        aid: {k: v for k, v in a.items() if k not in ("version", "emitted_at")}
        for aid, a in ns.latest(ALERTS).items()
        if a is not None and a["status"] == "active"
    }
    return subjects, alerts


def settled(ns: Namespace, expected: Outcome | None = None) -> Callable[[], Outcome | None]:
    """A check that returns the outcome once it equals ``expected`` (or stops changing)."""
    last: list[Outcome] = []

    def check() -> Outcome | None:
        now = outcome(ns)
        if expected is not None:
            return now if now == expected else None
        done = bool(last) and now == last[-1] and bool(now[1])
        last.append(now)
        return now if done else None

    return check


@pytest.fixture(scope="module")
def baseline(namespaces: Callable[..., Namespace], source: list[dict[str, Any]]) -> Outcome:
    """One worker over the copied input: the reference result."""
    ns = namespaces(reports_partitions=4)
    ns.produce(source)
    worker = ns.worker("one").start()
    try:
        worker.wait_ready()
        result: Outcome = wait_until(settled(ns), 60, "the single worker to settle")
    finally:
        assert worker.stop() == 0, worker.tail()
    alerts = result[1]
    kinds = sorted(a["type"] for a in alerts.values())
    assert kinds.count("offender_network") == 2
    assert "escalation" in kinds
    assert "cross_agency_link" in kinds
    return result


def test_two_workers_give_the_same_subjects_and_alerts(
    namespaces: Callable[..., Namespace], source: list[dict[str, Any]], baseline: Outcome
) -> None:
    ns = namespaces(reports_partitions=4)
    workers = [ns.worker("a").start(), ns.worker("b").start()]
    try:
        for worker in workers:
            worker.wait_ready()
        ns.produce(source)
        wait_until(settled(ns, baseline), 60, "two workers to reach the baseline")
        steps = [
            w.counter("threadline_correlator_step_seconds_count", stage="verify") for w in workers
        ]
        assert all(steps), f"both workers verify: {steps}"
    finally:
        for worker in workers:
            assert worker.stop() == 0, worker.tail()


def test_kill_minus_nine_mid_stream_changes_nothing(
    namespaces: Callable[..., Namespace], source: list[dict[str, Any]], baseline: Outcome
) -> None:
    ns = namespaces(reports_partitions=4)
    third = len(source) // 3
    worker = ns.worker("k").start()
    worker.wait_ready()
    ns.produce(source[:third])

    def linking() -> bool:
        return worker.counter("threadline_correlator_step_seconds_count", stage="link") >= 3

    wait_until(linking, 30, "some linking")
    ns.produce(source[third : 2 * third])
    worker.kill()  # mid-stream: the second third is being verified and linked
    assert not (worker.home / "data" / "CLEAN_SHUTDOWN").exists()
    worker.start()
    try:
        worker.wait_ready()
        ns.produce(source[2 * third :])
        wait_until(settled(ns, baseline), 90, "the restarted worker to reach the baseline")
    finally:
        assert worker.stop() == 0, worker.tail()
    assert "local stores wiped" in worker.log_path.read_text()
    # at-least-once publication never shows two contents under one (alert_id, version),
    # and versions of one alert never go backwards
    contents: dict[tuple[str, int], dict[str, Any]] = {}
    latest: dict[str, int] = {}
    for record in ns.read(ALERTS):
        alert = json.loads(record.value)
        alert.pop("emitted_at", None)
        key = (alert["alert_id"], alert["version"])
        assert contents.setdefault(key, alert) == alert
        assert alert["version"] >= latest.get(alert["alert_id"], 0)
        latest[alert["alert_id"]] = alert["version"]
