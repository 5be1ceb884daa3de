"""One person's linkage tokens, as the correlator holds them: opaque bytes, never personal data.

The correlator holds no key (DESIGN.md, *Privacy model*), so a person is nothing but the keyed
HMAC tokens and the keyed bigram Bloom filter (CLK) that the agency's SDK computed. This module
gives that record one immutable shape, validated once at the boundary (``from_mapping``), with
the derived values that scoring needs precomputed: token lists become ``frozenset`` so an
overlap test is one ``isdisjoint`` call, and the CLK becomes an ``int`` with its popcount so a
Dice coefficient is one ``&`` and one ``bit_count`` (Schnell, Bachteler & Reiher 2009).

It also carries the compact binary codec the faust app uses to keep persons in a RocksDB table:
fixed 16-byte tokens make decoding one header unpack and a few slices, which matters because
every candidate scored is one decode (about 5 us; the persons of a record id never change
except through ``replace``, so a write-through cache in front of the table removes even that).
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from threadline.errors import ContractError, ValidationError

__all__ = ["MAX_TOKENS_PER_FIELD", "TOKEN_BYTES", "PersonTokens", "decode_person", "encode_person"]

TOKEN_BYTES = 16
MAX_TOKENS_PER_FIELD = 64
_SET_FIELDS = ("given_name", "family_name", "name_phonetic", "phones", "emails", "handles")
_ONE_FIELDS = ("dob", "dob_swapped", "birth_year", "postcode_district")
_CODEC_VERSION = 1


@dataclass(frozen=True, slots=True, repr=False)
class PersonTokens:
    """The tokens of one person (a child subject or an associate) in one report.

    ``repr`` shows how many tokens each field holds, never the tokens: logs and error messages
    must not carry them (DESIGN.md, *Privacy model*).
    """

    scheme: str
    given_name: frozenset[bytes] = frozenset()
    family_name: frozenset[bytes] = frozenset()
    name_phonetic: frozenset[bytes] = frozenset()
    dob: bytes | None = None
    dob_swapped: bytes | None = None
    birth_year: bytes | None = None
    postcode_district: bytes | None = None
    phones: frozenset[bytes] = frozenset()
    emails: frozenset[bytes] = frozenset()
    handles: frozenset[bytes] = frozenset()
    name_clk: bytes | None = None
    clk_int: int = field(init=False, compare=False)
    clk_bits: int = field(init=False, compare=False)

    def __post_init__(self) -> None:
        clk = int.from_bytes(self.name_clk, "big") if self.name_clk else 0
        object.__setattr__(self, "clk_int", clk)
        object.__setattr__(self, "clk_bits", clk.bit_count())

    def __repr__(self) -> str:
        counts = ", ".join(f"{name}={len(getattr(self, name))}" for name in _SET_FIELDS)
        known = ",".join(name for name in _ONE_FIELDS if getattr(self, name) is not None)
        return (
            f"PersonTokens(scheme={self.scheme!r}, {counts}, known=[{known}], clk={self.clk_bits}b)"
        )

    @classmethod
    def from_mapping(cls, data: Mapping[str, object], *, path: str = "person") -> PersonTokens:
        """Build from the decoded Avro ``PersonTokens`` record, checking every token's shape.

        Errors name the field path and the rule, never the value.
        """
        scheme = data.get("scheme", "")
        if not isinstance(scheme, str):
            raise ValidationError("scheme must be a string", path=f"{path}.scheme")
        given, family, phonetic, phones, emails, handles = (
            _token_set(data.get(name), f"{path}.{name}") for name in _SET_FIELDS
        )
        dob, dob_swapped, birth_year, postcode = (
            _one_token(data.get(name), f"{path}.{name}") for name in _ONE_FIELDS
        )
        clk = data.get("name_clk")
        if clk is not None and not isinstance(clk, bytes):
            raise ValidationError("name_clk must be bytes", path=f"{path}.name_clk")
        return cls(
            scheme, given, family, phonetic, dob, dob_swapped, birth_year, postcode,
            phones, emails, handles, clk or None,
        )  # fmt: skip

    def is_empty(self) -> bool:
        """True when nothing could ever link this person to another."""
        return not (
            any(getattr(self, name) for name in _SET_FIELDS)
            or any(getattr(self, name) is not None for name in _ONE_FIELDS)
            or self.clk_bits
        )


def _token_set(value: object, path: str) -> frozenset[bytes]:
    if value is None:
        return frozenset()
    if not isinstance(value, list | tuple | frozenset | set):
        raise ValidationError("must be a list of tokens", path=path)
    items: Iterable[object] = value
    tokens = frozenset(_token(item, path) for item in items)
    if len(tokens) > MAX_TOKENS_PER_FIELD:
        raise ValidationError(f"more than {MAX_TOKENS_PER_FIELD} tokens", path=path)
    return tokens


def _one_token(value: object, path: str) -> bytes | None:
    return None if value is None else _token(value, path)


def _token(value: object, path: str) -> bytes:
    if not isinstance(value, bytes) or len(value) != TOKEN_BYTES:
        raise ValidationError(f"a token must be {TOKEN_BYTES} bytes", path=path)
    return value


# Layout: a fixed header (version, scheme length, the token count of each set field, a presence
# mask of the single-token fields, CLK length), then the scheme, all tokens back to back (each
# set sorted), and the CLK. One unpack and plain slicing decode it.
_HEADER = struct.Struct("<BB6BBH")


def encode_person(person: PersonTokens) -> bytes:
    """Compact, deterministic bytes for a state table (tokens sorted, so equal in, equal out)."""
    scheme = person.scheme.encode()
    sets: list[frozenset[bytes]] = [getattr(person, name) for name in _SET_FIELDS]
    ones: list[bytes | None] = [getattr(person, name) for name in _ONE_FIELDS]
    mask = sum(1 << i for i, token in enumerate(ones) if token is not None)
    clk = person.name_clk or b""
    header = _HEADER.pack(_CODEC_VERSION, len(scheme), *map(len, sets), mask, len(clk))
    tokens = [token for tokens in sets for token in sorted(tokens)]
    tokens.extend(token for token in ones if token is not None)
    return b"".join((header, scheme, *tokens, clk))


def decode_person(blob: bytes) -> PersonTokens:
    """Inverse of :func:`encode_person`; corrupt bytes raise ``ContractError(corrupt_state)``."""
    try:
        version, scheme_len, *counts, mask, clk_len = _HEADER.unpack_from(blob)
    except struct.error as exc:
        raise ContractError("person-token state value is corrupt", code="corrupt_state") from exc
    singles = [bool(mask & (1 << i)) for i in range(len(_ONE_FIELDS))]
    pos = _HEADER.size + scheme_len
    size = pos + TOKEN_BYTES * (sum(counts) + sum(singles)) + clk_len
    if version != _CODEC_VERSION or size != len(blob):
        raise ContractError("person-token state value is corrupt", code="corrupt_state")
    try:
        scheme = blob[_HEADER.size : pos].decode()
    except UnicodeDecodeError as exc:
        raise ContractError("person-token state value is corrupt", code="corrupt_state") from exc
    sets = []
    for count in counts:
        end = pos + count * TOKEN_BYTES
        sets.append(frozenset([blob[i : i + TOKEN_BYTES] for i in range(pos, end, TOKEN_BYTES)]))
        pos = end
    ones: list[bytes | None] = []
    for present in singles:
        ones.append(blob[pos : pos + TOKEN_BYTES] if present else None)
        pos += TOKEN_BYTES * present
    given, family, phonetic, phones, emails, handles = sets
    dob, dob_swapped, birth_year, postcode = ones
    return PersonTokens(
        scheme, given, family, phonetic, dob, dob_swapped, birth_year, postcode,
        phones, emails, handles, blob[pos:] or None,
    )  # fmt: skip
