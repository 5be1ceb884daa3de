"""Real HTTP requests to the metrics server on an ephemeral port."""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from prometheus_client import CollectorRegistry, Counter

from threadline.observability.http import MetricsServer, Readiness, serve


def get(url: str, accept: str | None = None) -> tuple[int, str, str]:
    assert url.startswith("http://127.0.0.1:")
    request = urllib.request.Request(url, headers={"Accept": accept} if accept else {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return response.status, response.headers["Content-Type"], response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers["Content-Type"], exc.read().decode()


@pytest.fixture
def registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    Counter("threadline_test_things", "Things", ["kind"], registry=registry).labels("a").inc(3)
    Counter("threadline_test_other", "Other", registry=registry).inc()
    return registry


@pytest.fixture
def readiness() -> Readiness:
    return Readiness()


@pytest.fixture
def server(registry: CollectorRegistry, readiness: Readiness) -> Iterator[MetricsServer]:
    running = serve(registry, 0, ready=readiness, host="127.0.0.1")
    try:
        yield running
    finally:
        running.close()


def test_metrics_are_served_from_the_injected_registry(server: MetricsServer) -> None:
    status, content_type, body = get(f"{server.url}/metrics")
    assert status == 200
    assert content_type.startswith("text/plain")
    assert 'threadline_test_things_total{kind="a"} 3.0' in body


def test_metrics_can_be_restricted_and_negotiated(server: MetricsServer) -> None:
    _, _, body = get(f"{server.url}/metrics?name[]=threadline_test_other_total")
    assert "threadline_test_other_total" in body
    assert "threadline_test_things" not in body
    _, content_type, body = get(f"{server.url}/metrics", "application/openmetrics-text")
    assert content_type.startswith("application/openmetrics-text")
    assert body.rstrip().endswith("# EOF")


def test_health_answers_while_not_ready(server: MetricsServer) -> None:
    assert get(f"{server.url}/health")[0] == 200
    assert get(f"{server.url}/ready") == (503, "text/plain", "starting\n")


def test_ready_follows_the_flag_the_service_sets(
    server: MetricsServer, readiness: Readiness
) -> None:
    readiness.set(True, "assigned 6 partitions, caught up")
    assert get(f"{server.url}/ready") == (200, "text/plain", "assigned 6 partitions, caught up\n")
    readiness.set(False, "catching up")
    assert get(f"{server.url}/ready")[:2] == (503, "text/plain")


def test_a_failing_check_means_not_ready(registry: CollectorRegistry) -> None:
    def broken() -> bool:
        raise RuntimeError("consumer gone")

    running = serve(registry, 0, ready=broken, host="127.0.0.1")
    try:
        assert get(f"{running.url}/ready")[0] == 503
    finally:
        running.close()


def test_a_plain_callable_and_no_callable(registry: CollectorRegistry) -> None:
    running = serve(registry, 0, ready=lambda: True, host="127.0.0.1")
    always = serve(registry, 0, host="127.0.0.1")
    try:
        assert get(f"{running.url}/ready") == (200, "text/plain", "ready\n")
        assert get(f"{always.url}/ready")[0] == 200
    finally:
        running.close()
        always.close()


def test_unknown_paths_are_404_and_close_frees_the_port(registry: CollectorRegistry) -> None:
    running = serve(registry, 0, host="127.0.0.1")
    url = running.url
    assert get(f"{url}/nope")[0] == 404
    running.close()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{url}/health", timeout=2)  # noqa: S310
