"""``observation_from_event``: coarse categories in, nothing that identifies a report or a child."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

import pytest

from threadline.contracts import EventType, decode, encode
from threadline.contracts.examples import full_event, minimal_event
from threadline.errors import ContractError, ValidationError
from threadline.insights.codec import default_codec
from threadline.insights.observations import (
    Observation,
    ObservationKind,
    iso_week,
    observation_from_event,
    week_month,
    week_start,
)


def observe(event_type: EventType | str, record: dict[str, Any], **kwargs: Any) -> Observation:
    options = {"agency_type": "police", "region": "london", "known_to_other_agencies": True}
    observation = observation_from_event(event_type, record, **{**options, **kwargs})
    assert observation is not None
    return observation


def decoded(event_type: EventType, **overrides: Any) -> dict[str, Any]:
    """A record as the correlator holds it: encoded and decoded by the contract codec."""
    return decode(encode(event_type, full_event(event_type, **overrides)))[1]


def test_a_concern_keeps_only_coarse_categories() -> None:
    obs = observe(EventType.CONCERN_RAISED, decoded(EventType.CONCERN_RAISED))
    assert obs == Observation(
        week="2026-W47",
        kind=ObservationKind.CONCERN,
        agency_type="police",
        region="london",
        age_band="13-15",
        exploitation_types=("CSE", "ONLINE_GROOMING"),
        stage="TRUST_DECEPTION",
        platforms=(("instagram", ("GROOMING",)), ("snapchat", ("FIRST_CONTACT",))),
        warning_signs=("GOING_MISSING", "NEW_PHONE", "OLDER_ASSOCIATES"),
        known_to_other_agencies=True,
    )


@pytest.mark.parametrize("event_type", list(EventType))
def test_nothing_identifying_survives_in_any_form(event_type: EventType) -> None:
    """No id, reference, agency, token, ciphertext, free text or exact date in the wire bytes
    or the JSON line of any observation."""
    record = decoded(event_type)
    obs = observation_from_event(
        event_type, record, agency_type="police", region="london", known_to_other_agencies=False
    )
    if obs is None:
        return
    text = json.dumps(obs.to_record())
    wire = default_codec().encode(obs)
    forbidden = [
        record["event_id"],
        record["report_id"],
        record["agency_id"],
        record["signing_key_id"],
        record["occurred_at"].date().isoformat(),
        "2026-11-20",
        "gifts of designer clothes",  # other_indicators: free text
        "CHILD_1",
        "[PHONE_1]",
    ]
    for value in forbidden:
        assert value not in text
        assert value.encode() not in wire
    for token in record["subject"]["tokens"]["given_name"]:
        assert token not in wire
    assert set(obs.to_record()) == {
        "week", "kind", "agency_type", "region", "age_band", "exploitation_types", "stage",
        "platforms", "warning_signs", "known_to_other_agencies",
    }  # fmt: skip


def test_each_original_report_kind_is_one_observation() -> None:
    referral = observe(EventType.REFERRAL_MADE, decoded(EventType.REFERRAL_MADE))
    assert referral.kind is ObservationKind.REFERRAL
    missing = observe(EventType.MISSING_EPISODE, decoded(EventType.MISSING_EPISODE))
    assert missing.kind is ObservationKind.MISSING_EPISODE
    assert missing.warning_signs == ("GOING_MISSING",)
    assert (missing.stage, missing.platforms, missing.exploitation_types) == ("UNKNOWN", (), ())


@pytest.mark.parametrize("event_type", [EventType.REPORT_UPDATED, EventType.REPORT_WITHDRAWN])
def test_updates_and_withdrawals_are_not_counted_again(event_type: EventType) -> None:
    record = decoded(event_type)
    assert (
        observation_from_event(
            event_type, record, agency_type="school", region="london", known_to_other_agencies=True
        )
        is None
    )


def test_every_spelling_of_the_event_type_is_accepted() -> None:
    record = decoded(EventType.CONCERN_RAISED)
    for spelling in ("concern_raised", "ConcernRaised", EventType.CONCERN_RAISED.full_name):
        assert observe(spelling, record).kind is ObservationKind.CONCERN
    with pytest.raises(ContractError):
        observe("something_else", record)


def test_platforms_come_from_a_closed_list_with_roles_merged() -> None:
    record = decoded(EventType.CONCERN_RAISED)
    record["concern"]["platforms"] = [
        {"platform": "insta", "role": "GROOMING"},
        {"platform": "instagram", "role": "COERCION"},
        {"platform": "Twitter", "role": "CONTROL"},
        {"platform": "aisha-khan-2011", "role": "FIRST_CONTACT"},  # free text in the field
        {"platform": "obscure-chat", "role": "FIRST_CONTACT"},
    ]
    obs = observe(EventType.CONCERN_RAISED, record)
    assert obs.platforms == (
        ("instagram", ("COERCION", "GROOMING")),
        ("other", ("FIRST_CONTACT",)),
        ("x", ("CONTROL",)),
    )
    assert "aisha" not in json.dumps(obs.to_record())


def test_an_adult_subject_without_a_band_is_18_plus_and_unknown_age_is_none() -> None:
    record = decoded(EventType.CONCERN_RAISED)
    record["subject"] |= {"age_band": None, "adult_flag": True}
    assert observe(EventType.CONCERN_RAISED, record).age_band == "18+"
    record["subject"] |= {"age_band": None, "adult_flag": False}
    assert observe(EventType.CONCERN_RAISED, record).age_band is None


def test_minimal_events_and_epoch_millis_are_enough() -> None:
    record = minimal_event(EventType.CONCERN_RAISED)
    record["occurred_at"] = int(datetime(2025, 1, 1, 12, tzinfo=UTC).timestamp() * 1000)
    obs = observe(EventType.CONCERN_RAISED, record, known_to_other_agencies=False)
    assert (obs.week, obs.stage, obs.platforms, obs.known_to_other_agencies) == (
        "2025-W01",
        "UNKNOWN",
        (),
        False,
    )


@pytest.mark.parametrize(
    ("moment", "week", "month"),
    [
        (date(2024, 12, 30), "2025-W01", "2025-01"),  # ISO year starts in December
        (date(2021, 1, 3), "2020-W53", "2020-12"),  # and ends in January
        (datetime(2025, 3, 2, 23, 30, tzinfo=UTC), "2025-W09", "2025-02"),
        (date(2025, 10, 30), "2025-W44", "2025-10"),
    ],
)
def test_iso_weeks_and_their_months(moment: date, week: str, month: str) -> None:
    assert iso_week(moment) == week
    assert week_month(week) == month
    assert iso_week(week_start(week)) == week


def test_unknown_symbols_become_other_as_an_avro_reader_would() -> None:
    record = observe(EventType.CONCERN_RAISED, decoded(EventType.CONCERN_RAISED)).to_record()
    record |= {
        "stage": "SOME_FUTURE_STAGE",
        "warning_signs": ["GOING_MISSING", "A_NEW_SIGN"],
        "exploitation_types": ["CSE", "A_NEW_TYPE"],
        "agency_type": "a_new_kind",
        "platforms": {"snapchat": ["A_NEW_ROLE"]},
    }
    obs = Observation.from_record(record)
    assert obs.stage == "UNKNOWN"
    assert obs.warning_signs == ("GOING_MISSING", "OTHER")
    assert obs.exploitation_types == ("CSE", "OTHER")
    assert obs.agency_type == "other"
    assert obs.platforms == (("snapchat", ("OTHER",)),)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("week", "2025-13-01"),
        ("week", "2025-W60"),
        ("kind", "REPORT_UPDATED"),
        ("region", "London Borough of Example"),
        ("age_band", "Aisha, 14"),
        ("known_to_other_agencies", "yes"),
        ("warning_signs", "GOING_MISSING"),
        ("platforms", ["snapchat"]),
    ],
)
def test_malformed_records_are_refused_without_quoting_them(field: str, value: object) -> None:
    record = observe(EventType.CONCERN_RAISED, decoded(EventType.CONCERN_RAISED)).to_record()
    record[field] = value
    with pytest.raises(ValidationError) as caught:
        Observation.from_record(record)
    assert caught.value.path == field
    assert str(value) not in str(caught.value)
