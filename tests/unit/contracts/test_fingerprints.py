"""CRC-64-AVRO fingerprints: correct per the specification, and stable forever once released.

The vectors in ``data/schema-tests.txt`` are Apache Avro's own (``share/test/data``), whose
fingerprints the Java implementation cross-checks with a direct, slow implementation of the
algorithm; they are signed 64-bit values, the little-endian reading of the wire bytes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from pathlib import Path

import avro.schema
import pytest
from fastavro.schema import to_parsing_canonical_form

from threadline.contracts import EventType, SchemaRegistry, load_registry
from threadline.contracts.schemas import find_schemas_dir, schema_fingerprint

VECTORS = Path(__file__).parent / "data" / "schema-tests.txt"

# Release 1 is on the wire for good: these must never change, whatever happens to the code.
RELEASE_1 = {
    EventType.CONCERN_RAISED: "82a95ce60b6f99b2",
    EventType.REFERRAL_MADE: "4b6980fdf84d41fa",
    EventType.REPORT_UPDATED: "f8df7bd4947b6dfe",
    EventType.REPORT_WITHDRAWN: "4008106eb981d7c5",
    EventType.MISSING_EPISODE: "099094ea65315590",
}


def _vectors() -> list[tuple[str, str, int | None]]:
    """``(input, canonical, fingerprint)`` from the Avro test file (``//`` lines are comments)."""
    text = "\n".join(
        line for line in VECTORS.read_text("utf-8").splitlines() if not line.startswith("//")
    )
    cases = []
    for block in re.split(r"\n\s*\n", text):
        single = re.search(r"^<<INPUT (.+)$", block, re.M)
        multi = re.search(r"^<<INPUT\n(.*?)\nINPUT$", block, re.M | re.S)
        canonical = re.search(r"^<<canonical (.+)$", block, re.M)
        if not canonical or not (single or multi):
            continue
        source = (single or multi).group(1)  # type: ignore[union-attr]
        fingerprint = re.search(r"^<<fingerprint (-?\d+)$", block, re.M)
        cases.append(
            (source, canonical.group(1), int(fingerprint.group(1)) if fingerprint else None)
        )
    return cases


def test_the_vector_file_was_read() -> None:
    assert len(_vectors()) == 34


@pytest.mark.parametrize(("source", "canonical", "expected"), _vectors())
def test_canonical_form_and_fingerprint_match_the_avro_test_vectors(
    source: str, canonical: str, expected: int | None
) -> None:
    schema = json.loads(source)
    assert to_parsing_canonical_form(schema) == canonical
    if expected is not None:
        assert int.from_bytes(schema_fingerprint(schema), "little", signed=True) == expected


def _strip_logical_types(schema: object) -> object:
    if isinstance(schema, list):
        return [_strip_logical_types(branch) for branch in schema]
    if isinstance(schema, Mapping):
        return {k: _strip_logical_types(v) for k, v in schema.items() if k != "logicalType"}
    return schema


def test_fingerprints_agree_with_apache_avro_on_the_spec_canonical_form(
    registry: SchemaRegistry,
) -> None:
    """An independent implementation, once it applies the spec's [STRIP] rule to logicalType.

    Apache Avro's Python package keeps ``logicalType`` in the canonical form
    (``{"type":"long"}`` where Java's SchemaNormalization and fastavro write ``"long"``; the
    same divergence was fixed for Rust in AVRO-4004). We follow Java, the reference.
    """
    for event_type in EventType:
        schema = registry.current(event_type)
        stripped = avro.schema.parse(json.dumps(_strip_logical_types(schema.schema)))
        assert stripped.fingerprint() == schema.fingerprint
        assert stripped.canonical_form == to_parsing_canonical_form(dict(schema.schema))


def test_apache_python_avro_still_diverges_on_logical_types(registry: SchemaRegistry) -> None:
    """Pinned so that we notice when upstream fixes it (then the strip above can go)."""
    schema = registry.current(EventType.CONCERN_RAISED)
    assert avro.schema.parse(json.dumps(schema.schema)).fingerprint() != schema.fingerprint


def test_released_fingerprints_never_change() -> None:
    release_1 = load_registry(find_schemas_dir() / "released" / "1")
    assert {t: release_1.current(t).fingerprint_hex for t in EventType} == RELEASE_1


def test_docs_and_formatting_do_not_change_a_fingerprint(schemas_copy: Path) -> None:
    """Only what the canonical form keeps matters, so documentation can be improved freely."""
    before = load_registry(schemas_copy).current(EventType.CONCERN_RAISED).fingerprint
    for path in schemas_copy.glob("*.avsc"):
        data = json.loads(path.read_text("utf-8"))
        data["doc"] = "rewritten"
        path.write_text(json.dumps(data, separators=(",", ":")), encoding="utf-8")
    assert load_registry(schemas_copy).current(EventType.CONCERN_RAISED).fingerprint == before


def test_a_structural_change_changes_the_fingerprint(schemas_copy: Path) -> None:
    before = load_registry(schemas_copy).current(EventType.CONCERN_RAISED).fingerprint
    path = schemas_copy / "Concern.avsc"
    data = json.loads(path.read_text("utf-8"))
    data["fields"].append({"name": "added", "type": "string", "default": "", "doc": "."})
    path.write_text(json.dumps(data), encoding="utf-8")
    assert load_registry(schemas_copy).current(EventType.CONCERN_RAISED).fingerprint != before
