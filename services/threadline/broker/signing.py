"""Officer identity: every liaison command is signed with the officer's own Ed25519 key.

Why signatures: a Kafka record does not tell its consumer which principal produced it, and every
liaison principal may write ``liaison.commands.v1``. A command that merely *named* its officer
would let any liaison impersonate another one and approve their own draft, which is the one thing
four-eyes approval exists to stop. So the CLI signs each command with a key only that officer
holds (``<keys dir>/officer-<principal>.json``, mode 0600) and the broker verifies it against the
public registry (``<keys dir>/officer-keys.json``, the same Ed25519 registry format and code as
agency signing keys) before anything else. What remains trusted is the key file's protection on
the officer's machine; see runbooks/ for rotation and revocation.

A command's signature covers its single-object encoding minus the signature itself (see
:func:`threadline.broker.messages.covered_bytes`), so the command id, officer, kind, request id
and every draft field are bound; replays are harmless because the workflow ignores a command id it
has applied and refuses transitions that no longer fit the request's state.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from threadline.broker.errors import RequestRefused
from threadline.broker.messages import HEADER_LENGTH, LIAISON_COMMAND, BrokerCodec, covered_bytes
from threadline.broker.model import LiaisonCommand
from threadline.crypto.keyfiles import b64decode, b64encode, read_json, write_json
from threadline.crypto.signatures import AgencyKey, AgencyRegistry, AgencySigner
from threadline.errors import ConfigError, CryptoError, ThreadlineError

__all__ = [
    "OFFICER_KEY_FORMAT",
    "create_officer_key",
    "load_officer_keys",
    "load_officer_signer",
    "officer_keys_path",
    "open_command",
    "sign_command",
]

OFFICER_KEY_FORMAT = "threadline.officer-signing-key/1"
_SIGNATURE_SIZE = 64


def officer_keys_path(root: Path) -> Path:
    """The public registry of every officer's command-signing keys."""
    return root / "officer-keys.json"


def _private_path(root: Path, principal: str) -> Path:
    if not principal or "/" in principal or principal.startswith("."):
        raise ConfigError(f"officer principal {principal[:64]!r} cannot name a key file")
    return root / f"officer-{principal}.json"


def create_officer_key(root: Path, principal: str, *, now: datetime | None = None) -> str:
    """Give ``principal`` a new signing key (earlier ones stop being valid now); returns its id."""
    now = now or datetime.now(UTC)
    registry_path = officer_keys_path(root)
    registry = AgencyRegistry.load(registry_path) if registry_path.exists() else AgencyRegistry()
    previous = registry.keys(principal)
    key_id = f"{principal}-{len(previous) + 1}"
    signer = AgencySigner.generate(principal, key_id)
    for key in previous:
        if key.valid_to is None:
            registry.add(
                principal, AgencyKey(key.key_id, key.public_key, key.valid_from, now, key.revoked)
            )
    registry.add(principal, AgencyKey(key_id, signer.public_key, now))
    document = {
        "format": OFFICER_KEY_FORMAT,
        "principal": principal,
        "key_id": key_id,
        "private_key": b64encode(signer.private_bytes()),
        "created_at": now.isoformat(),
    }
    write_json(_private_path(root, principal), document, private=True)
    write_json(registry_path, registry.to_mapping(), private=False)
    return key_id


def load_officer_signer(root: Path, principal: str) -> AgencySigner:
    """The officer's current signing key, from their 0600 key file."""
    path = _private_path(root, principal)
    document = read_json(path, private=True, expected_format=OFFICER_KEY_FORMAT)
    seed = b64decode(document.get("private_key"), what=f"{path.name} private_key", length=32)
    return AgencySigner(
        principal, str(document["key_id"]), Ed25519PrivateKey.from_private_bytes(seed)
    )


def load_officer_keys(root: Path) -> AgencyRegistry:
    """Every officer's public signing keys (what the broker verifies commands against)."""
    return AgencyRegistry.load(officer_keys_path(root))


def sign_command(command: LiaisonCommand, signer: AgencySigner, codec: BrokerCodec) -> bytes:
    """The signed wire bytes of ``command``; ``signer`` must belong to ``command.officer``."""
    if signer.agency_id != command.officer:
        raise ConfigError("a command must be signed by the officer it names")
    unsigned = codec.encode(LIAISON_COMMAND, command.to_record(bytes(64), signer.key_id))
    signature = signer.sign(covered_bytes(unsigned, _SIGNATURE_SIZE))
    return unsigned[:HEADER_LENGTH] + signature + unsigned[HEADER_LENGTH + _SIGNATURE_SIZE :]


def open_command(data: bytes, codec: BrokerCodec, keys: AgencyRegistry) -> LiaisonCommand:
    """Decode a command and verify the officer's signature; refusals name the rule.

    The signature is checked at the command's own ``issued_at`` against the key's validity
    window, so a key rotated out keeps verifying what it signed before the rotation, and a
    revoked key verifies nothing.
    """
    try:
        name, record = codec.decode(data)
    except ThreadlineError as exc:
        raise RequestRefused.one(
            "undecodable_command", f"not a liaison command ({exc.code})"
        ) from None
    if name != LIAISON_COMMAND:
        raise RequestRefused.one("undecodable_command", f"a {name} is not a liaison command")
    try:
        command = LiaisonCommand.from_record(record)
    except (ValueError, TypeError, KeyError):
        raise RequestRefused.one(
            "undecodable_command", "the command has an unknown kind or value"
        ) from None
    try:
        keys.verify(
            command.officer,
            record["signing_key_id"],
            covered_bytes(data, _SIGNATURE_SIZE),
            record["signature"],
            command.issued_at,
        )
    except CryptoError as exc:
        raise RequestRefused.one(
            "bad_signature",
            f"the command is not validly signed by officer {command.officer[:64]!r} ({exc.code})",
        ) from None
    return command
