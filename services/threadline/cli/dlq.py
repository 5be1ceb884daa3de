"""``threadline dlq``: triage the dead-letter topic and replay what was refused for a fixed cause.

Both commands act as ``admin`` (or ``--as``) in the namespace of
``THREADLINE_KAFKA_TOPIC_PREFIX``. Neither decodes a record: see ``threadline.kafka.dlq`` and
``threadline.kafka.replay``. See runbooks/dlq-triage-and-replay.md.
"""

from __future__ import annotations

import click

from threadline.cli.output import console, emit_json, table
from threadline.config import kafka_settings, state_dir
from threadline.contracts.schemas import default_registry
from threadline.kafka.dlq import (
    DLQ_TOPIC,
    REPORTS_TOPIC,
    counts_by_reason,
    read_dead_letters,
    select,
)
from threadline.kafka.replay import ReplayLedger, replay

__all__ = ["dlq"]

_REASON = click.option(
    "--reason",
    "reasons",
    multiple=True,
    metavar="REASON",
    help="Only records with this threadline.reason (repeatable).",
)


def _principal(ctx: click.Context) -> str:
    return str((ctx.obj or {}).get("as") or "admin")


def ledger() -> ReplayLedger:
    """Where replays are recorded: ``<state>/ops/dlq-replays.jsonl``."""
    return ReplayLedger(state_dir() / "ops" / "dlq-replays.jsonl")


@click.group()
def dlq() -> None:
    """Dead-lettered reports: count them by reason, inspect, replay once the cause is fixed."""


@dlq.command("list")
@_REASON
@click.option("--limit", default=50, show_default=True, help="Show at most N (newest) records.")
@click.option("--json", "as_json", is_flag=True, help="Print counts and records as JSON.")
@click.pass_context
def list_(ctx: click.Context, reasons: tuple[str, ...], limit: int, as_json: bool) -> None:
    """Count DLQ records by reason and list the newest, without decoding any of them.

    Shows position, time, reason, error message, source position, key, size and the schema
    fingerprint from the Avro header; never the body.
    """
    settings = kafka_settings(as_=_principal(ctx))
    letters = read_dead_letters(settings)
    counts = counts_by_reason(letters)
    chosen = select(letters, reasons=reasons)
    shown = sorted(chosen, key=lambda d: d.timestamp_ms)[-limit:] if limit > 0 else []
    schemas = default_registry()
    summaries = [letter.summary(schemas) for letter in shown]
    if as_json:
        emit_json(
            {
                "topic": settings.topic_prefix + DLQ_TOPIC,
                "total": len(letters),
                "by_reason": counts,
                "selected": len(chosen),
                "records": summaries,
            }
        )
        return
    topic = settings.topic_prefix + DLQ_TOPIC
    table(f"{topic}: {len(letters)} record(s)", ["reason", "records"], counts.items())
    if not summaries:
        return
    columns = ["partition", "offset", "at", "reason", "error", "source", "key", "size", "schema"]
    table(
        f"newest {len(summaries)} of {len(chosen)} selected",
        columns,
        (
            [*(s[c] for c in columns[:-1]), s["schema"] or s["fingerprint"] or "not Avro"]
            for s in summaries
        ),
    )


@dlq.command("replay")
@_REASON
@click.option("--all", "everything", is_flag=True, help="Every record, whatever its reason.")
@click.option("--again", is_flag=True, help="Include records this machine already replayed.")
@click.option("--dry-run", is_flag=True, help="Show what would be replayed; send nothing.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--json", "as_json", is_flag=True, help="Print what was replayed as JSON.")
@click.pass_context
def replay_(
    ctx: click.Context,
    reasons: tuple[str, ...],
    everything: bool,
    again: bool,
    dry_run: bool,
    yes: bool,
    as_json: bool,
) -> None:
    """Re-publish selected DLQ records (original key and bytes) to the reports topic.

    Only once the cause is fixed (agency added to the registry, schema shipped...), or they come
    straight back. Safe to repeat: the correlator deduplicates by event_id. Each replay is
    appended to <state>/ops/dlq-replays.jsonl, and records listed there are skipped unless
    --again.
    """
    if not reasons and not everything:
        raise click.UsageError("choose records with --reason REASON (repeatable) or --all")
    settings = kafka_settings(as_=_principal(ctx))
    book = ledger()
    skip = set() if again else book.replayed_positions()
    letters = read_dead_letters(settings)
    chosen = select(letters, reasons=reasons, skip=skip)
    skipped = len(select(letters, reasons=reasons)) - len(chosen)
    target = settings.topic_prefix + REPORTS_TOPIC
    note = f" ({skipped} already replayed; --again to include)" if skipped else ""
    if not chosen:
        console.print(f"nothing to replay{note}")
        return
    by_reason = counts_by_reason(chosen)
    summary = ", ".join(f"{n} {reason}" for reason, n in by_reason.items())
    if dry_run:
        console.print(f"would replay {len(chosen)} record(s) to {target}: {summary}{note}")
        return
    if not yes:
        click.confirm(f"Replay {len(chosen)} record(s) ({summary}) to {target}?", abort=True)
    done = replay(settings, chosen)
    book.record(done, operator=settings.username or "unknown")
    if as_json:
        emit_json({"replayed": [item.as_dict() for item in done], "ledger": str(book.path)})
        return
    console.print(f"replayed {len(done)} record(s) to {target}: {summary}{note}")
    console.print(f"recorded in {book.path}")
