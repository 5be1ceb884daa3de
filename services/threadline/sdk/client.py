"""``AgencyClient``: what an agency system calls to share a concern.

``publish`` is synchronous: it returns the event id only once the broker has acknowledged the
event (acks=all), so a caller that got an id can tell a social worker "shared". A report is
built completely (validated, redacted, encrypted, tokenised, signed) before any byte is sent,
so a bad report is never half-published. ``publish_batch`` builds every report of the batch
first, then sends the good ones, and returns a per-record outcome: one bad line never stops or
loses the others.

With a :class:`~threadline.sdk.pool.BuildPool`, ``publish_batch`` has worker processes build
the reports while this process sends them (the same outcomes, in the same order).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from threadline.config import KafkaSettings
from threadline.crypto import Keystore, LinkageTokeniser
from threadline.errors import PublishError, ThreadlineError
from threadline.sdk.builder import BuiltEvent, EventBuilder
from threadline.sdk.pool import BuildPool
from threadline.sdk.report import parse_report
from threadline.sdk.sink import Delivery, KafkaSink, ReportSink

__all__ = ["AgencyClient", "BatchResult", "Outcome"]

REPORTS_TOPIC = "safeguarding.reports.v1"


@dataclass(frozen=True, slots=True)
class Outcome:
    """One record's fate: an event id, or the error that stopped it (never both)."""

    index: int
    event_id: str | None = None
    error: ThreadlineError | None = None
    adult_flag: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class BatchResult:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def published(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.ok]

    @property
    def failed(self) -> list[Outcome]:
        return [o for o in self.outcomes if not o.ok]


class AgencyClient:
    """One agency's publisher: its signing key, the disclosure public key, the linkage secret.

    ``sink`` defaults to Kafka with ``kafka`` settings (the agency's principal may only write).
    ``pool`` (built on the same keys directory) builds batches of at least ``pool_minimum``
    reports in worker processes; smaller batches are built here, where starting no worker
    round trip is faster.
    """

    pool_minimum = 128

    def __init__(
        self,
        agency_id: str,
        *,
        keys: Keystore,
        kafka: KafkaSettings | None = None,
        sink: ReportSink | None = None,
        strict: bool = True,
        topic: str | None = None,
        pool: BuildPool | None = None,
    ) -> None:
        if sink is None and kafka is None:
            raise ValueError("AgencyClient needs kafka settings or a sink")
        if pool is not None and pool.keys_root != keys.root:
            raise ValueError("the build pool must use the client's keys directory")
        self.agency_id = agency_id
        self.pool = pool
        scheme, secret = keys.linkage_secret()
        self.builder = EventBuilder(
            agency_id,
            signer=keys.agency_signer(agency_id),
            disclosure=keys.public_keyring(),
            tokeniser=LinkageTokeniser(secret, scheme),
            strict=strict,
        )
        self.topic = topic or ((kafka.topic_prefix if kafka else "") + REPORTS_TOPIC)
        if sink is None:
            assert kafka is not None
            sink = KafkaSink(kafka)
        self.sink: ReportSink = sink

    def __enter__(self) -> AgencyClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self.sink.close()

    def prepare(self, raw: Any) -> BuiltEvent:
        """Validate and build one report without sending it (``--dry-run``, benchmarks)."""
        report = parse_report(raw)
        return self.builder.build(report, raw)

    def publish(self, raw: Any, *, timeout_s: float = 60.0) -> str:
        """Publish one report and wait for the broker's acknowledgement; returns the event id."""
        result = self.publish_batch([raw], timeout_s=timeout_s)
        outcome = result.outcomes[0]
        if outcome.error is not None:
            raise outcome.error
        assert outcome.event_id is not None
        return outcome.event_id

    def publish_batch(self, raws: Iterable[Any], *, timeout_s: float = 120.0) -> BatchResult:
        """Build all, send the good, wait for every acknowledgement; outcomes in input order."""
        records = list(raws)
        outcomes: dict[int, Outcome] = {}
        lock = threading.Lock()
        sent = 0
        for index, built in self._built(records, outcomes):
            sent += 1
            self.sink.send(
                self.topic,
                built.report_id.encode(),
                built.payload,
                self._on_delivery(index, built, outcomes, lock),
            )
        if sent:
            self.sink.flush(timeout_s)
        with lock:
            for index in (i for i in range(len(records)) if i not in outcomes):
                outcomes[index] = Outcome(
                    index,
                    error=PublishError(
                        "the broker did not acknowledge the report in time", retriable=True
                    ),
                )
            return BatchResult([outcomes[i] for i in sorted(outcomes)])

    def _built(
        self, raws: list[Any], outcomes: dict[int, Outcome]
    ) -> Iterable[tuple[int, BuiltEvent]]:
        if self.pool is not None and len(raws) >= self.pool_minimum:
            return self._built_in_pool(raws, outcomes)
        # Here, build the whole batch before the first send: kafka-python's sender thread
        # needs the GIL too, and sending while building costs ~30% of the throughput to
        # GIL hand-offs. The cost is holding one batch of built events (~1.7 KB each).
        built = []
        for index, raw in enumerate(raws):
            try:
                built.append((index, self.prepare(raw)))
            except ThreadlineError as exc:
                outcomes[index] = Outcome(index, error=exc)
        return built

    def _built_in_pool(
        self, raws: list[Any], outcomes: dict[int, Outcome]
    ) -> Iterator[tuple[int, BuiltEvent]]:
        """Streams: this process waits on the workers, so its sender thread has the GIL."""
        assert self.pool is not None
        strict = self.builder.strict
        for index, built in self.pool.build(self.agency_id, raws, strict=strict):
            if isinstance(built, ThreadlineError):
                outcomes[index] = Outcome(index, error=built)
            else:
                yield index, built

    @staticmethod
    def _on_delivery(
        index: int, built: BuiltEvent, outcomes: dict[int, Outcome], lock: threading.Lock
    ) -> Delivery:
        def done(error: BaseException | None) -> None:
            with lock:
                if error is None:
                    outcomes[index] = Outcome(index, built.event_id, adult_flag=built.adult_flag)
                else:
                    wrapped = (
                        error
                        if isinstance(error, ThreadlineError)
                        else PublishError(
                            f"publishing failed: {type(error).__name__}", retriable=True
                        )
                    )
                    outcomes[index] = Outcome(index, error=wrapped)

        return done
