"""The compatibility gate: the shipped schemas pass it, and it catches what would break."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from threadline.contracts import Codec, EventType, examples, load_registry
from threadline.contracts.releases import check_compatibility, compare, cut_release, main
from threadline.contracts.schemas import find_schemas_dir, release_dirs
from threadline.errors import ContractError, UnknownFingerprintError

from .conftest import EventFactory

NS = "org.threadline.safeguarding.v1"


def test_the_working_copy_is_compatible_with_every_release() -> None:
    """The CI gate. If this fails, fix the schema; never edit schemas/released/."""
    assert release_dirs(find_schemas_dir()), "there must be at least one release to compare to"
    problems = check_compatibility(find_schemas_dir())
    assert not problems, "\n".join(str(problem) for problem in problems)


def test_release_1_is_a_byte_copy_of_every_schema() -> None:
    schemas = find_schemas_dir()
    released = schemas / "released" / "1"
    assert sorted(p.name for p in released.glob("*.avsc")) == sorted(
        p.name for p in schemas.glob("*.avsc")
    )


# --- the checker can fail ---------------------------------------------------------------------

RECORD: dict[str, Any] = {
    "type": "record",
    "name": f"{NS}.Thing",
    "fields": [
        {"name": "a", "type": "string"},
        {"name": "kind", "type": {"type": "enum", "name": f"{NS}.Kind", "symbols": ["X", "Y"]}},
    ],
}


def _changed(change: Any) -> dict[str, Any]:
    """A deep copy of RECORD with ``change(fields)`` applied to its field list."""
    new: dict[str, Any] = json.loads(json.dumps(RECORD))
    change(new["fields"])
    return new


def _retyped(name: str, new_type: Any) -> Any:
    def change(fields: list[dict[str, Any]]) -> None:
        next(f for f in fields if f["name"] == name)["type"] = new_type

    return change


def test_an_identical_schema_is_compatible() -> None:
    assert compare(RECORD, RECORD) == []


def test_a_field_added_with_a_default_is_compatible() -> None:
    assert (
        compare(
            _changed(lambda f: f.append({"name": "c", "type": "string", "default": ""})), RECORD
        )
        == []
    )


def test_a_field_added_without_a_default_breaks_old_writers() -> None:
    problems = compare(_changed(lambda f: f.append({"name": "b", "type": "string"})), RECORD)
    assert [direction for direction, _ in problems] == ["backward"]
    assert "b" in problems[0][1]


def test_removing_a_field_without_a_default_breaks_old_readers() -> None:
    problems = compare(_changed(lambda f: f.pop(0)), RECORD)
    assert [direction for direction, _ in problems] == ["forward"]


def test_changing_a_type_breaks_both_ways() -> None:
    problems = compare(_changed(_retyped("a", "int")), RECORD)
    assert [direction for direction, _ in problems] == ["backward", "forward"]


def test_removing_an_enum_symbol_without_a_default_breaks_old_writers() -> None:
    enum = {"type": "enum", "name": f"{NS}.Kind", "symbols": ["X"]}
    problems = compare(_changed(_retyped("kind", enum)), RECORD)
    assert [direction for direction, _ in problems] == ["backward"]
    assert "Y" in problems[0][1]


def test_adding_an_enum_symbol_needs_the_enum_default() -> None:
    without_default = {"type": "enum", "name": f"{NS}.Kind", "symbols": ["X", "Y", "Z"]}
    assert [d for d, _ in compare(_changed(_retyped("kind", without_default)), RECORD)] == [
        "forward"
    ]
    old = _changed(_retyped("kind", {**RECORD["fields"][1]["type"], "default": "X"}))
    new = _changed(_retyped("kind", {**without_default, "default": "X"}))
    assert compare(new, old) == []


# --- the gate over a schemas directory -------------------------------------------------------


def _edit(path: Path, change: Any) -> None:
    data = json.loads(path.read_text("utf-8"))
    change(data)
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")


def test_the_gate_reports_a_breaking_change_in_a_shared_type(schemas_copy: Path) -> None:
    _edit(
        schemas_copy / "EncryptedField.avsc",
        lambda d: d["fields"].append({"name": "aad", "type": "bytes", "doc": "."}),
    )
    problems = check_compatibility(schemas_copy)
    names = {problem.type_name for problem in problems}
    assert f"{NS}.EncryptedField" in names and f"{NS}.ConcernRaised" in names
    assert {problem.direction for problem in problems} == {"backward"}
    assert main(["check", "--schemas", str(schemas_copy)]) == 1
    with pytest.raises(ContractError, match="incompatible"):
        cut_release(schemas_copy)


def test_the_gate_reports_a_removed_enum_symbol(schemas_copy: Path) -> None:
    def drop_default_and_symbol(data: dict[str, Any]) -> None:
        data["symbols"].remove("AMBER_STRICT")
        del data["default"]

    _edit(schemas_copy / "Tlp.avsc", drop_default_and_symbol)
    assert any(p.type_name == f"{NS}.Tlp" for p in check_compatibility(schemas_copy))


def test_the_gate_refuses_removing_an_event_type(schemas_copy: Path) -> None:
    (schemas_copy / "ReportWithdrawn.avsc").unlink()
    problems = check_compatibility(schemas_copy)
    assert [(p.type_name, p.direction) for p in problems] == [(f"{NS}.ReportWithdrawn", "removed")]


def _add_concern_field(schemas: Path) -> None:
    _edit(
        schemas / "Concern.avsc",
        lambda d: d["fields"].append(
            {"name": "urgent", "type": "boolean", "default": False, "doc": "Added in release 2."}
        ),
    )


def test_a_compatible_change_is_released_as_the_next_number(schemas_copy: Path) -> None:
    assert main(["cut", "--schemas", str(schemas_copy)]) == 1, "unchanged: nothing to release"
    _add_concern_field(schemas_copy)
    assert load_registry(schemas_copy).schema_version == 2
    assert main(["check", "--schemas", str(schemas_copy)]) == 0
    target = cut_release(schemas_copy)
    assert target == schemas_copy / "released" / "2"
    assert (target / "Concern.avsc").read_bytes() == (schemas_copy / "Concern.avsc").read_bytes()
    assert load_registry(schemas_copy).schema_version == 2


def test_events_written_by_an_older_release_decode_into_the_current_shape(
    schemas_copy: Path, event_factory: EventFactory
) -> None:
    old = Codec(load_registry(schemas_copy / "released" / "1"))
    _add_concern_field(schemas_copy)
    new = Codec(load_registry(schemas_copy))
    record = event_factory(EventType.CONCERN_RAISED)

    old_bytes = old.encode(EventType.CONCERN_RAISED, record)
    assert new.schema_of(old_bytes).release == 1
    event_type, decoded = new.decode(old_bytes)
    assert event_type is EventType.CONCERN_RAISED
    assert decoded["concern"] == {**record["concern"], "urgent": False}
    assert new.split_signature(old_bytes)[0] == old.encode_for_signing(event_type, record)

    # The other way round needs the new schema on the consumer: consumers upgrade first.
    new_bytes = new.encode(EventType.CONCERN_RAISED, record)
    with pytest.raises(UnknownFingerprintError):
        old.decode(new_bytes)


def test_an_unknown_enum_symbol_from_a_newer_writer_reads_as_the_default(
    schemas_copy: Path,
) -> None:
    """What the enum defaults are for: a consumer one release behind still reads the event."""
    release_1 = schemas_copy / "released" / "1"
    _edit(schemas_copy / "Indicator.avsc", lambda d: d["symbols"].insert(0, "CRYPTO_PAYMENTS"))
    cut_release(schemas_copy)
    newer = Codec(load_registry(schemas_copy))
    record = examples.full_event("concern_raised")
    record["concern"]["indicators"] = ["CRYPTO_PAYMENTS", "NEW_PHONE"]
    data = newer.encode("concern_raised", record)

    # A consumer whose working copy is release 1 but that was given release 2 to read with.
    behind = schemas_copy.parent / "behind"
    (behind / "released").mkdir(parents=True)
    for path in release_1.glob("*.avsc"):
        (behind / path.name).write_bytes(path.read_bytes())
    (schemas_copy / "released" / "2").rename(behind / "released" / "2")
    _, decoded = Codec(load_registry(behind)).decode(data)
    assert decoded["concern"]["indicators"] == ["OTHER", "NEW_PHONE"]
