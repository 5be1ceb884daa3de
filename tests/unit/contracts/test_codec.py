"""Single-object encoding: round trips, the signed body, and every way bytes or records fail."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from threadline.contracts import (
    Codec,
    EventType,
    SchemaRegistry,
    decode,
    encode,
    encode_for_signing,
    schema_of,
    split_signature,
)
from threadline.contracts.codec import HEADER_LENGTH
from threadline.errors import MalformedEventError, UnknownFingerprintError, ValidationError

from .conftest import EventFactory

SECRET = "07700 900123"  # stands in for personal data that must never reach a message


def test_full_records_round_trip(
    codec: Codec, event_type: EventType, event_factory: EventFactory
) -> None:
    record = event_factory(event_type)
    data = codec.encode(event_type, record)
    assert data[:2] == b"\xc3\x01"
    assert data[2:HEADER_LENGTH] == codec.registry.current(event_type).fingerprint
    assert codec.decode(data) == (event_type, record)


def test_minimal_records_round_trip_with_defaults_filled(
    codec: Codec, event_type: EventType, event_factory: EventFactory
) -> None:
    record = event_factory(event_type, full=False)
    decoded_type, decoded = codec.decode(codec.encode(event_type, record))
    assert decoded_type is event_type
    assert {key: decoded[key] for key in record} == _with_person_defaults(record, decoded)
    schema_fields = [f["name"] for f in codec.registry.current(event_type).schema["fields"]]
    assert list(decoded) == schema_fields


def _with_person_defaults(record: dict[str, Any], decoded: dict[str, Any]) -> dict[str, Any]:
    """The minimal subject comes back with its defaults filled; everything else is as sent."""
    expected = dict(record)
    if "subject" in record:
        subject = decoded["subject"]
        assert subject["given_name"] is None and subject["handles"] == []
        assert subject["tokens"]["dob"] is None and subject["tokens"]["given_name"] == []
        assert subject["adult_flag"] is False and subject["age_band"] is None
        expected["subject"] = subject
    if "concern" in record:
        concern = decoded["concern"]
        assert concern["stage"] == "UNKNOWN" and concern["redaction_summary"] == {}
        expected["concern"] = concern
    return expected


def test_timestamps_decode_as_aware_utc(codec: Codec, event_factory: EventFactory) -> None:
    _, decoded = codec.decode(codec.encode("concern_raised", event_factory("concern_raised")))
    assert decoded["occurred_at"] == datetime(2026, 11, 20, 18, 30, tzinfo=UTC)
    assert decoded["occurred_at"].tzinfo is not None


def test_integer_millis_are_accepted_for_timestamps(
    codec: Codec, event_factory: EventFactory
) -> None:
    record = event_factory("report_withdrawn", occurred_at=0)
    _, decoded = codec.decode(codec.encode("report_withdrawn", record))
    assert decoded["occurred_at"] == datetime(1970, 1, 1, tzinfo=UTC)


def test_any_spelling_of_the_event_type_encodes_the_same(event_factory: EventFactory) -> None:
    record = event_factory("missing_episode")
    spellings = [EventType.MISSING_EPISODE, "missing_episode", "MissingEpisode"]
    spellings.append(EventType.MISSING_EPISODE.full_name)
    assert len({encode(spelling, record) for spelling in spellings}) == 1


def test_module_functions_use_the_shipped_schemas(event_factory: EventFactory) -> None:
    data = encode("referral_made", event_factory("referral_made"))
    assert decode(data)[0] is EventType.REFERRAL_MADE
    assert schema_of(data).event_type is EventType.REFERRAL_MADE
    assert split_signature(data)[1] == b""
    assert encode_for_signing("referral_made", event_factory("referral_made")) == data


# --- the signed body -------------------------------------------------------------------------


@pytest.mark.parametrize("signature", [b"", b"\x01", bytes(range(64)), b"\xff" * 200])
def test_split_signature_recovers_the_signed_body_without_decoding(
    codec: Codec, event_type: EventType, event_factory: EventFactory, signature: bytes
) -> None:
    unsigned = event_factory(event_type)
    signed = codec.encode(event_type, {**unsigned, "signature": signature})
    body, found = codec.split_signature(signed)
    assert found == signature
    assert body == codec.encode_for_signing(event_type, unsigned)
    assert body == codec.encode(event_type, {**unsigned, "signature": b""})


def test_encode_for_signing_ignores_any_signature_already_present(
    codec: Codec, event_factory: EventFactory
) -> None:
    record = event_factory("concern_raised", signature=b"\x07" * 64)
    assert codec.encode_for_signing("concern_raised", record) == codec.encode(
        "concern_raised", {**record, "signature": b""}
    )
    assert record["signature"] == b"\x07" * 64, "the caller's record is left alone"


@pytest.mark.parametrize(
    ("suffix", "message"),
    [
        (b"", "signature length truncated at byte 10"),
        (b"\x80\x80", "signature length truncated at byte 12"),
        (b"\x80" * 10, "longer than 10 bytes"),
        (b"\x01", "negative signature length"),
        (b"\x80\x01" + b"\x00" * 10, "signature truncated at byte 22"),
    ],
)
def test_split_signature_refuses_broken_lengths(codec: Codec, suffix: bytes, message: str) -> None:
    header = codec.registry.current("concern_raised").prefix
    with pytest.raises(MalformedEventError, match=message):
        codec.split_signature(header + suffix)


# --- bytes that are not an event -------------------------------------------------------------


@pytest.mark.parametrize("data", [b"", b"\xc3", b"\xc3\x01" + b"\x00" * 7])
def test_too_short_is_malformed(codec: Codec, data: bytes) -> None:
    with pytest.raises(MalformedEventError, match=f"too short for an event: {len(data)} bytes"):
        codec.decode(data)


def test_bad_magic_is_malformed(codec: Codec, event_factory: EventFactory) -> None:
    data = codec.encode("concern_raised", event_factory("concern_raised"))
    with pytest.raises(MalformedEventError, match="bad magic 0000"):
        codec.decode(b"\x00\x00" + data[2:])


def test_unknown_fingerprint_names_the_fingerprint(codec: Codec) -> None:
    with pytest.raises(UnknownFingerprintError, match="fingerprint 0102030405060708") as caught:
        codec.decode(b"\xc3\x01\x01\x02\x03\x04\x05\x06\x07\x08" + b"\x00" * 50)
    assert caught.value.code == "unknown_fingerprint"


def test_every_truncation_is_reported_as_truncated(
    codec: Codec, event_type: EventType, event_factory: EventFactory
) -> None:
    data = codec.encode(event_type, event_factory(event_type))
    for end in range(HEADER_LENGTH, len(data)):
        with pytest.raises(MalformedEventError, match=f"truncated at byte {end}"):
            codec.decode(data[:end])


def test_trailing_bytes_are_counted(codec: Codec, event_factory: EventFactory) -> None:
    data = codec.encode("missing_episode", event_factory("missing_episode"))
    with pytest.raises(MalformedEventError, match=f"3 trailing bytes .* at byte {len(data)}"):
        codec.decode(data + b"abc")


def test_an_out_of_range_enum_index_is_malformed(codec: Codec, event_factory: EventFactory) -> None:
    record = event_factory("report_withdrawn", full=False)
    data = codec.encode("report_withdrawn", record)
    # reason_code (DUPLICATE = index 1, zig-zag 02) sits just before the empty reason string.
    assert data.endswith(b"\x00\x02\x00")
    with pytest.raises(MalformedEventError, match="invalid union or enum index"):
        codec.decode(data[:-2] + b"\x7e\x00")


def test_invalid_utf8_is_malformed(codec: Codec, event_factory: EventFactory) -> None:
    data = codec.encode("report_withdrawn", event_factory("report_withdrawn", reason="ab"))
    assert data.endswith(b"\x04ab")
    with pytest.raises(MalformedEventError, match="not UTF-8"):
        codec.decode(data[:-2] + b"\xff\xfe")


# --- records that do not match the schema ----------------------------------------------------


def _person_with(field: str, value: Any) -> dict[str, Any]:
    from threadline.contracts import examples

    return {**examples.person(), field: value}


@pytest.mark.parametrize(
    ("change", "path", "rule"),
    [
        ({"tlp": SECRET}, "tlp", "expected a symbol of Tlp"),
        ({"event_id": None}, "event_id", "expected string"),
        ({"schema_version": SECRET}, "schema_version", "expected int"),
        ({"subject": _person_with("role", SECRET)}, "subject.role", "expected a symbol"),
        ({"subject": _person_with("phones", [SECRET])}, "subject.phones[0]", "expected a"),
        ({"subject": _person_with("given_name", SECRET)}, "subject.given_name", "expected a"),
        ({"subject": _person_with("age_band", 7)}, "subject.age_band", "expected string"),
        (
            {"subject": _person_with("tokens", {"dob": SECRET})},
            "subject.tokens.dob",
            "expected bytes",
        ),
        ({"subject": _person_with("nickname", SECRET)}, "subject.nickname", "not a field"),
        ({"occurred_at": SECRET}, "occurred_at", "expected long"),
    ],
)
def test_invalid_records_name_the_path_and_never_the_value(
    codec: Codec, event_factory: EventFactory, change: dict[str, Any], path: str, rule: str
) -> None:
    record = event_factory("concern_raised", **change)
    with pytest.raises(ValidationError) as caught:
        codec.encode("concern_raised", record)
    error = caught.value
    assert error.path == path
    assert rule in str(error)
    assert error.code == "invalid_report"
    assert SECRET not in str(error)
    assert error.__cause__ is None and error.__suppress_context__, "fastavro's text is dropped"


def test_a_missing_required_field_is_named(codec: Codec, event_factory: EventFactory) -> None:
    record = event_factory("referral_made")
    del record["route"]
    with pytest.raises(ValidationError, match="route: required field missing"):
        codec.encode("referral_made", record)


def test_a_deep_error_in_a_second_associate_is_located(
    codec: Codec, event_factory: EventFactory
) -> None:
    record = event_factory("concern_raised")
    record["associates"].append({**record["associates"][0]})
    record["associates"][1]["handles"] = [{"platform": "tiktok", "handle": {"key_id": SECRET}}]
    with pytest.raises(ValidationError) as caught:
        codec.encode("concern_raised", record)
    assert caught.value.path == "associates[1].handles[0].handle.key_version"
    assert SECRET not in str(caught.value)


def test_map_values_are_checked_without_naming_the_key(
    codec: Codec, event_factory: EventFactory
) -> None:
    record = event_factory("concern_raised")
    record["concern"]["redaction_summary"] = {SECRET: SECRET}
    with pytest.raises(ValidationError) as caught:
        codec.encode("concern_raised", record)
    assert caught.value.path == "concern.redaction_summary{}"
    assert SECRET not in str(caught.value)


def test_a_record_that_is_not_a_mapping_is_refused(codec: Codec) -> None:
    with pytest.raises(ValidationError, match="expected a ConcernRaised record"):
        codec.encode("concern_raised", [SECRET])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "rule"),
    [(1.5, "expected int"), (True, "expected int"), (2**40, "expected int")],
)
def test_validation_closes_what_the_writer_lets_through(
    registry: SchemaRegistry, event_factory: EventFactory, value: object, rule: str
) -> None:
    record = event_factory("concern_raised", schema_version=value)
    Codec(registry).encode("concern_raised", record)  # fastavro narrows it silently
    with pytest.raises(ValidationError, match=f"schema_version: {rule}"):
        Codec(registry, validate=True).encode("concern_raised", record)


def test_validation_accepts_every_example(
    registry: SchemaRegistry, event_type: EventType, event_factory: EventFactory
) -> None:
    strict = Codec(registry, validate=True)
    for record in (event_factory(event_type), event_factory(event_type, full=False)):
        assert strict.encode(event_type, record) == Codec(registry).encode(event_type, record)


@pytest.mark.parametrize("event_type", list(EventType))
@pytest.mark.parametrize("signature", [b"", b"\x01", bytes(range(64)), bytes(200)])
def test_attach_signature_equals_encoding_with_the_signature(
    event_type: EventType, signature: bytes
) -> None:
    from threadline.contracts import attach_signature, encode, encode_for_signing, split_signature
    from threadline.contracts.examples import full_event

    record = full_event(event_type)
    signed = attach_signature(encode_for_signing(event_type, record), signature)
    assert signed == encode(event_type, {**record, "signature": signature})
    assert split_signature(signed) == (encode_for_signing(event_type, record), signature)


def test_attach_signature_refuses_a_signed_body() -> None:
    from threadline.contracts import attach_signature, encode
    from threadline.contracts.examples import full_event

    signed = encode(EventType.CONCERN_RAISED, {**full_event("concern_raised"), "signature": b"x"})
    with pytest.raises(MalformedEventError, match="already carries a signature"):
        attach_signature(signed, b"y")


_ENCRYPTED_FIELD = "org.threadline.safeguarding.v1.EncryptedField"
_OPTIONAL_FIELDS = ("given_name", "family_name", "date_of_birth", "postcode", "address")


def _named_branches(person: dict[str, Any]) -> dict[str, Any]:
    return {
        key: (_ENCRYPTED_FIELD, value) if key in _OPTIONAL_FIELDS and value is not None else value
        for key, value in person.items()
    }


def test_tuple_unions_name_the_branch_and_write_the_same_bytes(
    registry: SchemaRegistry, event_factory: EventFactory
) -> None:
    record = event_factory(EventType.CONCERN_RAISED)
    named = {
        **record,
        "subject": _named_branches(record["subject"]),
        "associates": [_named_branches(a) for a in record["associates"]],
    }
    assert named != record
    plain = Codec(registry).encode(EventType.CONCERN_RAISED, record)
    assert Codec(registry, tuple_unions=True).encode(EventType.CONCERN_RAISED, named) == plain
    with pytest.raises(ValidationError):  # without the option a tuple is not a record
        Codec(registry).encode(EventType.CONCERN_RAISED, named)
