"""What every service shares to be operable: JSON logs without personal data, and
``/metrics`` + ``/health`` + ``/ready`` on one small HTTP server.

* ``logs``  - :func:`configure_logging` (JSON lines, correlation ids, the PII filter);
* ``pii``   - the scrubber behind that filter, and what it can and cannot catch;
* ``http``  - :func:`serve` and the :class:`Readiness` flag a service loop sets.

The metric names every service exposes, and the alerts built on them, are listed in
``docs/metrics.md``.
"""

from __future__ import annotations

from threadline.observability.http import MetricsServer, Readiness, serve
from threadline.observability.logs import configure_logging
from threadline.observability.pii import scrub

__all__ = ["MetricsServer", "Readiness", "configure_logging", "scrub", "serve"]
