"""HMAC-SHA256 under one fixed key, with the key's padded blocks hashed once.

A linkage token is one HMAC-SHA256 of a short value under a per-field key, and the SDK computes
several per report. ``hmac.digest`` re-derives the padded key blocks and goes through
OpenSSL 3's provider lookup on every call (~1.3 us); HMAC (RFC 2104) is
``H((K ^ opad) || H((K ^ ipad) || m))``, so hashing the two padded key blocks once and copying
those SHA-256 states per message gives the same bytes for ~0.5 us. The output is
byte-identical to ``hmac.digest(key, message, "sha256")`` (a unit test checks it on arbitrary
keys and messages); only the cost differs.

The object holds key-derived state: keep it where the key itself would be kept (inside a
tokeniser), never in a module global, and never print it.
"""

from __future__ import annotations

import hashlib

__all__ = ["HmacSha256"]

_BLOCK = 64  # SHA-256 block size in bytes
_IPAD = bytes([0x36]) * _BLOCK
_OPAD = bytes([0x5C]) * _BLOCK


def _xor(a: bytes, b: bytes) -> bytes:
    return (int.from_bytes(a, "big") ^ int.from_bytes(b, "big")).to_bytes(_BLOCK, "big")


class HmacSha256:
    """``digest(m) == hmac.digest(key, m, "sha256")`` for the key given at construction."""

    __slots__ = ("_inner", "_outer")

    def __init__(self, key: bytes) -> None:
        if len(key) > _BLOCK:  # RFC 2104: a key longer than the block is hashed first
            key = hashlib.sha256(key).digest()
        block = key.ljust(_BLOCK, b"\x00")
        self._inner = hashlib.sha256(_xor(block, _IPAD))
        self._outer = hashlib.sha256(_xor(block, _OPAD))

    def __repr__(self) -> str:
        return "HmacSha256(key=<redacted>)"

    def digest(self, message: bytes) -> bytes:
        """The 32-byte HMAC-SHA256 of ``message``."""
        inner = self._inner.copy()
        inner.update(message)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.digest()
