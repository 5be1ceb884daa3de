"""What to simulate: population size, agencies, time window, and how messy the data is.

Every knob has a default that produces a plausible multi-agency picture, so
``simulate(SimulationConfig(seed=1))`` is enough for a demo and tests override only what they
measure. The configuration is frozen and validated up front: a bad value fails with a
:class:`ConfigError` naming the setting instead of producing a quietly odd data set.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from enum import StrEnum

from threadline.errors import ConfigError

__all__ = [
    "DEFAULT_AGENCIES",
    "Agency",
    "AgencyKind",
    "CorruptionRates",
    "EventMix",
    "SimulationConfig",
]


class AgencyKind(StrEnum):
    """What an agency is decides which fields it holds and which events it raises."""

    POLICE = "police"
    SOCIAL_CARE = "social_care"
    SCHOOL = "school"
    HEALTH = "health"
    CHARITY = "charity"
    YOUTH_JUSTICE = "youth_justice"
    OTHER = "other"


# Read an agency id ("met-police", "lbx-csc") for its kind, first match wins.
_KIND_HINTS = (
    ("police", AgencyKind.POLICE),
    ("csc", AgencyKind.SOCIAL_CARE),
    ("social", AgencyKind.SOCIAL_CARE),
    ("school", AgencyKind.SCHOOL),
    ("academy", AgencyKind.SCHOOL),
    ("nhs", AgencyKind.HEALTH),
    ("health", AgencyKind.HEALTH),
    ("charity", AgencyKind.CHARITY),
    ("yjs", AgencyKind.YOUTH_JUSTICE),
    ("youth", AgencyKind.YOUTH_JUSTICE),
)


@dataclass(frozen=True, slots=True)
class Agency:
    """One agency that files reports; ``agency_id`` names its output file."""

    agency_id: str
    kind: AgencyKind

    @classmethod
    def from_id(cls, agency_id: str) -> Agency:
        """Guess the kind from the id, so a plain list of ids is a valid configuration."""
        lowered = agency_id.lower()
        kind = next((k for hint, k in _KIND_HINTS if hint in lowered), AgencyKind.OTHER)
        return cls(agency_id, kind)


DEFAULT_AGENCIES: tuple[Agency, ...] = (
    Agency("met-police", AgencyKind.POLICE),
    Agency("lbx-csc", AgencyKind.SOCIAL_CARE),
    Agency("school-0123", AgencyKind.SCHOOL),
    Agency("nhs-trust-rx", AgencyKind.HEALTH),
    Agency("charity-safe", AgencyKind.CHARITY),
    Agency("yjs-lbx", AgencyKind.YOUTH_JUSTICE),
)


@dataclass(frozen=True, slots=True)
class CorruptionRates:
    """How often an agency's record of a child differs from the truth.

    Rates apply once per *agency view* (one agency's record of one child), because a typo made
    at intake is repeated in every later report from that agency until a ``report_updated``
    corrects it. ``unlisted_pii`` applies per report.
    """

    typo_given: float = 0.06  # insert / delete / transpose / substitute one letter
    typo_family: float = 0.06
    name_variant: float = 0.12  # transliteration (Mohammed/Muhammad) or nickname (Bob/Robert)
    other_names: float = 0.25  # the agency also records a name the child goes by
    dob_swap: float = 0.05  # day and month swapped (only where that is still a date)
    dob_year: float = 0.01  # year off by one
    stale_postcode: float = 0.5  # after a move, the agency still has the old address
    stale_phone: float = 0.4  # after a new phone, the agency still has the old number
    suspect_typo: float = 0.05  # per associate mention
    unlisted_pii: float = 0.15  # narrative mentions a phone, e-mail, NHS number or URL not listed


@dataclass(frozen=True, slots=True)
class EventMix:
    """Share of each event type across all reports (first reports are always concerns or
    referrals; missing episodes cluster on children who go missing)."""

    concern_raised: float = 0.56
    referral_made: float = 0.14
    missing_episode: float = 0.17
    report_updated: float = 0.10
    report_withdrawn: float = 0.03


@dataclass(frozen=True, slots=True)
class SimulationConfig:
    """Everything :func:`threadline.simulate.simulate` needs; same config, same output."""

    seed: int = 0
    children: int = 1_000
    reports: int = 5_000
    agencies: tuple[Agency | str, ...] = DEFAULT_AGENCIES
    start: datetime = datetime(2025, 3, 1, tzinfo=UTC)  # also the reference date for ages
    days: int = 240
    offenders: int | None = None  # default: 8% of the number of children
    networked_share: float = 0.4  # children exploited by a known offender network
    report_skew: float = 1.5  # lognormal sigma of reports per child: most 1-3, a few dozens
    adult_share: float = 0.005  # "children" who are in fact 18+ (tests the adult flag)
    turning_18_share: float = 0.03  # 17-year-olds who turn 18 inside the window
    moved_share: float = 0.15  # children who move house once
    new_phone_share: float = 0.25  # children who change phone number once
    corruption: CorruptionRates = field(default_factory=CorruptionRates)
    events: EventMix = field(default_factory=EventMix)
    agency_table: tuple[Agency, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        agencies = tuple(a if isinstance(a, Agency) else Agency.from_id(a) for a in self.agencies)
        object.__setattr__(self, "agency_table", agencies)
        ids = [a.agency_id for a in agencies]
        if not ids or len(set(ids)) != len(ids):
            raise ConfigError("agencies: need at least one, and ids must be unique")
        if self.children < 1 or self.reports < self.children:
            raise ConfigError("children >= 1 and reports >= children (every child is reported)")
        if self.days < 1:
            raise ConfigError("days: the window must be at least one day")
        if self.start.tzinfo is None:
            raise ConfigError("start: needs a time zone, e.g. datetime(2025, 3, 1, tzinfo=UTC)")
        if self.offenders is not None and self.offenders < 1:
            raise ConfigError("offenders: at least one when set")
        shares = (
            "networked_share",
            "adult_share",
            "turning_18_share",
            "moved_share",
            "new_phone_share",
        )
        for name in shares:
            _check_rate(name, getattr(self, name))
        for f in fields(self.corruption):
            _check_rate(f"corruption.{f.name}", getattr(self.corruption, f.name))
        mix = [getattr(self.events, f.name) for f in fields(self.events)]
        if any(v < 0 for v in mix) or self.events.concern_raised + self.events.referral_made <= 0:
            raise ConfigError("events: shares must be >= 0 with some concerns or referrals")

    @property
    def offender_count(self) -> int:
        """The configured number of offenders, or the default share of children."""
        return self.offenders if self.offenders is not None else max(2, self.children * 8 // 100)


def _check_rate(name: str, value: float) -> None:
    if not 0.0 <= value <= 1.0:
        raise ConfigError(f"{name}: must be between 0 and 1")
