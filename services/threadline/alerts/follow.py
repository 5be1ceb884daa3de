"""Following ``safeguarding.alerts.v1`` as an analyst: filters, and each version shown once.

The correlator publishes alerts at least once (a worker that crashed re-sends the outputs of its
last step, identical, same ``alert_id`` and ``version``), so a follower remembers the highest
version it has shown per alert and skips anything not newer. Filtering is by type and minimum
severity; everything an alert holds is safe to show an analyst (no personal data, no tokens).

The consumer reads committed records only and uses a consumer group of its own, named after the
principal as the ACLs require (``<namespace><principal>.follow-<random>``), so two analysts, or
two terminals, never steal each other's partitions.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from threadline.config import KafkaSettings
from threadline.kafka.clients import consumer, kafka_errors

__all__ = ["ALERTS_TOPIC", "SEVERITIES", "AlertFilter", "decode_alert", "follow_alerts"]

ALERTS_TOPIC = "safeguarding.alerts.v1"
SEVERITIES = ("low", "medium", "high", "critical")


@dataclass(frozen=True)
class AlertFilter:
    """Which alerts to show; ``types`` empty means every type."""

    min_severity: str = "low"
    types: frozenset[str] = frozenset()

    def accepts(self, alert: dict[str, Any]) -> bool:
        severity = alert.get("severity")
        if severity not in SEVERITIES:
            return False
        if SEVERITIES.index(severity) < SEVERITIES.index(self.min_severity):
            return False
        return not self.types or alert.get("type") in self.types


def follow_alerts(
    settings: KafkaSettings,
    *,
    wanted: AlertFilter | None = None,
    from_beginning: bool = False,
    max_alerts: int | None = None,
    timeout_s: float | None = None,
) -> Iterator[dict[str, Any]]:
    """Yield new alert versions as they arrive, until ``max_alerts`` or ``timeout_s``."""
    wanted = wanted or AlertFilter()
    principal = settings.username or "analyst"
    group = f"{settings.topic_prefix}{principal}.follow-{uuid.uuid4().hex[:12]}"
    client = consumer(
        settings,
        settings.topic_prefix + ALERTS_TOPIC,
        group_id=group,
        auto_offset_reset="earliest" if from_beginning else "latest",
    )
    shown: dict[str, int] = {}
    count = 0
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    try:
        while deadline is None or time.monotonic() < deadline:
            with kafka_errors("reading alerts"):
                batches = client.poll(timeout_ms=500)
            for records in batches.values():
                for record in records:
                    alert = decode_alert(record.value)
                    if alert is None or not wanted.accepts(alert):
                        continue
                    alert_id, version = str(alert.get("alert_id")), int(alert.get("version", 0))
                    if shown.get(alert_id, 0) >= version:
                        continue  # a repeat after a correlator restart, or an old version
                    shown[alert_id] = version
                    count += 1
                    yield alert
                    if max_alerts is not None and count >= max_alerts:
                        return
    finally:
        client.close()


def decode_alert(value: bytes | None) -> dict[str, Any] | None:
    """An alert record's JSON object, or None for a tombstone or anything malformed."""
    if not value:
        return None
    try:
        alert = json.loads(value)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return alert if isinstance(alert, dict) else None
