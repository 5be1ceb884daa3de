"""Alert rules as data (``infra/alert-rules.yaml``), validated once, evaluated as pure functions.

Analysts tune *when* an alert fires and *how severe* it is without a code change: the minimum
number of agencies for a cross-agency link, the missing-episode count and window, how many
levels risk must rise, which exploitation stage escalates, how many children make an offender
network. Every rule states a base ``severity`` and optional ``raise_to`` clauses; the result is
the highest severity whose conditions hold, so the file reads as "at least medium; high once
three agencies know the child; critical once anyone assesses critical risk".

Evaluation sees only :class:`~threadline.correlator.linkrecords.LinkRecord` fields (event
times, codes, risk levels), and its findings' texts are built from counts and enum names, so
an alert can never carry personal data from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic import ValidationError as PydanticValidationError

from threadline.config import project_root
from threadline.contracts import EventType
from threadline.correlator.linkrecords import LinkRecord
from threadline.errors import ConfigError

__all__ = [
    "RISKS",
    "SEVERITIES",
    "AlertRules",
    "Finding",
    "default_rules_path",
    "escalation_findings",
    "highest_risk",
]

SEVERITIES = ("low", "medium", "high", "critical")
RISKS = ("LOW", "MEDIUM", "HIGH", "CRITICAL")
STAGES = ("TARGETING", "TRUST_DECEPTION", "MEETING_COERCION", "CONTROL")
Severity = Literal["low", "medium", "high", "critical"]
Risk = Literal["LOW", "MEDIUM", "HIGH", "CRITICAL"]
_DAY_MS = 86_400_000
_HOUR_MS = 3_600_000


class _Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Clause(_Rule):
    """Raise to ``severity`` when every condition given holds."""

    severity: Severity
    min_agencies: int | None = Field(default=None, ge=1)
    min_children: int | None = Field(default=None, ge=1)
    risk_at_least: Risk | None = None

    def holds(self, *, agencies: int, children: int, risk: str | None) -> bool:
        if self.min_agencies is not None and agencies < self.min_agencies:
            return False
        if self.min_children is not None and children < self.min_children:
            return False
        wanted = self.risk_at_least
        return wanted is None or _rank(RISKS, risk) >= _rank(RISKS, wanted)


class Graded(_Rule):
    severity: Severity
    raise_to: tuple[Clause, ...] = ()

    def severity_for(self, *, agencies: int = 0, children: int = 0, risk: str | None = None) -> str:
        levels = [self.severity]
        for clause in self.raise_to:
            if clause.holds(agencies=agencies, children=children, risk=risk):
                levels.append(clause.severity)
        return max(levels, key=SEVERITIES.index)


class CrossAgencyRule(Graded):
    min_agencies: int = Field(default=2, ge=2)


class MissingEpisodesRule(Graded):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: Literal["missing_episodes"]
    min_episodes: int = Field(ge=2)
    window_days: float = Field(gt=0)
    merge_within_hours: float = Field(default=12, ge=0)


class RiskRisingRule(Graded):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: Literal["risk_rising"]
    min_steps: int = Field(default=1, ge=1, le=3)


class StageReachedRule(Graded):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    kind: Literal["stage_reached"]
    stage: Literal["TARGETING", "TRUST_DECEPTION", "MEETING_COERCION", "CONTROL"]


EscalationRule = Annotated[
    MissingEpisodesRule | RiskRisingRule | StageReachedRule, Field(discriminator="kind")
]


class NetworkRule(Graded):
    min_children: int = Field(default=2, ge=2)


class AlertRules(_Rule):
    """The whole rules file."""

    format: Literal["threadline.alert-rules/1"]
    cross_agency_link: CrossAgencyRule
    escalation: tuple[EscalationRule, ...] = ()
    offender_network: NetworkRule

    @model_validator(mode="after")
    def _unique_ids(self) -> AlertRules:
        ids = [rule.id for rule in self.escalation]
        if len(ids) != len(set(ids)):
            raise ValueError("escalation rule ids must be unique")
        return self

    @classmethod
    def load(cls, path: Path | None = None) -> AlertRules:
        """Read and validate a rules file; every problem becomes one ConfigError."""
        path = path or default_rules_path()
        try:
            document = yaml.safe_load(path.read_text(encoding="utf-8"))
        except OSError as exc:
            raise ConfigError(f"alert rules {path}: cannot read it ({exc.strerror})") from exc
        except yaml.YAMLError as exc:
            raise ConfigError(f"alert rules {path}: not valid YAML") from exc
        try:
            return cls.model_validate(document)
        except PydanticValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(map(str, e['loc'])) or 'file'}: {e['msg']}" for e in exc.errors()
            )
            raise ConfigError(f"alert rules {path.name}: {problems}") from None


def default_rules_path() -> Path:
    return project_root() / "infra" / "alert-rules.yaml"


@dataclass(frozen=True, slots=True)
class Finding:
    """One reason for an alert: a stable code, a sentence without personal data, a severity."""

    code: str
    text: str
    severity: str


def _rank(order: Sequence[str], value: str | None) -> int:
    return order.index(value) if value in order else -1


def highest_risk(events: Sequence[LinkRecord]) -> str | None:
    """The highest assessed risk level among ``events`` (UNKNOWN and missing ignored)."""
    ranked = [e.risk_level for e in events if e.risk_level in RISKS]
    return max(ranked, key=RISKS.index) if ranked else None


def escalation_findings(rules: AlertRules, events: Sequence[LinkRecord]) -> list[Finding]:
    """Every escalation rule that holds for one subject's live events, in file order."""
    found: list[Finding] = []
    for rule in rules.escalation:
        finding: Finding | None
        if isinstance(rule, MissingEpisodesRule):
            finding = _missing(rule, events)
        elif isinstance(rule, RiskRisingRule):
            finding = _rising(rule, events)
        else:
            finding = _stage(rule, events)
        if finding is not None:
            found.append(finding)
    return found


def _missing(rule: MissingEpisodesRule, events: Sequence[LinkRecord]) -> Finding | None:
    starts = sorted(
        e.missing_started_at
        for e in events
        if e.kind is EventType.MISSING_EPISODE and e.missing_started_at is not None
    )
    episodes: list[int] = []
    for start in starts:
        if not episodes or start - episodes[-1] > rule.merge_within_hours * _HOUR_MS:
            episodes.append(start)
    best, first = 0, 0
    for last, start in enumerate(episodes):
        while start - episodes[first] > rule.window_days * _DAY_MS:
            first += 1
        best = max(best, last - first + 1)
    if best < rule.min_episodes:
        return None
    return Finding(
        rule.id,
        f"{best} missing episodes within {rule.window_days:g} days",
        rule.severity_for(risk=highest_risk(events)),
    )


def _rising(rule: RiskRisingRule, events: Sequence[LinkRecord]) -> Finding | None:
    timeline = sorted(
        (e.occurred_at, e.event_id, e.risk_level) for e in events if e.risk_level in RISKS
    )
    if len(timeline) < 2:
        return None
    latest = timeline[-1][2]
    lowest = min((r for _, _, r in timeline[:-1]), key=RISKS.index)
    if _rank(RISKS, latest) - _rank(RISKS, lowest) < rule.min_steps:
        return None
    return Finding(rule.id, f"risk rose from {lowest} to {latest}", rule.severity_for(risk=latest))


def _stage(rule: StageReachedRule, events: Sequence[LinkRecord]) -> Finding | None:
    reached = [e.stage for e in events if e.stage in STAGES]
    if not reached:
        return None
    furthest = max(reached, key=STAGES.index)
    if STAGES.index(furthest) < STAGES.index(rule.stage):
        return None
    return Finding(
        rule.id,
        f"exploitation stage {furthest} reported",
        rule.severity_for(risk=highest_risk(events)),
    )
