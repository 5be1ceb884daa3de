"""The keys directory: where every key of a threadline deployment lives, and its lifecycle.

Layout (directory 0700; ``*`` marks files created 0600 because they hold secrets)::

    <keys dir>/                      default ~/.config/threadline/keys, or $THREADLINE_KEYS_DIR
      disclosure.json      *  broker only: X25519 disclosure key versions (FileKeyring)
      disclosure.pub.json     every agency: the public half, to encrypt fields (PublicKeyring)
      linkage.json         *  every agency under the sharing agreement: the linkage secret
      agency-<id>.json     *  agency <id> only: its Ed25519 signing keys, newest last
      agencies.json           correlator and broker: every agency's public signing keys

``init_dev_keys`` writes all of them into one directory so a developer can run the whole system
locally. In production each party receives only its row: an agency never holds
``disclosure.json``, the correlator holds no file with a ``*`` (it needs no key at all), and the
disclosure key belongs in a KMS (see :mod:`threadline.crypto.keyring`). The default directory is
outside the repository so that keys are never committed by accident.

These functions back ``threadline keys init|rotate|shred`` (the CLI lives in ``cli/``).
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import SecretBytes

from threadline.crypto.keyfiles import (
    FileKeyring,
    b64decode,
    b64encode,
    export_public,
    load_public,
    read_json,
    write_json,
)
from threadline.crypto.keyring import DisclosurePublicKey, PublicKeyring
from threadline.crypto.signatures import AgencyKey, AgencyRegistry, AgencySigner
from threadline.crypto.tokens import SCHEMES
from threadline.errors import ConfigError

__all__ = [
    "AGENCY_KEY_FORMAT",
    "LINKAGE_FORMAT",
    "Keystore",
    "add_agency",
    "default_keys_dir",
    "init_dev_keys",
    "rotate_agency_key",
    "rotate_disclosure",
    "shred_disclosure",
]

LINKAGE_FORMAT = "threadline.linkage-secret/1"
AGENCY_KEY_FORMAT = "threadline.agency-signing-keys/1"
_AGENCY_ID = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")


def default_keys_dir() -> Path:
    """``$THREADLINE_KEYS_DIR``, else ``$XDG_CONFIG_HOME/threadline/keys`` or ``~/.config/...``."""
    explicit = os.environ.get("THREADLINE_KEYS_DIR")
    if explicit:
        return Path(explicit).expanduser()
    config_home = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(config_home) / "threadline" / "keys"


def _check_agency_id(agency_id: str) -> str:
    # The id becomes a file name: refuse anything that could climb out of the directory.
    if not _AGENCY_ID.fullmatch(agency_id):
        raise ConfigError(
            f"agency id {agency_id!r} must be lower-case letters, digits, '-' or '_' (max 63)"
        )
    return agency_id


class Keystore:
    """Paths and loaders for one keys directory; reading never creates anything."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root if root is not None else default_keys_dir()

    def __repr__(self) -> str:
        return f"Keystore(root={str(self.root)!r})"

    @property
    def disclosure_path(self) -> Path:
        return self.root / "disclosure.json"

    @property
    def disclosure_public_path(self) -> Path:
        return self.root / "disclosure.pub.json"

    @property
    def linkage_path(self) -> Path:
        return self.root / "linkage.json"

    @property
    def registry_path(self) -> Path:
        return self.root / "agencies.json"

    def agency_path(self, agency_id: str) -> Path:
        return self.root / f"agency-{_check_agency_id(agency_id)}.json"

    def disclosure_keyring(self) -> FileKeyring:
        """The broker's keyring (private keys)."""
        return FileKeyring.load(self.disclosure_path)

    def public_keyring(self) -> PublicKeyring:
        """The agencies' encrypt-only view."""
        return load_public(self.disclosure_public_path)

    def linkage_secret(self) -> tuple[str, SecretBytes]:
        """The token scheme and linkage secret shared under the agreement."""
        document = read_json(self.linkage_path, private=True, expected_format=LINKAGE_FORMAT)
        scheme = document.get("scheme")
        if scheme not in SCHEMES:
            raise ConfigError(f"{self.linkage_path.name}: unknown token scheme {scheme!r}")
        secret = b64decode(document.get("secret"), what=f"{self.linkage_path.name} secret")
        return str(scheme), SecretBytes(secret)

    def agency_signer(self, agency_id: str) -> AgencySigner:
        """The agency's newest signing key."""
        path = self.agency_path(agency_id)
        document = read_json(path, private=True, expected_format=AGENCY_KEY_FORMAT)
        keys = document.get("keys") or []
        if not keys or not isinstance(keys, list):
            raise ConfigError(f"{path.name} holds no signing keys")
        newest = keys[-1]
        seed = b64decode(newest.get("private_key"), what=f"{path.name} private_key", length=32)
        return AgencySigner(
            agency_id, str(newest["key_id"]), Ed25519PrivateKey.from_private_bytes(seed)
        )

    def registry(self) -> AgencyRegistry:
        """Every agency's public signing keys."""
        return AgencyRegistry.load(self.registry_path)


def init_dev_keys(
    root: Path | None = None,
    agencies: Iterable[str] = (),
    *,
    scheme: str = "tl-tok-v1",
    now: datetime | None = None,
) -> Keystore:
    """Create a complete development keys directory; refuses to touch an existing one.

    Generates a disclosure keyring (version 1) and its public export, a 256-bit linkage secret,
    and a signing key per agency registered in ``agencies.json`` from ``now``.
    """
    store = Keystore(root)
    agency_ids = [_check_agency_id(a) for a in agencies]
    existing = [
        p for p in (store.disclosure_path, store.linkage_path, store.registry_path) if p.exists()
    ]
    if existing:
        raise ConfigError(f"{existing[0]} already exists: refusing to overwrite keys")
    if scheme not in SCHEMES:
        raise ConfigError(f"unknown token scheme {scheme!r}; known: {sorted(SCHEMES)}")
    store.root.mkdir(mode=0o700, parents=True, exist_ok=True)
    keyring = FileKeyring.create(store.disclosure_path)
    export_public(keyring, store.disclosure_public_path)
    write_json(
        store.linkage_path,
        {"format": LINKAGE_FORMAT, "scheme": scheme, "secret": b64encode(secrets.token_bytes(32))},
        private=True,
    )
    write_json(store.registry_path, AgencyRegistry().to_mapping(), private=False)
    for agency_id in agency_ids:
        add_agency(store.root, agency_id, now=now)
    return store


def rotate_disclosure(root: Path | None = None) -> DisclosurePublicKey:
    """Add a new disclosure key version and re-export the public file for agencies.

    Agencies must receive the new ``disclosure.pub.json``; until they do they keep encrypting
    to the previous version, which still decrypts, so rotation needs no coordination.
    """
    store = Keystore(root)
    keyring = store.disclosure_keyring()
    public = keyring.rotate()
    export_public(keyring, store.disclosure_public_path)
    return public


def shred_disclosure(version: int, root: Path | None = None) -> None:
    """Crypto-shred one disclosure key version and drop it from the public export."""
    store = Keystore(root)
    keyring = store.disclosure_keyring()
    keyring.shred(version)
    export_public(keyring, store.disclosure_public_path)


def _append_agency_key(store: Keystore, agency_id: str, now: datetime) -> AgencySigner:
    path = store.agency_path(agency_id)
    registry = store.registry()
    previous = registry.keys(agency_id)
    signer = AgencySigner.generate(agency_id, f"{agency_id}-{len(previous) + 1}")
    keys: list[object] = []
    if path.exists():
        existing = read_json(path, private=True, expected_format=AGENCY_KEY_FORMAT)
        keys = list(existing.get("keys") or [])
    keys.append(
        {
            "key_id": signer.key_id,
            "private_key": b64encode(signer.private_bytes()),
            "created_at": now.isoformat(),
        }
    )
    document = {"format": AGENCY_KEY_FORMAT, "agency_id": agency_id, "keys": keys}
    # The old key stops being valid for new events now; events it signed earlier still verify.
    for key in previous:
        if key.valid_to is None:
            registry.add(
                agency_id, AgencyKey(key.key_id, key.public_key, key.valid_from, now, key.revoked)
            )
    registry.add(agency_id, AgencyKey(signer.key_id, signer.public_key, now))
    write_json(path, document, private=True)
    write_json(store.registry_path, registry.to_mapping(), private=False)
    return signer


def add_agency(root: Path | None, agency_id: str, *, now: datetime | None = None) -> AgencySigner:
    """Give a new agency its first signing key and register its public half."""
    store = Keystore(root)
    if store.agency_path(agency_id).exists():
        raise ConfigError(f"agency {agency_id!r} already has signing keys: rotate instead")
    return _append_agency_key(store, agency_id, now or datetime.now(UTC))


def rotate_agency_key(
    root: Path | None, agency_id: str, *, now: datetime | None = None
) -> AgencySigner:
    """Replace an agency's signing key: the old one is valid up to ``now``, the new one after."""
    store = Keystore(root)
    if not store.agency_path(agency_id).exists():
        raise ConfigError(f"agency {agency_id!r} has no signing keys: add it first")
    return _append_agency_key(store, agency_id, now or datetime.now(UTC))
