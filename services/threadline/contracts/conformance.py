"""Say *where* a record breaks its schema, without ever repeating what it contains.

fastavro's writer is fast because it does not explain itself, and when it does fail its
message can quote the offending value (``'07700 900123' is not a valid ...``), which may be
personal data. So the codec discards that message and, only on the failure path, asks
:func:`find_mismatch` to walk the standalone schema beside the record and report the first
field path that breaks a rule (``associates[1].phones[0]: expected EncryptedField``). Paths are
built from schema field names and array indices; map keys and values are never included.

The rules mirror what the writer enforces with ``strict_allow_default``: unknown fields are
refused, missing fields are fine only when the schema gives a default.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from threadline.contracts.named_types import JsonSchema

__all__ = ["Mismatch", "find_mismatch"]

_INT_RANGE = range(-(2**31), 2**31)
_LONG_RANGE = range(-(2**63), 2**63)


@dataclass(frozen=True)
class Mismatch:
    """The first place a record breaks its schema: a field path and the rule, no values."""

    path: str
    rule: str


def find_mismatch(schema: JsonSchema, datum: object) -> Mismatch | None:
    """The first mismatch between ``datum`` and a standalone ``schema``, or ``None``."""
    names: dict[str, Mapping[str, Any]] = {}
    _collect_names(schema, names)
    return _check(schema, datum, "", names)


def _collect_names(schema: JsonSchema, names: dict[str, Mapping[str, Any]]) -> None:
    """Index every named definition first: a union branch that is skipped may define one."""
    if isinstance(schema, list):
        for branch in schema:
            _collect_names(branch, names)
    elif isinstance(schema, dict):
        if schema["type"] in {"record", "enum", "fixed"}:
            names[schema["name"]] = schema
        for field in schema.get("fields", []):
            _collect_names(field["type"], names)
        for key in ("items", "values", "type"):
            if key in schema and not isinstance(schema[key], str):
                _collect_names(schema[key], names)


def _check(
    schema: JsonSchema, datum: object, path: str, names: dict[str, Mapping[str, Any]]
) -> Mismatch | None:
    if isinstance(schema, str):
        if schema in names:
            return _check(names[schema], datum, path, names)
        ok = _PRIMITIVES[schema](datum)
        return None if ok else Mismatch(path, f"expected {schema}")
    if isinstance(schema, list):
        return _check_union(schema, datum, path, names)
    checker = _COMPLEX.get(schema["type"], _check_annotated)
    return checker(schema, datum, path, names)


def _check_enum(
    schema: Mapping[str, Any], datum: object, path: str, _: dict[str, Mapping[str, Any]]
) -> Mismatch | None:
    if isinstance(datum, str) and datum in schema["symbols"]:
        return None
    return Mismatch(path, f"expected a symbol of {_short(schema['name'])}")


def _check_fixed(
    schema: Mapping[str, Any], datum: object, path: str, _: dict[str, Mapping[str, Any]]
) -> Mismatch | None:
    if isinstance(datum, bytes | bytearray) and len(datum) == schema["size"]:
        return None
    return Mismatch(path, f"expected {schema['size']} bytes")


def _check_array(
    schema: Mapping[str, Any], datum: object, path: str, names: dict[str, Mapping[str, Any]]
) -> Mismatch | None:
    if not isinstance(datum, Sequence) or isinstance(datum, str | bytes | bytearray):
        return Mismatch(path, "expected an array")
    for index, item in enumerate(datum):
        found = _check(schema["items"], item, f"{path}[{index}]", names)
        if found:
            return found
    return None


def _check_map(
    schema: Mapping[str, Any], datum: object, path: str, names: dict[str, Mapping[str, Any]]
) -> Mismatch | None:
    if not isinstance(datum, Mapping):
        return Mismatch(path, "expected a map")
    for key, value in datum.items():
        if not isinstance(key, str):
            return Mismatch(path, "map keys must be strings")
        found = _check(schema["values"], value, f"{path}{{}}", names)
        if found:
            return found
    return None


def _check_annotated(
    schema: Mapping[str, Any], datum: object, path: str, names: dict[str, Mapping[str, Any]]
) -> Mismatch | None:
    """``{"type": "long", "logicalType": ...}`` and friends: check the underlying type."""
    if schema.get("logicalType") == "timestamp-millis" and isinstance(datum, datetime):
        return None
    return _check(schema["type"], datum, path, names)


def _check_record(
    schema: Mapping[str, Any], datum: object, path: str, names: dict[str, Mapping[str, Any]]
) -> Mismatch | None:
    if not isinstance(datum, Mapping):
        return Mismatch(path, f"expected a {_short(schema['name'])} record")
    fields = schema["fields"]
    known = {field["name"] for field in fields}
    for key in datum:
        if key not in known:
            return Mismatch(_join(path, str(key)), "not a field of the schema")
    for field in fields:
        name = field["name"]
        if name not in datum:
            if "default" in field:
                continue
            return Mismatch(_join(path, name), "required field missing")
        found = _check(field["type"], datum[name], _join(path, name), names)
        if found:
            return found
    return None


def _check_union(
    branches: list[JsonSchema], datum: object, path: str, names: dict[str, Mapping[str, Any]]
) -> Mismatch | None:
    results = [_check(branch, datum, path, names) for branch in branches]
    if any(result is None for result in results):
        return None
    non_null = [
        result for branch, result in zip(branches, results, strict=True) if branch != "null"
    ]
    if datum is not None and len(non_null) == 1:
        return non_null[0]  # the only plausible branch explains the problem best
    return Mismatch(path, "matches no branch of the union")


def _is_integer(datum: object) -> bool:
    return isinstance(datum, int) and not isinstance(datum, bool)


_PRIMITIVES: dict[str, Callable[[object], bool]] = {
    "null": lambda datum: datum is None,
    "boolean": lambda datum: isinstance(datum, bool),
    "int": lambda datum: _is_integer(datum) and datum in _INT_RANGE,
    "long": lambda datum: _is_integer(datum) and datum in _LONG_RANGE,
    "float": lambda datum: _is_integer(datum) or isinstance(datum, float),
    "double": lambda datum: _is_integer(datum) or isinstance(datum, float),
    "bytes": lambda datum: isinstance(datum, bytes | bytearray),
    "string": lambda datum: isinstance(datum, str) and _utf8_encodable(datum),
}


def _utf8_encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


_Checker = Callable[[Mapping[str, Any], object, str, dict[str, Mapping[str, Any]]], Mismatch | None]
_COMPLEX: dict[str, _Checker] = {
    "record": _check_record,
    "enum": _check_enum,
    "fixed": _check_fixed,
    "array": _check_array,
    "map": _check_map,
}


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _short(name: str) -> str:
    return name.rsplit(".", 1)[-1]
