"""A small structural check of one record against docs/agency-input.md.

Deliberately independent of :mod:`threadline.sdk.report` (which the tests also run): two
readings of the document that agree are better evidence than one. Returns problems by path.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

EVENT_TYPES = {
    "concern_raised",
    "referral_made",
    "report_updated",
    "report_withdrawn",
    "missing_episode",
}
TOP_LEVEL = {
    "event_type",
    "report_id",
    "occurred_at",
    "grading",
    "tlp",
    "subject",
    "associates",
    "concern",
    "referral",
    "missing_episode",
    "update",
    "withdrawal",
}
PERSON = {
    "given_name",
    "family_name",
    "other_names",
    "date_of_birth",
    "postcode",
    "address",
    "phones",
    "emails",
    "handles",
}
IDENTIFIERS = {"given_name", "family_name", "date_of_birth", "phones", "emails", "handles"}
CONCERN = {
    "exploitation_types",
    "stage",
    "indicators",
    "other_indicators",
    "platforms",
    "risk_level",
    "referral_routes",
    "narrative",
}
STAGES = {"targeting", "trust_deception", "meeting_coercion", "control", "unknown"}
RISKS = {"low", "medium", "high", "critical"}
TLPS = {"clear", "green", "amber", "amber+strict", "red"}
SNAKE = re.compile(r"^[a-z0-9]+(?:_[a-z0-9]+)*$")
UTC_Z = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")


def _strings(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) and v for v in value)


def _person(person: Any, path: str, out: list[str], *, associate: bool) -> None:
    if not isinstance(person, dict):
        out.append(path)
        return
    allowed = PERSON | ({"role"} if associate else set())
    out += [f"{path}.{k}" for k in person if k not in allowed]
    if not person.keys() & IDENTIFIERS:
        out.append(f"{path}: no identifier")
    for key in ("given_name", "family_name", "postcode", "address"):
        if key in person and not (isinstance(person[key], str) and person[key]):
            out.append(f"{path}.{key}")
    for key in ("other_names", "phones", "emails"):
        if key in person and not _strings(person[key]):
            out.append(f"{path}.{key}")
    if "date_of_birth" in person:
        date.fromisoformat(person["date_of_birth"])
    for i, h in enumerate(person.get("handles", [])):
        if set(h) != {"platform", "handle"} or not SNAKE.match(h["platform"]) or not h["handle"]:
            out.append(f"{path}.handles[{i}]")


def _concern(concern: Any, out: list[str]) -> None:
    out += [f"concern.{k}" for k in concern if k not in CONCERN]
    for key in ("exploitation_types", "indicators", "referral_routes"):
        if not all(SNAKE.match(v) for v in concern.get(key, [])):
            out.append(f"concern.{key}")
    if concern.get("stage", "unknown") not in STAGES or concern.get("risk_level") not in RISKS:
        out.append("concern.stage/risk_level")
    for p in concern.get("platforms", []):
        if set(p) != {"platform", "role"} or not SNAKE.match(p["platform"] + "_" + p["role"]):
            out.append("concern.platforms")
    if not isinstance(concern.get("narrative"), str):
        out.append("concern.narrative")


def problems(record: dict[str, Any]) -> list[str]:
    """Paths that break the documented format (empty when the record conforms)."""
    out = [k for k in record if k not in TOP_LEVEL]
    event = record.get("event_type")
    if event not in EVENT_TYPES or not record.get("report_id"):
        out.append("event_type/report_id")
    if not UTC_Z.match(record.get("occurred_at", "")):
        out.append("occurred_at")
    grading = record.get("grading", {})
    if (
        grading.get("source") not in (1, 2, 3)
        or grading.get("intelligence") not in "ABCDE"
        or grading.get("handling") not in ("P", "C")
        or (grading["handling"] == "C") != bool(grading.get("conditions"))
    ):
        out.append("grading")
    if str(record.get("tlp", "")).lower() not in TLPS:
        out.append("tlp")
    if event != "report_withdrawn":
        _person(record.get("subject"), "subject", out, associate=False)
    for i, associate in enumerate(record.get("associates", [])):
        _person(associate, f"associates[{i}]", out, associate=True)
    if "concern" in record:
        _concern(record["concern"], out)
    blocks = {
        "missing_episode": "missing_episode",
        "report_updated": "update",
        "report_withdrawn": "withdrawal",
        "referral_made": "referral",
    }
    for kind, block in blocks.items():
        if (event == kind) != (block in record):
            out.append(block)
    episode = record.get("missing_episode")
    if episode is not None:
        start = datetime.fromisoformat(episode["started_at"])
        if episode["ended_at"] is not None and datetime.fromisoformat(episode["ended_at"]) < start:
            out.append("missing_episode.ended_at")
    return out
