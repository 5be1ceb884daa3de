"""Key material on disk: the development ``FileKeyring`` and the public export agencies receive.

Files holding private keys or secrets are written atomically (temporary file in the same
directory, ``fsync``, ``os.replace``) and created with mode 0600 from the start, never chmod-ed
afterwards, so there is no window in which another user can read them. Loading refuses a private
file that group or others can read, as ssh does with identity files.

Private keys are stored as raw 32-byte values in base64: X25519 has exactly one encoding, and a
JSON document is easier to inspect and diff (publicly) than PEM inside JSON.

Crypto-shredding a version removes its private key from the file, but a file system cannot
promise that the old bytes are gone (journals, SSD wear levelling, backups). Development only:
production shredding goes through a KMS (see :mod:`threadline.crypto.keyring`).
"""

from __future__ import annotations

import base64
import binascii
import json
import os
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

from threadline.crypto.keyring import KeyVersion, MemoryKeyring, PublicKeyring, PublicKeySource
from threadline.errors import ConfigError

__all__ = [
    "DISCLOSURE_FORMAT",
    "DISCLOSURE_PUBLIC_FORMAT",
    "FileKeyring",
    "b64decode",
    "b64encode",
    "export_public",
    "load_public",
    "read_json",
    "write_json",
]

DISCLOSURE_FORMAT = "threadline.disclosure-keyring/1"
DISCLOSURE_PUBLIC_FORMAT = "threadline.disclosure-public/1"


def b64encode(data: bytes) -> str:
    """Standard base64 text for key bytes in JSON files."""
    return base64.b64encode(data).decode("ascii")


def b64decode(text: object, *, what: str, length: int | None = None) -> bytes:
    """Decode base64 key bytes, naming ``what`` (never the value) when it is malformed."""
    if not isinstance(text, str):
        raise ConfigError(f"{what} must be a base64 string")
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ConfigError(f"{what} is not valid base64") from exc
    if length is not None and len(data) != length:
        raise ConfigError(f"{what} must be {length} bytes, found {len(data)}")
    return data


def write_json(path: Path, document: dict[str, Any], *, private: bool) -> None:
    """Atomically replace ``path``; private files are created 0600, public ones 0644."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    mode = 0o600 if private else 0o644
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(document, handle, indent=2, sort_keys=True)
            handle.write("\n")
            handle.flush()
            os.fsync(handle.fileno())
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def _directory_lock(directory: Path) -> Iterator[None]:
    """Exclusive advisory lock on the keys directory (POSIX ``flock``; no lock elsewhere)."""
    if sys.platform == "win32":  # pragma: no cover - development keyrings are POSIX-only
        yield
        return
    import fcntl

    fd = os.open(directory, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing releases the lock


def read_json(path: Path, *, private: bool, expected_format: str) -> dict[str, Any]:
    """Read a key file, refusing private files that other users can read."""
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(f"key file {path} does not exist") from exc
    if private and os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigError(f"key file {path} is accessible to other users: chmod 600 it")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"key file {path} is not valid JSON (line {exc.lineno})") from exc
    if not isinstance(document, dict) or document.get("format") != expected_format:
        raise ConfigError(f"key file {path} is not a {expected_format} document")
    return document


def _time(value: object, *, what: str) -> datetime:
    try:
        return datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise ConfigError(f"{what} is not an ISO 8601 timestamp") from exc


def _version(item: dict[str, Any], *, what: str) -> KeyVersion:
    public = X25519PublicKey.from_public_bytes(
        b64decode(item["public_key"], what=f"{what}.public_key", length=32)
    )
    private = None
    if item.get("private_key") is not None:
        raw = b64decode(item["private_key"], what=f"{what}.private_key", length=32)
        private = X25519PrivateKey.from_private_bytes(raw)
        if private.public_key() != public:
            raise ConfigError(f"{what}: private key does not match its public key")
    shredded = item.get("shredded_at")
    return KeyVersion(
        version=int(item["version"]),
        public=public,
        private=private,
        created_at=_time(item["created_at"], what=f"{what}.created_at"),
        shredded_at=_time(shredded, what=f"{what}.shredded_at") if shredded else None,
    )


class FileKeyring(MemoryKeyring):
    """A :class:`~threadline.crypto.keyring.DisclosureKeyring` persisted in one JSON file.

    Every mutation (``rotate``, ``shred``) rewrites the file before returning, so a crash
    leaves either the old or the new keyring on disk, never half of one. Writes hold a lock on
    the directory and refuse to replace a file that changed since this object read it: two
    operators rotating at once must not silently drop a version (and with it a private key).
    """

    def __init__(
        self,
        path: Path,
        key_id: str | None,
        versions: tuple[KeyVersion, ...],
        seen: dict[str, Any] | None = None,
    ) -> None:
        self._path = path
        self._seen = seen
        self._loading = True
        super().__init__(key_id, versions)
        self._loading = False
        if not versions:  # a brand-new keyring: MemoryKeyring generated version 1
            self._changed()

    @property
    def path(self) -> Path:
        """Where the keyring lives."""
        return self._path

    @classmethod
    def create(cls, path: Path, key_id: str | None = None) -> FileKeyring:
        """Generate a new keyring with version 1; refuses to overwrite an existing file."""
        if path.exists():
            raise ConfigError(f"key file {path} already exists: refusing to overwrite it")
        return cls(path, key_id, ())

    @classmethod
    def load(cls, path: Path) -> FileKeyring:
        """Open an existing keyring file (mode must be 0600 or stricter)."""
        document = read_json(path, private=True, expected_format=DISCLOSURE_FORMAT)
        try:
            key_id = str(document["key_id"])
            versions = tuple(
                _version(item, what=f"{path.name} versions[{i}]")
                for i, item in enumerate(document["versions"])
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"key file {path} is malformed ({type(exc).__name__})") from exc
        if not versions:
            raise ConfigError(f"key file {path} holds no key versions")
        return cls(path, key_id, versions, seen=document)

    def _changed(self) -> None:
        if self._loading:
            return
        self._path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        with _directory_lock(self._path.parent):
            current = None
            if self._path.exists():
                current = json.loads(self._path.read_text(encoding="utf-8"))
            if current != self._seen:
                raise ConfigError(
                    f"key file {self._path} changed since it was loaded: reload it and retry"
                )
            document = self._document()
            write_json(self._path, document, private=True)
            self._seen = document

    def _document(self) -> dict[str, Any]:
        return {
            "format": DISCLOSURE_FORMAT,
            "key_id": self.key_id,
            "kem": "DHKEM(X25519, HKDF-SHA256)",
            "versions": [
                {
                    "version": v.version,
                    "created_at": v.created_at.isoformat(),
                    "public_key": b64encode(v.public.public_bytes_raw()),
                    "private_key": None
                    if v.private is None
                    else b64encode(v.private.private_bytes_raw()),
                    "shredded_at": v.shredded_at.isoformat() if v.shredded_at else None,
                }
                for v in self.versions()
            ],
        }


def export_public(keyring: PublicKeySource, path: Path) -> PublicKeyring:
    """Write the public half of ``keyring`` for agencies; it contains no private material."""
    public = PublicKeyring.from_keyring(keyring)
    document = {
        "format": DISCLOSURE_PUBLIC_FORMAT,
        "key_id": public.key_id,
        "versions": [
            {"version": v.version, "public_key": b64encode(v.public.public_bytes_raw())}
            for v in public.versions()
        ],
    }
    write_json(path, document, private=False)
    return public


def load_public(path: Path) -> PublicKeyring:
    """Load an agency's copy of the broker's public keys (the newest version encrypts)."""
    document = read_json(path, private=False, expected_format=DISCLOSURE_PUBLIC_FORMAT)
    try:
        keys = {
            int(item["version"]): X25519PublicKey.from_public_bytes(
                b64decode(item["public_key"], what=f"{path.name} public_key", length=32)
            )
            for item in document["versions"]
        }
        key_id = str(document["key_id"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(f"key file {path} is malformed ({type(exc).__name__})") from exc
    return PublicKeyring(key_id, keys)
