"""Reading agency export files (JSON Lines or CSV) line by line, without losing any line.

Every line becomes either a record or a :class:`LineError`; nothing is skipped silently and a
bad line never stops the lines after it. Error files written by ``threadline publish`` are JSON
Lines whose objects carry the original ``record``: reading one back yields those records again,
which is how failures are re-run after they are fixed.

CSV columns are dotted paths into the agency-input format (``subject.given_name``,
``associates[0].phones``); list fields take ``;``-separated values, handles are written
``platform:handle``. Empty cells are absent values.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, TextIO

__all__ = ["LineError", "read_records", "unflatten"]

_LIST_FIELDS = frozenset(
    {
        "other_names",
        "phones",
        "emails",
        "handles",
        "exploitation_types",
        "other_exploitation_types",
        "indicators",
        "other_indicators",
        "platforms",
        "referral_routes",
    }
)
_INT_FIELDS = frozenset({"source"})
_BOOL_FIELDS = frozenset({"return_interview"})
_SEGMENT = re.compile(r"^([a-z_]+)(?:\[(\d+)\])?$")


@dataclass(frozen=True, slots=True)
class LineError:
    """A line that could not even be read as a record; the reason names no value."""

    line: int
    reason: str
    raw: str


def read_records(path: Path, fmt: str = "auto") -> Iterator[tuple[int, dict[str, Any] | LineError]]:
    """``(line number, record or LineError)`` for every non-blank line or CSV row."""
    if fmt == "auto":
        fmt = "csv" if path.suffix.lower() == ".csv" else "jsonl"
    if fmt == "csv":
        with path.open(encoding="utf-8", errors="surrogateescape", newline="") as text:
            yield from _csv(text)
    else:
        with path.open("rb") as handle:
            yield from _jsonl(handle)


def _jsonl(handle: BinaryIO) -> Iterator[tuple[int, dict[str, Any] | LineError]]:
    for number, raw in enumerate(handle, start=1):
        if not raw.strip():
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            yield (
                number,
                LineError(number, f"not UTF-8 (byte {exc.start})", raw.decode("utf-8", "replace")),
            )
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            yield number, LineError(number, f"not valid JSON (column {exc.colno})", text)
            continue
        if not isinstance(value, dict):
            yield number, LineError(number, "not a JSON object", text)
        elif isinstance(value.get("record"), dict) and "reason" in value:
            yield number, value["record"]  # a line of an error file: re-run its record
        else:
            yield number, value


def _csv(text: TextIO) -> Iterator[tuple[int, dict[str, Any] | LineError]]:
    reader = csv.DictReader(text)
    for row in reader:
        number = reader.line_num
        cells = {k: v for k, v in row.items() if k is not None}
        joined = ",".join(v or "" for v in cells.values())
        if any("\udc80" <= ch <= "\udcff" for ch in joined):
            yield number, LineError(number, "not UTF-8", joined.encode("utf-8", "replace").decode())
            continue
        if None in row:
            yield number, LineError(number, "more cells than columns", joined)
            continue
        try:
            yield number, unflatten(cells)
        except ValueError as exc:
            yield number, LineError(number, str(exc), joined)


def unflatten(cells: dict[str, str | None]) -> dict[str, Any]:
    """Dotted CSV columns to the nested agency-input dict."""
    out: dict[str, Any] = {}
    for column, cell in cells.items():
        if cell is None or cell.strip() == "":
            continue
        parts = column.strip().split(".")
        target: Any = out
        for depth, part in enumerate(parts):
            match = _SEGMENT.match(part)
            if match is None:
                raise ValueError(f"column {column!r} is not a dotted field path")
            name, index = match[1], match[2]
            last = depth == len(parts) - 1
            if index is not None:
                items = target.setdefault(name, [])
                while len(items) <= int(index):
                    items.append({})
                target = items[int(index)]
                if last:
                    raise ValueError(f"column {column!r} must name a field inside {name}[{index}]")
            elif last:
                target[name] = _cell(name, cell.strip(), column)
            else:
                target = target.setdefault(name, {})
    return out


def _cell(name: str, cell: str, column: str) -> Any:
    if name in _INT_FIELDS:
        if not cell.isdigit():
            raise ValueError(f"column {column!r} must be a whole number")
        return int(cell)
    if name in _BOOL_FIELDS:
        return cell.lower() in {"1", "true", "yes", "y"}
    if name not in _LIST_FIELDS:
        return cell
    items = [item.strip() for item in cell.split(";") if item.strip()]
    if name == "handles":
        return [_pair(item, "platform", "handle", column) for item in items]
    if name == "platforms":
        return [_pair(item, "platform", "role", column) for item in items]
    return items


def _pair(item: str, left: str, right: str, column: str) -> dict[str, str]:
    if ":" not in item:
        raise ValueError(f"column {column!r}: write each entry as {left}:{right}")
    a, b = item.split(":", 1)
    return {left: a.strip(), right: b.strip()}
