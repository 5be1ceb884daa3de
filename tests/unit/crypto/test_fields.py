"""Field encryption: round trips, and every kind of tampering fails closed without leaking."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, get_type_hints

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from threadline.crypto.fields import (
    SCHEME_HPKE,
    SCHEME_HPKE_DEK,
    EncryptedField,
    EventSealer,
    seal,
    unseal,
)
from threadline.crypto.keyring import MemoryKeyring
from threadline.errors import CryptoError, DecryptionError, UnknownKeyError

PLAINTEXT = "Aisha Khan 07700 900123"
EVENT = "0193a5c2-7f00-7000-8000-000000000001"
PATH = "subject.given_name"
SCHEMAS = Path(__file__).resolve().parents[3] / "schemas"
LeakCheck = Callable[[BaseException, str | bytes], None]

_SHARED_KEYRING = MemoryKeyring("dk-shared")  # read-only, for hypothesis (no function fixtures)


def _seal_hpke(keyring: MemoryKeyring, path: str = PATH) -> EncryptedField:
    return seal(keyring.current_public(), PLAINTEXT, event_id=EVENT, path=path)


def _seal_dek(keyring: MemoryKeyring, path: str = PATH) -> EncryptedField:
    return EventSealer(keyring.current_public(), event_id=EVENT).seal(PLAINTEXT, path=path)


SEALERS = pytest.mark.parametrize("sealer", [_seal_hpke, _seal_dek], ids=["hpke", "dek"])
Sealer = Callable[..., EncryptedField]


def _flip(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 0x01]) + data[index + 1 :]


@SEALERS
def test_round_trip(keyring: MemoryKeyring, sealer: Sealer) -> None:
    field = sealer(keyring)
    assert unseal(keyring, field, event_id=EVENT) == PLAINTEXT.encode()
    assert unseal(keyring, field, event_id=EVENT, path=PATH) == PLAINTEXT.encode()


def test_record_shape_matches_the_avro_schema(keyring: MemoryKeyring) -> None:
    schema = json.loads((SCHEMAS / "EncryptedField.avsc").read_text(encoding="utf-8"))
    avro_fields = {f["name"] for f in schema["fields"]}
    assert set(get_type_hints(EncryptedField)) == avro_fields
    field = _seal_hpke(keyring)
    assert set(field) == avro_fields
    assert field["scheme"] == SCHEME_HPKE
    assert field["nonce"] == b""
    assert len(field["enc"]) == 32


def test_event_sealer_fields_share_one_wrapped_key(keyring: MemoryKeyring) -> None:
    sealer = EventSealer(keyring.current_public(), event_id=EVENT)
    a = sealer.seal("Aisha", path="subject.given_name")
    b = sealer.seal(b"Khan", path="subject.family_name")
    assert a["scheme"] == b["scheme"] == SCHEME_HPKE_DEK
    assert a["enc"] == b["enc"]
    assert len(a["nonce"]) == 12
    assert a["nonce"] != b["nonce"]
    assert unseal(keyring, a, event_id=EVENT) == b"Aisha"
    assert unseal(keyring, b, event_id=EVENT) == b"Khan"
    assert "redacted" in repr(sealer)


@SEALERS
def test_sealing_is_randomised(keyring: MemoryKeyring, sealer: Sealer) -> None:
    assert sealer(keyring)["ciphertext"] != sealer(keyring)["ciphertext"]


@given(
    plaintext=st.text(max_size=200) | st.binary(max_size=200),
    event_id=st.text(min_size=1, max_size=40),
    path=st.text(min_size=1, max_size=60),
)
@settings(max_examples=60, deadline=None)
def test_round_trip_property(plaintext: str | bytes, event_id: str, path: str) -> None:
    expected = plaintext.encode() if isinstance(plaintext, str) else plaintext
    public = _SHARED_KEYRING.current_public()
    single = seal(public, plaintext, event_id=event_id, path=path)
    batch = EventSealer(public, event_id=event_id).seal(plaintext, path=path)
    assert unseal(_SHARED_KEYRING, single, event_id=event_id) == expected
    assert unseal(_SHARED_KEYRING, batch, event_id=event_id) == expected


@pytest.mark.parametrize(
    ("sealer", "part"),
    [
        (_seal_hpke, "ciphertext"),
        (_seal_hpke, "enc"),
        (_seal_dek, "ciphertext"),
        (_seal_dek, "enc"),
        (_seal_dek, "nonce"),
    ],
    ids=["hpke-ciphertext", "hpke-enc", "dek-ciphertext", "dek-enc", "dek-nonce"],
)
def test_flipping_any_byte_fails_closed(
    keyring: MemoryKeyring, sealer: Sealer, part: str, leak_check: LeakCheck
) -> None:
    field = sealer(keyring)
    original: bytes = field[part]  # type: ignore[literal-required]
    assert original
    for index in range(len(original)):
        tampered: Any = {**field, part: _flip(original, index)}
        with pytest.raises(DecryptionError) as caught:
            unseal(keyring, tampered, event_id=EVENT)
        leak_check(caught.value, PLAINTEXT)


@SEALERS
@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"path": "subject.family_name"}, DecryptionError),
        ({"scheme": "rot13"}, DecryptionError),
        ({"key_version": 7}, UnknownKeyError),
        ({"key_id": "dk-other"}, UnknownKeyError),
        ({"ciphertext": b""}, DecryptionError),
        ({"enc": b""}, DecryptionError),
    ],
    ids=["path", "scheme", "unknown-version", "key-id", "empty-ciphertext", "empty-enc"],
)
def test_changing_the_record_fails(
    keyring: MemoryKeyring,
    sealer: Sealer,
    change: dict[str, object],
    error: type[CryptoError],
    leak_check: LeakCheck,
) -> None:
    tampered: Any = {**sealer(keyring), **change}
    with pytest.raises(error) as caught:
        unseal(keyring, tampered, event_id=EVENT)
    leak_check(caught.value, PLAINTEXT)


@SEALERS
def test_another_event_id_fails(
    keyring: MemoryKeyring, sealer: Sealer, leak_check: LeakCheck
) -> None:
    with pytest.raises(DecryptionError) as caught:
        unseal(keyring, sealer(keyring), event_id=EVENT + "0")
    leak_check(caught.value, PLAINTEXT)


@SEALERS
def test_relabelled_key_version_fails(
    keyring: MemoryKeyring, sealer: Sealer, leak_check: LeakCheck
) -> None:
    field = sealer(keyring)  # sealed to version 1
    keyring.rotate()
    with pytest.raises(DecryptionError) as caught:
        unseal(keyring, {**field, "key_version": 2}, event_id=EVENT)
    leak_check(caught.value, PLAINTEXT)


@SEALERS
def test_ciphertext_moved_to_another_slot_is_refused(
    keyring: MemoryKeyring, sealer: Sealer
) -> None:
    field = sealer(keyring, path="associates[0].phones[0]")
    with pytest.raises(DecryptionError, match="moved"):
        unseal(keyring, field, event_id=EVENT, path="subject.phones[0]")


def test_enc_ciphertext_boundary_is_checked(keyring: MemoryKeyring) -> None:
    # enc||ciphertext is what HPKE sees; shifting a byte across the split must still fail.
    field = _seal_hpke(keyring)
    shifted: Any = {**field, "enc": field["enc"] + field["ciphertext"][:1]}
    shifted["ciphertext"] = field["ciphertext"][1:]
    with pytest.raises(DecryptionError):
        unseal(keyring, shifted, event_id=EVENT)
    with pytest.raises(DecryptionError):
        unseal(keyring, {**field, "nonce": b"\x00" * 12}, event_id=EVENT)


def test_dek_fields_cannot_be_swapped_between_events(keyring: MemoryKeyring) -> None:
    public = keyring.current_public()
    one = EventSealer(public, event_id="event-1").seal(PLAINTEXT, path=PATH)
    two = EventSealer(public, event_id="event-2").seal("Dean Smith", path=PATH)
    spliced: Any = {**one, "enc": two["enc"]}
    with pytest.raises(DecryptionError):
        unseal(keyring, spliced, event_id="event-1")
    with pytest.raises(DecryptionError):
        unseal(keyring, spliced, event_id="event-2")


def test_dek_fields_cannot_be_swapped_between_paths(keyring: MemoryKeyring) -> None:
    sealer = EventSealer(keyring.current_public(), event_id=EVENT)
    given_name = sealer.seal("Aisha", path="subject.given_name")
    family = sealer.seal("Khan", path="subject.family_name")
    swapped: Any = {**given_name, "ciphertext": family["ciphertext"], "nonce": family["nonce"]}
    with pytest.raises(DecryptionError):
        unseal(keyring, swapped, event_id=EVENT)


@SEALERS
def test_wrong_keyring_fails(sealer: Sealer, leak_check: LeakCheck) -> None:
    mine, theirs = MemoryKeyring("dk-same"), MemoryKeyring("dk-same")
    with pytest.raises(DecryptionError) as caught:
        unseal(theirs, sealer(mine), event_id=EVENT)
    leak_check(caught.value, PLAINTEXT)


@pytest.mark.parametrize(("event_id", "path"), [("", PATH), (EVENT, "")])
def test_empty_context_is_refused(keyring: MemoryKeyring, event_id: str, path: str) -> None:
    with pytest.raises(ValueError, match="non-empty"):
        seal(keyring.current_public(), PLAINTEXT, event_id=event_id, path=path)


def test_event_sealer_aad_is_the_framed_field_context() -> None:
    """The sealer frames the per-event prefix once; it must equal the full framing."""
    from threadline.crypto.fields import _FIELD_LABEL, _field_context
    from threadline.crypto.framing import frame

    prefix = frame(_FIELD_LABEL, "s", "k", 3, "e")
    path = "associates[0].handles[1].handle"
    framed_path = len(path.encode()).to_bytes(4, "big") + path.encode()
    assert prefix + framed_path == _field_context("s", "k", 3, "e", path)
