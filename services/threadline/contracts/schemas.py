"""The shipped event schemas, parsed once, by event type and by wire fingerprint.

Where the schemas are: ``$THREADLINE_SCHEMAS_DIR`` if set, otherwise the ``schemas/`` directory
found by walking up from this file, which is the repository root for a checkout or an editable
install. A wheel does not carry ``schemas/``; deployments from one set the variable.

What is loaded: the working copy ``schemas/*.avsc`` (what this code writes) and every release
``schemas/released/<n>/*.avsc`` (what older producers may still be writing). Every one of them
is a *writer* schema keyed by its CRC-64-AVRO fingerprint; the working copy is the *reader*
schema, so an event written by release 1 decodes into today's shape, new fields filled from
their defaults. The compatibility gate in :mod:`threadline.contracts.releases` is what makes
that resolution safe.

Fingerprints follow the Avro specification: the 64-bit Rabin fingerprint of the schema's
Parsing Canonical Form, written little-endian as Java's implementation does. Docs, defaults and
aliases are not part of the canonical form, so editing a ``doc`` does not change a fingerprint.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastavro.schema import fingerprint as _rabin_hex
from fastavro.schema import parse_schema, to_parsing_canonical_form

from threadline.contracts.events import EventType
from threadline.contracts.named_types import JsonSchema, NamedTypes, read_named_types
from threadline.errors import ConfigError, ContractError

__all__ = [
    "MAGIC",
    "SCHEMAS_DIR_ENV",
    "EventSchema",
    "SchemaRegistry",
    "default_registry",
    "find_schemas_dir",
    "load_registry",
    "release_dirs",
    "schema_fingerprint",
]

SCHEMAS_DIR_ENV = "THREADLINE_SCHEMAS_DIR"
MAGIC = b"\xc3\x01"
"""Avro single-object encoding marker that precedes the 8-byte fingerprint."""


@dataclass(frozen=True, eq=False)
class EventSchema:
    """One event schema as a writer (or reader) on the wire.

    ``release`` is ``None`` for the working copy and ``n`` for ``schemas/released/n``.
    ``parsed`` is fastavro's parsed form, built once because parsing costs far more than
    encoding one event. ``prefix`` is the 10-byte single-object header every event of this
    schema starts with.
    """

    event_type: EventType
    release: int | None
    schema: Mapping[str, Any]
    parsed: Any
    fingerprint: bytes

    @property
    def prefix(self) -> bytes:
        return MAGIC + self.fingerprint

    @property
    def fingerprint_hex(self) -> str:
        """The fingerprint as it appears on the wire, in hex: safe to log, never personal."""
        return self.fingerprint.hex()


class SchemaRegistry:
    """Event schemas by type (current) and by fingerprint (every release, current included)."""

    def __init__(
        self,
        directory: Path,
        named_types: NamedTypes,
        current: Mapping[EventType, EventSchema],
        writers: Mapping[bytes, EventSchema],
        schema_version: int,
    ) -> None:
        self.directory = directory
        self.named_types = named_types
        self._current = dict(current)
        self._writers = dict(writers)
        self.schema_version = schema_version
        """Release number of the working copy: the newest release if it is unchanged since,
        otherwise the next one. Writers put it in every event's ``schema_version``."""

    def current(self, event_type: EventType | str) -> EventSchema:
        """The schema this code writes (and reads into) for ``event_type``, in any spelling."""
        return self._current[EventType.parse(event_type)]

    def writer(self, fingerprint: bytes) -> EventSchema | None:
        """The schema that wrote events with this fingerprint, if it is one we ship."""
        return self._writers.get(fingerprint)

    @property
    def writers(self) -> Mapping[bytes, EventSchema]:
        return dict(self._writers)


def schema_fingerprint(schema: JsonSchema) -> bytes:
    """CRC-64-AVRO of the Parsing Canonical Form, as the 8 little-endian bytes of the wire."""
    return bytes.fromhex(_rabin_hex(to_parsing_canonical_form(schema), "CRC-64-AVRO"))


def find_schemas_dir() -> Path:
    """``$THREADLINE_SCHEMAS_DIR``, or the nearest ``schemas/`` above this module."""
    override = os.environ.get(SCHEMAS_DIR_ENV)
    if override:
        directory = Path(override)
        if not directory.is_dir():
            raise ConfigError(f"{SCHEMAS_DIR_ENV}={override} is not a directory")
        return directory
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "schemas"
        if any(candidate.glob("*.avsc")):
            return candidate
    raise ConfigError(f"no schemas/ directory above {Path(__file__).parent}; set {SCHEMAS_DIR_ENV}")


def release_dirs(directory: Path) -> dict[int, Path]:
    """``schemas/released/<n>/`` directories by release number, oldest first."""
    released = directory / "released"
    if not released.is_dir():
        return {}
    numbered = {
        int(child.name): child
        for child in released.iterdir()
        if child.is_dir() and child.name.isdigit()
    }
    return dict(sorted(numbered.items()))


def load_registry(directory: Path | None = None) -> SchemaRegistry:
    """Read, resolve, parse and fingerprint the working copy and every release."""
    directory = directory or find_schemas_dir()
    named_types = read_named_types(directory)
    current = _event_schemas(named_types, release=None)
    missing = [event_type.record_name for event_type in EventType if event_type not in current]
    if missing:
        raise ContractError(f"{directory}: no schema for {', '.join(missing)}")
    writers = {schema.fingerprint: schema for schema in current.values()}
    releases = {
        number: _event_schemas(read_named_types(path), release=number)
        for number, path in release_dirs(directory).items()
    }
    for release in releases.values():
        for schema in release.values():
            writers.setdefault(schema.fingerprint, schema)
    return SchemaRegistry(
        directory=directory,
        named_types=named_types,
        current=current,
        writers=writers,
        schema_version=_working_version(current, releases),
    )


@functools.cache
def default_registry() -> SchemaRegistry:
    """The registry for :func:`find_schemas_dir`, loaded once per process."""
    return load_registry()


def _event_schemas(named_types: NamedTypes, release: int | None) -> dict[EventType, EventSchema]:
    schemas: dict[EventType, EventSchema] = {}
    for event_type in EventType:
        if event_type.full_name not in named_types.definitions:
            continue
        standalone = named_types.standalone(event_type.full_name)
        _require_signature_first(standalone, named_types, event_type)
        schemas[event_type] = EventSchema(
            event_type=event_type,
            release=release,
            schema=standalone,
            parsed=parse_schema(standalone),
            fingerprint=schema_fingerprint(standalone),
        )
    return schemas


def _require_signature_first(
    standalone: Mapping[str, Any], named_types: NamedTypes, event_type: EventType
) -> None:
    """The codec derives the signed body from the wire bytes by relying on this layout."""
    first = standalone["fields"][0] if standalone["fields"] else {}
    if first.get("name") != "signature" or first.get("type") != "bytes":
        source = named_types.sources[event_type.full_name].name
        raise ContractError(f"{source}: the first field must be 'signature' of type bytes")


def _working_version(
    current: Mapping[EventType, EventSchema],
    releases: Mapping[int, Mapping[EventType, EventSchema]],
) -> int:
    if not releases:
        return 1
    newest = max(releases)
    unchanged = {t: s.fingerprint for t, s in current.items()} == {
        t: s.fingerprint for t, s in releases[newest].items()
    }
    return newest if unchanged else newest + 1
