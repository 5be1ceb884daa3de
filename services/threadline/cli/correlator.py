"""``threadline correlator``: run a correlator worker (verify, deduplicate, link, alert).

Run as many workers as the reports topic has partitions to spread verification; linking runs on
one of them at a time. Each worker needs its own ``--workers-data-dir`` (RocksDB stores are
local and locked). The worker acts as the ``correlator`` principal (``--as``, or
``THREADLINE_KAFKA_USERNAME``/``PASSWORD``) and holds no key: only the agencies' public
registry. See runbooks/ and docs/metrics.md.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from threadline.cli.output import emit_json, err_console
from threadline.config import kafka_settings

__all__ = ["correlator"]


def _principal(ctx: click.Context) -> str | None:
    chosen = (ctx.obj or {}).get("as")
    if chosen:
        return str(chosen)
    return None if os.environ.get("THREADLINE_KAFKA_USERNAME") else "correlator"


def _options(**given: Any) -> dict[str, Any]:
    return {name: value for name, value in given.items() if value is not None}


_SHARED = [
    click.option(
        "--workers-data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="This worker's local state (RocksDB); default var/correlator/worker.",
    ),
    click.option(
        "--partitions",
        type=click.IntRange(min=1),
        help="Partitions of the reports topic (default: ask the broker).",
    ),
    click.option(
        "--registry",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Agency registry, public keys only (default: agencies.json in the keys dir).",
    ),
    click.option(
        "--rules",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Alert rules (default: infra/alert-rules.yaml).",
    ),
]


def _shared(fn: Any) -> Any:
    for option in reversed(_SHARED):
        fn = option(fn)
    return fn


@click.group()
def correlator() -> None:
    """Verify, deduplicate and link reports into subjects; raise alerts."""


@correlator.command()
@_shared
@click.option(
    "--metrics-port", type=click.IntRange(0, 65535), help="Serve /metrics, /health, /ready."
)
@click.option(
    "--instance-id",
    help="Static group membership: a worker restarted under the same id resumes at once.",
)
@click.option(
    "--log-level", type=click.Choice(["debug", "info", "warning", "error"]), help="faust logging."
)
@click.pass_context
def run(
    ctx: click.Context,
    workers_data_dir: Path | None,
    partitions: int | None,
    registry: Path | None,
    rules: Path | None,
    metrics_port: int | None,
    instance_id: str | None,
    log_level: str | None,
) -> None:
    """Run one worker until stopped (Ctrl-C or SIGTERM stop it cleanly)."""
    from threadline.correlator.runner import plan_worker, run_worker
    from threadline.correlator.settings import correlator_settings

    settings = correlator_settings(
        **_options(
            data_dir=workers_data_dir,
            reports_partitions=partitions,
            registry_file=registry,
            rules_file=rules,
            metrics_port=metrics_port,
            instance_id=instance_id,
            log_level=log_level,
        )
    )
    plan = plan_worker(kafka_settings(as_=_principal(ctx)), settings)
    err_console.print(
        f"correlator {plan.kafka.topic_prefix}threadline-correlator as {plan.kafka.username}: "
        f"{plan.reports_partitions} report partitions, model {plan.model.version}, "
        f"{len(plan.registry.agencies())} agencies, state in {settings.data()}"
    )
    raise SystemExit(run_worker(plan))


@correlator.command()
@_shared
@click.pass_context
def check(
    ctx: click.Context,
    workers_data_dir: Path | None,
    partitions: int | None,
    registry: Path | None,
    rules: Path | None,
) -> None:
    """Load and validate everything a worker needs, print it as JSON, and exit."""
    from threadline.correlator.runner import plan_worker
    from threadline.correlator.settings import correlator_settings

    settings = correlator_settings(
        **_options(
            data_dir=workers_data_dir,
            reports_partitions=partitions,
            registry_file=registry,
            rules_file=rules,
        )
    )
    plan = plan_worker(kafka_settings(as_=_principal(ctx)), settings)
    emit_json(
        {
            "app_id": f"{plan.kafka.topic_prefix}threadline-correlator",
            "principal": plan.kafka.username,
            "reports_partitions": plan.reports_partitions,
            "model": str(plan.model_path),
            "agencies": list(plan.registry.agencies()),
            "escalation_rules": [rule.id for rule in plan.rules.escalation],
            "data_dir": str(settings.data()),
        }
    )
