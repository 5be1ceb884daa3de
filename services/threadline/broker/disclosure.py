"""Audited decryption: exactly the approved identifiers, each one an audit entry.

This is the only module that calls :func:`threadline.crypto.unseal`, and it is only reached with
a request the workflow has just approved. It opens the fields the request names (by event id and
path, which the ciphertext is bound to, so a field moved elsewhere does not open) and nothing
else: not the names, dates of birth or addresses beside them. Each attempt, successful or not,
becomes an :class:`~threadline.broker.audit.AuditEntry` naming who authorised it, why, which field
of which report and which key version; never the value.

The plaintexts live in :class:`Disclosed` values whose ``repr`` hides them, go into the document
and its JSON, and are dropped. The keyring object never leaves this module's caller (the
processor); its repr shows key ids and versions only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from threadline.broker.audit import AuditEntry
from threadline.broker.cases import CaseIndex
from threadline.broker.errors import Violation
from threadline.broker.model import DataRequest, IdentifierRef
from threadline.broker.workflow import purpose_of
from threadline.crypto.fields import EncryptedField, unseal
from threadline.crypto.keyring import DisclosureKeyring
from threadline.crypto.normalise import normalise_email, normalise_phone
from threadline.errors import CryptoError

__all__ = ["Disclosed", "DisclosureOutcome", "canonical", "disclose", "field_at"]

_STEP = re.compile(r"([a-z_]+)(?:\[(\d+)\])?")


@dataclass(frozen=True, slots=True)
class Disclosed:
    """One decrypted identifier, for the document only."""

    ref: IdentifierRef
    value: str

    def __repr__(self) -> str:
        return (
            f"Disclosed(ref={self.ref.ref!r}, type={self.ref.identifier_type!r}, value=<redacted>)"
        )


@dataclass(frozen=True)
class DisclosureOutcome:
    """The values (all or none), an audit entry per attempt, and the failure if any."""

    values: tuple[Disclosed, ...]
    audit: tuple[AuditEntry, ...]
    failure: Violation | None = None


def field_at(event: dict[str, Any], path: str) -> EncryptedField | None:
    """The encrypted field at ``path`` (``associates[0].handles[1].handle``) or None."""
    node: Any = event
    for part in path.split("."):
        match = _STEP.fullmatch(part)
        if match is None or not isinstance(node, dict):
            return None
        node = node.get(match.group(1))
        if match.group(2) is not None:
            index = int(match.group(2))
            if not isinstance(node, list) or index >= len(node):
                return None
            node = node[index]
    if isinstance(node, dict) and "ciphertext" in node:
        return node  # type: ignore[return-value]
    return None


def disclose(
    request: DataRequest, cases: CaseIndex, keyring: DisclosureKeyring
) -> DisclosureOutcome:
    """Decrypt every identifier of an approved request; stop at the first that fails."""
    values: list[Disclosed] = []
    audit: list[AuditEntry] = []
    seen: set[tuple[str, str]] = set()
    actor = request.approved_by or "broker"
    for ref in request.identifiers:
        base = AuditEntry(
            actor=actor,
            action="field_decrypted",
            request_id=request.request_id,
            purpose=purpose_of(request),
            agency_id=ref.agency_id,
            report_id=ref.report_id,
            event_id=ref.event_id,
            field_path=ref.path,
            identifier_type=ref.identifier_type,
        )
        event = cases.event(ref.event_id)
        field = field_at(event, ref.path) if event is not None else None
        if field is None:
            audit.append(_failed(base, "field_missing"))
            return DisclosureOutcome(
                (),
                tuple(audit),
                Violation("field_missing", ref.ref, "the encrypted field is no longer held"),
            )
        keyed = _with_key(base, field)
        try:
            plaintext = unseal(keyring, field, event_id=ref.event_id, path=ref.path)
            value = plaintext.decode("utf-8")
        except (CryptoError, UnicodeDecodeError) as exc:
            code = exc.code if isinstance(exc, CryptoError) else "not_utf8"
            audit.append(_failed(keyed, code))
            return DisclosureOutcome(
                (),
                tuple(audit),
                Violation(
                    "decryption_failed", ref.ref, f"{ref.ref} could not be decrypted ({code})"
                ),
            )
        audit.append(keyed)
        shown, key = canonical(ref.identifier_type, value)
        if (ref.identifier_type, key) not in seen:  # one account, once, however it was typed
            seen.add((ref.identifier_type, key))
            values.append(Disclosed(ref, shown))
    return DisclosureOutcome(tuple(values), tuple(audit))


def canonical(identifier_type: str, value: str) -> tuple[str, str]:
    """How an identifier is shown to the platform, and the key that finds its duplicates.

    Agencies type the same phone number as ``07700 900519``, ``+44 7700 900519`` or
    ``0044 7700 900519``; a platform needs it once, in E.164. Every decryption is still
    audited; only the document lists each distinct identifier once.
    """
    if identifier_type == "phone":
        e164 = normalise_phone(value)
        return (e164, e164) if e164 else (value, value)
    if identifier_type == "email":
        return value, normalise_email(value) or value.lower()
    return value, value.strip().lstrip("@").lower()


def _with_key(entry: AuditEntry, field: EncryptedField) -> AuditEntry:
    from dataclasses import replace

    return replace(entry, key_id=field["key_id"][:64], key_version=int(field["key_version"]))


def _failed(entry: AuditEntry, code: str) -> AuditEntry:
    from dataclasses import replace

    return replace(entry, action="decryption_failed", purpose=f"{entry.purpose} [{code}]")
