"""The broker's Prometheus metrics and its ``/metrics`` + ``/ready`` endpoint.

Built on an injected ``CollectorRegistry`` so tests and several brokers in one process do not
share counters. Labels are closed sets (record kind, refusal rule, audit action, request status):
never a request id, an officer or anything from a case.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest

from threadline.broker.messages import AUDIT_RECORD, COMMAND_REJECTED, BrokerCodec
from threadline.broker.model import DataRequest, Status, Urgency
from threadline.broker.processor import AUDIT, Outgoing
from threadline.errors import ThreadlineError

__all__ = ["BrokerMetrics", "is_overdue", "serve"]


class BrokerMetrics:
    """Counters of what the broker published, and a readiness flag for the endpoint."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()
        self.ready = False
        self.refusals = Counter(
            "threadline_broker_refusals",
            "Commands refused, by rule",
            ["rule"],
            registry=self.registry,
        )
        self.audit = Counter(
            "threadline_broker_audit_records",
            "Audit records chained, by action",
            ["action"],
            registry=self.registry,
        )
        self.decryptions = Counter(
            "threadline_broker_decryptions",
            "Fields decrypted for approved requests, by the approving officer's rank and the "
            "identifier type (never the officer's name or the value)",
            ["approver_rank", "field_type"],
            registry=self.registry,
        )
        self.officer_ranks: Mapping[str, str] = {}
        """principal -> rank, from the officer registry; set by the service at start-up."""
        self.requests = Gauge(
            "threadline_broker_requests", "Requests by status", ["status"], registry=self.registry
        )
        self.overdue = Gauge(
            "threadline_broker_requests_overdue",
            "Open requests past a service level (no acknowledgement or no response in time)",
            ["urgency"],
            registry=self.registry,
        )
        self.batch_seconds = Histogram(
            "threadline_broker_batch_seconds",
            "Time to decide and publish one poll batch",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
            registry=self.registry,
        )

    def observe(
        self, out: Iterable[Outgoing], codec: BrokerCodec, requests: Mapping[str, DataRequest]
    ) -> None:
        """Count one published batch (decodes only its small audit and rejection records)."""
        for item in out:
            if item.topic != AUDIT and not item.key.startswith(b"cmd:"):
                continue
            try:
                name, record = codec.decode(item.value)
            except ThreadlineError:
                continue
            if name == AUDIT_RECORD:
                self.audit.labels(record["action"]).inc()
                if record["action"] == "field_decrypted":
                    rank = self.officer_ranks.get(str(record.get("actor")), "unknown")
                    kind = str(record.get("identifier_type") or "unknown")
                    self.decryptions.labels(rank, kind).inc()
            elif name == COMMAND_REJECTED:
                self.refusals.labels(record["code"]).inc()
        counts = dict.fromkeys(Status, 0)
        for request in requests.values():
            counts[request.status] += 1
        for status, count in counts.items():
            self.requests.labels(status.value).set(count)
        overdue = dict.fromkeys(Urgency, 0)
        for request in requests.values():
            if is_overdue(request):
                overdue[request.urgency] += 1
        for urgency, count in overdue.items():
            self.overdue.labels(urgency.value).set(count)


def is_overdue(request: DataRequest) -> bool:
    """Past its SLA now: a chase timer fired (``timers``) and the status it chased is current."""
    if request.status is Status.SUBMITTED:
        return "ack-overdue" in request.reminders_sent
    if request.status in (Status.ACKNOWLEDGED, Status.PARTIALLY_FULFILLED):
        return "response-overdue" in request.reminders_sent
    return False


def serve(metrics: BrokerMetrics, port: int, host: str = "0.0.0.0") -> ThreadingHTTPServer:  # noqa: S104
    """Serve ``/metrics`` and ``/ready`` (200 once started, else 503) in a daemon thread."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/metrics":
                status, body = 200, generate_latest(metrics.registry)
            elif self.path == "/ready":
                status, body = (200, b"ready\n") if metrics.ready else (503, b"starting\n")
            else:
                status, body = 404, b"not found\n"
            self.send_response(status)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: scrapes every few seconds would drown the broker's own log."""

    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True, name="broker-metrics").start()
    return server
