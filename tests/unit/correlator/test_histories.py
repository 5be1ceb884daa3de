"""Report histories and the link-record codec: one child per report, events in and out."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.unit.correlator.conftest import person
from tests.unit.correlator.test_linker import link
from threadline.correlator.histories import (
    ReportHistory,
    decode_history,
    encode_history,
    seq_of,
)
from threadline.correlator.linkrecords import decode_link_record, encode_link_record
from threadline.errors import ContractError

CONCERN = link(0, "met-police", "MPS-1", person(given=["a"], dob=(2011, 4, 3), phones=["p1"]))
EPISODE = link(
    1000,
    "met-police",
    "MPS-1",
    person(given=["a"], dob=(2011, 4, 4), phones=["p2"]),
    kind="missing_episode",
    suspects=("dean",),
)


def test_link_records_round_trip_and_refuse_garbage() -> None:
    assert decode_link_record(encode_link_record(EPISODE)) == EPISODE
    with pytest.raises(ContractError):
        decode_link_record(b"\x02whatever")
    with pytest.raises(ContractError):
        decode_link_record(encode_link_record(EPISODE) + b"\x00")


def test_the_child_is_the_union_of_live_events() -> None:
    history = ReportHistory().apply(CONCERN).apply(EPISODE)
    merged = history.person()
    assert merged is not None
    first, second = CONCERN.person(), EPISODE.person()
    assert first is not None
    assert second is not None
    assert merged.phones == first.phones | second.phones  # a new phone adds, never replaces
    assert merged.dob == second.dob  # single values come from the newest event
    assert history.seq() == seq_of(CONCERN.event_id)  # age is the oldest live event's
    assert history.suspect_keys() == frozenset(EPISODE.suspects)
    assert decode_history(encode_history(history)) == history


def test_updates_supersede_and_withdrawals_remove() -> None:
    history = ReportHistory().apply(CONCERN).apply(EPISODE)
    update = link(2000, "met-police", "MPS-1", person(given=["b"]), kind="report_updated")
    # an update naming no event supersedes earlier concerns, not missing episodes
    after = history.apply(update)
    assert [e.event_id for e in after.events] == [EPISODE.event_id, update.event_id]
    assert after.knows(CONCERN.event_id)
    withdraw_one = link(3000, "met-police", "MPS-1", kind="report_withdrawn")
    withdraw_one = replace(withdraw_one, withdrawn_event_id=EPISODE.event_id)
    assert [e.event_id for e in after.apply(withdraw_one).events] == [update.event_id]
    everything = after.apply(link(4000, "met-police", "MPS-1", kind="report_withdrawn"))
    assert everything.events == ()
    assert everything.person() is None
    assert everything.seq() is None
    assert all(everything.knows(e) for e in (CONCERN.event_id, update.event_id))


def test_an_event_withdrawn_before_it_arrives_is_ignored_when_it_does() -> None:
    early = replace(
        link(5000, "met-police", "MPS-1", kind="report_withdrawn"),
        withdrawn_event_id=EPISODE.event_id,
    )
    assert ReportHistory().apply(early).knows(EPISODE.event_id)
