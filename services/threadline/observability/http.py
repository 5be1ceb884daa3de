"""``/metrics``, ``/health`` and ``/ready`` for every threadline service, on one small server.

Why three endpoints: Prometheus scrapes ``/metrics``; an orchestrator restarts a process whose
``/health`` stops answering (the process or its HTTP thread is dead) and sends no work to - or
holds a rolling upgrade on - a replica whose ``/ready`` says 503 (consumer not yet assigned or
still catching up). Liveness must not depend on Kafka, or a broker outage would make every
service restart in a loop; readiness should.

The server is the standard library's threading HTTP server in a daemon thread: no framework, no
extra dependency, nothing that outlives the process. The registry is injected (as in
``broker/metrics.py``) so tests and several services in one process never share counters.

``ready`` is called on the HTTP thread for every probe, so it must be cheap and thread-safe:
never touch a kafka-python client from it (they are not thread-safe). Let the service loop
decide and record the answer in a :class:`Readiness` flag, and pass that.

Nothing served here carries personal data: metric labels are closed sets by convention, and the
readiness reason is a short fixed phrase chosen by the service.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from prometheus_client import CollectorRegistry
from prometheus_client.exposition import choose_encoder

__all__ = ["MetricsServer", "Readiness", "serve"]

ReadyCheck = Callable[[], bool]
log = logging.getLogger(__name__)


class Readiness:
    """A thread-safe readiness flag with a reason, set by the service loop, read by probes.

    Callable, so it can be passed straight to :func:`serve` as ``ready``.
    """

    def __init__(self, reason: str = "starting") -> None:
        self._lock = threading.Lock()
        self._ready = False
        self._reason = reason

    def set(self, ready: bool, reason: str = "") -> None:
        with self._lock:
            self._ready, self._reason = ready, reason or ("ready" if ready else "not ready")

    @property
    def reason(self) -> str:
        with self._lock:
            return self._reason

    def __call__(self) -> bool:
        with self._lock:
            return self._ready


@dataclass
class MetricsServer:
    """A running server; ``port`` is the bound port (useful when 0 asked for any free one)."""

    server: ThreadingHTTPServer
    thread: threading.Thread

    @property
    def port(self) -> int:
        return int(self.server.server_address[1])

    @property
    def url(self) -> str:
        host = str(self.server.server_address[0])
        return f"http://{'127.0.0.1' if host == '0.0.0.0' else host}:{self.port}"  # noqa: S104

    def close(self) -> None:
        """Stop serving and free the port (a service calls this on shutdown; tests always)."""
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def _handler(registry: CollectorRegistry, ready: ReadyCheck) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "threadline"
        sys_version = ""

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if url.path == "/metrics":
                self._metrics(parse_qs(url.query).get("name[]"))
            elif url.path == "/health":
                self._reply(200, b"ok\n")
            elif url.path == "/ready":
                self._ready()
            else:
                self._reply(404, b"not found: try /metrics, /health or /ready\n")

        def _metrics(self, names: list[str] | None) -> None:
            encoder, content_type = choose_encoder(self.headers.get("Accept", ""))
            chosen = registry.restricted_registry(names) if names else registry
            self._reply(200, encoder(chosen), content_type)

        def _ready(self) -> None:
            try:
                ok = bool(ready())
            except Exception:  # a failing check means "not ready", never a 500
                log.warning("readiness check raised; reporting not ready", exc_info=True)
                ok = False
            reason = getattr(ready, "reason", "ready" if ok else "not ready")
            self._reply(200 if ok else 503, f"{reason}\n".encode())

        def _reply(self, status: int, body: bytes, content_type: str = "text/plain") -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: a scrape every few seconds would drown the service's own log."""

    return Handler


def _always_ready() -> bool:
    return True


def serve(
    registry: CollectorRegistry,
    port: int,
    *,
    ready: ReadyCheck | None = None,
    host: str = "0.0.0.0",  # noqa: S104 - scraped from outside the container; no PII served
    name: str = "metrics",
) -> MetricsServer:
    """Serve ``/metrics`` from ``registry``, ``/health`` and ``/ready`` on ``host:port``.

    ``ready`` defaults to "always ready" for processes with nothing to catch up on. ``port=0``
    binds any free port (tests). Returns at once; the server runs in a daemon thread.
    """
    server = ThreadingHTTPServer((host, port), _handler(registry, ready or _always_ready))
    server.daemon_threads = True
    thread = threading.Thread(
        target=server.serve_forever, args=(0.05,), daemon=True, name=f"{name}-http"
    )  # a short poll interval makes close() prompt; idle cost is negligible
    thread.start()
    return MetricsServer(server, thread)
