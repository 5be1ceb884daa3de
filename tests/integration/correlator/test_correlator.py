"""One correlator worker on the real broker: linking, alerts, the DLQ and deduplication."""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from tests.integration.correlator.conftest import (
    ALERTS,
    DLQ,
    SUBJECTS,
    Namespace,
    Worker,
    wait_until,
)
from tests.support.reports import Desk, child, dev_keys, report, suspect
from threadline.cli.main import cli
from threadline.insights.codec import default_codec
from threadline.insights.observations import OBSERVATIONS_TOPIC

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def ns(namespaces: Callable[..., Namespace]) -> Namespace:
    return namespaces()


@pytest.fixture(scope="module")
def worker(ns: Namespace) -> Iterator[Worker]:
    running = ns.worker("single").start()
    running.wait_ready()
    yield running
    assert running.stop() == 0, running.tail()
    assert (running.home / "data" / "CLEAN_SHUTDOWN").exists()


def active_alerts(ns: Namespace, kind: str) -> list[dict[str, Any]]:
    return [
        a for a in ns.latest(ALERTS).values() if a and a["type"] == kind and a["status"] == "active"
    ]


def alerts_about(ns: Namespace, kind: str, *report_ids: str) -> list[dict[str, Any]]:
    wanted = set(report_ids)
    return [a for a in active_alerts(ns, kind) if wanted <= {r["report_id"] for r in a["reports"]}]


def subject_of(ns: Namespace, record_id: str) -> list[str]:
    return [
        sid
        for sid, s in ns.latest(SUBJECTS).items()
        if s and s["status"] == "active" and record_id in s["members"]
    ]


def test_two_agencies_one_child_one_subject_one_alert(ns: Namespace, worker: Worker) -> None:
    ns.publish(
        [
            ("met-police", report("A-MPS-1", child(11), risk="high")),
            ("lbx-csc", report("A-CSC-1", child(11, phones=["07700 922222"]))),
        ]
    )
    (alert,) = wait_until(
        lambda: alerts_about(ns, "cross_agency_link", "A-MPS-1", "A-CSC-1"), 30, "the alert"
    )
    assert alert["agencies"] == ["lbx-csc", "met-police"]
    assert alert["severity"] == "high"  # a high-risk assessment raises it (alert-rules.yaml)
    (sid,) = subject_of(ns, "met-police/A-MPS-1")
    assert subject_of(ns, "lbx-csc/A-CSC-1") == [sid]
    assert alert["subject_ids"] == [sid]
    # the analyst's view, through the CLI, as the analyst principal
    env = {
        "THREADLINE_KAFKA_BOOTSTRAP_SERVERS": ns.cluster.bootstrap,
        "THREADLINE_KAFKA_PASSWORD": ns.cluster.passwords["analyst-mash"],
        "THREADLINE_KAFKA_TOPIC_PREFIX": ns.name,
    }
    result = CliRunner().invoke(
        cli,
        [
            "--as",
            "analyst-mash",
            "alerts",
            "follow",
            "--from-beginning",
            "--json",
            "--type",
            "cross_agency_link",
            "--timeout",
            "8",
        ],
        env=env,
    )
    assert result.exit_code == 0, result.output
    assert alert["alert_id"] in result.output


def test_each_original_report_becomes_one_keyless_observation(
    ns: Namespace, worker: Worker
) -> None:
    """Read as ``insights``: two reports about one child, coarse, the second known."""

    def observed() -> Counter[str]:
        records = ns.read(OBSERVATIONS_TOPIC, principal="insights")
        assert all(r.key is None for r in records)
        return Counter(json.dumps(default_codec().decode(r.value).to_record()) for r in records)

    before = observed()
    ns.publish(
        [
            ("school-0123", report("O-SCH-1", child(12))),
            ("lbx-csc", report("O-CSC-1", child(12, phones=["07700 933333"]))),
        ]
    )
    after = wait_until(
        lambda: (now := observed()).total() >= before.total() + 2 and now, 30, "two observations"
    )
    new = sorted(
        (json.loads(o) for o in (after - before).elements()), key=lambda o: o["agency_type"]
    )
    assert [(o["agency_type"], o["known_to_other_agencies"]) for o in new] == [
        ("school", False),
        ("social_care", True),
    ]
    assert worker.counter("threadline_correlator_observations_total", outcome="published") >= 4


def test_bad_input_goes_to_the_dlq_and_good_input_around_it_is_processed(
    ns: Namespace, worker: Worker, desk: Desk, tmp_path: Path
) -> None:
    good_before = desk.build("met-police", report("B-MPS-1", child(21)))
    tampered = desk.build("met-police", report("B-MPS-2", child(22))).payload
    tampered = tampered.replace(b"B-MPS-2", b"B-MPS-3")  # decodes, but is not what was signed
    stranger = Desk(dev_keys(tmp_path / "stranger", ("charity-safe",)))
    unknown = stranger.build("charity-safe", report("B-CH-1", child(23))).payload
    garbage = b"\x00not avro at all"
    oversized = b"\xc3\x01" + os.urandom(300 * 1024)
    good_after = desk.build("lbx-csc", report("B-CSC-1", child(21)))
    records = [
        {"key": b"B-MPS-1", "value": good_before.payload},
        {"key": b"B-MPS-2", "value": tampered},
        {"key": b"B-CH-1", "value": unknown},
        {"key": b"junk", "value": garbage},
        {"key": b"big", "value": oversized},
        {"key": b"B-CSC-1", "value": good_after.payload},
    ]
    ns.produce(records)
    wait_until(lambda: alerts_about(ns, "cross_agency_link", "B-MPS-1", "B-CSC-1"), 30, "alert")
    dead = wait_until(lambda: [r for r in ns.read(DLQ) if r.key != b"unused"], 20, "dlq")
    by_key = {r.key: r for r in dead}
    expected = {
        b"B-MPS-2": "bad_signature",
        b"B-CH-1": "unknown_agency",
        b"junk": "malformed_event",
        b"big": "oversized_event",
    }
    for key, reason in expected.items():
        record = by_key[key]
        headers = dict(record.headers)
        assert headers["threadline.reason"] == reason.encode()
        assert headers["threadline.source.topic"] == ns.topic("safeguarding.reports.v1").encode()
        assert int(headers["threadline.source.offset"]) >= 0
        assert record.value == next(r["value"] for r in records if r["key"] == key)
        assert b"Aisha" not in headers["threadline.error"]
    assert worker.counter("threadline_correlator_dlq_total", reason="bad_signature") >= 1


def test_replays_and_resends_are_not_double_counted(
    ns: Namespace, worker: Worker, desk: Desk
) -> None:
    raw = report("C-MPS-1", child(31))
    original = desk.build("met-police", raw)
    resend = desk.build("met-police", raw)  # same content, new event id, new ciphertexts
    other = desk.build("school-0123", report("C-SCH-1", child(31)))
    before = {
        kind: worker.counter("threadline_correlator_dedup_hits_total", kind=kind)
        for kind in ("replay", "resend")
    }
    ns.produce(
        [
            {"key": b"C-MPS-1", "value": original.payload},
            {"key": b"C-MPS-1", "value": original.payload},  # exact replay
            {"key": b"C-MPS-1", "value": resend.payload},
            {"key": b"C-SCH-1", "value": other.payload},
        ]
    )
    (alert,) = wait_until(
        lambda: alerts_about(ns, "cross_agency_link", "C-MPS-1", "C-SCH-1"), 30, "the alert"
    )
    assert sorted(r["event_id"] for r in alert["reports"]) == sorted(
        [original.event_id, other.event_id]
    )
    assert worker.counter("threadline_correlator_dedup_hits_total", kind="replay") == (
        before["replay"] + 1
    )
    assert worker.counter("threadline_correlator_dedup_hits_total", kind="resend") == (
        before["resend"] + 1
    )


def test_one_suspect_phone_with_two_children_is_an_offender_network(
    ns: Namespace, worker: Worker
) -> None:
    ns.publish(
        [
            ("met-police", report("D-MPS-1", child(41), associates=[suspect(41)])),
            ("school-0123", report("D-SCH-1", child(42), associates=[suspect(41)])),
        ]
    )
    (network,) = wait_until(
        lambda: alerts_about(ns, "offender_network", "D-MPS-1", "D-SCH-1"), 30, "the network"
    )
    assert len(network["subject_ids"]) == 2
    assert network["reasons"] == [
        {"code": "shared_suspect_phone", "text": "one suspect phone number linked to 2 children"}
    ]
    text = str(network)
    for clear in ("07700", "Bilal", "Chloe", "kid_4"):  # no personal data in an alert
        assert clear not in text
