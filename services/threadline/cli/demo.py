"""``threadline demo``: run the system end to end on this machine."""

from __future__ import annotations

from pathlib import Path

import click

from threadline.cli.output import console, emit_json
from threadline.config import state_dir

__all__ = ["demo"]


@click.command()
@click.option(
    "--keys",
    "keys_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Development keys (default: var/demo/keys, created if missing).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def demo(keys_dir: Path | None, as_json: bool) -> None:
    """Publish a report as an agency and read it back as the correlator (smoke run).

    Needs the local broker with the topology applied (`make kafka-up`).
    """
    from threadline.crypto import init_dev_keys
    from threadline.demo.smoke import run_smoke

    keys_dir = keys_dir or state_dir() / "demo" / "keys"
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
