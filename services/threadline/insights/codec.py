"""Observations to bytes and back: Avro single-object encoding on the topic, JSON Lines on disk.

Why Avro on the topic: every threadline topic is Avro single-object encoded, so the same tools
read it, and the fingerprint in the header says which schema wrote a record. Why the schema
lives in ``schemas/insights/`` with a codec of its own (as the broker's does): the contract
registry and its compatibility gate cover the agency event schemas in ``schemas/*.avsc`` only,
and observations are an internal, derived stream that should evolve on its own.

Why JSON Lines as well: statistics are also produced offline (from a simulation, or from an
export handed to an analyst without Kafka access), and a JSON line per observation is what a
person can read, diff and load anywhere. Errors name a line number or a byte offset, never a
value.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Iterator, Mapping
from io import BytesIO
from pathlib import Path
from typing import Any

from fastavro import schemaless_reader, schemaless_writer
from fastavro.schema import parse_schema

from threadline.contracts.named_types import read_named_types
from threadline.contracts.schemas import MAGIC, find_schemas_dir, schema_fingerprint
from threadline.errors import (
    ConfigError,
    MalformedEventError,
    UnknownFingerprintError,
    ValidationError,
)
from threadline.insights.observations import Observation

__all__ = ["NAMESPACE", "ObservationCodec", "default_codec", "read_jsonl", "write_jsonl"]

NAMESPACE = "org.threadline.insights.v1"
_HEADER = len(MAGIC) + 8
_WRITE_ERRORS = (TypeError, ValueError, KeyError, AttributeError, OverflowError)
_READ_ERRORS = (EOFError, IndexError, ValueError, OverflowError, UnicodeDecodeError)


class ObservationCodec:
    """Encode and decode ``Observation`` records; stateless after loading, thread-safe."""

    def __init__(self, schema: Any) -> None:
        self.schema = schema
        self._parsed = parse_schema(schema)
        self.fingerprint = schema_fingerprint(schema)

    @classmethod
    def load(cls, directory: Path | None = None) -> ObservationCodec:
        """Read ``schemas/insights`` (or ``directory``)."""
        folder = directory if directory is not None else find_schemas_dir() / "insights"
        if not folder.is_dir():
            raise ConfigError(f"{folder}: no insights schemas directory")
        named = read_named_types(folder)
        return cls(named.standalone(f"{NAMESPACE}.Observation"))

    def encode(self, observation: Observation) -> bytes:
        return self.encode_record(observation.to_record())

    def encode_record(self, record: Mapping[str, Any]) -> bytes:
        """Encode an observation's record shape (``Observation.to_record``) as it is; the
        correlator uses this to re-encode a record it decoded with :meth:`decode_record`."""
        buffer = BytesIO()
        buffer.write(MAGIC + self.fingerprint)
        try:
            schemaless_writer(buffer, self._parsed, record, strict_allow_default=True)
        except _WRITE_ERRORS as exc:
            raise ValidationError(
                f"Observation does not match its schema ({type(exc).__name__})"
            ) from None
        return buffer.getvalue()

    def decode(self, data: bytes) -> Observation:
        """The observation in ``data``; wrong header, truncated or trailing bytes are refused."""
        return Observation.from_record(self.decode_record(data))

    def decode_record(self, data: bytes) -> dict[str, Any]:
        """The record in ``data`` as Avro decoded it, not yet normalised into an
        :class:`Observation` (for bytes this process encoded itself)."""
        if len(data) < _HEADER or data[:2] != MAGIC:
            raise MalformedEventError("not an Avro single-object encoded observation")
        if data[2:_HEADER] != self.fingerprint:
            raise UnknownFingerprintError(
                f"no insights schema has fingerprint {data[2:_HEADER].hex()}"
            )
        buffer = BytesIO(data)
        buffer.seek(_HEADER)
        try:
            record = schemaless_reader(buffer, self._parsed, None)
        except _READ_ERRORS:
            raise MalformedEventError(
                f"observation body unreadable before byte {buffer.tell()}"
            ) from None
        if buffer.tell() != len(data):
            raise MalformedEventError(f"{len(data) - buffer.tell()} trailing bytes")
        if not isinstance(record, dict):  # pragma: no cover - records decode to dicts
            raise MalformedEventError("observation body did not decode to a record")
        return record


@functools.cache
def default_codec() -> ObservationCodec:
    """The codec for the shipped ``schemas/insights``, loaded once per process."""
    return ObservationCodec.load()


def write_jsonl(path: Path, observations: Iterable[Observation]) -> int:
    """Write one JSON object per line (sorted keys, so files diff cleanly); returns the count."""
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for observation in observations:
            out.write(json.dumps(observation.to_record(), sort_keys=True) + "\n")
            count += 1
    return count


def read_jsonl(path: Path) -> Iterator[Observation]:
    """Observations from a JSON Lines file; blank lines are skipped, a bad line is an error
    that names its number (and never repeats its content)."""
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read it ({exc.strerror})") from exc
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError:
                raise ValidationError(f"{path.name} line {number}: not valid JSON") from None
            try:
                yield Observation.from_record(record)
            except ValidationError as exc:
                raise ValidationError(
                    f"{path.name} line {number}: {exc.path or 'record'}: {exc.message}",
                    path=exc.path,
                ) from None
