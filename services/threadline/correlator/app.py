"""The faust worker: a thin runner around the pure stages (screening, linker).

Two agents in one app, ``<namespace>threadline-correlator`` (the ACLs give the ``correlator``
principal its topics, group and transactional ids under exactly that prefix):

``verify``  reads ``safeguarding.reports.v1`` (all its partitions, spread over the workers) and
            runs :class:`~threadline.correlator.screening.ReportScreen` with partition-local
            dedupe tables. Dead letters go to ``safeguarding.reports.dlq.v1`` (original key and
            bytes, reason headers); new events go, as link records, to the internal topic
            ``<app id>-linkage``, which has **one** partition.
``link``    reads the linkage topic (so one worker at a time links, in one total order) and runs
            :class:`~threadline.correlator.linker.Linker` over RocksDB tables, publishing to
            ``safeguarding.subjects.v1``, ``safeguarding.alerts.v1`` and the de-identified
            ``safeguarding.observations.v1`` (Avro, no key; see
            :mod:`~threadline.correlator.observing`).

Delivery: table changes ride faust's exactly-once transactions (made step-atomic by
:mod:`~threadline.correlator.guards`); messages to other topics are sent by the idempotent
producer and awaited before the step's offset can be committed, so they are at-least-once and
made idempotent downstream: stage 2 ignores a link record whose event it already applied, and
after a crash it re-sends the outputs it recorded for its last step, byte for byte the same
(consumers see at most a repeat of the same ``alert_id`` and ``version``).
"""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import AsyncIterable
from datetime import UTC, datetime, timedelta
from typing import Any

import faust

from threadline.config import KafkaSettings
from threadline.correlator.guards import STEP_LOCK, changelog_barrier, install_guards
from threadline.correlator.histories import decode_history, encode_history
from threadline.correlator.linker import Emission, Linker, LinkerState
from threadline.correlator.linkrecords import decode_link_record
from threadline.correlator.metrics import CorrelatorMetrics
from threadline.correlator.model import LinkageModel
from threadline.correlator.observing import Observer
from threadline.correlator.records import decode_person, encode_person
from threadline.correlator.rules import AlertRules
from threadline.correlator.screening import DeadLetter, Duplicate, ReportScreen, dead_letter_headers
from threadline.correlator.settings import CorrelatorSettings
from threadline.correlator.state import (
    LinkageState,
    decode_posting,
    decode_record_entry,
    decode_subject_entry,
    encode_posting,
    encode_record_entry,
    encode_subject_entry,
)
from threadline.correlator.tables import FaustTable
from threadline.correlator.verify import EventVerifier
from threadline.crypto import AgencyRegistry
from threadline.errors import ContractError
from threadline.insights.observations import OBSERVATIONS_TOPIC

__all__ = ["REPORTS", "Correlator"]

log = logging.getLogger("threadline.correlator")

REPORTS, DLQ = "safeguarding.reports.v1", "safeguarding.reports.dlq.v1"
SUBJECTS, ALERTS = "safeguarding.subjects.v1", "safeguarding.alerts.v1"
_OUTBOX = b"outbox"


def _same(value: bytes) -> bytes:
    return value


def _json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":")).encode()


class Correlator:
    """Builds the app, its topics and tables, and the two agents."""

    def __init__(
        self,
        kafka: KafkaSettings,
        settings: CorrelatorSettings,
        *,
        registry: AgencyRegistry,
        rules: AlertRules,
        model: LinkageModel,
        reports_partitions: int,
        metrics: CorrelatorMetrics | None = None,
        observer: Observer | None = None,
    ) -> None:
        if kafka.password is None or not kafka.username:
            raise ContractError("the correlator needs Kafka credentials", code="config")
        ns = kafka.topic_prefix
        self.app_id = f"{ns}threadline-correlator"
        self.metrics = metrics or CorrelatorMetrics()
        self.topics = {
            "dlq": ns + DLQ,
            "subjects": ns + SUBJECTS,
            "alerts": ns + ALERTS,
            "observations": ns + OBSERVATIONS_TOPIC,
        }
        self.observer = observer or Observer()
        session = settings.session_timeout_s
        self.app = faust.App(
            self.app_id,
            broker=f"kafka://{kafka.bootstrap_servers}",
            broker_credentials=faust.SASLCredentials(
                username=kafka.username,
                password=kafka.password.get_secret_value(),
                mechanism=kafka.sasl_mechanism,
            ),
            store="rocksdb://",
            datadir=str(settings.data()),
            topic_replication_factor=1,
            topic_partitions=1,
            topic_allow_declare=True,
            processing_guarantee="exactly_once",
            web_enabled=False,
            consumer_auto_offset_reset="earliest",
            broker_commit_interval=settings.commit_interval_s,
            broker_session_timeout=session,
            broker_heartbeat_interval=session / 4,
            broker_rebalance_timeout=session * 2,
            consumer_group_instance_id=settings.instance_id,
            table_standby_replicas=settings.standby_replicas,
        )
        app = self.app
        self.reports = app.topic(ns + REPORTS, key_serializer="raw", value_serializer="raw")
        self.linkage = app.topic(
            f"{self.app_id}-linkage",
            partitions=1,
            internal=True,
            retention=timedelta(days=7),
            key_serializer="raw",
            value_serializer="raw",
        )

        def table(name: str, partitions: int = 1) -> Any:
            return app.Table(name, partitions=partitions, key_type=bytes, value_type=bytes)

        self._seen_events = table("seen-events", reports_partitions)
        self.screen = ReportScreen(
            EventVerifier(registry, settings.policy()),
            FaustTable(self._seen_events, _same, _same, key=_same),
            FaustTable(table("seen-contents", reports_partitions), _same, _same, key=_same),
            self.observer,
        )
        # Stage 2's tables are written only by the link agent, so write-through caches in front
        # of them stay exact (they are dropped when the linkage partition is revoked).
        self._caches: list[FaustTable[Any, Any]] = []

        def cached(name: str, encode: Any, decode: Any, key: Any = None) -> Any:
            adapter = FaustTable(table(name), encode, decode, key=key, cache_size=50_000)
            self._caches.append(adapter)
            return adapter

        state = LinkerState(
            linkage=LinkageState(
                persons=cached("persons", encode_person, decode_person),
                records=cached("records", encode_record_entry, decode_record_entry),
                subjects=cached("subjects", encode_subject_entry, decode_subject_entry),
                postings=cached("postings", encode_posting, decode_posting, _same),
                counters=cached("counters", lambda v: str(v).encode(), int),
            ),
            reports=cached("reports", encode_history, decode_history),
            suspects=cached("suspects", _json, lambda b: tuple(json.loads(b)), _same),
            alerts=cached("alerts", _json, json.loads),
            networks=cached("networks", str.encode, bytes.decode),
            published=cached("published", _json, json.loads),
        )
        self._progress = table("progress")
        self.linker = Linker(state, model, rules, observer=self.observer)
        app.agent(self.reports, name="verify")(self._verify)
        app.agent(self.linkage, name="link")(self._link)
        self._processed: dict[int, int] = {}
        app.timer(2.0)(self._observe)
        app.on_partitions_revoked.connect(self._forget_caches)

    # -- stage 1 ------------------------------------------------------------------------------

    async def _verify(self, stream: AsyncIterable[Any]) -> None:
        install_guards(self.app)
        metrics = self.metrics
        async for event in stream.events():  # type: ignore[attr-defined]
            message, started = event.message, time.perf_counter()
            received = _received_at(message.timestamp)
            source = (message.partition, message.offset)
            try:
                outcome = self.screen.screen(event.value, received_at=received, source=source)
            except Exception as exc:
                log.exception("screening failed at %s/%s", *source)
                outcome = DeadLetter("internal_error", f"internal error ({type(exc).__name__})")
            if isinstance(outcome, DeadLetter):
                metrics.dead_letters.labels(outcome.reason).inc()
                log.warning("dead-lettered %s/%s: %s", *source, outcome.reason)
                headers = dead_letter_headers(
                    outcome.reason,
                    outcome.message,
                    topic=message.topic,
                    partition=message.partition,
                    offset=message.offset,
                )
                await self._send(self.topics["dlq"], event.key, event.value, headers=headers)
            elif isinstance(outcome, Duplicate):
                metrics.duplicates.labels(outcome.kind).inc()
            else:
                metrics.events_in.labels(outcome.record.event_type).inc()
                if outcome.unobserved:
                    metrics.observations.labels("failed").inc()
                log.debug("verified", extra={"event_id": outcome.record.event_id})
                key = outcome.record.record_id.encode()
                await self._send(self.linkage.get_topic_name(), key, outcome.payload, partition=0)
            self._processed[message.partition] = message.offset + 1
            metrics.step_seconds.labels("verify").observe(time.perf_counter() - started)

    # -- stage 2 ------------------------------------------------------------------------------

    async def _link(self, stream: AsyncIterable[Any]) -> None:
        install_guards(self.app)
        async for event in stream.events():  # type: ignore[attr-defined]
            started = time.perf_counter()
            await STEP_LOCK.acquire()
            try:
                emissions, recorded_at = await self._link_step(event)
            except Exception:
                # The step may be half-applied in the tables. Never release the lock (a commit
                # would capture the half step): die now; the restart wipes local stores,
                # restores the last committed state and retries. A bug here is a crash loop,
                # never silently corrupted subjects.
                log.critical("linking failed; exiting without committing", exc_info=True)
                os._exit(70)
            STEP_LOCK.release()
            pending = [
                await self._send(self.topics[e.topic], *self._serialise(e), wait=False)
                for e in emissions
            ]
            for future in pending:
                await future
            if recorded_at is not None:
                observed = sum(e.topic == "observations" for e in emissions)
                self.metrics.observations.labels("published").inc(observed)
                self.metrics.count_alerts(
                    [e.value for e in emissions if e.topic == "alerts"], recorded_at
                )
            self.metrics.step_seconds.labels("link").observe(time.perf_counter() - started)

    async def _link_step(self, event: Any) -> tuple[list[Emission], int | None]:
        """Apply one link record (under STEP_LOCK): what to publish, and the record's
        ``recorded_at`` when it was applied now (None for a re-send or a skip)."""
        offset = event.message.offset
        stored = self._progress.get(_OUTBOX)
        if stored is not None:
            outbox = json.loads(stored)
            if offset <= outbox["offset"]:  # processed before a crash: re-send its outputs once
                again = outbox["emissions"] if offset == outbox["offset"] else []
                return [Emission(e["topic"], e["key"], e["value"]) for e in again], None
        try:
            record = decode_link_record(event.value)
        except ContractError:
            log.error("skipping a corrupt link record at offset %s", offset)
            self.metrics.dead_letters.labels("corrupt_link_record").inc()
            return [], None
        applied = self.linker.apply(record)
        self.metrics.count_link(applied)
        emissions = list(applied.emissions)
        outbox = {
            "offset": offset,
            "emissions": [{"topic": e.topic, "key": e.key, "value": e.value} for e in emissions],
        }
        await changelog_barrier(self._progress, _OUTBOX, _json(outbox))
        return emissions, record.recorded_at

    # -- plumbing -------------------------------------------------------------------------------

    def _serialise(self, emission: Emission) -> tuple[bytes | None, bytes]:
        """Key and value bytes: JSON for subjects and alerts, Avro for observations."""
        if emission.topic == "observations":
            return None, self.observer.encode(emission.value)
        return (emission.key or "").encode(), _json(emission.value)

    async def _send(
        self,
        topic: str,
        key: bytes | None,
        value: bytes,
        *,
        partition: int | None = None,
        headers: list[tuple[str, bytes]] | None = None,
        wait: bool = True,
    ) -> Any:
        """Send outside faust's transactions (their routing only covers co-partitioned topics)
        and, unless ``wait`` is False, wait for the broker's acknowledgement."""
        future = await self.app.producer.send(topic, key, value, partition, None, headers)
        return await future if wait else future

    async def _observe(self) -> None:
        """Readiness (partitions assigned, tables restored) and lag on the reports topic."""
        app: Any = self.app
        metrics, consumer = self.metrics, app.consumer
        done = app.tables.recovery.completed.is_set() and not app.rebalancing
        (metrics.ready.set if done else metrics.ready.clear)()
        topic = self.reports.get_topic_name()
        owned = {tp.partition: tp for tp in consumer.assignment() if tp.topic == topic}
        for partition in set(self._processed) - set(owned):
            del self._processed[partition]
            metrics.lag.remove(str(partition))
        for partition, tp in owned.items():
            high = consumer.highwater(tp)
            position = self._processed.get(partition)
            if position is None:
                position = await consumer.position(tp)
            if high is not None and position is not None:
                metrics.lag.labels(str(partition)).set(max(0, high - position))

    def _forget_caches(self, *_: Any, **__: Any) -> None:
        for table in self._caches:
            table.clear_cache()


def _received_at(timestamp: float | None) -> datetime:
    """The Kafka record timestamp (seconds) as an aware datetime; the wall clock if missing."""
    if timestamp is None or timestamp <= 0:
        return datetime.now(UTC)
    return datetime.fromtimestamp(timestamp, UTC)
