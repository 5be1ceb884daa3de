"""Read protocol files, prove them against the JSON Schema, and refuse to start on a bad one.

A broker running on a half-read protocol would draft requests the platform rejects, or ones the law
does not allow, so every problem becomes a ``ConfigError`` (code ``invalid_protocol``) naming the
file, the field path and the failing schema rule. YAML is read with a SafeLoader that keeps dates as
text (the schema checks them) and rejects duplicate keys, which PyYAML would otherwise let the last
one silently win.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping
from datetime import date
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import jsonschema
import yaml
from jsonschema.exceptions import best_match

from threadline.broker.protocols.model import (
    Fact,
    IdentifierType,
    LegalBasis,
    Protocol,
    Rank,
    RequestType,
    RequestTypeRule,
    ServiceLevels,
    Source,
    SubmissionChannel,
    UserNotification,
)
from threadline.errors import ConfigError

__all__ = [
    "PROTOCOLS_DIR_ENV",
    "SCHEMAS_DIR_ENV",
    "find_protocol_schema",
    "find_protocols_dir",
    "load_protocol",
    "load_protocols",
    "parse_protocol",
]

SCHEMAS_DIR_ENV = "THREADLINE_SCHEMAS_DIR"  # the same override the event contracts honour
PROTOCOLS_DIR_ENV = "THREADLINE_PROTOCOLS_DIR"
_SCHEMA_FILE = "protocol.schema.json"
_CODE = "invalid_protocol"


def _nearest(env: str, name: str, holds: Callable[[Path], bool]) -> Path:
    """``$env`` if set, else the nearest ``name/`` above this module for which ``holds`` is true."""
    override = os.environ.get(env)
    if override:
        if not holds(Path(override)):
            raise ConfigError(f"{env}={override} is not a usable {name} directory", code=_CODE)
        return Path(override)
    for parent in Path(__file__).resolve().parents:
        if holds(parent / name):
            return parent / name
    raise ConfigError(f"no {name}/ directory above {Path(__file__).parent}; set {env}", code=_CODE)


def find_protocol_schema() -> Path:
    """``$THREADLINE_SCHEMAS_DIR/protocol.schema.json`` or the repository's ``schemas/`` copy."""
    return (
        _nearest(SCHEMAS_DIR_ENV, "schemas", lambda d: (d / _SCHEMA_FILE).is_file()) / _SCHEMA_FILE
    )


def find_protocols_dir() -> Path:
    """``$THREADLINE_PROTOCOLS_DIR`` or the nearest ``protocols/`` holding ``*.yaml`` files."""
    return _nearest(PROTOCOLS_DIR_ENV, "protocols", lambda d: any(d.glob("*.yaml")))


class _ProtocolLoader(yaml.SafeLoader):
    """SafeLoader that keeps dates as text (the schema checks them) and refuses duplicate keys."""


_ProtocolLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: _ProtocolLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            duplicate = key in mapping
        except TypeError as exc:  # an unhashable key such as a list
            raise yaml.constructor.ConstructorError(
                None, None, "unhashable key", key_node.start_mark
            ) from exc
        if duplicate:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        mapping[key] = loader.construct_object(value_node, deep=True)
    return mapping


_ProtocolLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


@lru_cache(maxsize=4)
def _validator(schema_path: str) -> jsonschema.Draft202012Validator:
    try:
        schema = json.loads(Path(schema_path).read_text(encoding="utf-8"))
        jsonschema.Draft202012Validator.check_schema(schema)
    except (OSError, ValueError, jsonschema.SchemaError) as exc:
        raise ConfigError(f"cannot use protocol schema {schema_path}: {exc}", code=_CODE) from exc
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def parse_protocol(text: str, origin: str, *, schema_path: Path | None = None) -> Protocol:
    """Parse and validate one protocol document; ``origin`` names it in every error message."""
    validator = _validator(str(schema_path or find_protocol_schema()))
    try:
        doc = yaml.load(text, Loader=_ProtocolLoader)  # noqa: S506 - a SafeLoader subclass
        errors = list(validator.iter_errors(doc))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise ConfigError(f"{origin}: not valid YAML{where}: {problem}", code=_CODE) from exc
    except RecursionError as exc:
        raise ConfigError(f"{origin}: document is nested too deeply", code=_CODE) from exc
    if errors:
        err = best_match(errors)
        path = ".".join(str(p) for p in err.absolute_path) or "<root>"
        rule = "/".join(str(p) for p in err.absolute_schema_path)
        raise ConfigError(
            f"{origin}: {path}: {err.message[:300]} [rule: {err.validator}; schema: "
            f"{rule}] ({len(errors)} error(s))",
            code=_CODE,
        )
    _check_source_refs(doc, origin)
    return _build(doc, origin)


def load_protocol(path: Path, *, schema_path: Path | None = None) -> Protocol:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read protocol file: {exc}", code=_CODE) from exc
    return parse_protocol(text, str(path), schema_path=schema_path)


def load_protocols(
    directory: Path | None = None, *, schema_path: Path | None = None
) -> Mapping[str, Protocol]:
    """Every ``*.yaml`` in ``directory`` in file-name order, keyed by protocol_id, read-only.

    The broker calls this once at start-up and refuses to start if it raises.
    """
    directory = directory or find_protocols_dir()
    paths = sorted(directory.glob("*.yaml"))
    if not paths:
        raise ConfigError(f"{directory}: no protocol files (*.yaml) found", code=_CODE)
    loaded: dict[str, Protocol] = {}
    for path in paths:
        protocol = load_protocol(path, schema_path=schema_path)
        if protocol.protocol_id in loaded:
            raise ConfigError(
                f"{path}: protocol_id {protocol.protocol_id!r} is also used by "
                f"{loaded[protocol.protocol_id].origin}",
                code=_CODE,
            )
        loaded[protocol.protocol_id] = protocol
    return MappingProxyType(loaded)


def _refs(node: Any) -> Iterator[tuple[str, str]]:
    """Every (path, source id) that a document cites, for the dangling-reference check."""
    stack: list[tuple[str, Any]] = [("", node)]
    while stack:
        path, item = stack.pop()
        if isinstance(item, dict):
            for key, value in item.items():
                here = f"{path}.{key}".lstrip(".")
                if key == "source" and isinstance(value, str):
                    yield here, value
                elif key == "sources" and path:
                    yield from ((f"{here}.{i}", v) for i, v in enumerate(value))
                else:
                    stack.append((here, value))
        elif isinstance(item, list):
            stack.extend((f"{path}.{i}", v) for i, v in enumerate(item))


def _check_source_refs(doc: dict[str, Any], origin: str) -> None:
    declared = {s["id"] for s in doc["sources"]}
    for path, ref in sorted(_refs(doc)):
        if ref not in declared:
            raise ConfigError(
                f"{origin}: {path}: source {ref!r} is not declared in sources [rule: source_ref]",
                code=_CODE,
            )


def _fact(raw: Any) -> Fact[Any]:
    if isinstance(raw, dict):
        if raw.get("unknown"):
            return Fact(None, False, raw["note"], raw.get("source"))
        return Fact(raw["value"], True, raw.get("note", ""), raw.get("source"))
    return Fact(raw, True)


def _day(raw: str | None) -> date | None:
    return date.fromisoformat(raw) if raw is not None else None


def _source(raw: dict[str, Any]) -> Source:
    return Source(
        raw["id"],
        raw["title"],
        raw["url"],
        raw["via"],
        _day(raw.get("published")),
        _day(raw.get("retrieved")),
        raw.get("date_note", ""),
    )


def _rule(name: RequestType, raw: dict[str, Any]) -> RequestTypeRule:
    ids = raw["accepted_identifiers"]
    levels = raw["service_levels"]
    missing = {"unknown": True, "note": "not stated in the protocol file"}
    channel = raw["submission_channel"]
    return RequestTypeRule(
        name=name,
        available=_fact(raw["available"]),
        accepted_identifiers=frozenset(map(IdentifierType, ids)) if isinstance(ids, list) else None,
        legal_bases=frozenset(map(LegalBasis, raw["legal_bases"])),
        mandatory_fields=tuple(raw["mandatory_fields"]),
        min_approval_rank=Rank(raw["min_approval_rank"]),
        spoc_consultation_required=raw["spoc_consultation_required"],
        max_date_range_days=raw["max_date_range_days"],
        submission_channel=SubmissionChannel(
            channel["kind"], channel.get("url"), channel.get("address"), channel.get("note", "")
        ),
        service_levels=ServiceLevels(
            *(
                _fact(levels.get(k, missing))
                for k in (
                    "acknowledgement_hours",
                    "response_days",
                    "preservation_days",
                    "preservation_extension_days",
                    "max_extensions",
                    "extension_request_lead_days",
                )
            )
        ),
        sources=tuple(raw["sources"]),
        notes=raw.get("notes", ""),
    )


def _build(doc: dict[str, Any], origin: str) -> Protocol:
    notice = doc["user_notification"]
    return Protocol(
        protocol_id=doc["protocol_id"],
        platform=doc["platform"],
        services=tuple(doc["services"]),
        version=str(doc["version"]),
        jurisdiction=doc["jurisdiction"],
        agreement=doc["agreement"],
        provider_entity=_fact(doc["provider_entity"]),
        effective_from=date.fromisoformat(doc["effective_from"]),
        reviewed_on=date.fromisoformat(doc["reviewed_on"]),
        sources=tuple(_source(s) for s in doc["sources"]),
        user_notification=UserNotification(
            notice["policy"], tuple(notice["exceptions"]), notice.get("note", "")
        ),
        record_retention_days=_fact(doc["record_retention_days"]),
        rules=tuple(_rule(name, doc["request_types"][name]) for name in RequestType),
        origin=origin,
    )
