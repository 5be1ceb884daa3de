"""``threadline kafka lag | reprocess | exporter``: consumer groups, for operators.

Added to the ``kafka`` group by ``cli.main._register`` (:func:`attach`). Every command acts as
``admin`` (or ``--as``) within the namespace of ``THREADLINE_KAFKA_TOPIC_PREFIX``. See
runbooks/consumer-lag.md and runbooks/reprocess-from-offset-0.md.
"""

from __future__ import annotations

import click

from threadline.cli.output import console, emit_json, table
from threadline.config import KafkaSettings, kafka_settings
from threadline.kafka.topology import load_topology

__all__ = ["COMMANDS", "attach"]


def _admin_settings(ctx: click.Context) -> KafkaSettings:
    return kafka_settings(as_=str((ctx.obj or {}).get("as") or "admin"))


def logical_topics() -> list[str]:
    """The topology's topic names without any namespace."""
    return [topic.name for topic in load_topology().topics]


@click.command()
@click.option("--group", help="Only this consumer group (its full name, as listed).")
@click.option("--json", "as_json", is_flag=True, help="Print the lag as JSON.")
@click.pass_context
def lag(ctx: click.Context, group: str | None, as_json: bool) -> None:
    """Consumer lag per group, topic and partition (end offset minus committed offset)."""
    from threadline.kafka.clients import admin_client
    from threadline.kafka.groups import consumer_lag

    settings = _admin_settings(ctx)
    admin = admin_client(settings)
    try:
        groups = consumer_lag(
            admin, prefix=settings.topic_prefix, logical_topics=logical_topics(), group=group
        )
    finally:
        admin.close()
    if as_json:
        emit_json({"groups": [g.as_dict() for g in groups]})
        return
    if not groups:
        console.print("no consumer group has committed offsets on this deployment's topics")
        return
    table(
        "Consumer groups",
        ["group", "state", "members", "total lag"],
        [(g.group, g.state, g.members, g.total) for g in groups],
    )
    table(
        "Lag by partition",
        ["group", "topic", "partition", "committed", "end", "lag"],
        [
            (g.group, p.topic, p.partition, p.committed, p.end, p.lag)
            for g in groups
            for p in g.partitions
        ],
    )


@click.command()
@click.option("--group", required=True, help="The stopped consumer group to rewind.")
@click.option("--to-earliest", is_flag=True, help="Rewind to the earliest retained offsets.")
@click.option(
    "--topic",
    "topics",
    multiple=True,
    help="Only this topic (logical name, e.g. safeguarding.reports.v1; repeatable).",
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--json", "as_json", is_flag=True, help="Print the plan/result as JSON.")
@click.pass_context
def reprocess(
    ctx: click.Context,
    group: str,
    to_earliest: bool,
    topics: tuple[str, ...],
    yes: bool,
    as_json: bool,
) -> None:
    """Rewind a STOPPED consumer group so it re-processes its topics from the start.

    Refuses while the group has active members. Moves only committed offsets; a service's own
    state (the correlator's tables) is not touched - see runbooks/reprocess-from-offset-0.md.
    """
    from threadline.kafka.clients import admin_client
    from threadline.kafka.groups import reset_to_earliest

    if not to_earliest:
        raise click.UsageError("say where to rewind to: --to-earliest (the only option so far)")
    settings = _admin_settings(ctx)
    admin = admin_client(settings)
    prefix, logical = settings.topic_prefix, logical_topics()
    try:
        plan = reset_to_earliest(admin, group, prefix=prefix, logical_topics=logical, topics=topics)
        if not as_json:
            table(f"Rewind {group}", ["topic", "partition", "committed", "to"], plan.rows())
        if not yes:
            click.confirm(f"Rewind {group} on {len(plan.moves)} partition(s)?", abort=True)
        plan = reset_to_earliest(
            admin, group, prefix=prefix, logical_topics=logical, topics=topics, apply=True
        )
    finally:
        admin.close()
    if as_json:
        emit_json({"group": group, "applied": plan.applied, "partitions": plan.rows()})
    else:
        console.print(f"{group} rewound on {len(plan.moves)} partition(s); start it again")


@click.command()
@click.option("--port", default=9402, show_default=True, help="Serve /metrics here.")
@click.option("--interval", default=15.0, show_default=True, help="Seconds between polls.")
@click.option("--host", default="0.0.0.0", show_default=True, help="Address to bind.")  # noqa: S104
@click.pass_context
def exporter(ctx: click.Context, port: int, interval: float, host: str) -> None:
    """Export consumer lag and topic end offsets (DLQ growth) for Prometheus until Ctrl-C.

    Sees every group from outside, so lag is visible even when a consumer is down.
    """
    from threadline.kafka.exporter import run_exporter
    from threadline.observability.logs import configure_logging

    configure_logging("kafka-exporter", "INFO")
    try:
        run_exporter(
            _admin_settings(ctx), logical_topics(), port=port, interval_s=interval, host=host
        )
    except KeyboardInterrupt:
        console.print("exporter stopped")


COMMANDS = (lag, reprocess, exporter)


def attach(group: click.Group) -> None:
    """Add these commands to the ``kafka`` group (called once from ``cli.main``)."""
    for command in COMMANDS:
        group.add_command(command)
