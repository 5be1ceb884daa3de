"""Stage 2 without Kafka: subjects, alerts and their versions from a stream of link records."""

from __future__ import annotations

import json
import random
from typing import Any

import pytest

from tests.unit.correlator.conftest import person
from tests.unit.correlator.synthetic_tokens import tok
from threadline.contracts import new_event_id
from threadline.correlator.alerts import alert_id
from threadline.correlator.linker import Applied, Linker, LinkerState
from threadline.correlator.linkrecords import LinkRecord
from threadline.correlator.model import LinkageModel
from threadline.correlator.records import PersonTokens, encode_person
from threadline.correlator.rules import AlertRules
from threadline.correlator.state import MemoryTable
from threadline.correlator.subjects import subject_id_for

BASE_MS = 1_790_000_000_000
DAY = 86_400_000
AISHA = person(given=["aisha"], family=["khan"], dob=(2011, 4, 3), phones=["a1"])
AISHA_2 = person(given=["aisha"], family=["khan"], dob=(2011, 4, 3), handles=["ah"])
BILAL = person(given=["bilal"], family=["okafor"], dob=(2010, 9, 12), phones=["b1"])
CHLOE = person(given=["chloe"], family=["nowak"], dob=(2012, 2, 21), phones=["c1"])


def link(
    at_ms: int,
    agency: str,
    report: str,
    child: PersonTokens | None = None,
    *,
    kind: str = "concern_raised",
    suspects: tuple[str, ...] = (),
    risk: str | None = "MEDIUM",
    **extra: Any,
) -> LinkRecord:
    """A link record at ``BASE_MS + at_ms`` (its event id minted then, so age follows time)."""
    moment = BASE_MS + at_ms
    return LinkRecord(
        event_id=new_event_id(moment),
        event_type=kind,
        agency_id=agency,
        report_id=report,
        occurred_at=moment - DAY,
        recorded_at=moment,
        published_at=moment,
        source_evaluation="S2",
        intelligence_assessment="B",
        handling_code="P",
        tlp="AMBER",
        child=encode_person(child) if child is not None else None,
        suspects=tuple(sorted(b"ph|" + tok("ph", s) for s in suspects)),
        risk_level=risk,
        **extra,
    )


@pytest.fixture
def linker(model: LinkageModel) -> Linker:
    return Linker(LinkerState.in_memory(), model, AlertRules.load())


def alerts_of(applied: Applied) -> dict[str, dict[str, Any]]:
    return {e.key: e.value for e in applied.emissions if e.topic == "alerts"}


def active_alerts(linker: Linker) -> dict[str, dict[str, Any]]:
    table = linker.state.alerts
    assert isinstance(table, MemoryTable)
    volatile = {"version", "updated_at"}
    return {
        aid: {k: v for k, v in a.items() if k not in volatile}
        for aid, a in table.data.items()
        if a["status"] == "active"
    }


def live_subjects(linker: Linker) -> dict[str, list[str]]:
    table = linker.state.published
    assert isinstance(table, MemoryTable)
    return {s: m["members"] for s, m in table.data.items() if m["status"] == "active"}


def test_two_agencies_one_child_give_one_subject_and_one_alert(linker: Linker) -> None:
    first = linker.apply(link(0, "met-police", "MPS-1", AISHA))
    assert [(e.topic, e.value["type"]) for e in first.emissions] == [("subjects", "created")]
    second = linker.apply(link(1000, "lbx-csc", "CSC-9", AISHA_2))
    subject = subject_id_for("met-police/MPS-1")
    assert second.decision == "joined"
    (alert,) = alerts_of(second).values()
    assert alert["alert_id"] == alert_id("cross_agency_link", subject)
    assert (alert["type"], alert["version"], alert["severity"]) == (
        "cross_agency_link",
        1,
        "medium",
    )
    assert alert["subject_ids"] == [subject]
    assert alert["agencies"] == ["lbx-csc", "met-police"]
    assert [r["report_id"] for r in alert["reports"]] == ["CSC-9", "MPS-1"]
    # a third agency grows the same alert: a new version under the same id, now high
    third = linker.apply(link(2000, "school-0123", "SCH-3", AISHA, risk="LOW"))
    (grown,) = alerts_of(third).values()
    assert (grown["alert_id"], grown["version"], grown["severity"]) == (
        alert["alert_id"],
        2,
        "high",
    )
    # another child's report changes nothing about this alert: it is not re-emitted
    assert alerts_of(linker.apply(link(3000, "met-police", "MPS-7", BILAL))) == {}
    # a new event on a member report is new contributing information: version 3
    more = alerts_of(linker.apply(link(4000, "met-police", "MPS-1", AISHA)))[alert["alert_id"]]
    assert (more["version"], len(more["reports"])) == (3, 4)


def test_redelivered_link_records_are_ignored(linker: Linker) -> None:
    record = link(0, "met-police", "MPS-1", AISHA)
    assert not linker.apply(record).duplicate
    again = linker.apply(record)
    assert again.duplicate
    assert again.emissions == ()


def test_one_suspect_phone_around_two_children_is_an_offender_network(linker: Linker) -> None:
    linker.apply(link(0, "met-police", "MPS-1", AISHA, suspects=("dean",)))
    applied = linker.apply(link(1000, "lbx-csc", "CSC-2", BILAL, suspects=("dean",)))
    (network,) = (a for a in alerts_of(applied).values() if a["type"] == "offender_network")
    assert network["alert_id"] == alert_id("offender_network", "met-police/MPS-1")
    assert network["subject_ids"] == sorted(
        [subject_id_for("met-police/MPS-1"), subject_id_for("lbx-csc/CSC-2")]
    )
    assert network["reasons"] == [
        {"code": "shared_suspect_phone", "text": "one suspect phone number linked to 2 children"}
    ]
    grown = alerts_of(linker.apply(link(2000, "school-0123", "S-3", CHLOE, suspects=("dean",))))
    assert grown[network["alert_id"]]["version"] == 2
    assert grown[network["alert_id"]]["severity"] == "critical"
    # withdrawing two of the three reports dissolves the network: the alert is retired
    linker.apply(link(3000, "school-0123", "S-3", kind="report_withdrawn", risk=None))
    gone = alerts_of(linker.apply(link(4000, "lbx-csc", "CSC-2", kind="report_withdrawn")))
    assert gone[network["alert_id"]]["status"] == "retired"


def test_withdrawal_deletes_the_subject_and_retires_its_alerts(linker: Linker) -> None:
    linker.apply(link(0, "met-police", "MPS-1", AISHA))
    linker.apply(link(1000, "lbx-csc", "CSC-9", AISHA_2))
    applied = linker.apply(link(2000, "lbx-csc", "CSC-9", kind="report_withdrawn", risk=None))
    subject = subject_id_for("met-police/MPS-1")
    (alert,) = alerts_of(applied).values()
    assert (alert["status"], alert["version"]) == ("retired", 2)
    messages = [e.value for e in applied.emissions if e.topic == "subjects"]
    assert messages == [
        {
            "format": "threadline.subject/1",
            "subject_id": subject,
            "status": "active",
            "type": "updated",
            "members": ["met-police/MPS-1"],
            "agencies": ["met-police"],
            "from_ids": [],
            "into_ids": [],
        }
    ]
    last = linker.apply(link(3000, "met-police", "MPS-1", kind="report_withdrawn", risk=None))
    assert [(e.value["status"], e.value["members"]) for e in last.emissions] == [("deleted", [])]


def test_missing_episodes_and_rising_risk_escalate(linker: Linker) -> None:
    linker.apply(link(0, "met-police", "MPS-1", AISHA, risk="LOW"))
    for i in range(3):
        linker.apply(
            link(
                (i + 1) * 5 * DAY,
                "lbx-csc",
                f"CSC-M{i}",
                AISHA_2,
                kind="missing_episode",
                risk="HIGH",
                missing_started_at=BASE_MS + (i + 1) * 5 * DAY,
            )
        )
    alerts = active_alerts(linker)
    (escalation,) = (a for a in alerts.values() if a["type"] == "escalation")
    assert [r["code"] for r in escalation["reasons"]] == ["repeated_missing", "risk_rising"]
    assert escalation["severity"] == "high"
    assert escalation["reasons"][1]["text"] == "risk rose from LOW to HIGH"


def test_a_correction_moves_a_report_between_children(linker: Linker) -> None:
    first = link(0, "met-police", "MPS-1", AISHA)
    linker.apply(first)
    linker.apply(link(1000, "lbx-csc", "CSC-2", BILAL))
    fix = link(2000, "met-police", "MPS-1", BILAL, kind="report_updated")
    fix = LinkRecord(**{**_fields(fix), "supersedes_event_id": first.event_id})
    applied = linker.apply(fix)
    by_id = {e.key: e.value for e in applied.emissions if e.topic == "subjects"}
    # the corrected report's age is now the update's, younger than Bilal's own report
    bilal, aisha = subject_id_for("lbx-csc/CSC-2"), subject_id_for("met-police/MPS-1")
    assert by_id[bilal]["members"] == ["lbx-csc/CSC-2", "met-police/MPS-1"]
    assert (by_id[bilal]["type"], by_id[bilal]["from_ids"]) == ("merged", [aisha])
    assert (by_id[aisha]["status"], by_id[aisha]["into_ids"]) == ("retired", [bilal])


def _fields(record: LinkRecord) -> dict[str, Any]:
    return {
        name: getattr(record, name) for name in LinkRecord.__dataclass_fields__ if name[0] != "_"
    }


def test_interleaving_does_not_change_subjects_or_alerts(model: LinkageModel) -> None:
    """Two 'partitions', each in time order, merged in different orders into the linkage topic."""
    people = [AISHA, AISHA_2, BILAL, CHLOE]
    streams: list[list[LinkRecord]] = [[], []]
    for i in range(24):
        agency = ("met-police", "lbx-csc", "school-0123")[i % 3]
        child = people[i % 4]
        record = link(i * 1000, agency, f"R-{i}", child, suspects=("dean",) if i % 5 == 0 else ())
        streams[i % 2].append(record)
    results = []
    for seed in range(4):
        rng = random.Random(seed)
        queues = [list(s) for s in streams]
        linker = Linker(LinkerState.in_memory(), model, AlertRules.load())
        while any(queues):
            linker.apply(rng.choice([q for q in queues if q]).pop(0))
        results.append((live_subjects(linker), active_alerts(linker)))
    assert all(r == results[0] for r in results[1:])
    assert len(results[0][1]) >= 3


def test_no_token_ever_reaches_an_emission(linker: Linker) -> None:
    tokens = {t for p in (AISHA, AISHA_2, BILAL) for t in p.phones | p.given_name}
    emitted = []
    for i, child in enumerate((AISHA, AISHA_2, BILAL)):
        applied = linker.apply(link(i * 1000, f"agency-{i}", f"R-{i}", child, suspects=("x",)))
        emitted += [json.dumps(e.value) for e in applied.emissions]
    text = "\n".join(emitted)
    for token in tokens | {tok("ph", "x")}:
        assert token.hex() not in text
