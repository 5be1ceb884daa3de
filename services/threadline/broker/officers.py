"""The officer registry: who a liaison principal is, their rank, and what they may do.

Four-eyes approval is only as good as the broker's knowledge of who is who, so the registry is a
reviewed data file (``infra/officers.yaml``), read once at start-up, and a bad file stops the
broker. Ranks come from :class:`~threadline.broker.protocols.Rank`, the one place ranks are
ordered; this module never compares them itself.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import yaml

from threadline.broker.errors import RequestRefused
from threadline.broker.protocols import Rank, rank_at_least
from threadline.errors import ConfigError

__all__ = ["Officer", "OfficerRegistry", "Role", "default_officers_path"]

_REQUIRED = ("display_name", "rank", "force", "email", "phone", "roles")


class Role(StrEnum):
    """What an officer may do in the workflow (a rank alone does not make an approver)."""

    REQUESTER = "requester"
    APPROVER = "approver"
    SPOC = "spoc"


@dataclass(frozen=True, slots=True)
class Officer:
    """One registered officer; the contact details are what platforms need on the document."""

    principal: str
    display_name: str
    rank: Rank
    force: str
    email: str
    phone: str
    roles: frozenset[Role]
    unit: str = ""
    badge_number: str = ""

    def has(self, role: Role) -> bool:
        return role in self.roles

    def outranks_or_equals(self, minimum: Rank) -> bool:
        return rank_at_least(self.rank, minimum)

    @property
    def title(self) -> str:
        """``DS Alex Morgan (sergeant, MP-41207)`` for documents and tables."""
        badge = f", {self.badge_number}" if self.badge_number else ""
        return f"{self.display_name} ({self.rank.value.replace('_', ' ')}{badge})"


class OfficerRegistry:
    """Principal to :class:`Officer`; lookups that fail become refusals naming the rule."""

    def __init__(self, officers: Mapping[str, Officer]) -> None:
        self._officers = dict(officers)

    def __iter__(self) -> Iterator[Officer]:
        return iter(self._officers[p] for p in sorted(self._officers))

    def __contains__(self, principal: object) -> bool:
        return principal in self._officers

    def get(self, principal: str) -> Officer | None:
        return self._officers.get(principal)

    def require(self, principal: str, role: Role) -> Officer:
        """The officer, if registered and holding ``role``; otherwise a :class:`RequestRefused`."""
        officer = self._officers.get(principal)
        if officer is None:
            raise RequestRefused.one(
                "officer_unknown", f"{principal[:64]!r} is not a registered liaison officer"
            )
        if not officer.has(role):
            raise RequestRefused.one(
                "officer_not_authorised", f"{principal} does not hold the {role.value} role"
            )
        return officer

    @classmethod
    def from_mapping(cls, document: Any, *, source: str = "officers") -> OfficerRegistry:
        if not isinstance(document, Mapping) or document.get("version") != 1:
            raise ConfigError(f"{source}: expected a mapping with version: 1")
        entries = document.get("officers")
        if not isinstance(entries, Mapping) or not entries:
            raise ConfigError(f"{source}: 'officers' must map principals to officers")
        return cls({str(p): _officer(str(p), raw, source) for p, raw in entries.items()})

    @classmethod
    def load(cls, path: Path | None = None) -> OfficerRegistry:
        path = path or default_officers_path()
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"cannot read officer registry {path}: {exc.strerror}") from exc
        except yaml.YAMLError as exc:
            raise ConfigError(f"officer registry {path} is not valid YAML") from exc
        return cls.from_mapping(document, source=str(path))


def _officer(principal: str, raw: Any, source: str) -> Officer:
    where = f"{source}: officers.{principal}"
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where} must be a mapping")
    missing = [k for k in _REQUIRED if not raw.get(k)]
    if missing:
        raise ConfigError(f"{where} lacks {', '.join(missing)}")
    try:
        rank = Rank(raw["rank"])
        roles = frozenset(Role(r) for r in raw["roles"])
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    return Officer(
        principal=principal,
        display_name=str(raw["display_name"]),
        rank=rank,
        force=str(raw["force"]),
        email=str(raw["email"]),
        phone=str(raw["phone"]),
        roles=roles,
        unit=str(raw.get("unit", "")),
        badge_number=str(raw.get("badge_number", "")),
    )


def default_officers_path() -> Path:
    from threadline.config import project_root

    return project_root() / "infra" / "officers.yaml"
