"""How commands print: a readable table on a terminal, JSON when asked for (``--json``)."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any

from rich.console import Console
from rich.table import Table

__all__ = ["console", "emit_json", "err_console", "table"]

console = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 140)
err_console = Console(stderr=True, highlight=False)


def emit_json(value: Any) -> None:
    """One JSON document on its own line (machine-readable output)."""
    sys.stdout.write(json.dumps(value, default=str, sort_keys=True) + "\n")
    sys.stdout.flush()


def table(title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    out = Table(title=title, title_justify="left", header_style="bold")
    for column in columns:
        out.add_column(column)
    for row in rows:
        out.add_row(*(str(cell) for cell in row))
    console.print(out)
