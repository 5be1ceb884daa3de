"""Agency signatures: verify only known, current, unrevoked keys over untampered bodies."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from threadline.crypto.signatures import AgencyKey, AgencyRegistry, AgencySigner
from threadline.errors import ConfigError, SignatureError, UnknownAgencyError

BODY = b'{"event_id":"e1","report_id":"MPS-2026-000123"}'
START = datetime(2026, 1, 1, tzinfo=UTC)
LATER = START + timedelta(days=30)
SignerFactory = Callable[..., AgencySigner]


def _registry(signer: AgencySigner, **key_fields: object) -> AgencyRegistry:
    fields: dict[str, object] = {"valid_from": START, **key_fields}
    key = AgencyKey(signer.key_id, signer.public_key, **fields)  # type: ignore[arg-type]
    return AgencyRegistry({signer.agency_id: [key]})


def test_sign_and_verify(signer_factory: SignerFactory) -> None:
    signer = signer_factory()
    signature = signer.sign(BODY)
    assert len(signature) == 64
    _registry(signer).verify("mps", "mps-1", BODY, signature, LATER)


def test_every_flipped_signature_or_body_byte_fails(signer_factory: SignerFactory) -> None:
    signer = signer_factory()
    registry = _registry(signer)
    signature = signer.sign(BODY)
    for i in range(len(signature)):
        bad = signature[:i] + bytes([signature[i] ^ 0x80]) + signature[i + 1 :]
        with pytest.raises(SignatureError):
            registry.verify("mps", "mps-1", BODY, bad, LATER)
    for i in range(len(BODY)):
        bad_body = BODY[:i] + bytes([BODY[i] ^ 0x01]) + BODY[i + 1 :]
        with pytest.raises(SignatureError):
            registry.verify("mps", "mps-1", bad_body, signature, LATER)


def test_wrong_length_signature(signer_factory: SignerFactory) -> None:
    signer = signer_factory()
    with pytest.raises(SignatureError, match="length"):
        _registry(signer).verify("mps", "mps-1", BODY, signer.sign(BODY)[:-1], LATER)


def test_another_agencys_key_does_not_verify(signer_factory: SignerFactory) -> None:
    mps, other = signer_factory("mps", "mps-1"), signer_factory("lbth", "mps-1")
    with pytest.raises(SignatureError):
        _registry(mps).verify("mps", "mps-1", BODY, other.sign(BODY), LATER)


@pytest.mark.parametrize(
    ("agency_id", "key_id", "key_fields", "at", "match"),
    [
        ("nope", "mps-1", {}, LATER, "not registered"),
        ("mps", "mps-9", {}, LATER, "no signing key"),
        ("mps", "mps-1", {"revoked": True}, LATER, "revoked"),
        ("mps", "mps-1", {}, START - timedelta(seconds=1), "not valid"),
        ("mps", "mps-1", {"valid_to": LATER}, LATER, "not valid"),
    ],
    ids=["unknown-agency", "unknown-key", "revoked", "before-window", "after-window"],
)
def test_unacceptable_keys(
    signer_factory: SignerFactory,
    *,
    agency_id: str,
    key_id: str,
    key_fields: dict[str, object],
    at: datetime,
    match: str,
) -> None:
    signer = signer_factory()
    with pytest.raises(UnknownAgencyError, match=match):
        _registry(signer, **key_fields).verify(agency_id, key_id, BODY, signer.sign(BODY), at)


def test_naive_time_is_a_programming_error(signer_factory: SignerFactory) -> None:
    signer = signer_factory()
    with pytest.raises(ValueError, match="timezone-aware"):
        _registry(signer).verify("mps", "mps-1", BODY, signer.sign(BODY), datetime(2026, 2, 1))


def test_repr_is_redacted(signer_factory: SignerFactory) -> None:
    signer = signer_factory()
    assert signer.private_bytes().hex() not in repr(signer)
    assert "redacted" in repr(signer)


def test_registry_round_trips_through_json(tmp_path: Path, signer_factory: SignerFactory) -> None:
    signer = signer_factory()
    registry = _registry(signer, valid_to=LATER)
    path = tmp_path / "agencies.json"
    path.write_text(json.dumps(registry.to_mapping()), encoding="utf-8")
    loaded = AgencyRegistry.load(path)
    assert loaded.agencies() == ("mps",)
    loaded.verify("mps", "mps-1", BODY, signer.sign(BODY), START)


def test_registry_loads_hand_written_yaml(tmp_path: Path, signer_factory: SignerFactory) -> None:
    signer = signer_factory()
    public = signer.public_key.public_bytes_raw()
    import base64

    path = tmp_path / "agencies.yaml"
    path.write_text(
        "format: threadline.agency-registry/1\n"
        "agencies:\n"
        "  mps:\n"
        "    - key_id: mps-1\n"
        f"      public_key: {base64.b64encode(public).decode()}\n"
        "      valid_from: 2026-01-01T00:00:00Z\n"  # YAML parses this into a datetime
        "      valid_to: null\n"
        "      revoked: false\n",
        encoding="utf-8",
    )
    AgencyRegistry.load(path).verify("mps", "mps-1", BODY, signer.sign(BODY), LATER)


@pytest.mark.parametrize(
    "document",
    [
        {"format": "wrong"},
        {"format": "threadline.agency-registry/1", "agencies": []},
        {"format": "threadline.agency-registry/1", "agencies": {"mps": {}}},
        {"format": "threadline.agency-registry/1", "agencies": {"mps": [{"key_id": "k"}]}},
        {
            "format": "threadline.agency-registry/1",
            "agencies": {
                "mps": [{"key_id": "k", "public_key": "AAAA", "valid_from": "2026-01-01T00:00:00Z"}]
            },
        },
        {
            "format": "threadline.agency-registry/1",
            "agencies": {
                "mps": [
                    {
                        "key_id": "k",
                        "public_key": "A" * 43 + "=",
                        "valid_from": "2026-01-01T00:00:00",
                    }
                ]
            },
        },
    ],
    ids=["format", "agencies-list", "keys-mapping", "missing-fields", "short-key", "naive-time"],
)
def test_malformed_registries_are_config_errors(document: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        AgencyRegistry.from_mapping(document)


def test_unparseable_registry_file(tmp_path: Path) -> None:
    path = tmp_path / "agencies.yaml"
    path.write_text("agencies: [unclosed", encoding="utf-8")
    with pytest.raises(ConfigError, match="cannot be parsed"):
        AgencyRegistry.load(path)
    with pytest.raises(ConfigError, match="does not exist"):
        AgencyRegistry.load(tmp_path / "missing.json")
