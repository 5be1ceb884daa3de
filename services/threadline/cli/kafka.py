"""``threadline kafka``: run the development broker and apply the topology."""

from __future__ import annotations

import time

import click

from threadline.cli.output import console, emit_json, err_console, table
from threadline.config import kafka_settings, local_credentials
from threadline.kafka.local import LocalKafka
from threadline.kafka.topology import load_topology

__all__ = ["kafka"]


@click.group()
def kafka() -> None:
    """Run the local Kafka broker and apply infra/topology.yaml.

    The broker is Apache Kafka from Maven Central jars (cached in ~/.cache/threadline), one
    KRaft node on 127.0.0.1 with SASL/SCRAM-SHA-512 and ACLs. Its data, logs and generated
    passwords live in var/kafka/ (git-ignored). See runbooks/local-kafka.md.
    """


@kafka.command()
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def up(as_json: bool) -> None:
    """Start the broker (no-op if running) and wait until it accepts authenticated clients."""
    started_at = time.monotonic()
    broker = LocalKafka()
    started = broker.start(load_topology().principal_names(), say=err_console.print)
    elapsed = time.monotonic() - started_at
    if as_json:
        emit_json({"started": started, "bootstrap": broker.bootstrap, "seconds": round(elapsed, 2)})
    elif started:
        console.print(f"Kafka {broker.version} ready on {broker.bootstrap} in {elapsed:.1f}s")
    else:
        console.print(f"Kafka already running on {broker.bootstrap}")


@kafka.command()
def down() -> None:
    """Stop the broker and every process it started."""
    console.print("stopped" if LocalKafka().stop() else "not running")


@kafka.command()
@click.option("--json", "as_json", is_flag=True, help="Print the status as JSON.")
def status(as_json: bool) -> None:
    """Say whether the broker runs; exit 0 if running, 3 if stopped, 4 if it crashed."""
    current = LocalKafka().status()
    if as_json:
        emit_json(current.__dict__)
    else:
        pid = f" (pid {current.pid})" if current.pid else ""
        console.print(f"{current.state}{pid} {current.bootstrap} {current.detail}".rstrip())
    raise SystemExit({"running": 0, "stopped": 3}.get(current.state, 4))


@kafka.command()
@click.option("-n", "--lines", default=50, show_default=True, help="How many lines to show.")
def logs(lines: int) -> None:
    """Show the end of the broker's log."""
    click.echo(LocalKafka().logs(lines) or "no broker log yet")


@kafka.command()
@click.confirmation_option(prompt="Wipe the local broker's data, config and passwords?")
def reset() -> None:
    """Stop the broker and wipe its data (the jar cache stays)."""
    LocalKafka().reset()
    console.print("local broker wiped; `threadline kafka up` starts a fresh one")


@kafka.command()
@click.option("--namespace", default="", help="Prefix for every topic/group name (isolation).")
@click.option("--fix-drift", is_flag=True, help="Put drifted topic configs back as declared.")
@click.option("--prune", is_flag=True, help="Delete ACLs of our principals the file lacks.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def apply(namespace: str, fix_drift: bool, prune: bool, as_json: bool) -> None:
    """Create missing topics, users and ACLs from infra/topology.yaml; report drift.

    Idempotent: a second run changes nothing. Runs as the `admin` principal.
    """
    from threadline.kafka.admin import apply_topology
    from threadline.kafka.clients import admin_client

    topology = load_topology(namespace=namespace)
    admin = admin_client(kafka_settings(as_="admin"))
    try:
        report = apply_topology(
            admin, topology, passwords=local_credentials() or None, fix_drift=fix_drift, prune=prune
        )
    finally:
        admin.close()
    if as_json:
        emit_json(report.as_dict())
        return
    console.print(
        f"topics: {len(report.created_topics)} created, {len(report.unchanged_topics)} unchanged; "
        f"ACLs: {report.created_acls} created, {report.unchanged_acls} unchanged; "
        f"users: {len(report.created_users)} created"
    )
    if report.drift:
        table(
            "Drift from infra/topology.yaml",
            ["topic", "setting", "declared", "actual", "fixed"],
            [
                (d.topic, d.setting, d.expected, d.actual, "yes" if d.fixed else "no")
                for d in report.drift
            ],
        )
    for line in report.unexpected_acls:
        console.print(f"[yellow]unexpected ACL[/] {line}")
