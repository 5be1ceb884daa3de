"""Observations on the wire (Avro single-object) and on disk (JSON Lines)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from threadline.contracts import default_registry
from threadline.contracts.schemas import MAGIC, find_schemas_dir
from threadline.errors import MalformedEventError, UnknownFingerprintError, ValidationError
from threadline.insights.codec import ObservationCodec, default_codec, read_jsonl, write_jsonl
from threadline.insights.observations import Observation, ObservationKind
from threadline.insights.vocabulary import (
    AGE_BANDS,
    KNOWN_PLATFORMS,
    exploitation_types,
    indicators,
    platform_roles,
    stages,
)


def _sorted_unique(values: list[str]) -> tuple[str, ...]:
    return tuple(sorted(set(values)))


observations = st.builds(
    Observation,
    week=st.sampled_from(["2025-W01", "2025-W09", "2026-W53", "2020-W53"]),
    kind=st.sampled_from(list(ObservationKind)),
    agency_type=st.sampled_from(["police", "school", "other"]),
    region=st.sampled_from(["london", "north-west", "unknown"]),
    age_band=st.none() | st.sampled_from(AGE_BANDS),
    exploitation_types=st.lists(st.sampled_from(exploitation_types())).map(_sorted_unique),
    stage=st.sampled_from(stages()),
    platforms=st.dictionaries(
        st.sampled_from([*KNOWN_PLATFORMS, "other"]),
        st.lists(st.sampled_from(platform_roles())).map(_sorted_unique),
        max_size=4,
    ).map(lambda d: tuple(sorted(d.items()))),
    warning_signs=st.lists(st.sampled_from(indicators())).map(_sorted_unique),
    known_to_other_agencies=st.booleans(),
)


@settings(max_examples=150, deadline=None)
@given(observations)
def test_avro_round_trip(observation: Observation) -> None:
    data = default_codec().encode(observation)
    assert data[:2] == MAGIC
    assert data[2:10] == default_codec().fingerprint
    assert default_codec().decode(data) == observation


@settings(max_examples=50, deadline=None)
@given(st.lists(observations, max_size=20))
def test_jsonl_round_trip(
    tmp_path_factory: pytest.TempPathFactory, batch: list[Observation]
) -> None:
    path = tmp_path_factory.mktemp("jsonl") / "obs.jsonl"
    assert write_jsonl(path, batch) == len(batch)
    assert list(read_jsonl(path)) == batch


def test_bad_bytes_are_refused_by_kind(simulated: list[Observation]) -> None:
    codec = default_codec()
    data = codec.encode(simulated[0])
    with pytest.raises(MalformedEventError):
        codec.decode(b"{}" + data[2:])
    with pytest.raises(UnknownFingerprintError):
        codec.decode(data[:2] + bytes(8) + data[10:])
    with pytest.raises(MalformedEventError):
        codec.decode(data[:-1])
    with pytest.raises(MalformedEventError):
        codec.decode(data + b"\x00")


def test_a_bad_json_line_is_named_by_number_and_never_quoted(tmp_path: Path) -> None:
    path = tmp_path / "obs.jsonl"
    good = json.dumps(
        Observation.from_record(
            {"week": "2025-W10", "kind": "CONCERN", "agency_type": "police", "region": "london"}
        ).to_record()
    )
    path.write_text(f"{good}\n\n{good.replace('london', 'Aisha Khan')}\n")
    with pytest.raises(ValidationError, match=r"obs.jsonl line 3: region") as caught:
        list(read_jsonl(path))
    assert "Aisha" not in str(caught.value)
    path.write_text("not json {\n")
    with pytest.raises(ValidationError, match="line 1: not valid JSON"):
        list(read_jsonl(path))


def test_the_schema_lives_outside_the_compatibility_gated_contracts() -> None:
    """schemas/insights/ is read by this codec only; the agency contracts never see it."""
    assert (find_schemas_dir() / "insights" / "Observation.avsc").is_file()
    assert not (find_schemas_dir() / "Observation.avsc").exists()
    registry = default_registry()
    assert not any("insights" in name for name in registry.named_types.definitions)
    assert ObservationCodec.load().fingerprint == default_codec().fingerprint
