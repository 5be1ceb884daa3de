"""Following correlated alerts as an analyst would: the analyst principal, the alerts topic.

Alerts are JSON on a compacted topic keyed by alert id; a newer version of an alert replaces the
older one in the view, so the table shows each alert once, at its latest version.
"""

from __future__ import annotations

import threading
from typing import Any

from kafka import TopicPartition

from threadline.alerts.follow import ALERTS_TOPIC, decode_alert
from threadline.config import kafka_settings
from threadline.kafka.clients import consumer

__all__ = ["AlertWatcher", "alert_row"]

SEVERITY_ORDER = {"low": 0, "medium": 1, "high": 2, "critical": 3}


def alert_row(alert: dict[str, Any]) -> tuple[str, ...]:
    """severity, type, agencies, reasons, subject(s), version: nothing personal."""
    reasons = alert.get("reasons") or []
    text = "; ".join(
        str(r.get("text", r.get("code", ""))) if isinstance(r, dict) else str(r) for r in reasons
    )
    subjects = alert.get("subject_ids") or [alert.get("subject_id", "")]
    return (
        str(alert.get("severity", "")),
        str(alert.get("type", "")),
        ", ".join(alert.get("agencies") or []),
        text[:90],
        ", ".join(s for s in subjects if s)[:40],
        str(alert.get("version", 1)),
    )


class AlertWatcher:
    """A background reader of the alerts topic keeping the latest version of every alert."""

    def __init__(self, analyst: str, topic_prefix: str) -> None:
        self.settings = kafka_settings(as_=analyst, topic_prefix=topic_prefix)
        self.topic = topic_prefix + ALERTS_TOPIC
        self.alerts: dict[str, dict[str, Any]] = {}
        self.order: list[str] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="alert-watcher", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def snapshot(self) -> list[dict[str, Any]]:
        with self._lock:
            return [self.alerts[a] for a in self.order]

    def first(self, alert_type: str) -> dict[str, Any] | None:
        return next((a for a in self.snapshot() if a.get("type") == alert_type), None)

    def _run(self) -> None:
        reader = consumer(self.settings, group_id=None)
        try:
            partitions = [
                TopicPartition(self.topic, p)
                for p in sorted(reader.partitions_for_topic(self.topic) or ())
            ]
            reader.assign(partitions)
            reader.seek_to_beginning()
            while not self._stop.is_set():
                for records in reader.poll(timeout_ms=500).values():
                    for message in records:
                        self._keep(message.value)
        finally:
            reader.close()

    def _keep(self, value: bytes | None) -> None:
        alert = decode_alert(value)
        if alert is None:
            return
        alert_id = str(alert.get("alert_id", ""))
        with self._lock:
            if alert_id not in self.alerts:
                self.order.append(alert_id)
            self.alerts[alert_id] = alert
