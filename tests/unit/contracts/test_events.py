"""Event type spellings and UUIDv7 event ids."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from threadline.contracts import EventType, event_id_time, new_event_id
from threadline.contracts.examples import EVENT_ID, RECORDED_AT
from threadline.errors import ContractError, ValidationError


@pytest.mark.parametrize(
    ("spelling", "expected"),
    [
        ("concern_raised", EventType.CONCERN_RAISED),
        ("ReferralMade", EventType.REFERRAL_MADE),
        ("org.threadline.safeguarding.v1.MissingEpisode", EventType.MISSING_EPISODE),
        (EventType.REPORT_WITHDRAWN, EventType.REPORT_WITHDRAWN),
    ],
)
def test_every_spelling_parses(spelling: str, expected: EventType) -> None:
    assert EventType.parse(spelling) is expected


def test_names_follow_the_schema_files() -> None:
    assert EventType.REPORT_UPDATED.record_name == "ReportUpdated"
    assert EventType.REPORT_UPDATED.full_name == "org.threadline.safeguarding.v1.ReportUpdated"


def test_an_unknown_spelling_is_a_contract_error() -> None:
    with pytest.raises(ContractError, match="unknown event type 'Concern'"):
        EventType.parse("Concern")


def test_new_event_ids_are_uuidv7_carrying_their_time() -> None:
    millis = 1_795_000_000_123
    event_id = new_event_id(millis)
    parsed = uuid.UUID(event_id)
    assert parsed.version == 7 and parsed.variant == uuid.RFC_4122
    assert event_id_time(event_id) == datetime.fromtimestamp(millis / 1000, tz=UTC)


def test_new_event_ids_sort_by_time_and_are_unique() -> None:
    ids = [new_event_id(1_000 + step) for step in range(50)]
    assert ids == sorted(ids)
    assert len({new_event_id(5) for _ in range(1_000)}) == 1_000


def test_the_clock_is_used_by_default() -> None:
    before = datetime.now(UTC).replace(microsecond=0)
    assert event_id_time(new_event_id()) >= before


def test_the_example_id_is_valid() -> None:
    assert event_id_time(EVENT_ID) == RECORDED_AT


@pytest.mark.parametrize("millis", [-1, 1 << 48])
def test_times_outside_48_bits_are_refused(millis: int) -> None:
    with pytest.raises(ValidationError, match="outside the UUIDv7 range"):
        new_event_id(millis)


@pytest.mark.parametrize(
    "text",
    [
        "not-a-uuid",
        str(uuid.uuid4()),
        EVENT_ID.upper(),
        "{" + EVENT_ID + "}",
    ],
)
def test_anything_but_a_canonical_uuidv7_is_refused_without_echo(text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        event_id_time(text)
    assert caught.value.path == "event_id"
    assert text not in str(caught.value)
