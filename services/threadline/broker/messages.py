"""The broker's own wire records: Avro single-object encoding over ``schemas/broker/*.avsc``.

Why Avro and not JSON: every other topic is Avro single-object encoded, so one set of tools
(fingerprints, schema files, fastavro) reads them all, and the fingerprint in each record's header
says which record type it is, so several types share a topic (a ``RequestRecord`` and a
``CommandRejected`` on ``platform.requests.v1``) without a type field.

Why a registry of its own: the event-contract registry (:mod:`threadline.contracts.schemas`) is
keyed by the five agency event types and loads only ``schemas/*.avsc``; the broker's schemas live
in ``schemas/broker/`` (namespace ``org.threadline.broker.v1``) so they neither join the agency
contracts' release snapshots nor break their compatibility gate. The same named-type loader and
the same CRC-64-AVRO fingerprint are reused.

Two records carry a fixed-size first field that covers the rest: ``LiaisonCommand.signature``
(64 bytes) and ``AuditRecord.hash`` (32 bytes). Because an Avro ``fixed`` has no length prefix,
the covered bytes are simply the received bytes with that slice cut out (:func:`covered_bytes`),
so signing and hashing need no re-encoding and survive schema evolution.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from io import BytesIO
from typing import Any

from fastavro import schemaless_reader, schemaless_writer
from fastavro.schema import parse_schema

from threadline.contracts.named_types import read_named_types
from threadline.contracts.schemas import MAGIC, find_schemas_dir, schema_fingerprint
from threadline.errors import MalformedEventError, UnknownFingerprintError, ValidationError

__all__ = [
    "AUDIT_RECORD",
    "COMMAND_REJECTED",
    "HEADER_LENGTH",
    "LIAISON_COMMAND",
    "NAMESPACE",
    "REQUEST_RECORD",
    "BrokerCodec",
    "covered_bytes",
    "default_codec",
]

NAMESPACE = "org.threadline.broker.v1"
LIAISON_COMMAND = "LiaisonCommand"
REQUEST_RECORD = "RequestRecord"
COMMAND_REJECTED = "CommandRejected"
AUDIT_RECORD = "AuditRecord"
_TOP_LEVEL = (LIAISON_COMMAND, REQUEST_RECORD, COMMAND_REJECTED, AUDIT_RECORD)
HEADER_LENGTH = len(MAGIC) + 8
_WRITE_ERRORS = (TypeError, ValueError, KeyError, AttributeError, OverflowError, IndexError)


@dataclass(frozen=True, eq=False)
class _Schema:
    name: str
    parsed: Any
    fingerprint: bytes


class BrokerCodec:
    """Encode and decode the four broker record types; stateless after loading, thread-safe."""

    def __init__(self, schemas: Mapping[str, _Schema]) -> None:
        self._by_name = dict(schemas)
        self._by_fingerprint = {s.fingerprint: s for s in schemas.values()}

    @classmethod
    def load(cls, directory: Any = None) -> BrokerCodec:
        """Read ``schemas/broker`` (or ``directory``) and fingerprint each top-level record."""
        folder = directory if directory is not None else find_schemas_dir() / "broker"
        named = read_named_types(folder)
        schemas: dict[str, _Schema] = {}
        for name in _TOP_LEVEL:
            standalone = named.standalone(f"{NAMESPACE}.{name}")
            schemas[name] = _Schema(name, parse_schema(standalone), schema_fingerprint(standalone))
        return cls(schemas)

    def encode(self, name: str, record: Mapping[str, Any]) -> bytes:
        """Single-object encoding of ``record`` as record type ``name``."""
        schema = self._by_name[name]
        buffer = BytesIO()
        buffer.write(MAGIC + schema.fingerprint)
        try:
            schemaless_writer(
                buffer,
                schema.parsed,
                record,
                strict_allow_default=True,
                disable_tuple_notation=True,
            )
        except _WRITE_ERRORS as exc:
            # fastavro's message can quote the record; name the type and error class only.
            raise ValidationError(
                f"{name} record does not match its schema ({type(exc).__name__})"
            ) from None
        return buffer.getvalue()

    def name_of(self, data: bytes) -> str:
        """The record type named by the header, without decoding the body."""
        if len(data) < HEADER_LENGTH or data[:2] != MAGIC:
            raise MalformedEventError("not an Avro single-object encoded broker record")
        schema = self._by_fingerprint.get(data[2:HEADER_LENGTH])
        if schema is None:
            raise UnknownFingerprintError(
                f"no broker schema has fingerprint {data[2:HEADER_LENGTH].hex()}"
            )
        return schema.name

    def decode(self, data: bytes) -> tuple[str, dict[str, Any]]:
        """``(record type, record)``; truncated or trailing bytes are refused."""
        name = self.name_of(data)
        buffer = BytesIO(data)
        buffer.seek(HEADER_LENGTH)
        try:
            record = schemaless_reader(buffer, self._by_name[name].parsed, None)
        except (EOFError, IndexError, ValueError, OverflowError, UnicodeDecodeError):
            raise MalformedEventError(f"{name} body is truncated or corrupt") from None
        if buffer.tell() != len(data):
            raise MalformedEventError(f"{len(data) - buffer.tell()} trailing bytes after {name}")
        if not isinstance(record, dict):  # pragma: no cover - records decode to dicts
            raise MalformedEventError(f"{name} body did not decode to a record")
        return name, record


def covered_bytes(data: bytes, first_field_size: int) -> bytes:
    """The bytes a leading fixed-size signature or hash covers: header plus the rest."""
    if len(data) < HEADER_LENGTH + first_field_size:
        raise MalformedEventError("record too short for its leading fixed field")
    return data[:HEADER_LENGTH] + data[HEADER_LENGTH + first_field_size :]


@functools.cache
def default_codec() -> BrokerCodec:
    """The codec for the shipped ``schemas/broker``, loaded once per process."""
    return BrokerCodec.load()
