"""``threadline insights``: privacy-safe statistics from the de-identified observations stream.

Three jobs: ``report`` writes a release (CSV tables, charts, HTML, PDF) for a period, from the
topic as the ``insights`` principal or from a JSON Lines file; ``simulate-observations`` makes
such a file from a seeded simulation with no broker; ``gauges`` serves this week's headline
numbers to Prometheus.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from threadline.cli.output import console, emit_json, err_console, table

if TYPE_CHECKING:
    from threadline.insights.observations import Observation

__all__ = ["insights"]


@click.group()
def insights() -> None:
    """Statistics on platforms, exploitation stages and warning signs, with disclosure control."""


def _day(ctx: click.Context, param: click.Parameter, value: datetime | None) -> date | None:
    return value.date() if value is not None else None


@insights.command()
@click.option(
    "--from",
    "start",
    required=True,
    type=click.DateTime(["%Y-%m-%d"]),
    callback=_day,
    help="First day of the period (YYYY-MM-DD).",
)
@click.option(
    "--to",
    "end",
    required=True,
    type=click.DateTime(["%Y-%m-%d"]),
    callback=_day,
    help="Last day of the period (YYYY-MM-DD).",
)
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the release.",
)
@click.option(
    "--threshold",
    default=5,
    show_default=True,
    type=click.IntRange(min=3),
    help="Counts below this are withheld, and the cells that would reveal them.",
)
@click.option(
    "--source",
    default="kafka",
    show_default=True,
    metavar="kafka|FILE",
    help="'kafka' reads the observations topic (as --as, default insights); "
    "anything else is a JSON Lines file of observations.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@click.pass_context
def report(
    ctx: click.Context,
    start: date,
    end: date,
    out_dir: Path,
    threshold: int,
    source: str,
    as_json: bool,
) -> None:
    """Write CSV tables, charts and an HTML + PDF report for the weeks from --from to --to.

    A week belongs to the period when its Thursday does (the ISO rule), so --from 2025-03-01
    --to 2025-05-31 covers exactly March to May. Counts below --threshold are withheld, and
    more cells are withheld until none can be worked out from the totals; the report states
    the method. A period with too few reports gets a report that says so, and no tables.
    """
    from threadline.insights.aggregation import Period, compile_statistics
    from threadline.insights.release import write_release

    if start > end:
        raise click.BadParameter("--from is after --to", param_hint="--from")
    period = Period(start, end)
    observations, skipped = _load(ctx, source)
    with err_console.status("counting and protecting the tables"):
        stats = compile_statistics(observations, period, threshold=threshold)
        files = write_release(stats, out_dir, made_on=datetime.now(UTC).date())
    summary = {
        "out": str(out_dir),
        "published": files.published,
        "weeks": [period.weeks[0], period.weeks[-1]],
        "threshold": threshold,
        "withheld_primary": len(stats.protection.primary),
        "withheld_secondary": len(stats.protection.secondary),
        "undecodable_records": skipped,
        "html": str(files.html),
        "pdf": str(files.pdf),
        "tables": {k: str(v) for k, v in files.tables.items()},
    }
    if as_json:
        emit_json(summary)
        return
    if not files.published:
        err_console.print(
            f"[yellow]nothing published:[/] fewer than {threshold} reports (or too few in every "
            f"breakdown) in {period.weeks[0]} to {period.weeks[-1]}; the report says so. "
            "Choose a longer period."
        )
    else:
        table(
            f"release for {period.weeks[0]} to {period.weeks[-1]} in {out_dir}",
            ("table", "file"),
            [(name, path.name) for name, path in files.tables.items()],
        )
        console.print(
            f"{len(stats.protection.primary)} counts below {threshold} withheld, and "
            f"{len(stats.protection.secondary)} more cells so they cannot be worked out"
        )
    if skipped:
        err_console.print(f"[yellow]{skipped} unreadable records on the topic were skipped[/]")
    console.print(f"report: {files.html}\n        {files.pdf}")


def _load(ctx: click.Context, source: str) -> tuple[list[Observation], int]:
    from threadline.config import kafka_settings
    from threadline.insights.codec import read_jsonl
    from threadline.insights.sources import read_topic

    if source != "kafka":
        return list(read_jsonl(Path(source))), 0
    settings = kafka_settings(as_=(ctx.obj or {}).get("as") or "insights")
    with err_console.status(f"reading observations as {settings.username}"):
        found = read_topic(settings)
    return list(found.observations), found.undecodable


@insights.command("simulate-observations")
@click.option(
    "--out",
    "out_file",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="JSON Lines file to write.",
)
@click.option("--children", default=1000, show_default=True, help="Children in the population.")
@click.option("--reports", default=5000, show_default=True, help="Reports to generate.")
@click.option("--seed", default=0, show_default=True, help="Same seed, same output.")
@click.option("--days", default=240, show_default=True, help="Length of the time window.")
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), help="First day (default 2025-03-01).")
def simulate_observations(
    out_file: Path, children: int, reports: int, seed: int, days: int, start: datetime | None
) -> None:
    """Simulate reports, build them with the SDK and derive observations, with no broker.

    The same path the correlator takes (agency input, validation, encryption, signing, Avro,
    observation_from_event), so the file is realistic input for `insights report --source`.
    """
    from threadline.insights.codec import write_jsonl
    from threadline.insights.simulated import simulated_observations
    from threadline.simulate import SimulationConfig

    options: dict[str, object] = {"seed": seed, "children": children, "reports": reports}
    options["days"] = days
    if start is not None:
        options["start"] = start.replace(tzinfo=UTC)
    config = SimulationConfig(**options)  # type: ignore[arg-type]
    with err_console.status(f"simulating {reports:,} reports"):
        count = write_jsonl(out_file, simulated_observations(config))
    console.print(f"{count:,} observations written to {out_file}")


@insights.command()
@click.option("--port", default=9108, show_default=True, help="Port for /metrics.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.pass_context
def gauges(ctx: click.Context, port: int, host: str) -> None:
    """Serve this week's concern reports by stage and platform as Prometheus gauges.

    Reads the observations topic from its start (so a restart rebuilds the week) and follows
    it; stop with Ctrl-C.
    """
    from prometheus_client import start_http_server

    from threadline.config import kafka_settings
    from threadline.insights.metrics import InsightsMetrics
    from threadline.insights.sources import follow_topic

    settings = kafka_settings(as_=(ctx.obj or {}).get("as") or "insights")
    metrics = InsightsMetrics()
    start_http_server(port, addr=host, registry=metrics.registry)
    console.print(f"serving http://{host}:{port}/metrics as {settings.username}; Ctrl-C stops")
    with contextlib.suppress(KeyboardInterrupt):
        follow_topic(
            settings,
            metrics.observe,
            stop=lambda: False,
            tick=metrics.roll,
            undecodable=metrics.undecodable.inc,
        )
