"""Ground truth beside the events: who each report is really about, and who works together.

Linkage and alert quality can only be measured against the truth: for every report, the true
child and the true offenders behind its associates, the mistakes the agency made (so errors can
be scored by cause), and the list of real offender networks an "offender network" alert should
find. Nothing here is ever published; it is written next to the reports, not into them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from threadline.simulate.population import Child, Offender

__all__ = ["OffenderNetwork", "ReportTruth", "Truth"]


@dataclass(frozen=True, slots=True)
class ReportTruth:
    """The truth about ``Simulation.reports[index]``."""

    index: int
    agency_id: str
    report_id: str
    event_type: str
    occurred_at: str
    child_id: str
    associate_ids: tuple[str, ...]  # offender id per entry of the record's ``associates``
    corruptions: tuple[str, ...]  # e.g. "given_name:typo", "date_of_birth:swap", "phone:stale"
    unlisted_pii: tuple[str, ...]  # kinds the narrative mentions but no field lists
    amends: int | None  # index of the report an update or withdrawal refers to

    def as_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "agency_id": self.agency_id,
            "report_id": self.report_id,
            "event_type": self.event_type,
            "occurred_at": self.occurred_at,
            "child_id": self.child_id,
            "associate_ids": list(self.associate_ids),
            "corruptions": list(self.corruptions),
            "unlisted_pii": list(self.unlisted_pii),
            "amends": self.amends,
        }


@dataclass(frozen=True, slots=True)
class OffenderNetwork:
    """Offenders who work together and the children they exploit."""

    network_id: str
    profile: str
    offender_ids: tuple[str, ...]
    child_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Truth:
    """Everything a benchmark needs to score linkage and alerts."""

    reports: tuple[ReportTruth, ...]
    children: tuple[Child, ...]
    offenders: tuple[Offender, ...]
    networks: tuple[OffenderNetwork, ...]

    def children_by_id(self) -> dict[str, Child]:
        """A lookup table (built on each call: keep it if you need it in a loop)."""
        return {c.child_id: c for c in self.children}

    def reports_about(self, child_id: str) -> Iterator[ReportTruth]:
        return (r for r in self.reports if r.child_id == child_id)

    def summary(self) -> dict[str, Any]:
        """Counts for truth.json and quick sanity checks."""
        events: dict[str, int] = {}
        for r in self.reports:
            events[r.event_type] = events.get(r.event_type, 0) + 1
        return {
            "reports": len(self.reports),
            "children": len(self.children),
            "offenders": len(self.offenders),
            "networks": len(self.networks),
            "events": dict(sorted(events.items())),
        }


def child_json(child: Child) -> dict[str, Any]:
    return {
        "child_id": child.child_id,
        "given_name": child.given_name,
        "family_name": child.family_name,
        "sex": child.sex,
        "origin": child.origin,
        "date_of_birth": child.date_of_birth.isoformat(),
        "nicknames": list(child.nicknames),
        "residences": [
            {"since": r.since.isoformat(), "postcode": r.postcode, "address": r.address}
            for r in child.residences
        ],
        "phones": [{"since": since.isoformat(), "number": n} for since, n in child.phones],
        "emails": list(child.emails),
        "handles": [{"platform": h.platform, "handle": h.handle} for h in child.handles],
        "nhs_number": child.nhs_number,
        "profile": child.profile,
        "missing_prone": child.missing_prone,
        "network_id": child.network_id,
        "offender_ids": list(child.offender_ids),
    }


def offender_json(offender: Offender) -> dict[str, Any]:
    return {
        "offender_id": offender.offender_id,
        "given_name": offender.given_name,
        "family_name": offender.family_name,
        "street_name": offender.street_name,
        "date_of_birth": offender.date_of_birth.isoformat(),
        "phones": list(offender.phones),
        "handles": [{"platform": h.platform, "handle": h.handle} for h in offender.handles],
        "network_id": offender.network_id,
    }
