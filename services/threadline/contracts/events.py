"""The five event types and the time-ordered ids every event carries.

An event type has three spellings and each has a user: agency input files and the CLI say
``concern_raised`` (the :class:`EventType` value), the ``.avsc`` files say ``ConcernRaised``
and the wire fingerprint stands for ``org.threadline.safeguarding.v1.ConcernRaised``.
:meth:`EventType.parse` accepts all three so no caller has to translate.

Event ids are UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then random bits. Sorting them
sorts events by creation time, which lets the correlator keep replay windows as ranges instead
of sets, and their randomness keeps two agencies from ever minting the same id.
"""

from __future__ import annotations

import secrets
import time
import uuid
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from threadline.errors import ContractError, ValidationError

__all__ = ["NAMESPACE", "EventType", "event_id_time", "new_event_id"]

NAMESPACE = "org.threadline.safeguarding.v1"
"""Avro namespace of every shipped named type; a breaking redesign would get ``...v2``."""

_MILLIS_MASK = (1 << 48) - 1
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class EventType(StrEnum):
    """One top-level event schema; the value is the agency-input spelling."""

    CONCERN_RAISED = "concern_raised"
    REFERRAL_MADE = "referral_made"
    REPORT_UPDATED = "report_updated"
    REPORT_WITHDRAWN = "report_withdrawn"
    MISSING_EPISODE = "missing_episode"

    @property
    def record_name(self) -> str:
        """The Avro record name, e.g. ``ConcernRaised`` (also the ``.avsc`` file stem)."""
        return "".join(part.capitalize() for part in self.value.split("_"))

    @property
    def full_name(self) -> str:
        """The namespaced Avro name the fingerprint is computed for."""
        return f"{NAMESPACE}.{self.record_name}"

    @classmethod
    def parse(cls, name: str | EventType) -> EventType:
        """Resolve any of the three spellings; unknown names raise :class:`ContractError`."""
        if isinstance(name, EventType):
            return name
        found = _BY_SPELLING.get(name)
        if found is None:
            raise ContractError(f"unknown event type {name!r}")
        return found


_BY_SPELLING: dict[str, EventType] = {
    spelling: member
    for member in EventType
    for spelling in (member.value, member.record_name, member.full_name)
}


def new_event_id(now_ms: int | None = None) -> str:
    """Mint a UUIDv7 for a new event.

    ``now_ms`` (Unix milliseconds) exists for deterministic tests and back-filled imports;
    normally the wall clock is used. Ids minted within one millisecond are unique but not
    ordered among themselves, which is all the correlator relies on.
    """
    millis = time.time_ns() // 1_000_000 if now_ms is None else now_ms
    if not 0 <= millis <= _MILLIS_MASK:
        raise ValidationError("event id time is outside the UUIDv7 range", path="event_id")
    random = int.from_bytes(secrets.token_bytes(10), "big")  # 80 bits: 12 + 62 used
    rand_a = random >> 68
    rand_b = random & ((1 << 62) - 1)
    value = (millis << 80) | (0x7 << 76) | (rand_a << 64) | (0b10 << 62) | rand_b
    # str(uuid.UUID(int=value)) spelled out: the same canonical form without the object
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def event_id_time(event_id: str) -> datetime:
    """The creation time embedded in a UUIDv7 event id (UTC, millisecond precision).

    Raises :class:`ValidationError` when ``event_id`` is not a canonical lower-case UUIDv7;
    the message never repeats the offending text.
    """
    try:
        parsed = uuid.UUID(event_id)
    except (ValueError, TypeError, AttributeError):
        raise ValidationError("event_id is not a UUID", path="event_id") from None
    if parsed.version != 7 or parsed.variant != uuid.RFC_4122 or str(parsed) != event_id:
        raise ValidationError("event_id is not a canonical lower-case UUIDv7", path="event_id")
    return _EPOCH + timedelta(milliseconds=parsed.int >> 80)
