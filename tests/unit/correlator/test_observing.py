"""Observations: drafted in stage 1 from the verified event, completed and emitted in stage 2."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.support.reports import Desk, child, dev_keys, report
from tests.unit.correlator.test_linker import AISHA, AISHA_2, BILAL, link
from threadline.contracts import decode
from threadline.correlator.histories import ReportHistory, decode_history, encode_history
from threadline.correlator.linker import Linker, LinkerState
from threadline.correlator.linkrecords import decode_link_record
from threadline.correlator.model import LinkageModel
from threadline.correlator.observing import Observer, known_to_other_agencies
from threadline.correlator.rules import AlertRules
from threadline.correlator.screening import Forward, ReportScreen
from threadline.correlator.state import MemoryTable
from threadline.correlator.verify import EventVerifier
from threadline.insights.codec import default_codec
from threadline.insights.observations import Observation

NOW = datetime.now(UTC)


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Desk]:
    yield Desk(dev_keys(Path(tmp_path_factory.mktemp("keys")) / "keys"))


@pytest.fixture(scope="module")
def observer() -> Observer:
    return Observer()


def draft_for(observer: Observer, desk: Desk, agency: str, raw: dict[str, Any]) -> bytes:
    event_type, record = decode(desk.build(agency, raw).payload)
    drafted = observer.draft(event_type, record)
    assert drafted is not None
    return drafted


def test_known_means_a_member_from_another_agency() -> None:
    assert not known_to_other_agencies("met-police", [])
    assert not known_to_other_agencies("met-police", ["met-police/A", "met-police/B"])
    assert known_to_other_agencies("met-police", ["met-police/A", "lbx-csc/C"])


def test_a_draft_is_coarse_and_not_yet_known(observer: Observer, desk: Desk) -> None:
    drafted = draft_for(observer, desk, "met-police", report("MPS-1", child(1)))
    observation = default_codec().decode(drafted)
    assert observation.known_to_other_agencies is False
    assert (observation.agency_type, observation.region, observation.kind.value) == (
        "police",
        "london",
        "CONCERN",
    )
    completed = Observation.from_record(observer.complete(drafted, known=True))
    assert completed.known_to_other_agencies is True
    assert default_codec().decode(observer.encode(completed.to_record())) == completed


def test_updates_and_withdrawals_are_not_observed(observer: Observer, desk: Desk) -> None:
    for kind in ("report_updated", "report_withdrawn"):
        raw = report("MPS-1", child(1) if kind == "report_updated" else None, event_type=kind)
        event_type, record = decode(desk.build("met-police", raw).payload)
        assert observer.draft(event_type, record) is None


def test_the_screen_carries_the_draft_to_stage_two(observer: Observer, desk: Desk) -> None:
    gate = ReportScreen(EventVerifier(desk.keys.registry()), MemoryTable(), MemoryTable(), observer)
    payload = desk.build("lbx-csc", report("CSC-1", child(2))).payload
    outcome = gate.screen(payload, received_at=NOW, source=(0, 0))
    assert isinstance(outcome, Forward) and not outcome.unobserved
    carried = decode_link_record(outcome.payload).observation
    assert carried is not None
    assert default_codec().decode(carried).agency_type == "social_care"


def test_histories_do_not_keep_the_observation(observer: Observer, desk: Desk) -> None:
    drafted = draft_for(observer, desk, "met-police", report("MPS-1", child(1)))
    history = ReportHistory().apply(link(0, "met-police", "MPS-1", AISHA, observation=drafted))
    assert history.events[0].observation is None
    assert decode_history(encode_history(history)) == history


def test_the_linker_emits_one_keyless_observation_per_original_report(
    observer: Observer, desk: Desk, model: LinkageModel
) -> None:
    linker = Linker(LinkerState.in_memory(), model, AlertRules.load(), observer=observer)
    drafted = draft_for(observer, desk, "met-police", report("MPS-1", child(1)))

    def observed(record: Any) -> list[dict[str, Any]]:
        emissions = linker.apply(record).emissions
        found = [e for e in emissions if e.topic == "observations"]
        assert all(e.key is None for e in found)
        return [e.value for e in found]

    # the first report about a child: nobody else knew her
    (first,) = observed(link(0, "met-police", "MPS-1", AISHA, observation=drafted))
    assert first["known_to_other_agencies"] is False
    # the same agency again: still not known to *another* agency
    (again,) = observed(link(1000, "met-police", "MPS-2", AISHA, observation=drafted))
    assert again["known_to_other_agencies"] is False
    # a second agency's report links to her subject: known
    (linked,) = observed(link(2000, "lbx-csc", "CSC-9", AISHA_2, observation=drafted))
    assert linked["known_to_other_agencies"] is True
    # another child from that agency: not known
    (other,) = observed(link(3000, "lbx-csc", "CSC-10", BILAL, observation=drafted))
    assert other["known_to_other_agencies"] is False
    # an event without a draft (an update, say) emits no observation
    assert observed(link(4000, "lbx-csc", "CSC-10", BILAL)) == []
