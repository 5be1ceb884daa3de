"""``threadline alerts follow``: watch correlated alerts as an analyst.

Acts as an analyst principal (``--as analyst-mash``; default ``analyst-mash`` with the local
broker), which may read the alerts topic and nothing else. Prints one line per new alert
version, or JSON lines with ``--json``.
"""

from __future__ import annotations

import os

import click

from threadline.alerts.follow import SEVERITIES, AlertFilter, follow_alerts
from threadline.cli.output import console, emit_json, err_console
from threadline.config import kafka_settings

__all__ = ["alerts"]

_STYLE = {"low": "dim", "medium": "yellow", "high": "bold red", "critical": "bold white on red"}
_TYPES = ("cross_agency_link", "escalation", "offender_network")
_HEADER = {
    "severity": "SEVERITY",
    "type": "TYPE",
    "version": "V",
    "status": "STATUS",
    "subject": "SUBJECT",
    "agencies": "AGENCIES",
    "reasons": "REASONS",
}
_ROW = "{severity:<9} {type:<18} {version:>3}  {status:<8} {subject:<18} {agencies:<34} {reasons}"


@click.group()
def alerts() -> None:
    """Correlated alerts (no personal data: pseudonyms, references, reasons)."""


@alerts.command()
@click.option(
    "--min-severity",
    type=click.Choice(SEVERITIES),
    default="low",
    show_default=True,
    help="Hide alerts below this severity.",
)
@click.option(
    "--type", "types", multiple=True, type=click.Choice(_TYPES), help="Only this type (repeatable)."
)
@click.option("--json", "as_json", is_flag=True, help="Print each alert as a JSON line.")
@click.option("--from-beginning", is_flag=True, help="Start from the oldest retained alert.")
@click.option("--max", "max_alerts", type=click.IntRange(min=1), help="Stop after N alerts.")
@click.option("--timeout", "timeout_s", type=click.FloatRange(min=0), help="Stop after S seconds.")
@click.pass_context
def follow(
    ctx: click.Context,
    min_severity: str,
    types: tuple[str, ...],
    as_json: bool,
    from_beginning: bool,
    max_alerts: int | None,
    timeout_s: float | None,
) -> None:
    """Print new alert versions as the correlator publishes them (Ctrl-C to stop)."""
    principal = (ctx.obj or {}).get("as")
    if not principal and not os.environ.get("THREADLINE_KAFKA_USERNAME"):
        principal = "analyst-mash"
    settings = kafka_settings(as_=principal)
    stream = follow_alerts(
        settings,
        wanted=AlertFilter(min_severity, frozenset(types)),
        from_beginning=from_beginning,
        max_alerts=max_alerts,
        timeout_s=timeout_s,
    )
    if not as_json:
        err_console.print(_ROW.format(**_HEADER), style="bold", markup=False, soft_wrap=True)
    shown = 0
    for alert in stream:
        shown += 1
        if as_json:
            emit_json(alert)
            continue
        subjects = alert.get("subject_ids") or ["-"]
        subject = subjects[0] + (f" +{len(subjects) - 1}" if len(subjects) > 1 else "")
        line = _ROW.format(
            severity=alert.get("severity", "?"),
            type=alert.get("type", "?"),
            version=alert.get("version", "?"),
            status=alert.get("status", "?"),
            subject=subject[:18],
            agencies=",".join(alert.get("agencies") or [])[:34],
            reasons="; ".join(r.get("text", "") for r in alert.get("reasons") or []),
        )
        console.print(line, style=_STYLE.get(str(alert.get("severity")), ""), markup=False)
    if not as_json:
        err_console.print(f"{shown} alert version(s)", soft_wrap=True)
