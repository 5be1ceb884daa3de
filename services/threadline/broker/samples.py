"""Synthetic, really sealed and signed reports for broker tests, benchmarks and demos.

``contracts.examples`` gives schema-valid events with filler ciphertext, which the broker cannot
decrypt; the broker's tests need the real thing: fields sealed to the disclosure key with
:class:`~threadline.crypto.EventSealer` and the event signed by a registered agency key, exactly
what the agency SDK publishes. Every value is invented (Ofcom drama-range phone numbers,
``example.invalid`` e-mail domains) and returned in ``plaintexts`` so tests can prove that none of
them ever reaches a topic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from threadline.contracts import encode, encode_for_signing, new_event_id
from threadline.contracts.examples import TOKEN_SCHEME, concern, grading, person_tokens
from threadline.contracts.schemas import default_registry
from threadline.crypto.fields import EventSealer
from threadline.crypto.keyring import PublicKeySource
from threadline.crypto.signatures import AgencySigner

__all__ = ["SampleReport", "sealed_report"]

_NAMES = ("Ava", "Leo", "Maya", "Noah", "Zara", "Omar", "Isla", "Kai")


@dataclass(frozen=True)
class SampleReport:
    """Wire bytes of one ConcernRaised event and the plaintext of every sealed field by path."""

    data: bytes
    record: dict[str, Any]
    plaintexts: dict[str, str]

    @property
    def agency_id(self) -> str:
        return str(self.record["agency_id"])

    @property
    def report_id(self) -> str:
        return str(self.record["report_id"])

    @property
    def event_id(self) -> str:
        return str(self.record["event_id"])

    @property
    def ref(self) -> str:
        return f"{self.agency_id}/{self.report_id}"


def sealed_report(
    keys: PublicKeySource,
    signer: AgencySigner,
    *,
    report_id: str,
    seed: int = 0,
    platforms: tuple[str, ...] = ("snapchat", "instagram"),
    child_platform: str = "snapchat",
    occurred_at: datetime | None = None,
) -> SampleReport:
    """A signed ConcernRaised about CHILD_1 with one suspect (SUSPECT_1) holding a handle on
    each of ``platforms``, a phone and an e-mail; the child has a handle on ``child_platform``."""
    now = datetime.now(UTC)  # rounded up to the millisecond Avro keeps, so never before the key
    recorded = now.replace(microsecond=now.microsecond // 1000 * 1000) + timedelta(milliseconds=1)
    occurred = occurred_at or recorded - timedelta(days=3)
    event_id = new_event_id()
    sealer = EventSealer(keys.current_public(), event_id=event_id)
    plaintexts: dict[str, str] = {}

    def sealed(path: str, value: str) -> dict[str, Any]:
        plaintexts[path] = value
        return dict(sealer.seal(value, path=path))

    name = _NAMES[seed % len(_NAMES)]
    child = {
        "ref": "CHILD_1",
        "role": "CHILD",
        "given_name": sealed("subject.given_name", f"{name}{seed}"),
        "family_name": sealed("subject.family_name", f"Testchild{seed}"),
        "date_of_birth": sealed("subject.date_of_birth", f"2012-0{1 + seed % 9}-1{seed % 10}"),
        "phones": [sealed("subject.phones[0]", f"+44 7700 900{seed % 1000:03d}")],
        "handles": [
            {
                "platform": child_platform,
                "handle": sealed("subject.handles[0].handle", f"kid_{seed}_{child_platform}"),
            }
        ],
        "tokens": person_tokens(f"child-{seed}"),
        "age_band": "13-15",
    }
    at = "associates[0]"
    suspect = {
        "ref": "SUSPECT_1",
        "role": "SUSPECT",
        "given_name": sealed(f"{at}.given_name", f"Suspect{seed}"),
        "phones": [sealed(f"{at}.phones[0]", f"+44 7700 901{seed % 1000:03d}")],
        "emails": [sealed(f"{at}.emails[0]", f"s{seed}.contact@example.invalid")],
        "handles": [
            {"platform": p, "handle": sealed(f"{at}.handles[{i}].handle", f"sus_{seed}_{p}")}
            for i, p in enumerate(platforms)
        ],
        "tokens": person_tokens(f"suspect-{seed}"),
        "adult_flag": True,
        "age_band": "25-34",
    }
    record: dict[str, Any] = {
        "signature": b"",
        "signing_key_id": signer.key_id,
        "event_id": event_id,
        "report_id": report_id,
        "agency_id": signer.agency_id,
        "occurred_at": occurred,
        "recorded_at": recorded,
        "schema_version": default_registry().schema_version,
        "token_scheme": TOKEN_SCHEME,
        "grading": grading(),
        "tlp": "AMBER",
        "subject": child,
        "associates": [suspect],
        "concern": concern(),
    }
    record["signature"] = signer.sign(encode_for_signing("concern_raised", record))
    return SampleReport(encode("concern_raised", record), record, plaintexts)
