"""``threadline demo``: run the system end to end on this machine."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

import click

from threadline.cli.output import console, emit_json
from threadline.config import state_dir

if TYPE_CHECKING:
    from threadline.demo.run import DemoResult

__all__ = ["demo"]


@click.command()
@click.option("--smoke", is_flag=True, help="Only publish one report and read it back.")
@click.option("--children", default=300, show_default=True, help="Simulated children.")
@click.option("--reports", default=1500, show_default=True, help="Simulated reports.")
@click.option("--seed", default=7, show_default=True, help="Simulation seed.")
@click.option(
    "--timeout",
    "timeout_s",
    default=240.0,
    show_default=True,
    help="Seconds to wait for alerts and documents.",
)
@click.option(
    "--keep/--no-keep",
    default=None,
    help="Keep the services and Prometheus running until Ctrl-C (default: on a terminal).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def demo(
    smoke: bool,
    children: int,
    reports: int,
    seed: int,
    timeout_s: float,
    keep: bool | None,
    as_json: bool,
) -> None:
    """Run the real system end to end under each service's own principal.

    Starts the correlator and the request broker as separate processes, has six agencies
    publish a simulated stream, shows correlated alerts live, has one liaison officer draft a
    preservation request from the first offender-network alert and another approve it, and
    names the folder with the PDF and JSON documents. Needs the local broker with the topology
    applied (`make kafka-up`; `make demo` does everything). On a terminal everything keeps
    running for a look until Ctrl-C; without one (CI) it stops and exits 0 when every step
    happened. Ctrl-C at any point stops every process it started.
    """
    if smoke:
        _smoke(as_json)
        return
    from threadline.demo.run import run_demo

    keep = console.is_terminal if keep is None else keep
    try:
        result = run_demo(
            console,
            children=children,
            reports=reports,
            seed=seed,
            timeout_s=timeout_s,
            hold=_hold if keep and not as_json else None,
        )
    except KeyboardInterrupt:
        console.print("stopped: every process the demo started has been stopped")
        if keep:
            return
        raise SystemExit(130) from None
    if as_json:
        emit_json({**result.__dict__, "folder": str(result.folder)})
        return
    if not keep:
        _summary(result)


def _hold(result: DemoResult) -> None:
    """Print where everything is, then keep it all running until Ctrl-C."""
    _summary(result)
    console.print(
        "[bold]Still running[/] so you can look around; [bold]Ctrl-C[/] stops the "
        "correlator, the request broker and Prometheus."
    )
    while True:
        time.sleep(3600)


def _summary(result: DemoResult) -> None:
    console.print()
    console.print("[bold]Done.[/] Everything happened:")
    console.print(f"  reports published        {result.published:,}")
    console.print(f"  alerts raised            {result.alerts}")
    console.print(f"  request approved         {result.request_id}")
    for document in result.documents:
        console.print(f"  document                 {document}")
    if result.insights.get("published"):
        console.print(f"  insights report          {result.insights['html']}")
        console.print(f"                           {result.insights['pdf']}")
    for log in result.logs:
        console.print(f"  service log              {log}")
    for name, url in result.metrics.items():
        console.print(f"  metrics ({name})".ljust(27) + url)
    if result.prometheus:
        console.print(f"  Prometheus               {result.prometheus}")
    console.print(f"  demo folder              {result.folder}")
    console.print(f"  topics (namespace)       {result.namespace}*")
    console.print(
        "Kafka keeps running after the demo: `make kafka-down` stops it, "
        "`threadline kafka reset` wipes it."
    )


def _smoke(as_json: bool) -> None:
    from threadline.crypto import init_dev_keys
    from threadline.demo.smoke import run_smoke

    keys_dir: Path = state_dir() / "demo" / "keys"
    if not (keys_dir / "disclosure.json").exists():
        from threadline.cli.keys import topology_agencies

        init_dev_keys(keys_dir, topology_agencies())
    result = run_smoke(keys_dir)
    if as_json:
        emit_json(result.__dict__)
        return
    console.print(
        f"agency-met-police published event {result.event_id} "
        f"({result.bytes} bytes, {result.encrypted_fields} encrypted fields) "
        f"to {result.topic}[{result.partition}]@{result.offset}"
    )
    console.print(
        f"correlator read it back; signature verified: {result.signature_verified}; "
        f"personal values found in clear: {result.cleartext_hits}"
    )
    if result.cleartext_hits:
        raise SystemExit(1)
