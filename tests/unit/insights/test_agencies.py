"""The agency registry: every participant has a type and region; strangers count as other."""

from __future__ import annotations

from pathlib import Path

import pytest

from threadline.errors import ConfigError
from threadline.insights.agencies import AGENCY_TYPES, AgencyDirectory, AgencyProfile
from threadline.kafka.topology import load_topology
from threadline.simulate import DEFAULT_AGENCIES


def test_every_agency_in_the_topology_and_the_simulator_is_registered() -> None:
    directory = AgencyDirectory.load()
    for agency in DEFAULT_AGENCIES:
        assert directory.profile(agency.agency_id).agency_type == agency.kind.value
    principals = load_topology().principal_names()
    agencies = [p.removeprefix("agency-") for p in principals if p.startswith("agency-")]
    assert agencies
    for agency_id in agencies:
        assert directory.profile(agency_id).region != "unknown", agency_id


def test_patterns_cover_the_long_tail_and_strangers_are_other() -> None:
    directory = AgencyDirectory.load()
    assert directory.profile("school-9876") == AgencyProfile("school", "unknown")
    assert directory.profile("thames-valley-police").agency_type == "police"
    assert directory.profile("someone-new") == AgencyProfile("other", "unknown")


def test_exact_ids_win_over_patterns_and_patterns_keep_file_order() -> None:
    directory = AgencyDirectory.from_mapping(
        {
            "agencies": {"school-1": {"type": "charity", "region": "london"}},
            "patterns": [
                {"match": "school-*", "type": "school"},
                {"match": "*", "type": "health", "region": "north-west"},
            ],
        }
    )
    assert directory.profile("school-1") == AgencyProfile("charity", "london")
    assert directory.profile("school-2") == AgencyProfile("school", "unknown")
    assert directory.profile("x") == AgencyProfile("health", "north-west")
    assert directory.regions == ("london", "north-west", "unknown")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"agencies": {"a": {"type": "bakery"}}}, "agencies.a: agency type 'bakery'"),
        ({"agencies": {"a": {"type": "police", "region": "Greater London"}}}, "lower-case"),
        ({"agencies": {"a": "police"}}, "agencies.a: needs a 'type'"),
        ({"patterns": [{"type": "police"}]}, r"patterns\[0\]: needs a 'match'"),
        ({"agencies": []}, "must be a mapping"),
        (["police"], "expected a mapping"),
    ],
)
def test_a_bad_registry_names_the_entry(raw: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        AgencyDirectory.from_mapping(raw)


def test_unreadable_files_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        AgencyDirectory.load(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_text("agencies: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        AgencyDirectory.load(bad)


def test_the_types_match_the_simulator_kinds() -> None:
    from threadline.simulate import AgencyKind

    assert set(AGENCY_TYPES) == {k.value for k in AgencyKind}
