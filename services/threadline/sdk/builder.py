"""From a validated agency report to signed event bytes: redact, encrypt, tokenise, sign, encode.

Everything personal leaves this module in one of two forms only: an ``EncryptedField`` that the
broker's disclosure key alone can open (one HPKE encapsulation per event, AES-GCM per field, the
field path bound as associated data), or a keyed linkage token. Free text (the narrative,
reasons, escape-hatch indicator names) is redacted against the report's own values plus the
detectors; in strict mode any residue stops the event here, before a byte is produced.

Pure apart from the clock and the random event id: no Kafka, so the whole SDK path can be
tested and benchmarked without a broker.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from threadline.contracts import Codec, EventType, default_registry, new_event_id
from threadline.crypto import AgencySigner, EventSealer, LinkageTokeniser, PublicKeySource
from threadline.errors import RedactionError
from threadline.sdk.known_values import KnownValues
from threadline.sdk.redaction import redact
from threadline.sdk.report import AgencyReport, Associate, Person, age_at

__all__ = ["BuiltEvent", "EventBuilder", "age_band"]


@dataclass(frozen=True, slots=True)
class BuiltEvent:
    """One encoded, signed event, and what the SDK reports back to the agency."""

    event_id: str
    event_type: EventType
    report_id: str
    payload: bytes
    redactions: dict[str, int]
    adult_flag: bool


def age_band(dob: date | None, on: date) -> str | None:
    """A coarse age band: enough for statistics and alert rules, too coarse to identify."""
    if dob is None:
        return None
    age = age_at(dob, on)
    for upper, band in ((9, "0-9"), (12, "10-12"), (15, "13-15"), (17, "16-17")):
        if age <= upper:
            return band
    return "18+"


_ENCRYPTED_FIELD = "org.threadline.safeguarding.v1.EncryptedField"
_TLP = {
    "clear": "CLEAR",
    "green": "GREEN",
    "amber": "AMBER",
    "amber+strict": "AMBER_STRICT",
    "red": "RED",
}


class EventBuilder:
    """Builds events for one agency with its signer, the disclosure public key and tokeniser."""

    def __init__(
        self,
        agency_id: str,
        *,
        signer: AgencySigner,
        disclosure: PublicKeySource,
        tokeniser: LinkageTokeniser,
        strict: bool = True,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.agency_id = agency_id
        self.signer = signer
        self.disclosure = disclosure
        self.tokeniser = tokeniser
        self.strict = strict
        self.clock = clock
        # the builder names the EncryptedField branch of optional fields itself (see _person)
        self.codec = Codec(default_registry(), tuple_unions=True)
        self.schema_version = default_registry().schema_version

    def build(self, report: AgencyReport, raw: dict[str, Any]) -> BuiltEvent:
        """``raw`` is the input dict ``report`` was parsed from (it feeds the redactor)."""
        event_type = EventType.parse(report.event_type)
        event_id = new_event_id()
        known = KnownValues.from_report(raw)
        redactions: dict[str, int] = {}

        def scrub(text: str, path: str) -> str:
            if not text:
                return text
            try:
                result = redact(text, known, strict=self.strict)
            except RedactionError as exc:
                raise RedactionError(f"{path}: {exc.message}") from None
            for kind, count in result.summary.items():
                redactions[kind] = redactions.get(kind, 0) + count
            return result.text

        sealer = EventSealer(self.disclosure.current_public(), event_id=event_id)
        record: dict[str, Any] = self._header(report, event_id, event_type)
        on = report.occurred_at.date()
        if report.subject is not None:
            record["subject"] = self._person(
                report.subject, "CHILD_1", "CHILD", "subject", sealer, on
            )
        if event_type in (
            EventType.CONCERN_RAISED,
            EventType.REFERRAL_MADE,
            EventType.REPORT_UPDATED,
        ):
            record["associates"] = self._associates(report.associates, sealer, on)
        if report.concern is not None and event_type is not EventType.MISSING_EPISODE:
            record["concern"] = self._concern(report, scrub)
        record.update(self._specifics(report, event_type, scrub))
        if "concern" in record:
            record["concern"]["redaction_summary"] = dict(redactions)
        body = self.codec.encode_for_signing(event_type, record)
        payload = self.codec.attach_signature(body, self.signer.sign(body))
        return BuiltEvent(
            event_id, event_type, report.report_id, payload, redactions, report.subject_is_adult
        )

    # -- parts ---------------------------------------------------------------------------
    def _header(self, report: AgencyReport, event_id: str, event_type: EventType) -> dict[str, Any]:
        grading = report.grading
        return {
            "signature": b"",
            "signing_key_id": self.signer.key_id,
            "event_id": event_id,
            "report_id": report.report_id,
            "agency_id": self.agency_id,
            "occurred_at": report.occurred_at,
            "recorded_at": self.clock(),
            "schema_version": self.schema_version,
            "token_scheme": self.tokeniser.scheme,
            "grading": {
                "source_evaluation": f"S{grading.source}",
                "intelligence_assessment": grading.intelligence,
                "handling_code": grading.handling,
                "handling_conditions": grading.conditions,
            },
            "tlp": _TLP[report.tlp],
        }

    def _person(
        self, person: Person, ref: str, role: str, at: str, sealer: EventSealer, on: date
    ) -> dict[str, Any]:
        def one(value: str | None, name: str) -> Any:
            if value is None:
                return None
            # (branch, value): the codec then skips fastavro's search of the union's branches
            return (_ENCRYPTED_FIELD, sealer.seal(value, path=f"{at}.{name}"))

        def many(values: list[str], name: str) -> list[Any]:
            return [sealer.seal(v, path=f"{at}.{name}[{i}]") for i, v in enumerate(values)]

        dob = person.date_of_birth
        return {
            "ref": ref,
            "role": role,
            "given_name": one(person.given_name, "given_name"),
            "family_name": one(person.family_name, "family_name"),
            "other_names": many(person.other_names, "other_names"),
            "date_of_birth": one(dob.isoformat() if dob else None, "date_of_birth"),
            "postcode": one(person.postcode, "postcode"),
            "address": one(person.address, "address"),
            "phones": many(person.phones, "phones"),
            "emails": many(person.emails, "emails"),
            "handles": [
                {
                    "platform": h.platform,
                    "handle": sealer.seal(h.handle, path=f"{at}.handles[{i}].handle"),
                }
                for i, h in enumerate(person.handles)
            ],
            "tokens": self.tokeniser.person_tokens(person.model_dump(mode="json")),
            "adult_flag": dob is not None and age_at(dob, on) >= 18,
            "age_band": age_band(dob, on),
        }

    def _associates(
        self, associates: list[Associate], sealer: EventSealer, on: date
    ) -> list[dict[str, Any]]:
        """Refs number each role from 1 in input order, as the redactor's placeholders do."""
        counts: dict[str, int] = {}
        out = []
        for index, associate in enumerate(associates):
            role = associate.role.upper()
            counts[role] = counts.get(role, 0) + 1
            out.append(
                self._person(
                    associate, f"{role}_{counts[role]}", role, f"associates[{index}]", sealer, on
                )
            )
        return out

    def _concern(self, report: AgencyReport, scrub: Callable[[str, str], str]) -> dict[str, Any]:
        concern = report.concern
        assert concern is not None
        return {
            "exploitation_types": [t.upper() for t in concern.exploitation_types],
            "other_exploitation_types": [
                scrub(t, "concern.other_exploitation_types")
                for t in concern.other_exploitation_types
            ],
            "stage": concern.stage.upper(),
            "indicators": [i.upper() for i in concern.indicators],
            "other_indicators": [
                scrub(i, "concern.other_indicators") for i in concern.other_indicators
            ],
            "platforms": [
                {"platform": p.platform, "role": p.role.upper()} for p in concern.platforms
            ],
            "risk_level": concern.risk_level.upper(),
            "referral_routes": [r.upper() for r in concern.referral_routes],
            "narrative": scrub(concern.narrative, "concern.narrative"),
            "redaction_summary": {},
        }

    def _specifics(
        self, report: AgencyReport, event_type: EventType, scrub: Callable[[str, str], str]
    ) -> dict[str, Any]:
        if event_type is EventType.REFERRAL_MADE and report.referral is not None:
            return {
                "route": report.referral.route.upper(),
                "referred_to": scrub(report.referral.referred_to, "referral.referred_to"),
                "referred_to_agency_id": report.referral.referred_to_agency_id,
            }
        if event_type is EventType.REPORT_UPDATED and report.update is not None:
            return {
                "supersedes_event_id": report.update.supersedes_event_id,
                "reason": scrub(report.update.reason, "update.reason"),
            }
        if event_type is EventType.REPORT_WITHDRAWN and report.withdrawal is not None:
            return {
                "withdrawn_event_id": report.withdrawal.withdrawn_event_id,
                "reason_code": report.withdrawal.reason_code.upper(),
                "reason": scrub(report.withdrawal.reason, "withdrawal.reason"),
            }
        if event_type is EventType.MISSING_EPISODE and report.missing_episode is not None:
            episode = report.missing_episode
            risk = episode.risk_level or (report.concern.risk_level if report.concern else None)
            return {
                "started_at": episode.started_at,
                "ended_at": episode.ended_at,
                "return_interview_done": episode.return_interview,
                "location_district": episode.location_district,
                "risk_level": (risk or "unknown").upper(),
            }
        return {}
