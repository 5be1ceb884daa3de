"""The public surface of ``threadline.insights`` is deliberate; changing it is a decision."""

from __future__ import annotations

from threadline import insights


def test_the_exported_names_are_pinned() -> None:
    assert insights.__all__ == [
        "OBSERVATIONS_TOPIC",
        "AgencyDirectory",
        "AgencyProfile",
        "InsightsMetrics",
        "Observation",
        "ObservationCodec",
        "ObservationKind",
        "Period",
        "Protection",
        "Relation",
        "ReleaseFiles",
        "Statistics",
        "compile_statistics",
        "default_codec",
        "feasible_ranges",
        "observation_from_event",
        "protect",
        "read_jsonl",
        "write_jsonl",
        "write_release",
    ]
    for name in insights.__all__:
        assert getattr(insights, name) is not None


def test_the_correlator_entry_point_has_the_agreed_signature() -> None:
    import inspect

    signature = inspect.signature(insights.observation_from_event)
    assert list(signature.parameters) == [
        "event_type", "record", "agency_type", "region", "known_to_other_agencies",
    ]  # fmt: skip
    keyword_only = [p.name for p in signature.parameters.values() if p.kind is p.KEYWORD_ONLY]
    assert keyword_only == ["agency_type", "region", "known_to_other_agencies"]
    assert insights.OBSERVATIONS_TOPIC == "safeguarding.observations.v1"
