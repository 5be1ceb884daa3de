"""Start one correlator worker: load its inputs, check its state, run faust until stopped.

Everything the worker reads is checked before Kafka is touched, so a typo in the rules file or a
missing registry fails in a second with a message, not after a rebalance: the agency registry
(public keys), the alert rules, the linkage model, the agency directory for observations, and
the partition count of the reports topic (asked of the broker unless configured; the dedupe
tables must have exactly as many).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from threadline.config import KafkaSettings
from threadline.correlator.guards import mark_clean_shutdown, prepare_datadir
from threadline.correlator.metrics import CorrelatorMetrics, serve
from threadline.correlator.model import LinkageModel, latest_model_path
from threadline.correlator.observing import Observer
from threadline.correlator.rules import AlertRules
from threadline.correlator.settings import CorrelatorSettings
from threadline.crypto import AgencyRegistry
from threadline.errors import ConfigError
from threadline.insights.agencies import AgencyDirectory
from threadline.kafka.clients import consumer, kafka_errors

__all__ = ["WorkerPlan", "plan_worker", "reports_partition_count", "run_worker"]

log = logging.getLogger("threadline.correlator")


@dataclass(frozen=True)
class WorkerPlan:
    """What a worker will run with, all loaded and validated."""

    kafka: KafkaSettings
    settings: CorrelatorSettings
    registry: AgencyRegistry
    rules: AlertRules
    model: LinkageModel
    model_path: Path
    reports_partitions: int
    observer: Observer


def reports_partition_count(kafka: KafkaSettings) -> int:
    """How many partitions the reports topic has (the correlator may describe it)."""
    from threadline.correlator.app import REPORTS

    topic = kafka.topic_prefix + REPORTS
    with kafka_errors(f"describing {topic}"):
        client = consumer(kafka)
        try:
            partitions = client.partitions_for_topic(topic)
        finally:
            client.close()
    if not partitions:
        raise ConfigError(f"topic {topic} does not exist: run `threadline kafka apply` first")
    return len(partitions)


def plan_worker(kafka: KafkaSettings, settings: CorrelatorSettings) -> WorkerPlan:
    """Load and check everything the worker needs."""
    model_path = latest_model_path(settings.models())
    partitions = settings.reports_partitions or reports_partition_count(kafka)
    return WorkerPlan(
        kafka=kafka,
        settings=settings,
        registry=AgencyRegistry.load(settings.registry()),
        rules=AlertRules.load(settings.rules_file),
        model=LinkageModel.load(model_path),
        model_path=model_path,
        reports_partitions=partitions,
        observer=Observer(AgencyDirectory.load(settings.agencies_file)),
    )


def run_worker(plan: WorkerPlan) -> int:
    """Run the faust worker until it is stopped (SIGTERM/SIGINT); returns the exit status.

    Local stores are wiped first unless the previous run left the clean-shutdown marker (see
    :mod:`~threadline.correlator.guards`), and the marker is written again only if this run
    ends without error.
    """
    from faust.worker import Worker

    from threadline.correlator.app import Correlator

    datadir = plan.settings.data()
    if prepare_datadir(datadir):
        log.warning("previous run did not stop cleanly: local stores wiped, restoring from Kafka")
    metrics = CorrelatorMetrics()
    if plan.settings.metrics_port is not None:
        serve(metrics, plan.settings.metrics_port, plan.settings.metrics_host)
    correlator = Correlator(
        plan.kafka,
        plan.settings,
        registry=plan.registry,
        rules=plan.rules,
        model=plan.model,
        reports_partitions=plan.reports_partitions,
        metrics=metrics,
        observer=plan.observer,
    )

    async def structured_logs() -> None:
        """mode configures text logging as the worker starts; replace it with threadline's
        scrubbed JSON lines once it has (tasks run after that set-up)."""
        from threadline.observability.logs import configure_logging

        configure_logging("correlator", plan.settings.log_level or "INFO")

    correlator.app.task(structured_logs)

    worker = Worker(correlator.app, loglevel=plan.settings.log_level, quiet=True)
    status = 1
    try:
        worker.execute_from_commandline()
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else 1
    crashed = getattr(correlator.app, "crash_reason", None) is not None
    if status == 0 and not crashed:
        mark_clean_shutdown(datadir)
    return status if not crashed else 1
