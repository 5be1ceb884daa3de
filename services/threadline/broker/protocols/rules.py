"""Check a draft data request against its platform protocol before anyone approves it.

Pure functions only: the workflow calls this at drafting time (data minimisation: only identifiers
the platform accepts) and again at approval time (the second officer's rank), and the outcome must
not depend on a clock, a network or a broker. Each violation names a stable rule so audit records
and the liaison officer's screen say *why* without repeating any case data.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from threadline.broker.protocols.model import (
    IdentifierType,
    LegalBasis,
    Protocol,
    Rank,
    RequestType,
    RequestTypeRule,
    rank_at_least,
)

__all__ = ["Rule", "RuleViolation", "validate_request"]


class Rule(StrEnum):
    """Why a draft request breaks its protocol; stable strings, used in audit records and UIs."""

    REQUEST_TYPE_UNAVAILABLE = "request_type_unavailable"
    REQUEST_TYPE_AVAILABILITY_UNKNOWN = "request_type_availability_unknown"
    NO_IDENTIFIER = "no_identifier"
    IDENTIFIER_NOT_ACCEPTED = "identifier_not_accepted"
    IDENTIFIERS_UNKNOWN = "identifiers_unknown"
    LEGAL_BASIS_NOT_ALLOWED = "legal_basis_not_allowed"
    DATE_RANGE_MISSING = "date_range_missing"
    DATE_RANGE_INVERTED = "date_range_inverted"
    DATE_RANGE_TOO_LONG = "date_range_too_long"
    RANK_TOO_LOW = "rank_too_low"
    SPOC_NOT_CONSULTED = "spoc_not_consulted"


@dataclass(frozen=True, slots=True)
class RuleViolation:
    """One broken rule; ``path`` points into the protocol, the message never carries case data."""

    rule: Rule
    path: str
    message: str


def validate_request(
    protocol: Protocol,
    request_type: RequestType,
    *,
    identifier_types: Iterable[IdentifierType],
    legal_basis: LegalBasis,
    date_from: date | None,
    date_to: date | None,
    approver_rank: Rank,
    spoc_consulted: bool | None = None,
) -> list[RuleViolation]:
    """Every way the draft breaks the protocol, in a stable order; empty means it may go ahead.

    Pure: no I/O, no clock. Keyword-only so two dates or two enums can never be swapped silently.
    Date ranges are inclusive of both ends. ``spoc_consulted=None`` means the caller does not track
    SPoC consultation, so that rule is skipped rather than assumed either way.
    """
    rule = protocol.request_type(request_type)
    found = [
        *_availability(protocol.platform, rule),
        *_identifiers(protocol.platform, rule, identifier_types),
        *_legal_basis(rule, LegalBasis(legal_basis)),
        *_date_range(rule, date_from, date_to),
        *_approval(rule, Rank(approver_rank), spoc_consulted),
    ]
    base = f"request_types.{rule.name.value}"
    return [RuleViolation(kind, f"{base}.{path}", message) for kind, path, message in found]


_Found = Iterator[tuple[Rule, str, str]]


def _availability(platform: str, rule: RequestTypeRule) -> _Found:
    if not rule.available.known:
        yield (
            Rule.REQUEST_TYPE_AVAILABILITY_UNKNOWN,
            "available",
            f"{platform} does not publish whether it offers {rule.name.value}; confirm first",
        )
    elif not rule.available.value:
        yield (
            Rule.REQUEST_TYPE_UNAVAILABLE,
            "available",
            f"{platform} does not offer {rule.name.value}",
        )


def _identifiers(platform: str, rule: RequestTypeRule, given: Iterable[IdentifierType]) -> _Found:
    ids, accepted = sorted({IdentifierType(i) for i in given}), rule.accepted_identifiers
    if not ids:
        yield Rule.NO_IDENTIFIER, "accepted_identifiers", "the request names no account identifier"
    elif accepted is None:
        yield (
            Rule.IDENTIFIERS_UNKNOWN,
            "accepted_identifiers",
            f"accepted identifier types for {rule.name.value} are not published",
        )
    else:
        for ident in (i for i in ids if i not in accepted):
            yield (
                Rule.IDENTIFIER_NOT_ACCEPTED,
                "accepted_identifiers",
                f"{ident.value} is not an identifier {platform} accepts",
            )


def _legal_basis(rule: RequestTypeRule, basis: LegalBasis) -> _Found:
    if basis not in rule.legal_bases:
        yield (
            Rule.LEGAL_BASIS_NOT_ALLOWED,
            "legal_bases",
            f"{basis.value} is not a legal basis for {rule.name.value}",
        )


def _date_range(rule: RequestTypeRule, start: date | None, end: date | None) -> _Found:
    limit = rule.max_date_range_days
    if start is None or end is None:
        if "date_range" in rule.mandatory_fields or limit is not None:
            yield (
                Rule.DATE_RANGE_MISSING,
                "mandatory_fields",
                "a start and an end date are required",
            )
    elif end < start:
        yield (
            Rule.DATE_RANGE_INVERTED,
            "max_date_range_days",
            "the end date precedes the start date",
        )
    elif limit is not None and (span := (end - start).days + 1) > limit:
        yield Rule.DATE_RANGE_TOO_LONG, "max_date_range_days", f"{span} days exceeds {limit}"


def _approval(rule: RequestTypeRule, rank: Rank, spoc_consulted: bool | None) -> _Found:
    if not rank_at_least(rank, rule.min_approval_rank):
        yield (
            Rule.RANK_TOO_LOW,
            "min_approval_rank",
            f"approval needs {rule.min_approval_rank.value} or above, not {rank.value}",
        )
    if rule.spoc_consultation_required and spoc_consulted is False:
        yield (
            Rule.SPOC_NOT_CONSULTED,
            "spoc_consultation_required",
            "a single point of contact must be consulted (IPA 2016 s.76)",
        )
