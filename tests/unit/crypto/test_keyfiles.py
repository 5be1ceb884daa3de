"""The development FileKeyring and the public export: atomic 0600 files, nothing private leaks."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path

import pytest

from threadline.crypto.fields import seal, unseal
from threadline.crypto.keyfiles import FileKeyring, export_public, load_public
from threadline.errors import ConfigError


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_create_writes_a_0600_file_and_loads_back(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "disclosure.json"
    ring = FileKeyring.create(path, key_id="dk-file")
    assert _mode(path) == 0o600
    assert _mode(path.parent) == 0o700
    field = seal(ring.current_public(), "Aisha", event_id="e", path="p")
    again = FileKeyring.load(path)
    assert again.key_id == "dk-file"
    assert unseal(again, field, event_id="e") == b"Aisha"
    assert again.private(again.key_id, 1).private_bytes_raw().hex() not in repr(again)


def test_create_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "disclosure.json"
    FileKeyring.create(path)
    with pytest.raises(ConfigError, match="refusing to overwrite"):
        FileKeyring.create(path)


def test_rotate_and_shred_are_persisted(tmp_path: Path) -> None:
    path = tmp_path / "disclosure.json"
    ring = FileKeyring.create(path)
    old_private = ring.private(ring.key_id, 1).private_bytes_raw()
    ring.rotate()
    assert FileKeyring.load(path).current_public().version == 2
    ring.shred(1)
    text = path.read_text(encoding="utf-8")
    assert base64.b64encode(old_private).decode() not in text
    reloaded = FileKeyring.load(path)
    assert reloaded.versions()[0].shredded_at is not None
    assert _mode(path) == 0o600
    assert not list(tmp_path.glob(".*.tmp")), "atomic write left a temporary file behind"


def test_load_refuses_a_file_others_can_read(tmp_path: Path) -> None:
    path = tmp_path / "disclosure.json"
    FileKeyring.create(path)
    path.chmod(0o644)
    with pytest.raises(ConfigError, match="chmod 600"):
        FileKeyring.load(path)


def test_public_export_has_no_private_material(tmp_path: Path) -> None:
    ring = FileKeyring.create(tmp_path / "disclosure.json")
    out = tmp_path / "disclosure.pub.json"
    export_public(ring, out)
    assert _mode(out) == 0o644
    document = json.loads(out.read_text(encoding="utf-8"))
    assert "private" not in out.read_text(encoding="utf-8")
    private = base64.b64encode(ring.private(ring.key_id, 1).private_bytes_raw()).decode()
    assert private not in out.read_text(encoding="utf-8")
    assert [v["version"] for v in document["versions"]] == [1]
    public = load_public(out)
    field = seal(public.current_public(), "Aisha", event_id="e", path="p")
    assert unseal(ring, field, event_id="e") == b"Aisha"
    with pytest.raises(ConfigError):
        FileKeyring.load(out)  # a public export is not a keyring


@pytest.mark.parametrize(
    "document",
    [
        "not json",
        json.dumps({"format": "something-else"}),
        json.dumps({"format": "threadline.disclosure-keyring/1", "key_id": "dk", "versions": []}),
        json.dumps({"format": "threadline.disclosure-keyring/1", "versions": [{}]}),
        json.dumps(
            {
                "format": "threadline.disclosure-keyring/1",
                "key_id": "dk",
                "versions": [{"version": 1, "public_key": "!!", "created_at": "2026-01-01"}],
            }
        ),
    ],
    ids=["not-json", "wrong-format", "no-versions", "missing-fields", "bad-base64"],
)
def test_malformed_keyring_files_are_config_errors(tmp_path: Path, document: str) -> None:
    path = tmp_path / "disclosure.json"
    path.write_text(document, encoding="utf-8")
    path.chmod(0o600)
    with pytest.raises(ConfigError):
        FileKeyring.load(path)


def test_mismatched_private_and_public_key_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "disclosure.json"
    ring = FileKeyring.create(path)
    ring.rotate()
    document = json.loads(path.read_text(encoding="utf-8"))
    first, second = document["versions"]
    first["private_key"] = second["private_key"]
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(ConfigError, match="does not match"):
        FileKeyring.load(path)


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        FileKeyring.load(tmp_path / "nope.json")
    with pytest.raises(ConfigError, match="does not exist"):
        load_public(tmp_path / "nope.pub.json")


def test_a_stale_keyring_cannot_overwrite_a_newer_file(tmp_path: Path) -> None:
    path = tmp_path / "disclosure.json"
    FileKeyring.create(path)
    first, second = FileKeyring.load(path), FileKeyring.load(path)
    first.rotate()
    with pytest.raises(ConfigError, match="changed since it was loaded"):
        second.rotate()
    assert FileKeyring.load(path).current_public().version == 2
    third = FileKeyring.load(path)
    third.rotate()
    third.shred(1)  # successive writes by one holder are fine
    assert FileKeyring.load(path).current_public().version == 3
