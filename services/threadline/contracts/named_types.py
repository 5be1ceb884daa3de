"""A directory of ``.avsc`` files, one named type each, resolved into standalone schemas.

Why one type per file: a reviewer sees a change to ``Person`` as a change to ``Person.avsc``,
and shared types (``EncryptedField``, ``RiskLevel``) have exactly one definition. Files refer
to each other by full name.

Why standalone schemas: the Parsing Canonical Form that fingerprints are computed over, Apache
Avro's parser and its compatibility checker each need one self-contained schema per event, in
which every named type is *defined* at its first use (depth-first, left to right) and referred
to by full name afterwards. :meth:`NamedTypes.standalone` builds exactly that by inlining
dependencies depth-first, which is the dependency order: a type is always defined before
anything that refers to it by name. A type that refers back to one being defined stays a name
reference, which is legal Avro, so recursion needs no special case.

Reading normalises every name to its full name and drops ``namespace`` keys, so later code
never has to reason about namespace inheritance. Errors name the file and the type, never data.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from threadline.errors import ContractError

__all__ = ["PRIMITIVES", "JsonSchema", "NamedTypes", "read_named_types"]

JsonSchema = Any
"""A schema as parsed JSON: a name string, a union list or a dict (Avro's own shapes)."""

PRIMITIVES = frozenset({"null", "boolean", "int", "long", "float", "double", "bytes", "string"})
_NAMED_KINDS = frozenset({"record", "enum", "fixed"})


@dataclass(frozen=True)
class NamedTypes:
    """The named types of one schema directory, by full name, with the file each came from."""

    definitions: Mapping[str, Mapping[str, Any]]
    sources: Mapping[str, Path]

    def standalone(self, name: str) -> JsonSchema:
        """A self-contained schema for ``name`` with every dependency defined at first use."""
        if name not in self.definitions:
            raise ContractError(f"no schema defines the type {name}")
        return self._inline(name, set())

    def _inline(self, schema: JsonSchema, defined: set[str]) -> JsonSchema:
        if isinstance(schema, str):
            if schema in PRIMITIVES or schema in defined:
                return schema
            defined.add(schema)
            definition = dict(self.definitions[schema])
            if definition["type"] == "record":
                definition["fields"] = [
                    {**field, "type": self._inline(field["type"], defined)}
                    for field in definition["fields"]
                ]
            return definition
        if isinstance(schema, list):
            return [self._inline(branch, defined) for branch in schema]
        kind = schema["type"]
        if kind == "array":
            return {**schema, "items": self._inline(schema["items"], defined)}
        if kind == "map":
            return {**schema, "values": self._inline(schema["values"], defined)}
        return {**schema, "type": self._inline(kind, defined)}


def read_named_types(directory: Path) -> NamedTypes:
    """Read every ``*.avsc`` directly in ``directory`` (sub-directories are releases).

    Enforces the layout the rest of the package relies on: one named type per file, the file
    named after the type (so no name is defined twice), no nested definitions, no unknown
    names.
    """
    definitions: dict[str, Mapping[str, Any]] = {}
    sources: dict[str, Path] = {}
    for path in sorted(directory.glob("*.avsc")):
        definition = _normalise_file(path)
        name = definition["name"]  # unique: the file is named after it
        definitions[name] = definition
        sources[name] = path
    for name, normalised in definitions.items():
        for reference in _references(normalised):
            if reference not in definitions:
                raise ContractError(f"{sources[name].name}: refers to unknown type {reference}")
    return NamedTypes(definitions=definitions, sources=sources)


def _normalise_file(path: Path) -> dict[str, Any]:
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ContractError(f"{path.name}: not readable as JSON ({exc})") from exc
    if not isinstance(schema, dict) or schema.get("type") not in _NAMED_KINDS:
        raise ContractError(f"{path.name}: the top level must be a record, enum or fixed")
    namespace = schema.get("namespace", "")
    definition = _normalise_definition(schema, namespace, path)
    if definition["name"].rsplit(".", 1)[-1] != path.stem:
        raise ContractError(f"{path.name}: defines {definition['name']}; name the file after it")
    return definition


def _normalise_definition(schema: dict[str, Any], namespace: str, path: Path) -> dict[str, Any]:
    name = schema.get("name")
    if not isinstance(name, str):
        raise ContractError(f"{path.name}: a named type needs a string name")
    full = _full_name(name, namespace)
    definition = {key: value for key, value in schema.items() if key != "namespace"}
    definition["name"] = full
    if schema["type"] == "record":
        own_namespace = full.rpartition(".")[0]
        definition["fields"] = [
            {**field, "type": _normalise_type(field["type"], own_namespace, path)}
            for field in schema.get("fields", [])
        ]
    return definition


def _normalise_type(schema: JsonSchema, namespace: str, path: Path) -> JsonSchema:
    if isinstance(schema, str):
        return schema if schema in PRIMITIVES else _full_name(schema, namespace)
    if isinstance(schema, list):
        return [_normalise_type(branch, namespace, path) for branch in schema]
    if not isinstance(schema, dict) or "type" not in schema:
        raise ContractError(f"{path.name}: malformed type {json.dumps(schema)[:60]}")
    kind = schema["type"]
    if kind in _NAMED_KINDS:
        raise ContractError(
            f"{path.name}: nested definition of {schema.get('name')}; give it its own file"
        )
    if kind == "array":
        return {**schema, "items": _normalise_type(schema["items"], namespace, path)}
    if kind == "map":
        return {**schema, "values": _normalise_type(schema["values"], namespace, path)}
    return {**schema, "type": _normalise_type(kind, namespace, path)}


def _references(schema: JsonSchema) -> Iterator[str]:
    """Every named-type reference in an already-normalised schema."""
    if isinstance(schema, str):
        if schema not in PRIMITIVES:
            yield schema
    elif isinstance(schema, list):
        for branch in schema:
            yield from _references(branch)
    elif schema["type"] == "record":
        for field in schema["fields"]:
            yield from _references(field["type"])
    elif schema["type"] == "array":
        yield from _references(schema["items"])
    elif schema["type"] == "map":
        yield from _references(schema["values"])
    elif schema["type"] not in _NAMED_KINDS:
        yield from _references(schema["type"])


def _full_name(name: str, namespace: str) -> str:
    return name if "." in name or not namespace else f"{namespace}.{name}"
