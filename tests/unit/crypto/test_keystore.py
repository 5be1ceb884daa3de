"""The keys directory: layout, modes, and the lifecycle behind ``threadline keys ...``."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretBytes

from threadline.crypto.fields import seal, unseal
from threadline.crypto.keystore import (
    Keystore,
    add_agency,
    default_keys_dir,
    init_dev_keys,
    rotate_agency_key,
    rotate_disclosure,
    shred_disclosure,
)
from threadline.crypto.tokens import LinkageTokeniser
from threadline.errors import ConfigError, UnknownAgencyError, UnknownKeyError

T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture
def store(tmp_path: Path) -> Keystore:
    return init_dev_keys(tmp_path / "keys", ["mps", "lbth-csc"], now=T0)


def test_layout_and_modes(store: Keystore) -> None:
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in store.root.iterdir()}
    assert modes == {
        "disclosure.json": 0o600,
        "disclosure.pub.json": 0o644,
        "linkage.json": 0o600,
        "agencies.json": 0o644,
        "agency-mps.json": 0o600,
        "agency-lbth-csc.json": 0o600,
    }
    assert stat.S_IMODE(store.root.stat().st_mode) == 0o700


def test_init_refuses_an_existing_directory(store: Keystore) -> None:
    with pytest.raises(ConfigError, match="refusing to overwrite"):
        init_dev_keys(store.root, ["mps"])


def test_agencies_encrypt_with_the_public_file_broker_decrypts(store: Keystore) -> None:
    field = seal(store.public_keyring().current_public(), "Aisha", event_id="e", path="p")
    assert unseal(store.disclosure_keyring(), field, event_id="e") == b"Aisha"


def test_rotate_then_shred_disclosure(store: Keystore) -> None:
    old = seal(store.public_keyring().current_public(), "Aisha", event_id="e", path="p")
    assert rotate_disclosure(store.root).version == 2
    assert store.public_keyring().current_public().version == 2
    assert unseal(store.disclosure_keyring(), old, event_id="e") == b"Aisha"
    shred_disclosure(1, store.root)
    assert [v.version for v in store.public_keyring().versions()] == [2]
    with pytest.raises(UnknownKeyError):
        unseal(store.disclosure_keyring(), old, event_id="e")


def test_linkage_secret_feeds_a_tokeniser(store: Keystore) -> None:
    scheme, secret = store.linkage_secret()
    assert scheme == "tl-tok-v1"
    assert isinstance(secret, SecretBytes)
    assert "*" in repr(secret)
    tokens = LinkageTokeniser(secret, scheme).person_tokens({"given_name": "Aisha"})
    assert tokens["given_name"]


def test_agency_signs_and_registry_verifies(store: Keystore) -> None:
    signer = store.agency_signer("mps")
    assert signer.key_id == "mps-1"
    store.registry().verify("mps", "mps-1", b"body", signer.sign(b"body"), T0)


def test_rotating_an_agency_key_closes_the_old_window(store: Keystore) -> None:
    old = store.agency_signer("mps")
    t1 = T0 + timedelta(days=90)
    new = rotate_agency_key(store.root, "mps", now=t1)
    assert new.key_id == "mps-2"
    assert store.agency_signer("mps").key_id == "mps-2"
    registry = store.registry()
    registry.verify("mps", "mps-1", b"b", old.sign(b"b"), t1 - timedelta(seconds=1))
    registry.verify("mps", "mps-2", b"b", new.sign(b"b"), t1)
    with pytest.raises(UnknownAgencyError, match="not valid"):
        registry.verify("mps", "mps-1", b"b", old.sign(b"b"), t1)


def test_add_and_rotate_preconditions(store: Keystore) -> None:
    with pytest.raises(ConfigError, match="rotate instead"):
        add_agency(store.root, "mps")
    with pytest.raises(ConfigError, match="add it first"):
        rotate_agency_key(store.root, "nca")
    assert add_agency(store.root, "nca").key_id == "nca-1"
    assert "nca" in store.registry().agencies()


@pytest.mark.parametrize("agency_id", ["../etc", "MPS", "", "a/b", "x" * 64])
def test_agency_ids_cannot_escape_the_directory(store: Keystore, agency_id: str) -> None:
    with pytest.raises(ConfigError, match="agency id"):
        store.agency_path(agency_id)


def test_default_keys_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("THREADLINE_KEYS_DIR", str(tmp_path / "explicit"))
    assert default_keys_dir() == tmp_path / "explicit"
    monkeypatch.delenv("THREADLINE_KEYS_DIR")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert default_keys_dir() == tmp_path / "xdg" / "threadline" / "keys"
    assert Keystore().root == default_keys_dir()


def test_repository_is_never_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("THREADLINE_KEYS_DIR", raising=False)
    repo = Path(__file__).resolve().parents[3]
    assert repo not in default_keys_dir().resolve().parents
