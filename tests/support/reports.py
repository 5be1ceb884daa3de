"""Signed agency reports for the correlator's tests, built by the real SDK, about invented children.

``Desk(keys).build(agency, raw)`` validates, redacts, encrypts, tokenises and signs exactly as an
agency's system would, without Kafka, so the bytes are what the correlator meets in production.
The people come from :func:`child` and :func:`suspect`: invented names, dates in the past, phone
numbers from Ofcom's drama ranges, nothing real.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from threadline.crypto import Keystore, init_dev_keys
from threadline.sdk.builder import BuiltEvent
from threadline.sdk.client import AgencyClient
from threadline.sdk.sink import MemorySink

AGENCIES = ("met-police", "lbx-csc", "school-0123")
_GIVEN = ("Aisha", "Bilal", "Chloe", "Dmitri", "Efua", "Farah", "Gethin", "Hana", "Idris", "Jade")
_FAMILY = ("Khan", "Okafor", "Nowak", "Evans", "Mensah", "Rossi", "Hughes", "Tanaka", "Ali", "Moss")


def dev_keys(root: Path, agencies: tuple[str, ...] = AGENCIES) -> Keystore:
    """A development keys directory whose registry is valid from a day ago."""
    return init_dev_keys(root, agencies=agencies, now=datetime.now(UTC) - timedelta(days=1))


def child(n: int, **overrides: Any) -> dict[str, Any]:
    """Invented child number ``n``: a name, a date of birth, a phone and a handle of its own."""
    person: dict[str, Any] = {
        "given_name": _GIVEN[n % 10],
        "family_name": _FAMILY[(n // 10) % 10] + ("" if n < 100 else f"-{n // 100}"),
        "date_of_birth": f"{2008 + n % 8}-{1 + n % 12:02d}-{1 + (n * 7) % 27:02d}",
        "postcode": f"E{1 + n % 9} {n % 10}AB",
        "phones": [f"07700 9{n % 100000:05d}"],
        "handles": [{"platform": "snapchat", "handle": f"kid_{n}_x"}],
    }
    person.update(overrides)
    return person


def suspect(n: int) -> dict[str, Any]:
    """Invented suspect ``n`` with a phone (the identifier offender networks link on)."""
    return {"role": "suspect", "phones": [f"07700 8{n % 100000:05d}"]}


def report(
    report_id: str,
    subject: dict[str, Any] | None,
    *,
    event_type: str = "concern_raised",
    associates: list[dict[str, Any]] | None = None,
    risk: str = "medium",
    occurred_at: datetime | None = None,
    tlp: str = "amber",
    **sections: Any,
) -> dict[str, Any]:
    """An agency-input report (docs/agency-input.md) with the sections its type needs."""
    raw: dict[str, Any] = {
        "event_type": event_type,
        "report_id": report_id,
        "occurred_at": (occurred_at or datetime.now(UTC) - timedelta(days=2)).isoformat(),
        "grading": {"source": 2, "intelligence": "B", "handling": "P"},
        "tlp": tlp,
    }
    if subject is not None:
        raw["subject"] = subject
    if event_type in ("concern_raised", "referral_made", "report_updated"):
        raw["concern"] = {"exploitation_types": ["cse"], "risk_level": risk}
        raw["associates"] = associates or []
    if event_type == "referral_made":
        raw.setdefault("referral", {"route": "mash", "referred_to": "the MASH"})
    if event_type == "report_updated":
        raw.setdefault("update", {"reason": "corrected details"})
    if event_type == "report_withdrawn":
        raw.setdefault("withdrawal", {"reason_code": "entered_in_error"})
    raw.update(sections)
    return raw


class Desk:
    """Builds signed report bytes for any registered agency (one client per agency)."""

    def __init__(self, keys: Keystore) -> None:
        self.keys = keys
        self._clients: dict[str, AgencyClient] = {}

    def client(self, agency: str) -> AgencyClient:
        if agency not in self._clients:
            self._clients[agency] = AgencyClient(agency, keys=self.keys, sink=MemorySink())
        return self._clients[agency]

    def build(self, agency: str, raw: dict[str, Any]) -> BuiltEvent:
        return self.client(agency).prepare(raw)
