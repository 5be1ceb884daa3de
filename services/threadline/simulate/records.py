"""Turn planned drafts into agency-input records (``docs/agency-input.md``) and their truth.

The renderer keeps each agency's view of each child (see :mod:`.corruption`), so what an agency
writes is consistent over time and its mistakes persist until it files an update. Key order and
value spelling follow the documented format; enumerations use the vocabulary that
:mod:`threadline.sdk.report` accepts, and TLP is written in lower case as it requires.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from threadline.simulate.concern import PROFILES, concern_block, grading, tlp
from threadline.simulate.config import AgencyKind, SimulationConfig
from threadline.simulate.corruption import UPDATE_REASONS, AgencyView, correct, make_view, typo
from threadline.simulate.namebank import NameBank, choose
from threadline.simulate.narrative import write_narrative
from threadline.simulate.phones import phone_formats, write_phone
from threadline.simulate.population import Child, Offender, Population
from threadline.simulate.timeline import Draft
from threadline.simulate.truth import ReportTruth

__all__ = ["Renderer", "fixed_text"]

_WITHDRAWALS = (
    ("entered_in_error", "entered in error"),
    ("duplicate", "duplicate of another report"),
    ("wrong_person", "recorded against the wrong young person"),
    ("not_substantiated", "concern not substantiated after enquiries"),
)
# route -> (who it went to, which kind of configured agency receives it)
_REFERRALS = {
    "mash": ("Multi-agency safeguarding hub", AgencyKind.SOCIAL_CARE),
    "police": ("Police child exploitation team", AgencyKind.POLICE),
    "nrm": ("Single Competent Authority (NRM)", None),
    "childrens_social_care": ("Children's social care front door", AgencyKind.SOCIAL_CARE),
    "health": ("CAMHS", AgencyKind.HEALTH),
    "education": ("Designated safeguarding lead", AgencyKind.SCHOOL),
    "youth_justice": ("Youth justice service", AgencyKind.YOUTH_JUSTICE),
}
_IDENTIFIERS = frozenset(
    {"given_name", "family_name", "date_of_birth", "phones", "emails", "handles"}
)
_FOUND_IN = ("LS9", "B12", "BS5", "NG7", "SO14", "CV1", "LU1", "PO1", "M8", "L8")
_URL_FORMS = {
    "instagram": "instagram.com/{}",
    "tiktok": "tiktok.com/@{}",
    "x": "x.com/{}",
    "snapchat": "snapchat.com/add/{}",
    "youtube": "youtube.com/@{}",
    "facebook": "facebook.com/{}",
}


def fixed_text() -> tuple[str, ...]:
    """Canned values records carry outside personal fields (reasons, referral targets...)."""
    return (
        *(text for pair in _WITHDRAWALS for text in pair),
        *(to for to, _ in _REFERRALS.values()),
        *UPDATE_REASONS,
        *_FOUND_IN,
        "suspect associate concern_raised referral_made report_updated report_withdrawn",
        "missing_episode",
    )


def _when(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _age(dob: date, on: date) -> int:
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


class Renderer:
    """Writes records in time order; holds the per-agency views and report-id counters."""

    def __init__(
        self, rng: random.Random, config: SimulationConfig, bank: NameBank, population: Population
    ) -> None:
        self.rng, self.config, self.bank = rng, config, bank
        self.offenders: dict[str, Offender] = {o.offender_id: o for o in population.offenders}
        self.views: dict[tuple[str, str], AgencyView] = {}
        self.counters: dict[str, int] = {}
        self.index: dict[int, int] = {}  # id(draft) -> position in the output
        self.unlisted: list[str] = []
        self.receivers = {a.kind: a.agency_id for a in reversed(config.agency_table)}

    def _report_id(self, draft: Draft) -> str:
        if draft.amends is not None:
            return draft.amends.report_id
        agency = draft.agency.agency_id
        self.counters[agency] = self.counters.get(agency, 0) + 1
        return f"{agency.upper()}-{draft.at.year}-{self.counters[agency]:06d}"

    def _subject(
        self, view: AgencyView, child: Child, at: datetime, notes: list[str]
    ) -> dict[str, Any]:
        subject: dict[str, Any] = {}
        if view.given_name:
            subject["given_name"] = view.given_name
        if view.family_name:
            subject["family_name"] = view.family_name
        if view.other_names:
            subject["other_names"] = list(view.other_names)
        if view.date_of_birth:
            subject["date_of_birth"] = view.date_of_birth.isoformat()
        subject.update(self._contact(view, child, at, notes))
        if not subject.keys() & _IDENTIFIERS:  # the format needs one; every agency has a name
            view.given_name = subject["given_name"] = child.given_name
        return subject

    def _contact(
        self, view: AgencyView, child: Child, at: datetime, notes: list[str]
    ) -> dict[str, Any]:
        """Where the child lives and how to reach them, as this agency last heard."""
        contact: dict[str, Any] = {}
        home, before = child.residence_at(at)
        if view.holds & {"postcode", "address"}:
            if before and view.stale_postcode:
                home = before
                notes.append("postcode:stale")
            if "postcode" in view.holds:
                contact["postcode"] = home.postcode
            if "address" in view.holds:
                contact["address"] = home.address
        now, old = child.phones_at(at)
        if "phones" in view.holds and now:
            number = old if old and view.stale_phone else now
            if number == old:
                notes.append("phone:stale")
            contact["phones"] = [write_phone(self.rng, number)]
        if "emails" in view.holds and child.emails:
            contact["emails"] = list(child.emails)
        if "handles" in view.holds and view.handles:
            contact["handles"] = [
                {"platform": h.platform, "handle": h.handle} for h in view.handles
            ]
        return contact

    def _associates(
        self, child: Child, kind: AgencyKind, notes: list[str]
    ) -> tuple[list[dict[str, Any]], list[str]]:
        rng = self.rng
        share = 0.75 if kind in (AgencyKind.POLICE, AgencyKind.YOUTH_JUSTICE) else 0.45
        if not child.offender_ids or rng.random() >= share:
            return [], []
        ids = rng.sample(child.offender_ids, min(len(child.offender_ids), choose(rng, (1, 1, 2))))
        people = []
        for offender_id in ids:
            o = self.offenders[offender_id]
            person: dict[str, Any] = {"role": "suspect" if rng.random() < 0.85 else "associate"}
            if rng.random() < 0.6:
                person["given_name"] = o.given_name
                if rng.random() < self.config.corruption.suspect_typo:
                    person["given_name"] = typo(rng, o.given_name)
                    notes.append("associate_name:typo")
                if rng.random() < 0.7:
                    person["family_name"] = o.family_name
            if o.street_name and rng.random() < 0.35:
                person["other_names"] = [o.street_name]
            if kind is AgencyKind.POLICE and rng.random() < 0.15:
                person["date_of_birth"] = o.date_of_birth.isoformat()
            if rng.random() < 0.6 or not person.keys() & _IDENTIFIERS:
                person["phones"] = [write_phone(rng, choose(rng, o.phones))]
            if o.handles and rng.random() < 0.65:
                chosen = rng.sample(o.handles, min(len(o.handles), choose(rng, (1, 1, 2))))
                person["handles"] = [{"platform": h.platform, "handle": h.handle} for h in chosen]
            people.append(person)
        return people, ids

    def _extras(self, child: Child, record: dict[str, Any], ids: list[str]) -> dict[str, str]:
        """Values the narrative may mention although no field lists them."""
        rng, extras = self.rng, {}
        subject = record.get("subject") or {}
        spare = [
            p for oid in child.offender_ids if oid not in ids for p in self.offenders[oid].phones
        ]
        if spare:
            extras["phone"] = choose(rng, phone_formats(choose(rng, spare)))
        if child.emails and "emails" not in subject:
            extras["email"] = child.emails[0]
        if record["event_type"] != "missing_episode":
            extras["nhs"] = child.nhs_number
        handles = [h for h in child.handles if h.platform in _URL_FORMS]
        if handles and "handles" not in subject:
            h = choose(rng, handles)
            extras["url"] = _URL_FORMS[h.platform].format(h.handle)
        return extras

    def _missing(self, at: datetime, risk: str) -> dict[str, Any]:
        rng = self.rng
        ended = rng.random() < 0.85
        episode: dict[str, Any] = {
            "started_at": _when(at),
            "ended_at": _when(at + timedelta(hours=rng.uniform(3, 96))) if ended else None,
            "return_interview": ended and rng.random() < 0.6,
            "risk_level": risk,
        }
        if ended and rng.random() < 0.4:  # found out of area: the county-lines signal
            episode["location_district"] = choose(rng, _FOUND_IN)
        return episode

    def _referral(self, route: str) -> dict[str, Any]:
        to, kind = _REFERRALS.get(route, ("Partner agency", None))
        referral: dict[str, Any] = {"route": route, "referred_to": to}
        if kind is not None and kind in self.receivers:
            referral["referred_to_agency_id"] = self.receivers[kind]
        return referral

    def render(self, draft: Draft, position: int) -> tuple[dict[str, Any], ReportTruth]:
        rng, child, kind = self.rng, draft.child, draft.agency.kind
        self.index[id(draft)] = position
        draft.report_id = self._report_id(draft)
        key = (child.child_id, draft.agency.agency_id)
        view = self.views.get(key)
        if view is None:
            view = self.views[key] = make_view(rng, child, kind, self.config.corruption, self.bank)
        notes: list[str] = []
        record: dict[str, Any] = {
            "event_type": draft.event_type,
            "report_id": draft.report_id,
            "occurred_at": _when(draft.at),
            "grading": grading(rng, kind),
        }
        ids: list[str] = []
        unlisted: tuple[str, ...] = ()
        if draft.event_type == "report_withdrawn":
            code, reason = choose(rng, _WITHDRAWALS)
            record["tlp"] = "amber"
            record["withdrawal"] = {"reason_code": code, "reason": reason}
        else:
            reason = correct(rng, view, child) if draft.event_type == "report_updated" else ""
            profile = PROFILES[child.profile]
            missing = draft.event_type == "missing_episode"
            concern = concern_block(rng, profile, draft.stage, kind, missing=missing)
            record["tlp"] = tlp(rng, concern["risk_level"])
            record["subject"] = self._subject(view, child, draft.at, notes)
            associates, ids = self._associates(child, kind, notes)
            if associates:
                record["associates"] = associates
            record["concern"] = concern
            if missing:
                record["missing_episode"] = self._missing(draft.at, concern["risk_level"])
            if draft.event_type == "referral_made":
                record["referral"] = self._referral(concern["referral_routes"][0])
            if reason:
                record["update"] = {"supersedes_event_id": None, "reason": reason}
            narration = write_narrative(
                rng,
                record,
                child.profile,
                _age(child.date_of_birth, draft.at.date()),
                self._extras(child, record, ids),
                self.config.corruption.unlisted_pii,
            )
            concern["narrative"] = narration.text
            self.unlisted += narration.unlisted_values
            unlisted = narration.unlisted_kinds
            notes = view.corruptions + notes
        amends = self.index[id(draft.amends)] if draft.amends is not None else None
        truth = ReportTruth(
            position,
            draft.agency.agency_id,
            draft.report_id,
            draft.event_type,
            record["occurred_at"],
            child.child_id,
            tuple(ids),
            tuple(notes),
            unlisted,
            amends,
        )
        return record, truth
