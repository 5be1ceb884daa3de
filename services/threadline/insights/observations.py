"""The de-identified observation: one agency report reduced to coarse categories.

Why a separate record and not a view over reports: the ``insights`` principal may read only
``safeguarding.observations.v1``, so whatever statistics need has to be on that topic and nothing
more. An observation keeps the ISO week (not the date), the agency's type and region (not the
agency), the age band (not the date of birth), the enum-coded concern (not the narrative or the
``other_*`` free text), platforms from a closed list (anything else is ``other``) and one bit the
correlator knows: whether the child was already known to another agency. It has no id of any
kind, so two observations cannot be joined to each other or back to a report.

Which events count: each *original* report (a concern, a referral or a missing episode) is one
observation. Updates restate a report already counted and withdrawals carry no content, so
:func:`observation_from_event` returns ``None`` for both rather than count a report twice.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from typing import Any

from threadline.contracts import EventType
from threadline.errors import ValidationError
from threadline.insights.agencies import AGENCY_TYPES
from threadline.insights.vocabulary import (
    AGE_BANDS,
    canonical_platform,
    exploitation_types,
    indicators,
    platform_roles,
    stages,
)

__all__ = [
    "OBSERVATIONS_TOPIC",
    "Observation",
    "ObservationKind",
    "iso_week",
    "observation_from_event",
    "week_month",
    "week_start",
]

OBSERVATIONS_TOPIC = "safeguarding.observations.v1"
"""Logical topic name; clients put ``KafkaSettings.topic_prefix`` in front of it."""

_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
_REGION = re.compile(r"^[a-z][a-z0-9-]{0,39}$")


class ObservationKind(StrEnum):
    """The kind of original report an observation stands for."""

    CONCERN = "CONCERN"
    REFERRAL = "REFERRAL"
    MISSING_EPISODE = "MISSING_EPISODE"


_KINDS = {
    EventType.CONCERN_RAISED: ObservationKind.CONCERN,
    EventType.REFERRAL_MADE: ObservationKind.REFERRAL,
    EventType.MISSING_EPISODE: ObservationKind.MISSING_EPISODE,
}


def iso_week(moment: datetime | date) -> str:
    """``2025-W09``: the ISO 8601 week of a date or of an aware time (taken in UTC)."""
    day = moment.astimezone(UTC).date() if isinstance(moment, datetime) else moment
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def week_start(week: str) -> date:
    """The Monday of an ISO week; :class:`ValidationError` when ``week`` is not one."""
    match = _WEEK.match(week)
    if not match:
        raise ValidationError("week must look like 2025-W09", path="week")
    try:
        return date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError:
        raise ValidationError("week is not a week of that ISO year", path="week") from None


def week_month(week: str) -> str:
    """``2025-03``: the month holding the week's Thursday, which is how ISO assigns weeks to
    years, so every week belongs to exactly one month and months add up to years."""
    thursday = week_start(week) + timedelta(days=3)
    return f"{thursday.year:04d}-{thursday.month:02d}"


@dataclass(frozen=True, slots=True)
class Observation:
    """One report as categories only; build with :meth:`from_record` or
    :func:`observation_from_event`, which normalise, sort and validate."""

    week: str
    kind: ObservationKind
    agency_type: str
    region: str
    age_band: str | None
    exploitation_types: tuple[str, ...]
    stage: str
    platforms: tuple[tuple[str, tuple[str, ...]], ...]
    warning_signs: tuple[str, ...]
    known_to_other_agencies: bool

    @property
    def month(self) -> str:
        return week_month(self.week)

    @property
    def platform_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.platforms)

    def to_record(self) -> dict[str, Any]:
        """The Avro/JSON shape (``schemas/insights/Observation.avsc``)."""
        return {
            "week": self.week,
            "kind": self.kind.value,
            "agency_type": self.agency_type,
            "region": self.region,
            "age_band": self.age_band,
            "exploitation_types": list(self.exploitation_types),
            "stage": self.stage,
            "platforms": {name: list(roles) for name, roles in self.platforms},
            "warning_signs": list(self.warning_signs),
            "known_to_other_agencies": self.known_to_other_agencies,
        }

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Observation:
        """Validate and normalise a record (decoded Avro, a JSON line, or built here).

        Unknown enum symbols become ``OTHER`` (``UNKNOWN`` for the stage) and unknown platforms
        ``other``, as Avro enum defaults would; a malformed week, kind, region or age band is a
        :class:`ValidationError` naming the field, never quoting the value.
        """
        if not isinstance(record, Mapping):
            raise ValidationError("an observation must be a mapping")
        week = _text(record, "week")
        week_start(week)
        try:
            kind = ObservationKind(_text(record, "kind"))
        except ValueError:
            raise ValidationError("kind is not a known observation kind", path="kind") from None
        agency_type = _text(record, "agency_type")
        if agency_type not in AGENCY_TYPES:
            agency_type = "other"
        region = _text(record, "region")
        if not _REGION.match(region):
            raise ValidationError("region must be a lower-case slug", path="region")
        age_band = record.get("age_band")
        if age_band is not None and age_band not in AGE_BANDS:
            raise ValidationError("age_band is not one of the SDK's bands", path="age_band")
        stage = str(record.get("stage") or "UNKNOWN")
        known = record.get("known_to_other_agencies", False)
        if not isinstance(known, bool):
            raise ValidationError("must be true or false", path="known_to_other_agencies")
        return cls(
            week=week,
            kind=kind,
            agency_type=agency_type,
            region=region,
            age_band=age_band,
            exploitation_types=_symbols(record, "exploitation_types", exploitation_types()),
            stage=stage if stage in stages() else "UNKNOWN",
            platforms=_platforms(record.get("platforms") or {}),
            warning_signs=_symbols(record, "warning_signs", indicators()),
            known_to_other_agencies=known,
        )


def observation_from_event(
    event_type: EventType | str,
    record: Mapping[str, Any],
    *,
    agency_type: str,
    region: str,
    known_to_other_agencies: bool,
) -> Observation | None:
    """The observation for one decoded event, or ``None`` when the event is not a new report.

    Pure: no I/O, no clock. ``record`` is what :func:`threadline.contracts.decode` returns;
    ``agency_type`` and ``region`` come from :class:`~threadline.insights.agencies.
    AgencyDirectory`; ``known_to_other_agencies`` is the correlator's own finding.
    """
    kind = _KINDS.get(EventType.parse(event_type))
    if kind is None:
        return None
    subject = record.get("subject") or {}
    concern = record.get("concern") or {}
    age_band = subject.get("age_band")
    if age_band is None and subject.get("adult_flag"):
        age_band = "18+"
    platforms: dict[str, list[str]] = {}
    for use in concern.get("platforms") or ():
        platforms.setdefault(str(use.get("platform", "")), []).append(str(use.get("role")))
    missing = kind is ObservationKind.MISSING_EPISODE
    return Observation.from_record(
        {
            "week": iso_week(_moment(record.get("occurred_at"))),
            "kind": kind.value,
            "agency_type": agency_type,
            "region": region,
            "age_band": age_band if age_band in AGE_BANDS else None,
            "exploitation_types": concern.get("exploitation_types") or [],
            "stage": "UNKNOWN" if missing else concern.get("stage", "UNKNOWN"),
            "platforms": platforms,
            "warning_signs": ["GOING_MISSING"] if missing else concern.get("indicators") or [],
            "known_to_other_agencies": bool(known_to_other_agencies),
        }
    )


def _moment(value: object) -> datetime:
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=value)
    raise ValidationError("occurred_at must be an aware time or epoch millis", path="occurred_at")


def _text(record: Mapping[str, Any], field: str) -> str:
    value = record.get(field)
    if not isinstance(value, str) or not value:
        raise ValidationError("required text is missing", path=field)
    return value


def _symbols(record: Mapping[str, Any], field: str, known: tuple[str, ...]) -> tuple[str, ...]:
    values = record.get(field) or ()
    if isinstance(values, str) or not isinstance(values, Iterable):
        raise ValidationError("must be a list of symbols", path=field)
    return tuple(sorted({v if v in known else "OTHER" for v in map(str, values)}))


def _platforms(raw: object) -> tuple[tuple[str, tuple[str, ...]], ...]:
    if not isinstance(raw, Mapping):
        raise ValidationError("must map platform to roles", path="platforms")
    roles: dict[str, set[str]] = {}
    known = platform_roles()
    for name, used_as in raw.items():
        if isinstance(used_as, str) or not isinstance(used_as, Iterable):
            raise ValidationError("roles must be a list of symbols", path="platforms")
        bucket = roles.setdefault(canonical_platform(str(name)), set())
        bucket.update(r if r in known else "OTHER" for r in map(str, used_as))
    return tuple(sorted((name, tuple(sorted(r))) for name, r in roles.items()))
