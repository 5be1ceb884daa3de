"""Agency signatures: every report is Ed25519-signed by the agency that wrote it.

Ed25519 (RFC 8032) because signatures are deterministic (no per-signature randomness to get
wrong), small (64 bytes per event), fast to sign at the agency edge (~22 us) and have a single
encoding. The body signed is the canonical encoding defined in ``contracts/``; this module signs
and checks bytes and knows nothing of events.

The :class:`AgencyRegistry` is the correlator's and broker's view of who may sign: for each
agency, a list of keys with a validity window and a revocation flag. A key is accepted for an
event only if it is not revoked and ``valid_from <= at < valid_to``. Revocation is absolute
(it also rejects events dated inside the window) because a stolen key can back-date; a key that
was merely *rotated out* gets a ``valid_to`` instead, so its old events keep verifying.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from threadline.crypto.keyfiles import b64decode, b64encode
from threadline.errors import ConfigError, SignatureError, UnknownAgencyError

__all__ = ["REGISTRY_FORMAT", "AgencyKey", "AgencyRegistry", "AgencySigner"]

REGISTRY_FORMAT = "threadline.agency-registry/1"
_SIGNATURE_LEN = 64


class AgencySigner:
    """Holds one agency's current Ed25519 private key and signs canonical event bodies."""

    __slots__ = ("_private", "agency_id", "key_id")

    def __init__(self, agency_id: str, key_id: str, private_key: Ed25519PrivateKey) -> None:
        self.agency_id = agency_id
        self.key_id = key_id
        self._private = private_key

    @classmethod
    def generate(cls, agency_id: str, key_id: str) -> AgencySigner:
        """A signer with a fresh key (for ``keys init`` and tests)."""
        return cls(agency_id, key_id, Ed25519PrivateKey.generate())

    def __repr__(self) -> str:
        return f"AgencySigner(agency_id={self.agency_id!r}, key_id={self.key_id!r}, key=<redacted>)"

    @property
    def public_key(self) -> Ed25519PublicKey:
        """The public half, for the registry."""
        return self._private.public_key()

    def private_bytes(self) -> bytes:
        """The raw 32-byte seed, for the keystore only; never log it."""
        return self._private.private_bytes_raw()

    def sign(self, body: bytes) -> bytes:
        """The 64-byte Ed25519 signature of ``body``."""
        return self._private.sign(body)


def _aware(value: object, *, what: str) -> datetime:
    """A timezone-aware datetime from a registry file (YAML may already have parsed it)."""
    if isinstance(value, datetime):
        moment = value
    else:
        try:
            moment = datetime.fromisoformat(str(value))
        except ValueError as exc:
            raise ConfigError(f"{what} is not an ISO 8601 timestamp") from exc
    if moment.tzinfo is None:
        raise ConfigError(f"{what} must carry a UTC offset")
    return moment


@dataclass(frozen=True, slots=True)
class AgencyKey:
    """One signing key of one agency, with the window in which its signatures are accepted."""

    key_id: str
    public_key: Ed25519PublicKey
    valid_from: datetime
    valid_to: datetime | None = None
    revoked: bool = False

    def accepts(self, at: datetime) -> bool:
        """Whether a signature made at ``at`` may be trusted."""
        if self.revoked or at < self.valid_from:
            return False
        return self.valid_to is None or at < self.valid_to

    def to_mapping(self) -> dict[str, Any]:
        """The registry-file form."""
        return {
            "key_id": self.key_id,
            "public_key": b64encode(self.public_key.public_bytes_raw()),
            "valid_from": self.valid_from.isoformat(),
            "valid_to": self.valid_to.isoformat() if self.valid_to else None,
            "revoked": self.revoked,
        }

    @classmethod
    def from_mapping(cls, item: Mapping[str, Any], *, what: str) -> AgencyKey:
        """Parse one registry-file entry; errors name the entry, never key bytes."""
        try:
            raw = b64decode(item["public_key"], what=f"{what}.public_key", length=32)
            valid_to = item.get("valid_to")
            revoked = item.get("revoked", False)
            if not isinstance(revoked, bool):
                raise ConfigError(f"{what}.revoked must be true or false")
            return cls(
                key_id=str(item["key_id"]),
                public_key=Ed25519PublicKey.from_public_bytes(raw),
                valid_from=_aware(item["valid_from"], what=f"{what}.valid_from"),
                valid_to=_aware(valid_to, what=f"{what}.valid_to") if valid_to else None,
                revoked=revoked,
            )
        except (KeyError, TypeError) as exc:
            raise ConfigError(f"{what} is missing a field or has the wrong type") from exc


class AgencyRegistry:
    """Agency id to signing keys; answers "did this agency sign this body with this key then?"."""

    def __init__(self, agencies: Mapping[str, Iterable[AgencyKey]] | None = None) -> None:
        self._agencies: dict[str, dict[str, AgencyKey]] = {}
        for agency_id, keys in (agencies or {}).items():
            for key in keys:
                self.add(agency_id, key)

    def __repr__(self) -> str:
        return f"AgencyRegistry(agencies={sorted(self._agencies)})"

    def add(self, agency_id: str, key: AgencyKey) -> None:
        """Register ``key`` for ``agency_id``, replacing an entry with the same key id."""
        self._agencies.setdefault(agency_id, {})[key.key_id] = key

    def agencies(self) -> tuple[str, ...]:
        """Registered agency ids, sorted."""
        return tuple(sorted(self._agencies))

    def keys(self, agency_id: str) -> tuple[AgencyKey, ...]:
        """All keys of ``agency_id`` (empty if unknown)."""
        return tuple(self._agencies.get(agency_id, {}).values())

    def verify(
        self, agency_id: str, key_id: str, body: bytes, signature: bytes, at: datetime
    ) -> None:
        """Return quietly if ``signature`` is valid; otherwise raise, naming the reason.

        :class:`UnknownAgencyError` for an unknown agency, an unknown key, a revoked key or a
        key outside its validity window at ``at``; :class:`SignatureError` if the key is
        acceptable but the signature does not verify over ``body``.
        """
        if at.tzinfo is None:
            raise ValueError("verify needs a timezone-aware datetime")
        keys = self._agencies.get(agency_id)
        if keys is None:
            raise UnknownAgencyError(f"agency {agency_id!r} is not registered")
        key = keys.get(key_id)
        if key is None:
            raise UnknownAgencyError(f"agency {agency_id!r} has no signing key {key_id!r}")
        if key.revoked:
            raise UnknownAgencyError(f"signing key {key_id!r} of {agency_id!r} is revoked")
        if not key.accepts(at):
            raise UnknownAgencyError(
                f"signing key {key_id!r} of {agency_id!r} is not valid at {at.isoformat()}"
            )
        if len(signature) != _SIGNATURE_LEN:
            raise SignatureError(f"signature by {agency_id!r}/{key_id!r} has the wrong length")
        try:
            key.public_key.verify(signature, body)
        except InvalidSignature as exc:
            raise SignatureError(
                f"signature by {agency_id!r}/{key_id!r} does not verify over the body"
            ) from exc

    def to_mapping(self) -> dict[str, Any]:
        """The registry-file document."""
        return {
            "format": REGISTRY_FORMAT,
            "agencies": {
                agency_id: [k.to_mapping() for k in keys.values()]
                for agency_id, keys in sorted(self._agencies.items())
            },
        }

    @classmethod
    def from_mapping(
        cls, document: Mapping[str, Any], *, source: str = "registry"
    ) -> AgencyRegistry:
        """Build a registry from a parsed JSON/YAML document."""
        if document.get("format") != REGISTRY_FORMAT:
            raise ConfigError(f"{source} is not a {REGISTRY_FORMAT} document")
        agencies = document.get("agencies")
        if not isinstance(agencies, Mapping):
            raise ConfigError(f"{source}: 'agencies' must map agency ids to key lists")
        registry = cls()
        for agency_id, items in agencies.items():
            if not isinstance(items, list):
                raise ConfigError(f"{source}: agency {agency_id!r} must list its keys")
            for i, item in enumerate(items):
                what = f"{source} agencies.{agency_id}[{i}]"
                if not isinstance(item, Mapping):
                    raise ConfigError(f"{what} must be a mapping")
                registry.add(str(agency_id), AgencyKey.from_mapping(item, what=what))
        return registry

    @classmethod
    def load(cls, path: Path) -> AgencyRegistry:
        """Load ``agencies.json`` or a hand-written ``.yaml``/``.yml`` registry."""
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError as exc:
            raise ConfigError(f"agency registry {path} does not exist") from exc
        try:
            if path.suffix in {".yaml", ".yml"}:
                document = yaml.safe_load(text)
            else:
                document = json.loads(text)
        except (yaml.YAMLError, json.JSONDecodeError) as exc:
            raise ConfigError(f"agency registry {path} cannot be parsed") from exc
        if not isinstance(document, Mapping):
            raise ConfigError(f"agency registry {path} must be a mapping")
        return cls.from_mapping(document, source=path.name)
