"""The worker's plumbing without Kafka: local-state hygiene, metrics endpoint, settings, follow."""

from __future__ import annotations

import urllib.error
import urllib.request
from pathlib import Path

import pytest

from threadline.alerts.follow import AlertFilter
from threadline.correlator.guards import mark_clean_shutdown, prepare_datadir
from threadline.correlator.metrics import CorrelatorMetrics, serve
from threadline.correlator.settings import correlator_settings
from threadline.errors import ConfigError


def test_local_stores_survive_only_a_clean_shutdown(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert not prepare_datadir(data)  # a first start: nothing to wipe
    (data / "v1").mkdir()
    mark_clean_shutdown(data)
    assert not prepare_datadir(data)  # clean stop: stores kept
    assert (data / "v1").exists()
    # that start consumed the marker; it then "crashes" (no mark), so the next start wipes
    assert prepare_datadir(data)
    assert list(data.iterdir()) == []


def test_metrics_health_and_readiness_endpoints() -> None:
    metrics = CorrelatorMetrics()
    metrics.dead_letters.labels("bad_signature").inc()
    server = serve(metrics, 0)
    port = server.server_address[1]

    def get(path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}") as reply:
                return reply.status, reply.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, ""

    try:
        status, text = get("/metrics")
        assert status == 200
        assert 'threadline_correlator_dlq_total{reason="bad_signature"} 1.0' in text
        assert get("/health")[0] == 200
        assert get("/ready")[0] == 503
        metrics.ready.set()
        assert get("/ready")[0] == 200
    finally:
        server.shutdown()
        server.server_close()


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("THREADLINE_CORRELATOR_MAX_EVENT_BYTES", "4096")
    monkeypatch.setenv("THREADLINE_CORRELATOR_CLOCK_SKEW_S", "60")
    settings = correlator_settings(instance_id="corr-0")
    assert settings.policy().max_event_bytes == 4096
    assert settings.policy().clock_skew.total_seconds() == 60
    with pytest.raises(ConfigError, match="INSTANCE_ID"):
        correlator_settings(instance_id="no spaces allowed")


def test_alert_filter() -> None:
    wanted = AlertFilter("high", frozenset({"offender_network"}))
    assert wanted.accepts({"severity": "critical", "type": "offender_network"})
    assert not wanted.accepts({"severity": "medium", "type": "offender_network"})
    assert not wanted.accepts({"severity": "critical", "type": "escalation"})
    assert not AlertFilter().accepts({"severity": "unheard-of"})
