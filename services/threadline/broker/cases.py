"""What the broker knows about a case without decrypting anything: reports, alerts, subjects.

A draft names a case (an alert, a subject pseudonym or a report) and the broker must find the
report events that hold the encrypted identifiers. This index keeps, per report, the latest event
that names persons, and remembers which reports an alert or a subject pointed at. It never opens
an ``EncryptedField``; the field *shape* (a phone, an e-mail, a handle on a named platform) is all
a proposal needs.

Reports are trusted only if their agency signature verifies (when an agency registry is given):
an unsigned or forged report must not be able to steer a request, and so a decryption, towards
somebody. A report that fails is skipped and counted, never raised: one bad record on the reports
topic must not stop the broker.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from threadline.broker.errors import RequestRefused
from threadline.broker.model import OriginKind
from threadline.contracts.codec import Codec
from threadline.crypto.signatures import AgencyRegistry
from threadline.errors import ThreadlineError

__all__ = ["Alert", "CaseIndex", "ReportEntry", "ReportRef"]


@dataclass(frozen=True, slots=True)
class ReportRef:
    agency_id: str
    report_id: str


@dataclass(slots=True)
class ReportEntry:
    """The latest person-bearing event of one report, and whether the report was withdrawn."""

    ref: ReportRef
    event: dict[str, Any]
    recorded_at: datetime
    withdrawn: bool = False

    @property
    def event_id(self) -> str:
        return str(self.event["event_id"])

    @property
    def occurred_at(self) -> datetime:
        occurred: datetime = self.event["occurred_at"]
        return occurred


@dataclass(frozen=True, slots=True)
class Alert:
    """The part of a correlator alert the broker uses (no personal data in any of it)."""

    alert_id: str
    type: str
    severity: str
    subject_id: str | None
    report_refs: tuple[ReportRef, ...]
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False)
    subject_ids: tuple[str, ...] = ()

    @classmethod
    def from_mapping(cls, alert: Mapping[str, Any]) -> Alert:
        """The correlator's ``threadline.alert/1`` (``reports``, ``subject_ids``), or the older
        single-subject shape (``report_refs``, ``subject_id``) the broker's tests also use."""
        try:
            raw_refs = alert["reports"] if "reports" in alert else alert["report_refs"]
            refs = tuple(ReportRef(str(r["agency_id"]), str(r["report_id"])) for r in raw_refs)
            subjects = tuple(str(s) for s in alert.get("subject_ids") or ())
            if not subjects and alert.get("subject_id"):
                subjects = (str(alert["subject_id"]),)
            return cls(
                alert_id=str(alert["alert_id"]),
                type=str(alert.get("type", "")),
                severity=str(alert.get("severity", "")).lower(),
                subject_id=subjects[0] if subjects else None,
                report_refs=refs,
                raw=alert,
                subject_ids=subjects,
            )
        except (KeyError, TypeError) as exc:
            raise RequestRefused.one(
                "invalid_alert", "alert lacks alert_id or report_refs"
            ) from exc


class CaseIndex:
    """Reports by (agency, report id), alerts by id, subjects to the reports alerts named."""

    def __init__(self, agencies: AgencyRegistry | None = None, codec: Codec | None = None) -> None:
        self._agencies = agencies
        self._codec = codec or Codec()
        self._reports: dict[ReportRef, ReportEntry] = {}
        self._events: dict[str, dict[str, Any]] = {}
        self._alerts: dict[str, Alert] = {}
        self._subjects: dict[str, set[ReportRef]] = {}
        self.skipped = 0

    def add_report_bytes(self, data: bytes) -> bool:
        """Index one record of the reports topic; False (and counted) when it is not usable."""
        try:
            _, record = self._codec.decode(data)
            if self._agencies is not None:
                body, signature = self._codec.split_signature(data)
                self._agencies.verify(
                    record["agency_id"],
                    record["signing_key_id"],
                    body,
                    signature,
                    record["recorded_at"],
                )
        except ThreadlineError:
            self.skipped += 1
            return False
        self.add_event(record)
        return True

    def add_event(self, record: dict[str, Any]) -> None:
        """Index a decoded (and already verified) event."""
        ref = ReportRef(record["agency_id"], record["report_id"])
        entry = self._reports.get(ref)
        if "withdrawn_event_id" in record:  # ReportWithdrawn
            withdrawn_id = record.get("withdrawn_event_id")
            if entry is not None and withdrawn_id in (None, entry.event_id):
                entry.withdrawn = True
            return
        if "subject" not in record:
            return
        self._events[record["event_id"]] = record
        if entry is None or record["recorded_at"] >= entry.recorded_at:
            withdrawn = entry.withdrawn if entry is not None else False
            self._reports[ref] = ReportEntry(ref, record, record["recorded_at"], withdrawn)

    def add_alert(self, alert: Mapping[str, Any] | Alert) -> Alert:
        parsed = alert if isinstance(alert, Alert) else Alert.from_mapping(alert)
        self._alerts[parsed.alert_id] = parsed
        for subject_id in parsed.subject_ids:
            self._subjects.setdefault(subject_id, set()).update(parsed.report_refs)
        return parsed

    def knows(self, ref: ReportRef) -> bool:
        return ref in self._reports

    def refs_for(self, origin_kind: OriginKind, origin_id: str) -> tuple[ReportRef, ...]:
        """The reports a draft's origin names, in a stable order, or a refusal naming why not."""
        if origin_kind is OriginKind.ALERT:
            alert = self._alerts.get(origin_id)
            if alert is None:
                raise RequestRefused.one("unknown_alert", "the broker has not seen that alert")
            return tuple(sorted(set(alert.report_refs), key=_order))
        if origin_kind is OriginKind.SUBJECT:
            refs = self._subjects.get(origin_id)
            if not refs:
                raise RequestRefused.one("unknown_subject", "no alert has named that subject")
            return tuple(sorted(refs, key=_order))
        agency, _, report = origin_id.rpartition("/")
        if agency:
            return (ReportRef(agency, report),)
        matches = [r for r in self._reports if r.report_id == report]
        if len(matches) > 1:
            raise RequestRefused.one(
                "ambiguous_report", "several agencies use that report id: give AGENCY/REPORT"
            )
        return tuple(matches) or (ReportRef("", report),)

    def entries(self, refs: Iterable[ReportRef]) -> list[ReportEntry]:
        """The usable report entries; an unknown or withdrawn report is a refusal."""
        found = []
        for ref in refs:
            entry = self._reports.get(ref)
            if entry is None:
                raise RequestRefused.one("unknown_report", "the broker holds no such report")
            if entry.withdrawn:
                raise RequestRefused.one("report_withdrawn", "a report in the case was withdrawn")
            found.append(entry)
        return found

    def entry(self, agency_id: str, report_id: str) -> ReportEntry | None:
        return self._reports.get(ReportRef(agency_id, report_id))

    def event(self, event_id: str) -> dict[str, Any] | None:
        """Any person-bearing event by id: a request keeps pointing at the event it was drafted
        from even after a later update of the same report."""
        return self._events.get(event_id)

    def __len__(self) -> int:
        return len(self._reports)


def _order(ref: ReportRef) -> tuple[str, str]:
    return ref.agency_id, ref.report_id
