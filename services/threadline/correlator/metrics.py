"""The correlator's Prometheus metrics, on an injected registry, and its small HTTP endpoint.

Names follow docs/metrics.md (which the Prometheus rules in infra/prometheus/ use). Labels are
closed vocabularies only (event types, DLQ reason codes, decision names, alert types
and severities): never an agency reference, a subject id, a token or anything a report said.
Buckets are in the unit that matters: candidate-set sizes in records, latency in seconds from
the agency recording an event (``recorded_at``) to the alert it caused being published.

``serve`` exposes ``/metrics``, ``/health`` (the process answers) and ``/ready`` (the worker has
partitions and has finished restoring its tables), on a daemon thread.
"""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

if TYPE_CHECKING:
    from threadline.correlator.linker import Applied

__all__ = ["CorrelatorMetrics", "serve"]


class CorrelatorMetrics:
    """Every metric the two stages update, created on ``registry``."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self.events_in = Counter(
            "threadline_correlator_events_total",
            "Verified report events forwarded to linking, by event type.",
            ["type"],
            registry=r,
        )
        self.dead_letters = Counter(
            "threadline_correlator_dlq_total",
            "Reports sent to the dead-letter topic, by reason code.",
            ["reason"],
            registry=r,
        )
        self.duplicates = Counter(
            "threadline_correlator_dedup_hits_total",
            "Replays (same event id) and re-sends (same content) dropped, and link records "
            "already applied (redelivery).",
            ["kind"],
            registry=r,
        )
        self.observations = Counter(
            "threadline_correlator_observations_total",
            "De-identified insights observations published, or not drafted (outcome=failed).",
            ["outcome"],
            registry=r,
        )
        self.candidates = Histogram(
            "threadline_correlator_candidates",
            "Candidate records scored per linked report.",
            buckets=(0, 1, 2, 5, 10, 20, 50, 100, 200),
            registry=r,
        )
        self.decisions = Counter(
            "threadline_correlator_link_decisions_total",
            "How each report's record was linked.",
            ["decision"],
            registry=r,
        )
        self.subject_changes = Counter(
            "threadline_correlator_subject_changes_total",
            "Resolver subject changes (merges and splits included), by type.",
            ["type"],
            registry=r,
        )
        self.reviews = Counter(
            "threadline_correlator_reviews_total",
            "Possible matches held back for a person to review.",
            registry=r,
        )
        self.alerts = Counter(
            "threadline_correlator_alerts_total",
            "Alert versions published, by type, severity and status.",
            ["type", "severity", "status"],
            registry=r,
        )
        self.alert_latency = Histogram(
            "threadline_correlator_alert_latency_seconds",
            "From the agency recording an event to the alert it caused being published.",
            buckets=(0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 3600),
            registry=r,
        )
        self.step_seconds = Histogram(
            "threadline_correlator_step_seconds",
            "Processing time of one record, by stage.",
            ["stage"],
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5),
            registry=r,
        )
        self.lag = Gauge(
            "threadline_correlator_consumer_lag",
            "Records of safeguarding.reports.v1 not yet processed, per partition this worker owns.",
            ["partition"],
            registry=r,
        )
        self.ready = threading.Event()

    def count_link(self, applied: Applied) -> None:
        """Record what one link record did."""
        if applied.duplicate:
            self.duplicates.labels("redelivery").inc()
            return
        self.decisions.labels(applied.decision).inc()
        if applied.candidates is not None:
            self.candidates.observe(applied.candidates)
        self.reviews.inc(applied.reviews)
        for change in applied.changes:
            self.subject_changes.labels(change["type"]).inc()

    def count_alerts(self, alerts: list[dict[str, Any]], recorded_at_ms: int) -> None:
        """Record published alert versions and their latency from ``recorded_at``."""
        now = time.time()
        for alert in alerts:
            self.alerts.labels(alert["type"], alert["severity"], alert["status"]).inc()
            self.alert_latency.observe(max(0.0, now - recorded_at_ms / 1000))


def serve(metrics: CorrelatorMetrics, port: int, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    """Start the metrics/health endpoint on a daemon thread; returns the server."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/metrics":
                self._reply(200, generate_latest(metrics.registry), CONTENT_TYPE_LATEST)
            elif self.path == "/health":
                self._reply(200, b"ok\n")
            elif self.path == "/ready":
                ready = metrics.ready.is_set()
                self._reply(200 if ready else 503, b"ready\n" if ready else b"starting\n")
            else:
                self._reply(404, b"not found\n")

        def _reply(self, status: int, body: bytes, kind: str = "text/plain") -> None:
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: Any) -> None:  # keep request logs out of the worker's log
            return

    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return server
