"""Disclosure keyrings: newest encrypts, old versions decrypt, shredding erases.

Agencies hold a public-only keyring and cannot decrypt.
"""

from __future__ import annotations

from typing import Any

import pytest

from threadline.crypto.fields import EventSealer, seal, unseal
from threadline.crypto.keyring import (
    DisclosureKeyring,
    MemoryKeyring,
    PublicKeyring,
    PublicKeySource,
)
from threadline.errors import ConfigError, UnknownKeyError

EVENT = "event-1"


def test_memory_keyring_starts_at_version_one(keyring: MemoryKeyring) -> None:
    assert keyring.current_public().version == 1
    assert isinstance(keyring, DisclosureKeyring)


def test_rotation_newest_encrypts_old_versions_decrypt(keyring: MemoryKeyring) -> None:
    old = seal(keyring.current_public(), "Aisha", event_id=EVENT, path="p")
    rotated = keyring.rotate()
    assert rotated.version == 2
    assert keyring.current_public() == rotated
    new = seal(keyring.current_public(), "Aisha", event_id=EVENT, path="p")
    assert (old["key_version"], new["key_version"]) == (1, 2)
    assert unseal(keyring, old, event_id=EVENT) == b"Aisha"
    assert unseal(keyring, new, event_id=EVENT) == b"Aisha"


def test_shredding_makes_old_ciphertexts_unreadable(keyring: MemoryKeyring) -> None:
    single = seal(keyring.current_public(), "Aisha", event_id=EVENT, path="p")
    batch = EventSealer(keyring.current_public(), event_id=EVENT).seal("Khan", path="q")
    keyring.rotate()
    keyring.shred(1)
    for field in (single, batch):
        with pytest.raises(UnknownKeyError, match="shredded"):
            unseal(keyring, field, event_id=EVENT)
    with pytest.raises(UnknownKeyError):
        keyring.private(keyring.key_id, 1)
    with pytest.raises(UnknownKeyError):
        keyring.public(keyring.key_id, 1)
    shredded = keyring.versions()[0]
    assert shredded.private is None
    assert shredded.shredded_at is not None


def test_shred_is_idempotent_and_refuses_the_newest(keyring: MemoryKeyring) -> None:
    with pytest.raises(ConfigError, match="rotate first"):
        keyring.shred(1)
    keyring.rotate()
    keyring.shred(1)
    keyring.shred(1)
    with pytest.raises(UnknownKeyError):
        keyring.shred(9)


def test_unknown_key_id_and_version(keyring: MemoryKeyring) -> None:
    with pytest.raises(UnknownKeyError):
        keyring.private("dk-nope", 1)
    with pytest.raises(UnknownKeyError):
        keyring.public(keyring.key_id, 2)


def test_public_keyring_encrypts_but_cannot_decrypt(keyring: MemoryKeyring) -> None:
    public = PublicKeyring.from_keyring(keyring)
    assert isinstance(public, PublicKeySource)
    assert not isinstance(public, DisclosureKeyring)
    assert not hasattr(public, "private")
    assert all(v.private is None for v in public.versions())
    field = seal(public.current_public(), "Aisha", event_id=EVENT, path="p")
    assert unseal(keyring, field, event_id=EVENT) == b"Aisha"
    impostor: Any = public
    with pytest.raises(AttributeError):
        unseal(impostor, field, event_id=EVENT)


def test_public_export_leaves_out_shredded_versions(keyring: MemoryKeyring) -> None:
    keyring.rotate()
    keyring.shred(1)
    public = PublicKeyring.from_keyring(keyring)
    assert [v.version for v in public.versions()] == [2]
    assert public.current_public().raw() == keyring.current_public().raw()


def test_empty_public_keyring_is_refused() -> None:
    with pytest.raises(ConfigError):
        PublicKeyring("dk-empty", {})


def test_reprs_hold_no_key_material(keyring: MemoryKeyring) -> None:
    private = keyring.private(keyring.key_id, 1).private_bytes_raw()
    public = keyring.current_public()
    texts = [
        repr(keyring),
        repr(public),
        repr(keyring.versions()),
        repr(PublicKeyring.from_keyring(keyring)),
    ]
    for text in texts:
        assert private.hex() not in text
        assert public.raw().hex() not in text
        assert "dk-test" in text or "version" in text
