"""Where request documents go: a small interface, a directory, and an in-memory double.

The documents hold decrypted identifiers, so the directory sink creates its folder 0700 and each
file 0600 from the start (never chmod-ed afterwards) and replaces files atomically: a reader never
sees half a PDF, and a re-rendered document (after a retried transaction) simply replaces the
first one.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Protocol

__all__ = ["DirectorySink", "DocumentSink", "MemorySink"]


class DocumentSink(Protocol):
    def write(self, name: str, data: bytes) -> None: ...


class MemorySink:
    """Keeps documents in a dict: for unit tests and the benchmark."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}

    def write(self, name: str, data: bytes) -> None:
        self.files[name] = data


class DirectorySink:
    """Writes documents into one directory, privately and atomically."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def __repr__(self) -> str:
        return f"DirectorySink(root={str(self.root)!r})"

    def write(self, name: str, data: bytes) -> None:
        if "/" in name or name.startswith("."):
            raise ValueError("document names are plain file names")
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=f".{name}.", suffix=".tmp")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            Path(tmp).replace(self.root / name)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
