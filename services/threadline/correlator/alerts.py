"""Alerts: stable ids, content without personal data, versions that only ever go up.

An alert is a JSON object (UTF-8) on the compacted ``safeguarding.alerts.v1``, keyed by
``alert_id``. JSON because its readers are analysts' tools and the CLI, and every field is a
code, a count, a time or a pseudonymous reference; nothing in it is personal data or a token.

===================  ===========================================================================
 field                meaning
===================  ===========================================================================
 format               ``threadline.alert/1``
 alert_id             ``alrt-`` + 24 hex digits of BLAKE2b over the type and an *anchor*: the
                      subject id (cross-agency link, escalation) or the oldest contributing
                      report of the network (offender network; never a suspect token, nor a
                      hash of one, which anyone holding the linkage secret could test)
 type                 ``cross_agency_link`` | ``escalation`` | ``offender_network``
 status               ``active``, or ``retired`` (its subject merged away, the condition no
                      longer holds); ``superseded_by`` then names the alerts that took over
 severity             ``low`` | ``medium`` | ``high`` | ``critical`` (infra/alert-rules.yaml)
 version              1, 2, ... : a new version only when the content changed
 reasons              ``[{code, text}]``: rule codes and sentences built from counts and codes
 subject_ids          pseudonymous subject ids (sorted)
 reports              contributing ``[{agency_id, report_id, event_id}]`` (sorted)
 agencies             agencies behind the contributing reports (sorted)
 highest_grading      the most reliable ``{source_evaluation, intelligence_assessment}`` among
                      them; ``handling_code`` is ``C`` if any report is C; ``tlp`` the most
                      restrictive marking (CLEAR < GREEN < AMBER < AMBER_STRICT < RED)
 first_seen           earliest ``occurred_at`` of the contributing events (ISO 8601, UTC)
 updated_at           latest ``recorded_at`` of the contributing events; event times, not the
                      wall clock, so re-processing gives the same alert
 emitted_at           wall-clock time of publication (for latency; ignored by comparisons)
===================  ===========================================================================
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from hashlib import blake2b
from typing import Any

from threadline.correlator.linkrecords import LinkRecord
from threadline.correlator.rules import Finding

__all__ = [
    "ALERT_FORMAT",
    "TLP_ORDER",
    "alert_id",
    "build_alert",
    "decode_alert",
    "encode_alert",
    "next_version",
    "retire",
]

ALERT_FORMAT = "threadline.alert/1"
TLP_ORDER = ("CLEAR", "GREEN", "AMBER", "AMBER_STRICT", "RED")
_VOLATILE = frozenset({"version", "emitted_at"})


def alert_id(kind: str, anchor: str) -> str:
    """The stable id of the ``kind`` alert about ``anchor`` (a subject id or a report ref)."""
    digest = blake2b(f"threadline.alert/1|{kind}|{anchor}".encode(), digest_size=12)
    return "alrt-" + digest.hexdigest()


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds")


def build_alert(
    kind: str,
    anchor: str,
    findings: Sequence[Finding],
    subject_ids: Iterable[str],
    events: Sequence[LinkRecord],
    severity: str,
) -> dict[str, Any]:
    """An active alert's content (no version yet) from the events that justify it."""
    best = min(events, key=lambda e: (e.source_evaluation, e.intelligence_assessment))
    return {
        "format": ALERT_FORMAT,
        "alert_id": alert_id(kind, anchor),
        "type": kind,
        "status": "active",
        "severity": severity,
        "reasons": [{"code": f.code, "text": f.text} for f in findings],
        "subject_ids": sorted(set(subject_ids)),
        "reports": sorted(
            (
                {"agency_id": e.agency_id, "report_id": e.report_id, "event_id": e.event_id}
                for e in events
            ),
            key=lambda r: (r["agency_id"], r["report_id"], r["event_id"]),
        ),
        "agencies": sorted({e.agency_id for e in events}),
        "highest_grading": {
            "source_evaluation": best.source_evaluation,
            "intelligence_assessment": best.intelligence_assessment,
        },
        "handling_code": "C" if any(e.handling_code == "C" for e in events) else "P",
        "tlp": max((e.tlp for e in events), key=_tlp_rank),
        "first_seen": iso(min(e.occurred_at for e in events)),
        "updated_at": iso(max(e.recorded_at for e in events)),
        "superseded_by": [],
    }


def _tlp_rank(tlp: str) -> int:
    return TLP_ORDER.index(tlp) if tlp in TLP_ORDER else len(TLP_ORDER)  # unknown: strictest


def _comparable(alert: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in alert.items() if k not in _VOLATILE}


def next_version(
    previous: Mapping[str, Any] | None, content: Mapping[str, Any]
) -> dict[str, Any] | None:
    """``content`` with the next version, or None when it says nothing new."""
    if previous is not None and _comparable(previous) == _comparable(content):
        return None
    version = int(previous["version"]) + 1 if previous is not None else 1
    return {**content, "version": version}


def retire(
    previous: Mapping[str, Any], superseded_by: Iterable[str], at_ms: int
) -> dict[str, Any] | None:
    """The retired version of an active alert (None if it is already retired)."""
    if previous["status"] == "retired":
        return None
    return {
        **previous,
        "status": "retired",
        "superseded_by": sorted(set(superseded_by)),
        "updated_at": iso(at_ms),
        "version": int(previous["version"]) + 1,
    }


def encode_alert(alert: Mapping[str, Any]) -> bytes:
    return json.dumps(alert, sort_keys=True, separators=(",", ":")).encode()


def decode_alert(data: bytes) -> dict[str, Any]:
    value = json.loads(data)
    if not isinstance(value, dict):
        raise ValueError("an alert is a JSON object")
    return value
