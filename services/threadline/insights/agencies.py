"""Agency id to agency *type* and *region*: the only agency facts a statistic may carry.

Why a registry file and not a guess from the id: which agency is a school or a police force,
and which region it serves, is a fact of the sharing agreement, not of how an id happens to be
spelt; ``infra/agencies.yaml`` records it beside the topology. Patterns (``school-*``) cover the
long tail of schools and trusts without listing each one, and an agency in neither list is
counted as ``other``/``unknown`` rather than refused, because a statistic should still count a
report from an agency someone forgot to register.

The correlator looks the reporting agency up here before calling
:func:`threadline.insights.observations.observation_from_event`.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from threadline.config import project_root
from threadline.errors import ConfigError

__all__ = [
    "AGENCY_TYPES",
    "UNKNOWN_REGION",
    "AgencyDirectory",
    "AgencyProfile",
    "default_agencies_path",
]

AGENCY_TYPES = ("police", "social_care", "school", "health", "charity", "youth_justice", "other")
"""The closed list of agency types (the simulator's ``AgencyKind`` values)."""

UNKNOWN_REGION = "unknown"
_REGION = re.compile(r"^[a-z][a-z0-9-]{0,39}$")


@dataclass(frozen=True, slots=True)
class AgencyProfile:
    """What statistics may say about an agency: its type and region, never its id."""

    agency_type: str
    region: str

    def __post_init__(self) -> None:
        if self.agency_type not in AGENCY_TYPES:
            raise ConfigError(
                f"agency type {self.agency_type!r} is not one of {', '.join(AGENCY_TYPES)}"
            )
        if not _REGION.match(self.region):
            raise ConfigError(
                f"region {self.region!r} must be a lower-case slug such as london or south-east"
            )


UNREGISTERED = AgencyProfile("other", UNKNOWN_REGION)


class AgencyDirectory:
    """Exact ids first, then shell-style patterns in file order; otherwise ``other``."""

    def __init__(
        self,
        exact: Mapping[str, AgencyProfile],
        patterns: Sequence[tuple[str, AgencyProfile]] = (),
    ) -> None:
        self._exact = dict(exact)
        self._patterns = tuple(patterns)

    def profile(self, agency_id: str) -> AgencyProfile:
        """The agency's type and region (``other``/``unknown`` when it is not registered)."""
        found = self._exact.get(agency_id)
        if found is not None:
            return found
        for pattern, profile in self._patterns:
            if fnmatch.fnmatchcase(agency_id, pattern):
                return profile
        return UNREGISTERED

    @property
    def regions(self) -> tuple[str, ...]:
        every = {p.region for p in self._exact.values()} | {p.region for _, p in self._patterns}
        return tuple(sorted(every))

    @classmethod
    def load(cls, path: Path | None = None) -> AgencyDirectory:
        """Read ``infra/agencies.yaml`` (or ``path``); errors name the file and the entry."""
        path = path or default_agencies_path()
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read the agency registry ({exc.strerror})") from exc
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: not valid YAML ({exc})") from exc
        return cls.from_mapping(raw, source=str(path))

    @classmethod
    def from_mapping(cls, raw: Any, *, source: str = "agency registry") -> AgencyDirectory:
        if not isinstance(raw, dict):
            raise ConfigError(f"{source}: expected a mapping with 'agencies' and 'patterns'")
        agencies = raw.get("agencies", {})
        patterns = raw.get("patterns", [])
        agencies = {} if agencies is None else agencies
        patterns = [] if patterns is None else patterns
        if not isinstance(agencies, dict) or not isinstance(patterns, list):
            raise ConfigError(f"{source}: 'agencies' must be a mapping and 'patterns' a list")
        exact = {
            str(agency_id): _profile(entry, f"{source}: agencies.{agency_id}")
            for agency_id, entry in agencies.items()
        }
        ordered: list[tuple[str, AgencyProfile]] = []
        for index, entry in enumerate(patterns):
            where = f"{source}: patterns[{index}]"
            if not isinstance(entry, dict) or not isinstance(entry.get("match"), str):
                raise ConfigError(f"{where}: needs a 'match' pattern")
            ordered.append((entry["match"], _profile(entry, where)))
        return cls(exact, ordered)


def _profile(entry: Any, where: str) -> AgencyProfile:
    if not isinstance(entry, dict) or "type" not in entry:
        raise ConfigError(f"{where}: needs a 'type' (and usually a 'region')")
    try:
        return AgencyProfile(str(entry["type"]), str(entry.get("region", UNKNOWN_REGION)))
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc.message}") from None


def default_agencies_path() -> Path:
    """``<checkout>/infra/agencies.yaml``."""
    return project_root() / "infra" / "agencies.yaml"
