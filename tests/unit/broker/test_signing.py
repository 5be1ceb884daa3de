"""Broker wire records and officer signatures.

Why: the signature is the only thing that tells the broker which officer issued a command, so a
changed byte, a key of another officer, a rotated-out key or a revoked key must all be refused,
while a key rotated *after* signing must still verify what it signed.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from threadline.broker.errors import RequestRefused
from threadline.broker.messages import default_codec
from threadline.broker.model import CommandKind, LiaisonCommand
from threadline.broker.signing import (
    create_officer_key,
    load_officer_keys,
    load_officer_signer,
    officer_keys_path,
    open_command,
    sign_command,
)
from threadline.errors import ConfigError

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def _command(officer: str, at: datetime) -> LiaisonCommand:
    return LiaisonCommand(
        "01a1fd55-7afb-7000-8000-000000000001",
        officer,
        at,
        CommandKind.SUBMIT,
        request_id="RQ-1",
        note="portal",
    )


def test_signed_commands_round_trip_and_tampering_fails(tmp_path: Path) -> None:
    create_officer_key(tmp_path, "liaison-spoc1", now=T0)
    keys, codec = load_officer_keys(tmp_path), default_codec()
    command = _command("liaison-spoc1", T0 + timedelta(hours=1))
    data = sign_command(command, load_officer_signer(tmp_path, "liaison-spoc1"), codec)
    assert open_command(data, codec, keys) == command
    tampered = data.replace(b"portal", b"postal")
    with pytest.raises(RequestRefused) as refused:
        open_command(tampered, codec, keys)
    assert refused.value.rule == "bad_signature"


def test_rotation_keeps_old_signatures_and_refuses_the_old_key_later(tmp_path: Path) -> None:
    codec = default_codec()
    create_officer_key(tmp_path, "liaison-spoc1", now=T0)
    old_signer = load_officer_signer(tmp_path, "liaison-spoc1")
    before = sign_command(_command("liaison-spoc1", T0 + timedelta(days=1)), old_signer, codec)
    create_officer_key(tmp_path, "liaison-spoc1", now=T0 + timedelta(days=2))
    keys = load_officer_keys(tmp_path)
    assert open_command(before, codec, keys).officer == "liaison-spoc1"
    after = sign_command(_command("liaison-spoc1", T0 + timedelta(days=3)), old_signer, codec)
    with pytest.raises(RequestRefused, match="bad_signature"):
        open_command(after, codec, keys)
    new = load_officer_signer(tmp_path, "liaison-spoc1")
    assert open_command(
        sign_command(_command("liaison-spoc1", T0 + timedelta(days=3)), new, codec), codec, keys
    )


def test_revoked_keys_verify_nothing(tmp_path: Path) -> None:
    codec = default_codec()
    create_officer_key(tmp_path, "liaison-spoc2", now=T0)
    data = sign_command(
        _command("liaison-spoc2", T0 + timedelta(hours=1)),
        load_officer_signer(tmp_path, "liaison-spoc2"),
        codec,
    )
    path = officer_keys_path(tmp_path)
    document = json.loads(path.read_text())
    document["agencies"]["liaison-spoc2"][0]["revoked"] = True
    path.write_text(json.dumps(document))
    with pytest.raises(RequestRefused, match="bad_signature"):
        open_command(data, codec, load_officer_keys(tmp_path))


def test_a_signer_must_be_the_officer_it_names(tmp_path: Path) -> None:
    create_officer_key(tmp_path, "liaison-spoc1", now=T0)
    signer = load_officer_signer(tmp_path, "liaison-spoc1")
    with pytest.raises(ConfigError):
        sign_command(_command("liaison-insp1", T0), signer, default_codec())
    assert (tmp_path / "officer-liaison-spoc1.json").stat().st_mode & 0o077 == 0
