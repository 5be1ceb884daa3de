"""The observations topic on the real broker: the correlator writes, ``insights`` reads it and
nothing else, and the report and gauges work from it."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from prometheus_client import CollectorRegistry

from tests.support.cluster import KafkaCluster
from threadline.cli.main import cli
from threadline.config import KafkaSettings
from threadline.errors import AuthorizationError
from threadline.insights.codec import default_codec
from threadline.insights.metrics import InsightsMetrics
from threadline.insights.observations import OBSERVATIONS_TOPIC, Observation, ObservationKind
from threadline.insights.simulated import simulated_observations
from threadline.insights.sources import follow_topic, read_topic
from threadline.kafka.clients import producer
from threadline.kafka.topology import Topology
from threadline.simulate import SimulationConfig

pytestmark = pytest.mark.integration

Settings = Callable[..., KafkaSettings]


def canonical(observation: Observation) -> str:
    return json.dumps(observation.to_record(), sort_keys=True)


@pytest.fixture(scope="module")
def published(settings_for: Settings, topology: Topology) -> list[Observation]:
    """Simulated observations written as the correlator, plus one record that is not one."""
    observations = list(simulated_observations(SimulationConfig(seed=5, children=80, reports=400)))
    writer = producer(settings_for("correlator"))
    topic = topology.topic(OBSERVATIONS_TOPIC)
    try:
        for observation in observations:
            writer.send(topic, value=default_codec().encode(observation))
        writer.send(topic, value=b"not an observation")
        writer.flush(timeout=60)
    finally:
        writer.close(timeout=10)
    return observations


def test_insights_reads_what_the_correlator_wrote(
    published: list[Observation], settings_for: Settings
) -> None:
    found = read_topic(settings_for("insights"))
    assert found.undecodable == 1
    assert sorted(map(canonical, found.observations)) == sorted(map(canonical, published))


@pytest.mark.parametrize(
    "topic",
    [
        "safeguarding.reports.v1",
        "safeguarding.subjects.v1",
        "safeguarding.alerts.v1",
        "safeguarding.reports.dlq.v1",
    ],
)
def test_insights_is_refused_reports_subjects_alerts_and_dead_letters(
    settings_for: Settings, topic: str
) -> None:
    with pytest.raises(AuthorizationError):
        read_topic(settings_for("insights"), topic=topic, timeout_s=30)


def test_the_report_command_reads_the_topic_as_insights(
    published: list[Observation],
    kafka_cluster: KafkaCluster,
    topology: Topology,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("THREADLINE_KAFKA_TOPIC_PREFIX", topology.namespace)
    monkeypatch.setenv("THREADLINE_KAFKA_BOOTSTRAP_SERVERS", kafka_cluster.bootstrap)
    monkeypatch.setenv("THREADLINE_KAFKA_PASSWORD", kafka_cluster.passwords["insights"])
    result = CliRunner().invoke(
        cli,
        ["insights", "report", "--from", "2025-03-01", "--to", "2025-10-31",
         "--out", str(tmp_path), "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["published"] is True
    assert summary["undecodable_records"] == 1
    assert (tmp_path / "report.pdf").stat().st_size > 10_000


def test_the_gauges_follow_the_topic(published: list[Observation], settings_for: Settings) -> None:
    metrics = InsightsMetrics(CollectorRegistry())
    seen: list[Observation] = []
    deadline = time.monotonic() + 60

    def handle(observation: Observation, written_at: datetime) -> None:
        metrics.observe(observation, written_at)
        seen.append(observation)

    follow_topic(
        settings_for("insights"),
        handle,
        stop=lambda: len(seen) >= len(published) or time.monotonic() > deadline,
        tick=metrics.roll,
        undecodable=metrics.undecodable.inc,
    )
    assert len(seen) == len(published)
    concerns = [o for o in published if o.kind is not ObservationKind.MISSING_EPISODE]
    this_week = sum(
        metrics.registry.get_sample_value("threadline_insights_reports_this_week", {"stage": stage})
        or 0
        for stage in {o.stage for o in concerns}
    )
    assert this_week == len(concerns)  # written just now, so all arrived this week
