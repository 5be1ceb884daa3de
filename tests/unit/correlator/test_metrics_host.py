"""The correlator's metrics listener: loopback unless the deployment says otherwise."""

from __future__ import annotations

import urllib.request

import pytest

from threadline.correlator.metrics import CorrelatorMetrics, serve
from threadline.correlator.settings import correlator_settings


def test_metrics_host_defaults_to_loopback_and_follows_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert correlator_settings().metrics_host == "127.0.0.1"
    monkeypatch.setenv("THREADLINE_CORRELATOR_METRICS_HOST", "0.0.0.0")
    assert correlator_settings().metrics_host == "0.0.0.0"


def test_serve_answers_metrics_on_the_given_host() -> None:
    server = serve(CorrelatorMetrics(), 0, "127.0.0.1")
    try:
        port = server.server_address[1]
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as reply:
            assert reply.status == 200 and b"threadline_correlator" in reply.read()
    finally:
        server.shutdown()
        server.server_close()
