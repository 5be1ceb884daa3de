"""Canonical, injective encoding of the context strings that keys and ciphertexts are bound to.

Both field encryption (the HPKE ``info`` that binds event id, field path and key version) and
token-key derivation (the HKDF ``info`` that separates one field's key from another's) feed a
*tuple* of strings into a primitive that only accepts bytes. Naive concatenation is ambiguous:
``("event-1", "2.name")`` and ``("event-12", ".name")`` would join to the same bytes, so a
ciphertext could be replayed under a different event or path. Length-prefixing every part (a
4-byte big-endian length, then the bytes) makes the encoding injective: two different tuples of
the same arity can never produce the same bytes, and every call site starts with a distinct label
so contexts built for different purposes cannot collide either.
"""

from __future__ import annotations

__all__ = ["frame"]

_MAX_PART = 0xFFFF_FFFF


def frame(label: bytes, *parts: str | bytes | int) -> bytes:
    """Encode ``label`` and ``parts`` as a sequence of length-prefixed byte strings.

    ``str`` parts are UTF-8, ``int`` parts (key versions) are 8-byte unsigned big-endian, so
    ``1`` and ``"1"`` encode differently. ``label`` names the purpose (e.g.
    ``b"threadline/field/v1"``) and is framed like any other part.
    """
    out = bytearray()
    for part in (label, *parts):
        if isinstance(part, int):
            if part < 0:
                raise ValueError("framed integers must be non-negative")
            data = part.to_bytes(8, "big")
        elif isinstance(part, str):
            data = part.encode("utf-8")
        else:
            data = bytes(part)
        if len(data) > _MAX_PART:
            raise ValueError("framed part too long")
        out += len(data).to_bytes(4, "big")
        out += data
    return bytes(out)
