"""Released schema snapshots, and the compatibility gate between them and the working copy.

``schemas/released/<n>/`` holds byte copies of ``schemas/*.avsc`` as they stood when release
``n`` was cut. The codec keeps every release as a writer schema, so the gate is *full
transitive* compatibility, checked with Apache Avro's own ``ReaderWriterCompatibilityChecker``
(an implementation independent of fastavro, which does the encoding):

* backward: the working copy can read what every release wrote (consumers upgraded first);
* forward: every release can read what the working copy writes (producers upgraded first).

In practice: new fields need defaults, new enum symbols rely on the enum's default symbol,
required fields (no default) can never be removed, and nothing is renamed without aliases.
Removing an event type altogether is also refused: old producers may still be sending it.

Cut a release after changing schemas (refuses when incompatible or when nothing changed)::

    .venv/bin/python -m threadline.contracts.releases check
    .venv/bin/python -m threadline.contracts.releases cut
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import avro.schema
from avro.compatibility import ReaderWriterCompatibilityChecker, SchemaCompatibilityType

from threadline.contracts.events import EventType
from threadline.contracts.named_types import JsonSchema, read_named_types
from threadline.contracts.schemas import find_schemas_dir, release_dirs
from threadline.errors import ContractError

__all__ = ["Incompatibility", "check_compatibility", "compare", "cut_release", "main"]

_EVENT_NAMES = frozenset(event_type.full_name for event_type in EventType)


@dataclass(frozen=True)
class Incompatibility:
    """One reason the working copy cannot replace a release."""

    type_name: str
    release: int
    direction: str
    detail: str

    def __str__(self) -> str:
        return f"{self.type_name} vs release {self.release} ({self.direction}): {self.detail}"


def compare(new: JsonSchema, old: JsonSchema) -> list[tuple[str, str]]:
    """``(direction, detail)`` for each way two standalone schemas fail to interoperate.

    An empty list means new readers read old data (backward) and old readers read new data
    (forward). Both are parsed by Apache Avro, so a schema it rejects fails here too.
    """
    new_parsed = avro.schema.parse(json.dumps(new))
    old_parsed = avro.schema.parse(json.dumps(old))
    problems: list[tuple[str, str]] = []
    for direction, reader, writer in (
        ("backward", new_parsed, old_parsed),
        ("forward", old_parsed, new_parsed),
    ):
        checker = ReaderWriterCompatibilityChecker()  # type: ignore[no-untyped-call]
        result = checker.get_compatibility(reader, writer)
        if result.compatibility is not SchemaCompatibilityType.compatible:
            messages = "; ".join(sorted(result.messages)) or "incompatible"
            problems.append((direction, f"{messages} at {', '.join(sorted(result.locations))}"))
    return problems


def check_compatibility(directory: Path | None = None) -> list[Incompatibility]:
    """Every incompatibility between the working copy and any release (empty: all good)."""
    directory = directory or find_schemas_dir()
    current = read_named_types(directory)
    found: list[Incompatibility] = []
    for number, path in release_dirs(directory).items():
        released = read_named_types(path)
        for name in released.definitions:
            if name not in current.definitions:
                if name in _EVENT_NAMES:
                    found.append(Incompatibility(name, number, "removed", "event type removed"))
                continue
            for direction, detail in compare(current.standalone(name), released.standalone(name)):
                found.append(Incompatibility(name, number, direction, detail))
    return found


def cut_release(directory: Path | None = None) -> Path:
    """Copy the working copy to ``released/<n+1>/`` and return that directory.

    Refuses (:class:`ContractError`) when the working copy is incompatible with any release
    or byte-identical to the newest one, so release numbers always mean a change.
    """
    directory = directory or find_schemas_dir()
    incompatible = check_compatibility(directory)
    if incompatible:
        lines = "\n  ".join(str(problem) for problem in incompatible)
        raise ContractError(
            f"not cutting a release; incompatible with released schemas:\n  {lines}"
        )
    releases = release_dirs(directory)
    sources = sorted(directory.glob("*.avsc"))
    if releases:
        newest = releases[max(releases)]
        if _same_files(sources, sorted(newest.glob("*.avsc"))):
            raise ContractError(f"not cutting a release; schemas unchanged since {newest.name}")
    target = directory / "released" / str(max(releases, default=0) + 1)
    target.mkdir(parents=True)
    for source in sources:
        shutil.copyfile(source, target / source.name)
    return target


def _same_files(left: list[Path], right: list[Path]) -> bool:
    return [path.name for path in left] == [path.name for path in right] and all(
        a.read_bytes() == b.read_bytes() for a, b in zip(left, right, strict=True)
    )


def main(argv: list[str] | None = None) -> int:
    """``check`` or ``cut``; exit status 0 on success, 1 when refused."""
    parser = argparse.ArgumentParser(prog="python -m threadline.contracts.releases")
    parser.add_argument("command", choices=["check", "cut"])
    parser.add_argument("--schemas", type=Path, default=None, help="schemas directory")
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            problems = check_compatibility(args.schemas)
            for problem in problems:
                sys.stderr.write(f"{problem}\n")
            return 1 if problems else 0
        sys.stdout.write(f"released {cut_release(args.schemas)}\n")
    except ContractError as exc:
        sys.stderr.write(f"{exc}\n")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
