"""Disclosure keys: who may encrypt to the request broker, and who may decrypt.

Every personal field leaves an agency encrypted to the broker's *disclosure key* (X25519, used by
HPKE, RFC 9180). Keys are versioned: the newest version encrypts, every older version that has
not been shredded still decrypts, so rotation never strands data. Crypto-shredding a version
(``shred``) destroys its private key and with it every field ever sealed to that version - the
erasure mechanism the privacy model relies on (see runbooks/).

Two interfaces, so the type checker enforces least privilege:

* :class:`PublicKeySource` - what an agency's SDK holds: it can find the current public key and
  encrypt, nothing more. :class:`PublicKeyring` implements only this.
* :class:`DisclosureKeyring` - what the request broker holds: adds private keys, rotation and
  shredding. :class:`MemoryKeyring` (tests) and ``keyfiles.FileKeyring`` (development) implement it.

A KMS fits behind :class:`DisclosureKeyring` without changing callers. The KMS holds a
key-encryption key; the keyring file stores each X25519 private key *wrapped* by it (e.g. Vault
Transit ``encrypt``/``decrypt`` or AWS KMS ``Encrypt``/``Decrypt``). ``private()`` unwraps through
the KMS - which is where the audit trail and access policy live - and may cache the result for a
short TTL; ``rotate()`` generates a key locally, wraps it and appends it; ``shred()`` deletes the
wrapped blob *and* schedules destruction of the KEK version, which is what makes shredding real
(a file keyring cannot guarantee that old bytes are gone from disks, journals and backups).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from threadline.errors import ConfigError, UnknownKeyError

__all__ = [
    "DisclosureKeyring",
    "DisclosurePublicKey",
    "KeyVersion",
    "MemoryKeyring",
    "PublicKeySource",
    "PublicKeyring",
    "new_key_id",
]


def new_key_id() -> str:
    """A fresh, non-secret disclosure key id (``dk-`` and 8 hex digits)."""
    return f"dk-{secrets.token_hex(4)}"


@dataclass(frozen=True, slots=True, repr=False)
class DisclosurePublicKey:
    """One version of the broker's public disclosure key: enough to encrypt, never to decrypt."""

    key_id: str
    version: int
    key: X25519PublicKey

    def __repr__(self) -> str:
        return f"DisclosurePublicKey(key_id={self.key_id!r}, version={self.version})"

    def raw(self) -> bytes:
        """The 32-byte X25519 public key."""
        return self.key.public_bytes_raw()


@dataclass(slots=True)
class KeyVersion:
    """One version in a keyring; ``private`` is ``None`` once shredded (or in a public export)."""

    version: int
    public: X25519PublicKey
    private: X25519PrivateKey | None
    created_at: datetime
    shredded_at: datetime | None = None

    def __repr__(self) -> str:
        state = "shredded" if self.shredded_at else ("private" if self.private else "public-only")
        return f"KeyVersion(version={self.version}, {state})"


@runtime_checkable
class PublicKeySource(Protocol):
    """What an encrypting party needs: the newest public key and any named version."""

    @property
    def key_id(self) -> str: ...

    def current_public(self) -> DisclosurePublicKey: ...

    def public(self, key_id: str, version: int) -> DisclosurePublicKey: ...


@runtime_checkable
class DisclosureKeyring(PublicKeySource, Protocol):
    """The broker's keyring: decrypt any live version, rotate, crypto-shred."""

    def private(self, key_id: str, version: int) -> X25519PrivateKey: ...

    def versions(self) -> tuple[KeyVersion, ...]: ...

    def rotate(self) -> DisclosurePublicKey: ...

    def shred(self, version: int) -> None: ...


class _VersionedKeys:
    """Version bookkeeping shared by every keyring; subclasses decide where versions live."""

    def __init__(self, key_id: str, versions: dict[int, KeyVersion]) -> None:
        self.key_id = key_id
        self._versions = versions

    def __repr__(self) -> str:
        live = sorted(v.version for v in self._versions.values() if v.shredded_at is None)
        return f"{type(self).__name__}(key_id={self.key_id!r}, live_versions={live})"

    def _live(self, key_id: str, version: int) -> KeyVersion:
        if key_id != self.key_id:
            raise UnknownKeyError(f"disclosure key {key_id!r} is not in this keyring")
        entry = self._versions.get(version)
        if entry is None:
            raise UnknownKeyError(f"disclosure key {key_id!r} has no version {version}")
        if entry.shredded_at is not None:
            raise UnknownKeyError(f"disclosure key {key_id!r} version {version} was shredded")
        return entry

    def current_public(self) -> DisclosurePublicKey:
        live = [v for v in self._versions.values() if v.shredded_at is None]
        if not live:
            raise UnknownKeyError(f"disclosure key {self.key_id!r} has no live version")
        newest = max(live, key=lambda v: v.version)
        return DisclosurePublicKey(self.key_id, newest.version, newest.public)

    def public(self, key_id: str, version: int) -> DisclosurePublicKey:
        return DisclosurePublicKey(key_id, version, self._live(key_id, version).public)

    def versions(self) -> tuple[KeyVersion, ...]:
        return tuple(self._versions[v] for v in sorted(self._versions))


class MemoryKeyring(_VersionedKeys):
    """A :class:`DisclosureKeyring` that lives only in this process - for tests and benchmarks."""

    def __init__(self, key_id: str | None = None, versions: tuple[KeyVersion, ...] = ()) -> None:
        super().__init__(key_id or new_key_id(), {v.version: v for v in versions})
        if not self._versions:
            self.rotate()

    def private(self, key_id: str, version: int) -> X25519PrivateKey:
        entry = self._live(key_id, version)
        if entry.private is None:
            raise UnknownKeyError(f"disclosure key {key_id!r} version {version} has no private key")
        return entry.private

    def rotate(self) -> DisclosurePublicKey:
        """Add a new newest version; older versions keep decrypting."""
        version = max(self._versions, default=0) + 1
        private = X25519PrivateKey.generate()
        self._versions[version] = KeyVersion(
            version, private.public_key(), private, datetime.now(UTC)
        )
        self._changed()
        return DisclosurePublicKey(self.key_id, version, private.public_key())

    def shred(self, version: int) -> None:
        """Destroy a version's private key so nothing sealed to it can be read again.

        The newest version cannot be shredded (nothing could encrypt any more): rotate first.
        Shredding an already shredded version is a no-op, so a runbook step can be re-run.
        """
        entry = self._versions.get(version)
        if entry is None:
            raise UnknownKeyError(f"disclosure key {self.key_id!r} has no version {version}")
        if entry.shredded_at is not None:
            return
        if version == self.current_public().version:
            raise ConfigError("refusing to shred the newest disclosure key version: rotate first")
        entry.private = None
        entry.shredded_at = datetime.now(UTC)
        self._changed()

    def _changed(self) -> None:
        """Hook for subclasses that persist versions (``FileKeyring``); memory needs nothing."""


class PublicKeyring(_VersionedKeys):
    """What an agency holds: the broker's public keys, so it can encrypt but never decrypt.

    It deliberately has no ``private``/``rotate``/``shred``: it is a :class:`PublicKeySource`
    and *not* a :class:`DisclosureKeyring`, so handing it to ``unseal`` is a type error.
    """

    def __init__(self, key_id: str, public_keys: dict[int, X25519PublicKey]) -> None:
        now = datetime.now(UTC)
        versions = {v: KeyVersion(v, key, None, now) for v, key in public_keys.items()}
        super().__init__(key_id, versions)
        if not versions:
            raise ConfigError(f"public keyring {key_id!r} holds no key versions")

    @classmethod
    def from_keyring(cls, keyring: PublicKeySource) -> PublicKeyring:
        """The public half of ``keyring``: every live version (shredded ones are left out)."""
        if isinstance(keyring, DisclosureKeyring):
            live = [v for v in keyring.versions() if v.shredded_at is None]
            return cls(keyring.key_id, {v.version: v.public for v in live})
        current = keyring.current_public()
        return cls(current.key_id, {current.version: current.key})
