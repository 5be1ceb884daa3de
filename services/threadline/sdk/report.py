"""The agency-input format (``docs/agency-input.md``) as validated, typed data.

This is the boundary where an agency system's export meets threadline, so every rule lives
here and fails with a :class:`ValidationError` that names the field *path* and the rule. Values
never appear in a message: they are personal data, and error reports end up in log files and
tickets. Pydantic does the structural work (its Rust core keeps this cheap on the hot path); the
domain rules it cannot express (a subject needs an identifier, a date of birth cannot be in the
future, handling code C needs conditions) follow in ``_domain_rules``.

Enumerations are accepted in the input's lower-case spelling and mapped to the Avro symbols;
anything unknown is refused unless the agency put it in the matching ``other_*`` escape hatch.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from threadline.errors import ValidationError

__all__ = [
    "MAX_NARRATIVE_CHARS",
    "AgencyReport",
    "Associate",
    "Person",
    "parse_report",
]

MAX_NARRATIVE_CHARS = 4000
"""Longer than any real concern summary; an export that exceeds it is usually a whole case
file pasted in, which must not be shared wholesale."""

CLOCK_SKEW = timedelta(minutes=5)
ADULT_AGE = 18

EventKind = Literal[
    "concern_raised", "referral_made", "report_updated", "report_withdrawn", "missing_episode"
]
ExploitationType = Literal[
    "cse",
    "cce",
    "county_lines",
    "trafficking",
    "modern_slavery",
    "online_grooming",
    "sextortion",
    "radicalisation",
    "financial_exploitation",
    "other",
]
Stage = Literal["targeting", "trust_deception", "meeting_coercion", "control", "unknown"]
Indicator = Literal[
    "going_missing",
    "school_exclusion",
    "school_disengagement",
    "unaccompanied_asylum_seeking_child",
    "looked_after_child",
    "unexplained_money_gifts",
    "older_associates",
    "new_phone",
    "multiple_phones",
    "substance_misuse",
    "self_harm",
    "sexual_health_concerns",
    "unexplained_injuries",
    "travel_out_of_area",
    "change_in_behaviour",
    "gang_association",
    "arrested_or_charged",
    "online_contact_with_strangers",
    "other",
]
PlatformRole = Literal[
    "first_contact",
    "grooming",
    "coercion",
    "control",
    "advertising",
    "payment",
    "communication",
    "other",
]
RiskLevel = Literal["low", "medium", "high", "critical"]
Route = Literal[
    "mash",
    "police",
    "nrm",
    "childrens_social_care",
    "health",
    "education",
    "youth_justice",
    "other",
]
Tlp = Literal["clear", "green", "amber", "amber+strict", "red"]
Role = Literal["suspect", "associate", "parent_carer", "professional", "other"]
WithdrawalReason = Literal[
    "entered_in_error",
    "duplicate",
    "wrong_person",
    "not_substantiated",
    "sharing_not_lawful",
    "retention_expired",
    "other",
]

_STRICT = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)
_Text = Field(default=None, min_length=1, max_length=200)


class Handle(BaseModel):
    model_config = _STRICT
    platform: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_.-]+$")
    handle: str = Field(min_length=1, max_length=200)


class Person(BaseModel):
    """Personal fields shared by the subject and associates; all optional, all sensitive."""

    model_config = _STRICT
    given_name: str | None = _Text
    family_name: str | None = _Text
    other_names: list[str] = Field(default_factory=list, max_length=10)
    date_of_birth: date | None = None
    postcode: str | None = Field(default=None, max_length=10)
    address: str | None = Field(default=None, max_length=300)
    phones: list[str] = Field(default_factory=list, max_length=10)
    emails: list[str] = Field(default_factory=list, max_length=10)
    handles: list[Handle] = Field(default_factory=list, max_length=20)

    def has_identifier(self) -> bool:
        return bool(
            self.given_name
            or self.family_name
            or self.date_of_birth
            or self.phones
            or self.emails
            or self.handles
        )


class Associate(Person):
    role: Role = "other"


class PlatformUse(BaseModel):
    model_config = _STRICT
    platform: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_.-]+$")
    role: PlatformRole = "other"


class Concern(BaseModel):
    model_config = _STRICT
    exploitation_types: list[ExploitationType] = Field(default_factory=list)
    other_exploitation_types: list[str] = Field(default_factory=list, max_length=10)
    stage: Stage = "unknown"
    indicators: list[Indicator] = Field(default_factory=list)
    other_indicators: list[str] = Field(default_factory=list, max_length=10)
    platforms: list[PlatformUse] = Field(default_factory=list, max_length=20)
    risk_level: RiskLevel
    referral_routes: list[Route] = Field(default_factory=list)
    narrative: str = Field(default="", max_length=MAX_NARRATIVE_CHARS)


class Grading(BaseModel):
    model_config = _STRICT
    source: Literal[1, 2, 3]
    intelligence: Literal["A", "B", "C", "D", "E"]
    handling: Literal["P", "C"]
    conditions: str | None = Field(default=None, max_length=500)


class MissingDetails(BaseModel):
    model_config = _STRICT
    started_at: AwareDatetime
    ended_at: AwareDatetime | None = None
    return_interview: bool = False
    location_district: str | None = Field(default=None, max_length=8, pattern=r"^[A-Z0-9]+$")
    risk_level: RiskLevel | None = None


class ReferralDetails(BaseModel):
    model_config = _STRICT
    route: Route
    referred_to: str = Field(min_length=1, max_length=200)
    referred_to_agency_id: str | None = Field(default=None, max_length=64)


class UpdateDetails(BaseModel):
    model_config = _STRICT
    supersedes_event_id: str | None = None
    reason: str = Field(min_length=1, max_length=500)


class WithdrawalDetails(BaseModel):
    model_config = _STRICT
    reason_code: WithdrawalReason = "other"
    withdrawn_event_id: str | None = None
    reason: str = Field(default="", max_length=500)


class AgencyReport(BaseModel):
    """One agency report, validated; ``adult_flag`` is derived, never supplied."""

    model_config = _STRICT
    event_type: EventKind
    report_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._/-]*$")
    occurred_at: AwareDatetime
    grading: Grading
    tlp: Tlp = "amber"
    subject: Person | None = None
    associates: list[Associate] = Field(default_factory=list, max_length=20)
    concern: Concern | None = None
    referral: ReferralDetails | None = None
    missing_episode: MissingDetails | None = None
    update: UpdateDetails | None = None
    withdrawal: WithdrawalDetails | None = None

    @property
    def subject_is_adult(self) -> bool:
        """The DOB says 18 or over when it happened: flagged for a person to look at, not dropped
        (an adult may still be a care leaver, or the DOB may be wrong)."""
        dob = self.subject.date_of_birth if self.subject else None
        return dob is not None and age_at(dob, self.occurred_at.date()) >= ADULT_AGE


def age_at(dob: date, on: date) -> int:
    """Completed years of age on ``on``."""
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


def parse_report(raw: Any, *, now: datetime | None = None) -> AgencyReport:
    """Validate one input record; raises ValidationError naming the first failing path."""
    if not isinstance(raw, dict):
        raise ValidationError("a report must be a JSON object", path="")
    try:
        report = AgencyReport.model_validate(raw)
    except PydanticValidationError as exc:
        first = exc.errors(include_url=False, include_input=False, include_context=False)[0]
        path = _path(first["loc"])
        raise ValidationError(f"{path or 'report'}: {_reason(first)}", path=path) from None
    _domain_rules(report, now or datetime.now(UTC))
    return report


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _reason(error: Any) -> str:
    kind = error["type"]
    if kind == "literal_error":
        return "not an allowed value (see docs/agency-input.md)"
    if kind == "extra_forbidden":
        return "unknown field"
    if kind == "missing":
        return "required"
    return str(error["msg"]).replace("Input", "value").replace("input", "value")


_NEEDS = {
    "concern_raised": ("subject", "concern"),
    "referral_made": ("subject", "concern", "referral"),
    "report_updated": ("subject", "concern", "update"),
    "report_withdrawn": ("withdrawal",),
    "missing_episode": ("subject", "missing_episode"),
}


def _domain_rules(report: AgencyReport, now: datetime) -> None:
    for section in _NEEDS[report.event_type]:
        if getattr(report, section) is None:
            raise ValidationError(f"{section}: required for {report.event_type}", path=section)
    if report.occurred_at > now + CLOCK_SKEW or report.occurred_at.year < 1990:
        raise ValidationError("occurred_at: in the future or implausibly old", path="occurred_at")
    if report.grading.handling == "C" and not report.grading.conditions:
        raise ValidationError(
            "grading.conditions: handling code C needs its conditions", path="grading.conditions"
        )
    if report.subject is not None:
        if not report.subject.has_identifier():
            raise ValidationError(
                "subject: needs at least one of name, date of birth, phone, e-mail or handle",
                path="subject",
            )
        dob = report.subject.date_of_birth
        if dob is not None and dob > report.occurred_at.date():
            raise ValidationError(
                "subject.date_of_birth: after occurred_at", path="subject.date_of_birth"
            )
    episode = report.missing_episode
    if (
        episode is not None
        and episode.ended_at is not None
        and (episode.ended_at < episode.started_at)
    ):
        raise ValidationError(
            "missing_episode.ended_at: before started_at", path="missing_episode.ended_at"
        )
