"""``threadline broker run``: the request broker as a Kafka service.

One thread, one loop: catch up reports and alerts, poll a batch of liaison commands, let the
:class:`~threadline.broker.processor.RequestProcessor` decide, and publish everything a batch
produced (request snapshots, rejections, audit records) **and** the batch's consumer offsets in one
Kafka transaction. So a crash never leaves an approval without its audit records, or an audit link
without the command offset that caused it. Decisions are made once and only their delivery is
retried (the same bytes, so the audit chain stays linked); if delivery keeps failing the service
stops rather than run on with memory ahead of Kafka, and a restart rebuilds from Kafka.

Start-up rebuilds state from Kafka (nothing is kept on local disk but the documents): every
request's newest snapshot from the compacted ``platform.requests.v1``, the audit chain's head
from the end of ``audit.v1``, and the report index from ``safeguarding.reports.v1``.

The transactional id is fixed per instance, so a second broker started with the same id fences
the first: the audit chain has exactly one writer (``audit.v1`` has one partition for the same
reason). Run replicas as hot standbys with the same ``THREADLINE_BROKER_INSTANCE``.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, OffsetAndMetadata, TopicPartition
from kafka.consumer.fetcher import ConsumerRecord

from threadline.broker.audit import AuditChain
from threadline.broker.cases import CaseIndex
from threadline.broker.kafka_io import assign_all, read_to_end, tail_window
from threadline.broker.metrics import BrokerMetrics
from threadline.broker.officers import OfficerRegistry
from threadline.broker.processor import Outgoing, RequestProcessor
from threadline.broker.protocols import load_protocols
from threadline.broker.settings import BrokerSettings
from threadline.broker.signing import load_officer_keys
from threadline.broker.sinks import DirectorySink
from threadline.config import KafkaSettings
from threadline.crypto.keystore import Keystore
from threadline.errors import KafkaError, ThreadlineError
from threadline.kafka.clients import consumer, kafka_errors, producer

__all__ = ["COMMANDS", "BrokerService", "build_processor"]

COMMANDS = "liaison.commands.v1"
REPORTS = "safeguarding.reports.v1"
ALERTS = "safeguarding.alerts.v1"
_PUBLISH_ATTEMPTS = 5
log = logging.getLogger(__name__)


def build_processor(settings: BrokerSettings) -> RequestProcessor:
    """Load protocols, officers and keys; refuse to start on any bad file."""
    store = Keystore(settings.keys())
    agencies = store.registry() if settings.verify_report_signatures else None
    return RequestProcessor(
        officers=OfficerRegistry.load(settings.officers_file),
        protocols=load_protocols(settings.protocols_dir),
        cases=CaseIndex(agencies),
        keyring=store.disclosure_keyring(),
        officer_keys=load_officer_keys(store.root),
        sink=DirectorySink(settings.documents()),
    )


class BrokerService:
    """Owns the Kafka clients around one processor; ``start`` then ``run`` (or ``run_until``)."""

    def __init__(
        self,
        kafka: KafkaSettings,
        settings: BrokerSettings,
        processor: RequestProcessor,
        metrics: BrokerMetrics | None = None,
    ) -> None:
        self.kafka, self.settings, self.processor = kafka, settings, processor
        self.metrics = metrics or BrokerMetrics()
        self.alerts_skipped = 0
        self._prefix = kafka.topic_prefix
        self._producer: KafkaProducer | None = None
        self._commands: KafkaConsumer | None = None
        self._reports: KafkaConsumer | None = None
        self._alerts: KafkaConsumer | None = None
        self._last_tick = 0.0
        self._pending: list[Outgoing] = []  # auto-drafts found while catching up alerts

    def topic(self, logical: str) -> str:
        return self._prefix + logical

    def _reader(self) -> KafkaConsumer:
        return consumer(self.kafka, group_id=None)

    def start(self) -> None:
        """Rebuild state and the audit head from Kafka, then join the commands group."""
        name = f"{self._prefix}threadline-broker-{self.settings.instance}"
        self._producer = producer(self.kafka, transactional_id=name)
        with kafka_errors("initialising the broker's transactions"):
            self._producer.init_transactions()
        self._rebuild()
        self._reports = self._reader()
        read_to_end(self._reports, assign_all(self._reports, self.topic(REPORTS)), self._on_report)
        self._alerts = self._reader()
        read_to_end(self._alerts, assign_all(self._alerts, self.topic(ALERTS)), self._on_alert)
        self.processor.refresh_cases = self.refresh_reports
        self._commands = consumer(self.kafka, group_id=f"{name}-commands")
        with kafka_errors("subscribing to liaison commands"):
            self._commands.subscribe([self.topic(COMMANDS)])
        self.metrics.ready = True
        log.info("broker started: %s", self.processor)

    def _rebuild(self) -> None:
        reader = self._reader()
        try:
            requests = assign_all(reader, self.topic("platform.requests.v1"))
            read_to_end(reader, requests, lambda r: self.processor.restore(r.value))
            audit = assign_all(reader, self.topic("audit.v1"))
            last: list[bytes] = []
            tail_window(reader, audit[0], 64)
            read_to_end(reader, audit, lambda r: last.append(r.value))
            if last:
                self.processor.audit.resume(last[-1])
            else:
                self.processor.audit = AuditChain(self.processor.codec)
        finally:
            reader.close()

    def refresh_reports(self) -> None:
        if self._reports is not None:
            read_to_end(self._reports, self._reports.assignment(), self._on_report, timeout_s=10)

    def _on_report(self, record: ConsumerRecord) -> None:
        if record.value is not None:
            self.processor.cases.add_report_bytes(record.value)

    def _on_alert(self, record: ConsumerRecord) -> None:
        try:
            alert: Any = json.loads(record.value)
            self._pending += self.processor.handle_alert(alert)
        except (ValueError, TypeError, ThreadlineError):
            self.alerts_skipped += 1  # the alert wire format is not settled yet; count, go on

    def run(self, stop: threading.Event | None = None) -> None:
        """Process until ``stop`` is set."""
        stop = stop or threading.Event()
        while not stop.is_set():
            self.step()

    def step(self) -> int:
        """One loop iteration; returns how many records it published."""
        assert self._commands and self._alerts and self._reports
        with kafka_errors("polling reports and alerts"):
            for records in self._reports.poll(timeout_ms=0).values():
                for record in records:
                    self._on_report(record)
            for records in self._alerts.poll(timeout_ms=0).values():
                for record in records:
                    self._on_alert(record)
        out, self._pending = self._pending, []
        if time.monotonic() - self._last_tick >= self.settings.tick_interval_s:
            self._last_tick = time.monotonic()
            out += self.processor.tick()
        with kafka_errors("polling liaison commands"):
            batch = self._commands.poll(timeout_ms=self.settings.poll_timeout_ms)
        return self._commit(batch, out)

    def _commit(
        self, batch: dict[TopicPartition, list[ConsumerRecord]], out: list[Outgoing]
    ) -> int:
        assert self._commands is not None
        for records in batch.values():
            for record in records:
                out += self.processor.handle_command(record.value or b"")
        if not batch and not out:
            return 0
        offsets = {
            tp: OffsetAndMetadata(records[-1].offset + 1, "", -1) for tp, records in batch.items()
        }
        for attempt in range(1, _PUBLISH_ATTEMPTS + 1):
            try:
                with self.metrics.batch_seconds.time():
                    self._publish(out, offsets)
                self.metrics.observe(out, self.processor.codec, self.processor.requests)
                _log_published(out)
                return len(out)
            except KafkaError as exc:
                self._abort()
                if not exc.retriable or attempt == _PUBLISH_ATTEMPTS:
                    # State in memory is ahead of Kafka now: stop, and let a restart rebuild it.
                    raise
                log.warning("broker transaction failed (%s); retrying", exc.code)
                time.sleep(0.2 * attempt)
        return 0  # pragma: no cover - the loop returns or raises

    def _publish(self, out: list[Outgoing], offsets: dict[TopicPartition, Any]) -> None:
        """The same bytes every attempt: decisions are made once, only delivery is retried."""
        assert self._producer is not None and self._commands is not None
        with kafka_errors("publishing a broker transaction"):
            self._producer.begin_transaction()
            for item in out:
                self._producer.send(self.topic(item.topic), key=item.key, value=item.value)
            if offsets:
                self._producer.send_offsets_to_transaction(offsets, self._commands.group_metadata())
            self._producer.commit_transaction()

    def _abort(self) -> None:
        assert self._producer is not None
        try:
            with kafka_errors("aborting a broker transaction"):
                self._producer.abort_transaction()
        except KafkaError:
            log.error("could not abort the broker transaction")

    def close(self) -> None:
        self.metrics.ready = False
        for client in (self._commands, self._reports, self._alerts):
            if client is not None:
                client.close()
        if self._producer is not None:
            self._producer.close(timeout=5)


def _log_published(out: list[Outgoing]) -> None:
    """One JSON log line per published record, with its correlation id: the request id (the
    requests topic's key) or the refused command's id (``cmd:<id>``). Never a value."""
    for item in out:
        key = item.key.decode("utf-8", "replace")
        ids = {"command_id": key[4:]} if key.startswith("cmd:") else {"request_id": key}
        log.info("published to %s", item.topic, extra=ids)
