"""``threadline audit``: check the broker's hash-chained audit trail on ``audit.v1``."""

from __future__ import annotations

import click

from threadline.broker.audit import verify as verify_chain
from threadline.broker.kafka_io import read_audit_chain
from threadline.broker.messages import default_codec
from threadline.cli.output import console, emit_json
from threadline.config import kafka_settings

__all__ = ["audit"]


@click.group()
def audit() -> None:
    """The append-only audit chain of every approval, decryption and document."""


@audit.command()
@click.option("--json", "as_json", is_flag=True, help="Print the verdict as JSON.")
@click.pass_context
def verify(ctx: click.Context, as_json: bool) -> None:
    """Read audit.v1 from the start and check every link; exit 1 if the chain is broken.

    Runs as the broker principal by default (the only reader of audit.v1). Record the printed
    head hash somewhere else: it is what proves later that the chain was not rewritten.
    """
    settings = kafka_settings(as_=(ctx.obj or {}).get("as") or "broker")
    report = verify_chain(read_audit_chain(settings), default_codec())
    if as_json:
        emit_json(
            {
                "ok": report.ok,
                "records": report.records,
                "head_seq": report.head_seq,
                "head_sha256": report.head_hash,
                "problems": list(report.problems),
            }
        )
    else:
        verdict = "[green]intact[/]" if report.ok else "[red]BROKEN[/]"
        console.print(
            f"audit chain {verdict}: {report.records} records, head seq "
            f"{report.head_seq} sha256 {report.head_hash}"
        )
        for problem in report.problems:
            console.print(f"  {problem}")
    raise SystemExit(0 if report.ok else 1)
