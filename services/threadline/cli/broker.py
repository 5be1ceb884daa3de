"""``threadline broker``: run the request broker and prepare its keys.

``run`` acts as the ``broker`` principal (or ``--as``), the only one that holds the disclosure
key; ``officer-keys`` gives liaison officers their command-signing keys (development: all in one
keys directory; production: each officer generates theirs and only the public half is shared).
"""

from __future__ import annotations

import threading
import time

import click

from threadline.broker.officers import OfficerRegistry
from threadline.broker.protocols import load_protocols
from threadline.broker.settings import broker_settings
from threadline.broker.signing import create_officer_key, load_officer_keys
from threadline.cli.output import console, emit_json, table
from threadline.config import kafka_settings
from threadline.crypto.keystore import Keystore

__all__ = ["broker"]


@click.group()
def broker() -> None:
    """The request broker: liaison commands in, audited requests and documents out."""


@broker.command()
@click.option("--max-seconds", type=float, default=None, help="Stop after this long (demos).")
@click.option("--metrics-port", type=int, default=None, help="Serve /metrics and /ready here.")
@click.pass_context
def run(ctx: click.Context, max_seconds: float | None, metrics_port: int | None) -> None:
    """Rebuild state from Kafka, then process liaison commands until interrupted."""
    from threadline.broker.metrics import BrokerMetrics, serve
    from threadline.broker.service import BrokerService, build_processor
    from threadline.observability.logs import configure_logging

    configure_logging("broker", "INFO")  # JSON lines, scrubbed of anything that looks personal
    settings = broker_settings()
    metrics = BrokerMetrics()
    server = serve(metrics, metrics_port) if metrics_port is not None else None
    processor = build_processor(settings)
    metrics.officer_ranks = {o.principal: o.rank.value for o in processor.officers}
    service = BrokerService(
        kafka_settings(as_=(ctx.obj or {}).get("as") or "broker"),
        settings,
        processor,
        metrics,
    )
    stop = threading.Event()
    if max_seconds is not None:
        threading.Timer(max_seconds, stop.set).start()
    service.start()
    console.print(f"broker running: {service.processor!r}; documents in {settings.documents()}")
    started = time.monotonic()
    try:
        service.run(stop)
    except KeyboardInterrupt:
        stop.set()
    finally:
        service.close()
        if server is not None:
            server.shutdown()
    console.print(f"broker stopped after {time.monotonic() - started:.0f}s")


@broker.command(name="officer-keys")
@click.argument("principals", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Every officer in the registry lacking a key.")
def officer_keys(principals: tuple[str, ...], all_: bool) -> None:
    """Create (or rotate) command-signing keys for officers, in the keys directory."""
    registry = OfficerRegistry.load(broker_settings().officers_file)
    root = broker_settings().keys()
    chosen = list(principals)
    if all_:
        chosen += [
            o.principal for o in registry if not (root / f"officer-{o.principal}.json").exists()
        ]
    unknown = [p for p in chosen if p not in registry]
    if unknown:
        raise click.BadParameter(f"not in the officer registry: {', '.join(unknown)}")
    for principal in chosen:
        console.print(f"{principal}: new signing key {create_officer_key(root, principal)}")
    if not chosen:
        console.print("nothing to do (name officers or pass --all)")


@broker.command()
@click.option("--json", "as_json", is_flag=True)
def check(as_json: bool) -> None:
    """Load protocols, officers and keys as `run` would, and say what was found."""
    settings = broker_settings()
    protocols = load_protocols(settings.protocols_dir)
    officers = OfficerRegistry.load(settings.officers_file)
    store = Keystore(settings.keys())
    keyring = store.disclosure_keyring()
    signers = load_officer_keys(store.root)
    rows = [
        (
            o.principal,
            o.display_name,
            o.rank.value,
            ",".join(sorted(o.roles)),
            "yes" if signers.keys(o.principal) else "NO",
        )
        for o in officers
    ]
    if as_json:
        emit_json(
            {
                "protocols": sorted(protocols),
                "officers": [r[0] for r in rows if r[4] == "yes"],
                "disclosure_key": {
                    "key_id": keyring.key_id,
                    "versions": [v.version for v in keyring.versions()],
                },
            }
        )
        return
    console.print(f"{len(protocols)} protocols; disclosure key {keyring!r}")
    table("Officers", ["principal", "name", "rank", "roles", "signing key"], rows)
