"""``threadline publish FILE``: share an agency's export, line by line, losing nothing."""

from __future__ import annotations

import json
import os
from collections import Counter
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import click
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from threadline.cli.output import console, emit_json, err_console, table
from threadline.config import kafka_settings
from threadline.crypto import Keystore
from threadline.errors import ConfigError, ValidationError
from threadline.sdk.client import AgencyClient
from threadline.sdk.files import LineError, read_records
from threadline.sdk.pool import BuildPool

__all__ = ["publish"]


@dataclass
class Tally:
    read: int = 0
    published: int = 0
    failed: int = 0
    adult_flags: int = 0
    reasons: Counter[str] = field(default_factory=Counter)


def agency_for(principal: str | None, agency: str | None) -> str:
    """The agency id: ``--agency``, else the principal without its ``agency-`` prefix."""
    if agency:
        return agency
    if principal and principal.startswith("agency-"):
        return principal.removeprefix("agency-")
    raise ConfigError("say which agency publishes: --as agency-<id> (or --agency ID)")


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--agency", help="Agency id (default: from --as agency-<id>).")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["auto", "jsonl", "csv"]),
    default="auto",
    show_default=True,
    help="Input format; auto uses the file extension.",
)
@click.option(
    "--errors",
    "errors_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where failed lines go (default: FILE.errors.jsonl). Re-run it once fixed.",
)
@click.option(
    "--keys",
    "keys_dir",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="THREADLINE_KEYS_DIR",
    help="Keys directory (THREADLINE_KEYS_DIR).",
)
@click.option("--batch-size", default=500, show_default=True, help="Reports per Kafka batch.")
@click.option(
    "--strict/--no-strict",
    default=True,
    show_default=True,
    help="Refuse a report whose free text still holds personal data after redaction.",
)
@click.option("--dry-run", is_flag=True, help="Validate and build everything, send nothing.")
@click.option(
    "--workers",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Build reports in N worker processes while this one sends (worth it for files of "
    "thousands of lines on a machine with spare cores; 0 builds here).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_context
def publish(
    ctx: click.Context,
    file: Path,
    agency: str | None,
    fmt: str,
    errors_path: Path | None,
    keys_dir: Path | None,
    batch_size: int,
    strict: bool,
    dry_run: bool,
    workers: int,
    as_json: bool,
) -> None:
    """Publish reports from FILE (JSON Lines or CSV in the agency-input format).

    Each report is validated, redacted, field-encrypted, tokenised and signed before it
    leaves this machine. A bad line is reported (line number, field path, reason; never the
    value) and written with its record to the errors file; the good lines still go. Exit
    status 0 if every line went, 1 if some failed.
    """
    principal = ctx.obj.get("as")
    agency_id = agency_for(principal, agency)
    settings = None if dry_run else kafka_settings(as_=principal)
    errors_path = errors_path or file.with_name(file.name + ".errors.jsonl")
    tally = Tally()
    keys = Keystore(keys_dir)
    with (
        BuildPool(keys, workers) if workers else nullcontext() as pool,
        AgencyClient(
            agency_id,
            keys=keys,
            kafka=settings,
            strict=strict,
            sink=_DrySink() if dry_run else None,
            pool=pool,
        ) as client,
        _ErrorFile(errors_path) as errors,
        _progress(file) as progress,
    ):
        task = progress.add_task("publishing", total=None)
        batch: list[tuple[int, dict[str, Any]]] = []
        for number, item in read_records(file, fmt):
            tally.read += 1
            if isinstance(item, LineError):
                errors.add(tally, number, "", "unreadable", item.reason, {"raw": item.raw})
            else:
                batch.append((number, item))
            if len(batch) >= batch_size:
                _send(client, batch, tally, errors)
                batch = []
            progress.update(task, completed=tally.read)
        if batch:
            _send(client, batch, tally, errors)
        progress.update(task, completed=tally.read, total=tally.read)
    _summarise(tally, errors_path if tally.failed else None, as_json, dry_run)
    if tally.failed:
        raise SystemExit(1)


def _send(
    client: AgencyClient, batch: list[tuple[int, dict[str, Any]]], tally: Tally, errors: _ErrorFile
) -> None:
    result = client.publish_batch([record for _, record in batch])
    for outcome, (number, record) in zip(result.outcomes, batch, strict=True):
        if outcome.error is None:
            tally.published += 1
            tally.adult_flags += outcome.adult_flag
            continue
        path = outcome.error.path if isinstance(outcome.error, ValidationError) else ""
        errors.add(tally, number, path, outcome.error.code, outcome.error.message, record)


class _ErrorFile:
    """The errors file: JSON Lines, 0600 because each line holds the agency's own record."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle: TextIO | None = None

    def __enter__(self) -> _ErrorFile:
        return self

    def __exit__(self, *_: object) -> None:
        if self._handle is not None:
            self._handle.close()

    def add(
        self, tally: Tally, line: int, path: str, code: str, reason: str, record: dict[str, Any]
    ) -> None:
        if self._handle is None:
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            self._handle = os.fdopen(fd, "w", encoding="utf-8")
        tally.failed += 1
        tally.reasons[code] += 1
        err_console.print(f"line {line}: {reason}", markup=False)
        entry = {"line": line, "path": path, "code": code, "reason": reason, "record": record}
        self._handle.write(json.dumps(entry, default=str) + "\n")


class _DrySink:
    def send(self, topic: str, key: bytes, value: bytes, done: Any) -> None:
        done(None)

    def flush(self, timeout_s: float) -> None:
        return None

    def close(self) -> None:
        return None


def _progress(file: Path) -> Progress:
    return Progress(
        TextColumn(f"[bold]{file.name}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err_console,
        transient=True,
        disable=not err_console.is_terminal,
    )


def _summarise(tally: Tally, errors_path: Path | None, as_json: bool, dry_run: bool) -> None:
    summary = {
        "read": tally.read,
        "published": tally.published,
        "failed": tally.failed,
        "adult_flags": tally.adult_flags,
        "failures_by_code": dict(tally.reasons),
        "errors_file": str(errors_path) if errors_path else None,
        "dry_run": dry_run,
    }
    if as_json:
        emit_json(summary)
        return
    verb = "built (dry run)" if dry_run else "published"
    table(
        "Summary",
        ["lines", verb, "failed", "adult flags"],
        [(tally.read, tally.published, tally.failed, tally.adult_flags)],
    )
    if errors_path:
        console.print(
            f"failed lines and their records: {errors_path} "
            f"(fix them, then `threadline publish {errors_path}`)"
        )
