"""The officer registry: the shipped file loads, and a bad one stops the broker.

Why: four-eyes approval and rank checks are only as good as this file.
"""

from __future__ import annotations

from typing import Any

import pytest

from threadline.broker.errors import RequestRefused
from threadline.broker.officers import OfficerRegistry, Role
from threadline.broker.protocols import Rank
from threadline.errors import ConfigError


def test_the_shipped_registry_has_the_three_liaison_officers() -> None:
    registry = OfficerRegistry.load()
    ranks = {o.principal: o.rank for o in registry}
    assert ranks == {
        "liaison-insp1": Rank.INSPECTOR,
        "liaison-spoc1": Rank.SERGEANT,
        "liaison-spoc2": Rank.SERGEANT,
    }
    assert registry.require("liaison-spoc1", Role.APPROVER).has(Role.SPOC)
    assert not registry.require("liaison-insp1", Role.REQUESTER).has(Role.SPOC)


def test_unknown_principals_and_missing_roles_are_refusals() -> None:
    registry = OfficerRegistry.from_mapping(
        {"version": 1, "officers": {"liaison-x": _officer(roles=["requester"])}}
    )
    with pytest.raises(RequestRefused, match="officer_unknown"):
        registry.require("analyst-mash", Role.REQUESTER)
    with pytest.raises(RequestRefused, match="officer_not_authorised"):
        registry.require("liaison-x", Role.APPROVER)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"rank": "general"}, "general"),
        ({"roles": ["king"]}, "king"),
        ({"email": ""}, "lacks email"),
    ],
)
def test_bad_entries_are_config_errors(change: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        OfficerRegistry.from_mapping({"version": 1, "officers": {"liaison-x": _officer(**change)}})


def _officer(**overrides: Any) -> dict[str, Any]:
    return {
        "display_name": "DS Test",
        "rank": "sergeant",
        "force": "Test Police",
        "email": "t@police.invalid",
        "phone": "+44 20 7946 0999",
        "roles": ["requester", "approver"],
        **overrides,
    }
