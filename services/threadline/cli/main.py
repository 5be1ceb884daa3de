"""The ``threadline`` command: one entry point, a sub-command per job.

Every ThreadlineError ends the command with its one-line message on stderr and exit status 2,
never a traceback: the messages are written for the person at the terminal and never contain
personal data. ``THREADLINE_DEBUG=1`` shows the traceback for developers.
"""

from __future__ import annotations

import os
import sys

import click

from threadline import __version__
from threadline.errors import ThreadlineError

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="threadline")
@click.option(
    "--as",
    "as_",
    metavar="PRINCIPAL",
    envvar="THREADLINE_AS",
    help="Act as this Kafka principal (e.g. agency-met-police, correlator, analyst-mash). With "
    "the local broker, its password comes from var/kafka/credentials.json; otherwise set "
    "THREADLINE_KAFKA_USERNAME/PASSWORD.",
)
@click.pass_context
def cli(ctx: click.Context, as_: str | None) -> None:
    """threadline: share safeguarding concerns across agencies without pooling personal data.

    \b
    Local development:
      threadline kafka up        start the development broker (Kafka from Maven Central)
      threadline kafka apply     create topics, users and ACLs from infra/topology.yaml
      threadline kafka status    is it running, and where
      threadline kafka down      stop it
    """
    ctx.obj = {"as": as_}


def _register() -> None:
    from threadline.cli import (
        audit,
        broker,
        demo,
        dlq,
        kafka,
        kafka_ops,
        keys,
        publish,
        requests,
        simulate,
    )

    cli.add_command(kafka.kafka)
    cli.add_command(keys.keys)
    cli.add_command(publish.publish)
    cli.add_command(simulate.simulate_cmd)
    cli.add_command(demo.demo)
    cli.add_command(requests.requests)
    cli.add_command(broker.broker)
    cli.add_command(audit.audit)
    cli.add_command(dlq.dlq)
    kafka_ops.attach(kafka.kafka)
    from threadline.cli import alerts, correlator

    cli.add_command(correlator.correlator)
    cli.add_command(alerts.alerts)
    cli.add_command(__import__("threadline.cli.insights", fromlist=["insights"]).insights)


_register()


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    try:
        cli.main(args=argv, prog_name="threadline", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except ThreadlineError as exc:
        if os.environ.get("THREADLINE_DEBUG"):
            raise
        click.echo(f"threadline: {exc.message}", err=True)
        sys.exit(2)
