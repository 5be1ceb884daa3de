"""The shipped ``.avsc`` files: parseable everywhere, documented, evolvable, laid out alike."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import avro.schema
import fastavro
import pytest

from threadline.contracts import NAMESPACE, EventType, SchemaRegistry, load_registry
from threadline.contracts.named_types import read_named_types
from threadline.contracts.schemas import SCHEMAS_DIR_ENV, find_schemas_dir
from threadline.errors import ConfigError, ContractError

SCHEMAS = find_schemas_dir()
NAMED = read_named_types(SCHEMAS)
HEADER = [
    "signature",
    "signing_key_id",
    "event_id",
    "report_id",
    "agency_id",
    "occurred_at",
    "recorded_at",
    "schema_version",
    "token_scheme",
    "grading",
    "tlp",
]
# Fields a record cannot be meaningful without. They have no default on purpose: the encoder
# refuses a record that leaves them out, at the price that they can never be removed.
REQUIRED = {
    *HEADER,
    "subject",
    "concern",
    "route",
    "reason_code",
    "started_at",
    "risk_level",
    "ref",
    "role",
    "tokens",
    "source_evaluation",
    "intelligence_assessment",
    "handling_code",
    "key_id",
    "key_version",
    "scheme",
    "path",
    "enc",
    "ciphertext",
    "platform",
    "handle",
}


def _raw(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(NAMED.sources[name].read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize("name", sorted(NAMED.definitions))
def test_every_named_type_parses_standalone_with_fastavro_and_apache_avro(name: str) -> None:
    standalone = NAMED.standalone(name)
    fastavro.parse_schema(standalone)
    avro.schema.parse(json.dumps(standalone))


@pytest.mark.parametrize("name", sorted(NAMED.definitions))
def test_every_type_and_field_is_documented_and_namespaced(name: str) -> None:
    raw = _raw(name)
    assert raw["namespace"] == NAMESPACE
    assert raw.get("doc", "").strip(), f"{name} has no doc"
    for field in raw.get("fields", []):
        assert field.get("doc", "").strip(), f"{name}.{field['name']} has no doc"


@pytest.mark.parametrize(
    "name", sorted(n for n, d in NAMED.definitions.items() if d["type"] == "enum")
)
def test_every_enum_is_upper_case_with_a_default_symbol(name: str) -> None:
    """The default symbol is what an old reader sees for a symbol added later."""
    raw = _raw(name)
    assert raw["default"] in raw["symbols"]
    assert all(symbol == symbol.upper() for symbol in raw["symbols"])


@pytest.mark.parametrize(
    "name", sorted(n for n, d in NAMED.definitions.items() if d["type"] == "record")
)
def test_only_essential_fields_lack_defaults(name: str) -> None:
    """Defaults let a field be removed later without stranding old readers."""
    missing = [f["name"] for f in _raw(name)["fields"] if "default" not in f]
    assert set(missing) <= REQUIRED, f"{name}: {sorted(set(missing) - REQUIRED)} need defaults"


def test_every_event_starts_with_the_same_header(registry: SchemaRegistry) -> None:
    """Signature first (the codec derives the signed body from that), then one shared header."""
    headers = []
    for event_type in EventType:
        fields = registry.current(event_type).schema["fields"]
        assert [f["name"] for f in fields[: len(HEADER)]] == HEADER
        headers.append(json.dumps(_raw(event_type.full_name)["fields"][: len(HEADER)]))
    assert len(set(headers)) == 1, "the common header differs between event schemas"


def test_the_registry_knows_every_event_by_type_and_fingerprint(registry: SchemaRegistry) -> None:
    fingerprints = set()
    for event_type in EventType:
        for spelling in (
            event_type,
            event_type.value,
            event_type.record_name,
            event_type.full_name,
        ):
            schema = registry.current(spelling)
            assert schema.event_type is event_type
            assert schema.release is None
        assert registry.writer(schema.fingerprint) is schema
        assert schema.prefix == b"\xc3\x01" + schema.fingerprint
        fingerprints.add(schema.fingerprint)
    assert len(fingerprints) == len(EventType)


def test_an_unknown_event_type_is_refused(registry: SchemaRegistry) -> None:
    with pytest.raises(ContractError, match="unknown event type"):
        registry.current("concern_razed")


def test_the_schemas_dir_can_be_overridden(
    schemas_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SCHEMAS_DIR_ENV, str(schemas_copy))
    assert find_schemas_dir() == schemas_copy
    assert load_registry().directory == schemas_copy


def test_a_missing_override_dir_is_a_config_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(SCHEMAS_DIR_ENV, str(tmp_path / "nowhere"))
    with pytest.raises(ConfigError, match=SCHEMAS_DIR_ENV):
        find_schemas_dir()


def test_without_override_the_repository_schemas_are_found(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(SCHEMAS_DIR_ENV, raising=False)
    assert (find_schemas_dir() / "ConcernRaised.avsc").is_file()


def _edit(path: Path, change: dict[str, Any]) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    data.update(change)
    path.write_text(json.dumps(data), encoding="utf-8")


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda d: (d / "Extra.avsc").write_text("{not json", "utf-8"), "not readable as JSON"),
        (lambda d: (d / "Extra.avsc").write_text('"string"', "utf-8"), "must be a record"),
        (lambda d: _edit(d / "Tlp.avsc", {"name": "Marking"}), "name the file after it"),
        (
            lambda d: _edit(
                d / "Grading.avsc",
                {"fields": [{"name": "x", "type": f"{NAMESPACE}.Nope", "doc": "."}]},
            ),
            "unknown type org.threadline.safeguarding.v1.Nope",
        ),
        (
            lambda d: _edit(
                d / "Grading.avsc",
                {
                    "fields": [
                        {"name": "x", "type": {"type": "enum", "name": "E", "symbols": ["A"]}}
                    ]
                },
            ),
            "nested definition of E",
        ),
        (lambda d: (d / "MissingEpisode.avsc").unlink(), "no schema for MissingEpisode"),
        (
            lambda d: _edit(
                d / "ReportWithdrawn.avsc",
                {"fields": _raw(f"{NAMESPACE}.ReportWithdrawn")["fields"][1:]},
            ),
            "first field must be 'signature'",
        ),
    ],
    ids=[
        "bad-json",
        "not-named",
        "misnamed",
        "unknown-ref",
        "nested",
        "missing-event",
        "sig-moved",
    ],
)
def test_layout_mistakes_are_refused_with_the_file_named(
    schemas_copy: Path, setup: Any, message: str
) -> None:
    setup(schemas_copy)
    with pytest.raises(ContractError, match=message):
        load_registry(schemas_copy)
