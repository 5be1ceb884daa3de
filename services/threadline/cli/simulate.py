"""``threadline simulate``: a seeded synthetic population of reports, with ground truth."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import click

from threadline.cli.output import console, emit_json, err_console, table

__all__ = ["simulate_cmd"]


@click.command("simulate")
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("var/simulation"),
    show_default=True,
    help="Output folder.",
)
@click.option("--children", default=1000, show_default=True, help="Children in the population.")
@click.option("--reports", default=5000, show_default=True, help="Reports to generate.")
@click.option("--seed", default=0, show_default=True, help="Same seed, same output.")
@click.option("--days", default=240, show_default=True, help="Length of the time window.")
@click.option("--start", type=click.DateTime(["%Y-%m-%d"]), help="First day (default 2025-03-01).")
@click.option(
    "--agency",
    "agencies",
    multiple=True,
    help="Agency id (repeatable; default: six agencies of different kinds).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
def simulate_cmd(
    out_dir: Path,
    children: int,
    reports: int,
    seed: int,
    days: int,
    start: datetime | None,
    agencies: tuple[str, ...],
    as_json: bool,
) -> None:
    """Generate fictional agency reports (JSON Lines per agency) and their ground truth.

    Children, suspects shared across children, and agencies that each see a child a little
    differently (typos, nicknames, transliterations, swapped DOB parts, moves, new phones,
    missing fields). Every phone number is in Ofcom's drama ranges; every e-mail is at
    example.com/org. Files: OUT/reports/<agency>.jsonl (publish them with `threadline publish`),
    OUT/truth.jsonl and OUT/truth.json (which report is about which child).
    """
    from threadline.simulate import SimulationConfig, simulate, write

    options: dict[str, object] = {
        "seed": seed,
        "children": children,
        "reports": reports,
        "days": days,
    }
    if start is not None:
        options["start"] = start.replace(tzinfo=UTC)
    if agencies:
        options["agencies"] = agencies
    with err_console.status(f"simulating {reports:,} reports about {children:,} children"):
        sim = simulate(SimulationConfig(**options))  # type: ignore[arg-type]
        written = write(sim, out_dir)
    by_agency = Counter(agency for agency, _ in sim.reports)
    by_type = Counter(record["event_type"] for _, record in sim.reports)
    summary = {
        "out": str(out_dir),
        "reports": len(sim.reports),
        "children": children,
        "offender_networks": len(sim.truth.networks),
        "seed": seed,
        "by_agency": dict(by_agency),
        "by_event_type": dict(by_type),
        "files": {k: str(v) for k, v in written.items()},
    }
    if as_json:
        emit_json(summary)
        return
    table(
        f"Simulated {len(sim.reports):,} reports (seed {seed}) in {out_dir}",
        ["agency", "reports"],
        sorted(by_agency.items()),
    )
    console.print("event types: " + ", ".join(f"{k} {v}" for k, v in sorted(by_type.items())))
    console.print(f"offender networks: {len(sim.truth.networks)}; truth: {out_dir}/truth.jsonl")
