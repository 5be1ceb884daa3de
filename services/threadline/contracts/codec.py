"""Events to bytes and back: Avro single-object encoding over fastavro.

Wire format (Avro specification, "Single-object encoding")::

    C3 01 | CRC-64-AVRO fingerprint, 8 bytes little-endian | Avro binary body

The fingerprint names the writer's schema; :class:`Codec` looks it up among the shipped
schemas (working copy and releases) and reads into the current schema, so old producers stay
readable. Every failure becomes a :class:`~threadline.errors.ContractError` subclass whose
message names a byte offset, a fingerprint or a field path and never a value: events carry
personal data, even if encrypted, and these messages end up in logs and dead-letter headers.
For the same reason fastavro's own exceptions are suppressed (``from None``) rather than
chained: their text can quote the record.

Signatures: an event's ``signature`` is the first field of every event schema, so the canonical
body an agency signs (the encoding with ``signature`` empty) is the received bytes with that
one length-prefixed field replaced by ``00``. :meth:`Codec.split_signature` does that without
decoding anything, and :meth:`Codec.encode_for_signing` produces the same bytes from a record.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from io import BytesIO
from typing import Any

from fastavro import schemaless_reader, schemaless_writer
from fastavro.read import SchemaResolutionError
from fastavro.validation import validate as fastavro_validate

from threadline.contracts.conformance import find_mismatch
from threadline.contracts.events import EventType
from threadline.contracts.schemas import MAGIC, EventSchema, SchemaRegistry, default_registry
from threadline.errors import MalformedEventError, UnknownFingerprintError, ValidationError

__all__ = [
    "HEADER_LENGTH",
    "Codec",
    "attach_signature",
    "decode",
    "encode",
    "encode_for_signing",
    "schema_of",
    "split_signature",
]

HEADER_LENGTH = len(MAGIC) + 8
_EMPTY_BYTES = b"\x00"  # Avro encoding of b"": zig-zag length 0
_WRITE_ERRORS = (TypeError, ValueError, KeyError, AttributeError, OverflowError, IndexError)


class Codec:
    """Encode and decode events against one :class:`SchemaRegistry` (the shipped one by default).

    Stateless apart from the registry, so one instance is shared freely across threads.

    ``validate=True`` checks every record against its schema before writing it. fastavro's
    writer alone refuses wrong types, unknown fields and missing required fields, but it
    quietly narrows what an ``int`` field is given (``1.5`` is written as ``1``, ``True`` as
    ``1``, values beyond 32 bits as-is, which other Avro readers reject). Validation closes
    that gap but costs roughly a third of encoding throughput, so it is a choice: publishers
    of hand-built records (the SDK) should turn it on, re-encoders of decoded events need not.

    ``tuple_unions=True`` lets a caller that builds its records itself name a union's branch
    as ``(full type name, value)`` (fastavro's tuple notation). fastavro otherwise finds the
    branch of a record value by validating the value against each branch, which for the SDK's
    five optional ``EncryptedField`` slots per person is a fifth of the encoding time. The
    bytes are identical either way; leave it off wherever a record may hold real tuples.
    """

    def __init__(
        self,
        registry: SchemaRegistry | None = None,
        *,
        validate: bool = False,
        tuple_unions: bool = False,
    ) -> None:
        self.registry = registry if registry is not None else default_registry()
        self.validate = validate
        self.tuple_unions = tuple_unions

    def encode(self, event_type: EventType | str, record: Mapping[str, Any]) -> bytes:
        """Single-object encoding of ``record`` with the current schema of ``event_type``.

        Unknown fields are refused and missing fields are filled only from schema defaults,
        so a misspelt field name cannot silently disappear.
        """
        schema = self.registry.current(event_type)
        if self.validate and not fastavro_validate(
            record, schema.parsed, raise_errors=False, strict=True
        ):
            raise _invalid(schema, record)
        buffer = BytesIO()
        buffer.write(schema.prefix)
        try:
            schemaless_writer(
                buffer,
                schema.parsed,
                record,
                strict_allow_default=True,
                disable_tuple_notation=not self.tuple_unions,
            )
        except _WRITE_ERRORS:
            raise _invalid(schema, record) from None
        return buffer.getvalue()

    def encode_for_signing(self, event_type: EventType | str, record: Mapping[str, Any]) -> bytes:
        """The canonical body an agency signs: ``record`` encoded with ``signature`` empty."""
        return self.encode(event_type, {**record, "signature": b""})

    def schema_of(self, data: bytes) -> EventSchema:
        """The writer schema named by the header, without decoding the body."""
        if len(data) < HEADER_LENGTH:
            raise MalformedEventError(
                f"too short for an event: {len(data)} bytes, the header alone is {HEADER_LENGTH}"
            )
        if data[:2] != MAGIC:
            raise MalformedEventError(
                f"bad magic {data[:2].hex()}: not Avro single-object encoding (c301)"
            )
        fingerprint = data[2:HEADER_LENGTH]
        schema = self.registry.writer(fingerprint)
        if schema is None:
            raise UnknownFingerprintError(f"no shipped schema has fingerprint {fingerprint.hex()}")
        return schema

    def decode(self, data: bytes) -> tuple[EventType, dict[str, Any]]:
        """The event type and the record, in the shape of the current schema.

        The whole input must be exactly one record: data that ends early or runs on past
        the record is refused, because either means the bytes are not what was signed.
        """
        writer = self.schema_of(data)
        reader = self.registry.current(writer.event_type)
        name = writer.event_type.record_name
        buffer = BytesIO(data)
        buffer.seek(HEADER_LENGTH)
        try:
            record = schemaless_reader(
                buffer, writer.parsed, None if reader is writer else reader.parsed
            )
        except EOFError:
            raise MalformedEventError(f"{name} body truncated at byte {len(data)}") from None
        except IndexError:
            raise _index_error(name, buffer.tell(), len(data)) from None
        except UnicodeDecodeError:
            raise MalformedEventError(
                f"{name} body has a string that is not UTF-8 before byte {buffer.tell()}"
            ) from None
        except (ValueError, OverflowError, SchemaResolutionError):
            raise MalformedEventError(
                f"{name} body has a value out of range before byte {buffer.tell()}"
            ) from None
        end = buffer.tell()
        if end != len(data):
            raise MalformedEventError(
                f"{len(data) - end} trailing bytes after the {name} record (ends at byte {end})"
            )
        if not isinstance(record, dict):  # pragma: no cover - records decode to dicts
            raise MalformedEventError(f"{name} body did not decode to a record")
        return writer.event_type, record

    def split_signature(self, data: bytes) -> tuple[bytes, bytes]:
        """``(canonical_body, signature)`` of an encoded event, without decoding the body.

        The body is the input with the leading ``signature`` field replaced by an empty one,
        byte for byte what :meth:`encode_for_signing` produced on the agency's side.
        """
        self.schema_of(data)
        length, start = _read_long(data, HEADER_LENGTH)
        end = start + length
        if length < 0:
            raise MalformedEventError(f"negative signature length at byte {HEADER_LENGTH}")
        if end > len(data):
            raise MalformedEventError(f"signature truncated at byte {len(data)}")
        return data[:HEADER_LENGTH] + _EMPTY_BYTES + data[end:], data[start:end]

    def attach_signature(self, body: bytes, signature: bytes) -> bytes:
        """The signed event: ``body`` (from :meth:`encode_for_signing`) with ``signature`` set.

        The inverse of :meth:`split_signature`, and byte for byte what :meth:`encode` gives for
        the record with that signature, without a second encode of the whole record.
        """
        self.schema_of(body)
        if body[HEADER_LENGTH : HEADER_LENGTH + 1] != _EMPTY_BYTES:
            raise MalformedEventError(
                f"the body already carries a signature at byte {HEADER_LENGTH}"
            )
        return body[:HEADER_LENGTH] + _long(len(signature)) + signature + body[HEADER_LENGTH + 1 :]


def _long(value: int) -> bytes:
    """Avro zig-zag varint of ``value``."""
    encoded = (value << 1) ^ (value >> 63)
    out = bytearray()
    while encoded & ~0x7F:
        out.append((encoded & 0x7F) | 0x80)
        encoded >>= 7
    out.append(encoded)
    return bytes(out)


def _invalid(schema: EventSchema, record: object) -> ValidationError:
    name = schema.event_type.record_name
    mismatch = find_mismatch(schema.schema, record)
    if mismatch is None:
        return ValidationError(f"{name} record does not match its schema")
    where = mismatch.path or "the record"
    return ValidationError(f"{name} record: {where}: {mismatch.rule}", path=mismatch.path)


def _index_error(name: str, position: int, size: int) -> MalformedEventError:
    # fastavro's compiled reader signals both "ran out of bytes" and "branch/symbol index out
    # of range" with IndexError; only the position tells them apart.
    if position >= size:
        return MalformedEventError(f"{name} body truncated at byte {size}")
    return MalformedEventError(
        f"{name} body has an invalid union or enum index before byte {position}"
    )


def _read_long(data: bytes, offset: int) -> tuple[int, int]:
    """Avro zig-zag varint at ``offset``: ``(value, offset after it)``."""
    shift = 0
    accumulator = 0
    for position in range(offset, min(len(data), offset + 10)):
        byte = data[position]
        accumulator |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return (accumulator >> 1) ^ -(accumulator & 1), position + 1
        shift += 7
    if len(data) < offset + 10:
        raise MalformedEventError(f"signature length truncated at byte {len(data)}")
    raise MalformedEventError(f"signature length at byte {offset} is longer than 10 bytes")


@functools.cache
def _default_codec() -> Codec:
    return Codec(default_registry())


def encode(event_type: EventType | str, record: Mapping[str, Any]) -> bytes:
    """:meth:`Codec.encode` with the shipped schemas."""
    return _default_codec().encode(event_type, record)


def encode_for_signing(event_type: EventType | str, record: Mapping[str, Any]) -> bytes:
    """:meth:`Codec.encode_for_signing` with the shipped schemas."""
    return _default_codec().encode_for_signing(event_type, record)


def decode(data: bytes) -> tuple[EventType, dict[str, Any]]:
    """:meth:`Codec.decode` with the shipped schemas."""
    return _default_codec().decode(data)


def schema_of(data: bytes) -> EventSchema:
    """:meth:`Codec.schema_of` with the shipped schemas."""
    return _default_codec().schema_of(data)


def attach_signature(body: bytes, signature: bytes) -> bytes:
    """:meth:`Codec.attach_signature` with the shipped schemas."""
    return _default_codec().attach_signature(body, signature)


def split_signature(data: bytes) -> tuple[bytes, bytes]:
    """:meth:`Codec.split_signature` with the shipped schemas."""
    return _default_codec().split_signature(data)
