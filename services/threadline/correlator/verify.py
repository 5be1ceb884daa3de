"""Is this report what it claims to be? Decode, check the signature, check the clock.

Stage 1 of the correlator runs every record of ``safeguarding.reports.v1`` through
:meth:`EventVerifier.verify` before anything is linked. A failure is a
:class:`~threadline.errors.ThreadlineError` whose ``code`` becomes the dead-letter reason:

=======================  ========================================================================
 reason                   meaning
=======================  ========================================================================
 oversized_event          larger than ``max_event_bytes`` (refused before decoding)
 malformed_event          not Avro single-object bytes, truncated, trailing data, or no value
                          at all (a Kafka tombstone: reports are never deleted that way)
 unknown_fingerprint      names a schema we do not ship
 invalid_report           decodes but breaks a rule: event id not a UUIDv7, subject not a CHILD,
                          badly shaped tokens, recorded before it occurred
 unknown_agency           agency or signing key not registered, revoked, or not valid then
 bad_signature            the agency's Ed25519 signature does not verify over the body
 future_event             occurred_at, recorded_at or the event id's time is ahead of the
                          broker's timestamp by more than the clock skew
 stale_event              signed (recorded_at) more than ``max_publish_delay`` before it was
                          published: a held-back or captured event
 replay_of_old_event      the event id is older than the replay window, so the dedupe tables can
                          no longer prove it is not a replay
=======================  ========================================================================

"Now" is the Kafka record's timestamp, never the wall clock, so re-processing the topic from
offset 0 a year later judges every record exactly as the first run did (production should set
``message.timestamp.type=LogAppendTime`` on the reports topic so that the broker, not the
producer, sets it).

:func:`content_fingerprint` identifies a *re-send*: the same report content published again
under a new event id. It hashes everything the correlator can see except what legitimately
differs between two sends of the same content: the event id, ``recorded_at``, the signature and
its key id, and every ciphertext (HPKE is randomised, so the same plaintext never encrypts the
same twice). A change that is visible only inside a ciphertext therefore looks like a re-send;
agencies correct reports with ``ReportUpdated``, which has its own type and so its own
fingerprint.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from hashlib import blake2b
from typing import Any

from threadline.contracts import Codec, EventType, default_registry, event_id_time
from threadline.crypto import AgencyRegistry
from threadline.errors import MalformedEventError, ValidationError

__all__ = ["EventVerifier", "VerificationPolicy", "VerifiedEvent", "content_fingerprint"]

_FINGERPRINT_LABEL = b"threadline.correlator.resend-fingerprint/1\x00"
_NOT_CONTENT = frozenset({"event_id", "recorded_at", "signature", "signing_key_id"})


@dataclass(frozen=True, slots=True)
class VerificationPolicy:
    """How much the correlator tolerates; the defaults suit agencies publishing as they record."""

    max_event_bytes: int = 256 * 1024
    clock_skew: timedelta = timedelta(minutes=5)
    max_publish_delay: timedelta = timedelta(days=2)
    replay_window: timedelta = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class VerifiedEvent:
    """A decoded report whose signature and times passed, with its re-send fingerprint."""

    event_type: EventType
    record: dict[str, Any]
    fingerprint: bytes

    @property
    def event_id(self) -> str:
        return str(self.record["event_id"])

    @property
    def agency_id(self) -> str:
        return str(self.record["agency_id"])

    @property
    def report_id(self) -> str:
        return str(self.record["report_id"])


class EventVerifier:
    """Checks raw report bytes against the public agency registry; holds no key of its own."""

    def __init__(
        self,
        registry: AgencyRegistry,
        policy: VerificationPolicy | None = None,
        codec: Codec | None = None,
    ) -> None:
        self.registry = registry
        self.policy = policy or VerificationPolicy()
        self.codec = codec or Codec(default_registry())

    def verify(self, data: bytes | None, *, received_at: datetime) -> VerifiedEvent:
        """The verified event, or a ThreadlineError whose ``code`` is the dead-letter reason.

        ``data`` is the Kafka record's value (None for a tombstone); ``received_at`` is the
        Kafka record timestamp (timezone-aware).
        """
        policy = self.policy
        if data is None:
            raise MalformedEventError("a record without a value (tombstone) is not an event")
        if len(data) > policy.max_event_bytes:
            raise ValidationError(
                f"event of {len(data)} bytes exceeds the limit of {policy.max_event_bytes}",
                code="oversized_event",
            )
        body, signature = self.codec.split_signature(data)
        event_type, record = self.codec.decode(data)
        minted = event_id_time(record["event_id"])
        occurred, recorded = record["occurred_at"], record["recorded_at"]
        self.registry.verify(
            record["agency_id"], record["signing_key_id"], body, signature, recorded
        )
        self._check_times(minted, occurred, recorded, received_at)
        self._check_people(event_type, record)
        return VerifiedEvent(event_type, record, content_fingerprint(event_type, record))

    def _check_times(
        self, minted: datetime, occurred: datetime, recorded: datetime, received: datetime
    ) -> None:
        policy = self.policy
        horizon = received + policy.clock_skew
        for name, moment in (("occurred_at", occurred), ("recorded_at", recorded)):
            if moment > horizon:
                raise ValidationError(f"{name} is after the broker received the event",
                                      path=name, code="future_event")  # fmt: skip
        if minted > horizon:
            raise ValidationError(
                "event_id was minted after the broker received the event",
                path="event_id",
                code="future_event",
            )
        if recorded < occurred - policy.clock_skew:
            raise ValidationError("recorded_at is before occurred_at", path="recorded_at")
        if minted < received - policy.replay_window:
            raise ValidationError(
                f"event_id is older than the {policy.replay_window.days}-day replay window",
                path="event_id",
                code="replay_of_old_event",
            )
        if recorded < received - policy.max_publish_delay:
            raise ValidationError(
                "recorded_at is older than the publication delay allows",
                path="recorded_at",
                code="stale_event",
            )

    @staticmethod
    def _check_people(event_type: EventType, record: Mapping[str, Any]) -> None:
        subject = record.get("subject")
        if subject is not None and subject.get("role") != "CHILD":
            raise ValidationError("subject must have role CHILD", path="subject.role")
        if event_type is EventType.REPORT_UPDATED and record.get("supersedes_event_id"):
            event_id_time(record["supersedes_event_id"])
        if event_type is EventType.REPORT_WITHDRAWN and record.get("withdrawn_event_id"):
            event_id_time(record["withdrawn_event_id"])


def content_fingerprint(event_type: EventType, record: Mapping[str, Any]) -> bytes:
    """16 bytes identifying the visible content of an event (see the module docstring)."""
    content = {k: _canonical(v) for k, v in record.items() if k not in _NOT_CONTENT}
    content["$type"] = event_type.value
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return blake2b(_FINGERPRINT_LABEL + text.encode(), digest_size=16).digest()


def _canonical(value: Any) -> Any:
    """A JSON-able, deterministic stand-in for a decoded Avro value, ciphertexts left out."""
    if isinstance(value, Mapping):
        if "ciphertext" in value and "enc" in value:  # an EncryptedField: only where it sits
            return {"$encrypted": value.get("path", "")}
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_canonical(v) for v in value]
    if isinstance(value, bytes):
        return {"$bytes": value.hex()}
    if isinstance(value, datetime):
        return {"$ms": int(value.astimezone(UTC).timestamp() * 1000)}
    return value
