"""The public surface of ``threadline.contracts`` is deliberate; changing it is a decision."""

from __future__ import annotations

from threadline import contracts
from threadline.contracts import examples


def test_the_exported_names_are_pinned() -> None:
    assert contracts.__all__ == [
        "NAMESPACE",
        "Codec",
        "EventSchema",
        "EventType",
        "SchemaRegistry",
        "attach_signature",
        "decode",
        "default_registry",
        "encode",
        "encode_for_signing",
        "event_id_time",
        "load_registry",
        "new_event_id",
        "schema_of",
        "split_signature",
    ]
    for name in contracts.__all__:
        assert getattr(contracts, name) is not None


def test_the_example_builders_are_pinned() -> None:
    assert sorted(examples.__all__) == sorted(
        [
            "AGENCY_ID",
            "ENCRYPTION_SCHEME",
            "EVENT_ID",
            "OCCURRED_AT",
            "RECORDED_AT",
            "TOKEN_SCHEME",
            "concern",
            "encrypted_field",
            "filler",
            "full_event",
            "grading",
            "minimal_event",
            "person",
            "person_tokens",
        ]
    )
