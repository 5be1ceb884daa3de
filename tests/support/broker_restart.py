"""A Kafka broker restarted under load, on a **spare** broker of its own (never the shared one).

:func:`kafka_restart` starts a second local broker on free ports with its state in a temporary
directory, applies the topology, and then, while SDK clients of three agencies keep publishing
(acks=all, idempotent, each ``publish_batch`` waiting for its acknowledgements):

1. stops the broker cleanly (SIGTERM), leaves it down for a few seconds, starts it again;
2. kills the broker's JVM with SIGKILL (a crash: log recovery on start), starts it again;
3. "crashes" the consumer (closes it without committing) and starts a new member of the same
   consumer group, which must resume from the group's committed offsets.

Then it reads the whole topic and checks that every event the SDK reported as acknowledged is
on it exactly once, and that the two consumers together read every offset (nothing skipped;
re-reads are only the uncommitted tail of the crashed consumer).
"""

from __future__ import annotations

import os
import random
import signal
import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from kafka import TopicPartition

from tests.support.cluster import KafkaCluster
from tests.support.reports import AGENCIES, child, dev_keys, report
from threadline.config import LocalKafkaSettings
from threadline.contracts import decode
from threadline.errors import ThreadlineError
from threadline.kafka.admin import apply_topology
from threadline.kafka.clients import consumer
from threadline.kafka.local import LocalKafka
from threadline.kafka.topology import load_topology
from threadline.sdk.client import AgencyClient

__all__ = ["kafka_restart", "spare_broker"]

REPORTS = "safeguarding.reports.v1"


def _free_ports(n: int) -> list[int]:
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in sockets]
    finally:
        for s in sockets:
            s.close()


@contextmanager
def spare_broker(state: Path) -> Iterator[tuple[LocalKafka, KafkaCluster]]:
    """A second local broker on free ports, state under ``state``, always stopped after."""
    port, controller = _free_ports(2)
    broker = LocalKafka(
        LocalKafkaSettings(port=port, controller_port=controller, ready_timeout_s=120),
        state=state,
    )
    principals = load_topology().principal_names()
    try:
        broker.start(principals)
        yield broker, KafkaCluster(broker.bootstrap, broker.credentials(principals))
    finally:
        broker.stop()


class _Publisher(threading.Thread):
    """One agency's system: publishes batches of new reports until told to stop."""

    def __init__(self, agency: str, client: AgencyClient, first: int, batch: int) -> None:
        super().__init__(name=f"publisher-{agency}", daemon=True)
        self.agency, self.client, self.next, self.batch = agency, client, first, batch
        self.acknowledged: list[str] = []
        self.failed = 0
        self.errors: Counter[str] = Counter()
        self.stop = threading.Event()
        self.closed = False

    def run(self) -> None:
        base = datetime.now(UTC) - timedelta(days=1)
        while not self.stop.is_set():
            raws = []
            for _ in range(self.batch):
                n = self.next
                self.next += 1
                raws.append(report(f"K{n}", child(n % 5000), occurred_at=base))
            try:
                result = self.client.publish_batch(raws, timeout_s=150)
            except ThreadlineError as exc:  # the whole batch call failed: none acknowledged
                self.failed += len(raws)
                self.errors[exc.code] += 1
                time.sleep(0.5)
                continue
            self.acknowledged += [o.event_id for o in result.published if o.event_id]
            self.failed += len(result.failed)
            for outcome in result.failed:
                self.errors[outcome.error.code if outcome.error else "?"] += 1
            time.sleep(0.05)


class _Reader(threading.Thread):
    """A consumer-group member that records every (partition, offset) it read and commits
    after each poll; ``crash`` stops it without a final commit."""

    def __init__(self, cluster: KafkaCluster, topic: str, group: str) -> None:
        super().__init__(name="reader", daemon=True)
        self.settings = cluster.settings("correlator")
        self.topic, self.group = topic, group
        self.read: list[tuple[int, int]] = []
        self.commit_failures = 0
        self.halt = threading.Event()
        self.ready = threading.Event()

    def run(self) -> None:
        member = consumer(self.settings, self.topic, group_id=self.group,
                          session_timeout_ms=10_000, request_timeout_ms=15_000)  # fmt: skip
        try:
            while not self.halt.is_set():
                try:
                    batch = member.poll(timeout_ms=300)
                except Exception:  # noqa: BLE001 - a broker outage: keep polling
                    time.sleep(0.5)
                    continue
                if member.assignment():
                    self.ready.set()
                if not batch:
                    continue
                for records in batch.values():
                    self.read += [(r.partition, r.offset) for r in records]
                try:
                    member.commit()
                except Exception:  # noqa: BLE001 - not committed: it will be read again
                    self.commit_failures += 1
        finally:
            member.close(autocommit=False)


def kafka_restart(
    root: Path, *, seed: int = 8, batch: int = 10, warmup_s: float = 4.0, settle_s: float = 4.0
) -> dict[str, Any]:
    """Run the procedure of the module docstring; returns its figures (``problems`` empty when
    nothing acknowledged was lost or duplicated and the consumers skipped nothing)."""
    rng = random.Random(seed)
    keys = dev_keys(root / "keys")
    topology = load_topology(namespace="kr.")
    topic = topology.topic(REPORTS)
    with spare_broker(root / "kafka") as (broker, cluster):
        with cluster.admin() as admin:
            apply_topology(admin, topology, passwords=cluster.passwords)
        publishers = [
            _Publisher(
                agency,
                AgencyClient(agency, keys=keys, kafka=cluster.settings(
                    f"agency-{agency}", topic_prefix=topology.namespace)),
                first=100_000 * (i + 1),
                batch=batch,
            )
            for i, agency in enumerate(AGENCIES)
        ]  # fmt: skip
        group = f"{topology.namespace}threadline-correlator-restart"
        first, second = _Reader(cluster, topic, group), _Reader(cluster, topic, group)
        try:
            first.start()
            first.ready.wait(30)
            for p in publishers:
                p.start()
            time.sleep(warmup_s)
            outages = [_outage(broker, how, rng, settle_s) for how in ("sigterm", "sigkill")]
            first.halt.set()  # the consumer "crashes": no final commit
            first.join(30)
            committed = _committed(cluster, group, topic)
            second.start()
            time.sleep(settle_s)
            _stop(publishers)
            ends = _ends(cluster, topic)
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and not _caught_up(second, ends):
                time.sleep(0.5)
        finally:
            _stop(publishers)
            for reader in (first, second):
                reader.halt.set()
                if reader.is_alive():
                    reader.join(30)
        on_topic = _event_ids(cluster, topic)
    return _figures(publishers, on_topic, first, second, committed, ends, outages)


def _outage(broker: LocalKafka, how: str, rng: random.Random, settle_s: float) -> dict[str, Any]:
    """Stop (SIGTERM) or kill (SIGKILL) the spare broker, wait, start it again."""
    started = time.monotonic()
    if how == "sigterm":
        broker.stop()
    else:
        pid = broker.status().pid
        assert pid is not None
        os.kill(pid, signal.SIGKILL)
        while broker.status().state == "running":
            time.sleep(0.1)
    time.sleep(rng.uniform(2.0, 5.0))
    broker.start(load_topology().principal_names())
    down = round(time.monotonic() - started, 1)
    time.sleep(settle_s)
    return {"how": how, "down_s": down}


def _stop(publishers: list[_Publisher]) -> None:
    for p in publishers:
        p.stop.set()
    for p in publishers:
        if p.is_alive():
            p.join(200)
        if not p.closed:
            p.closed = True
            p.client.close()


def _committed(cluster: KafkaCluster, group: str, topic: str) -> dict[int, int]:
    with cluster.admin() as admin:
        offsets = admin.list_group_offsets({group: None}).get(group, {})
    return {tp.partition: meta.offset for tp, meta in offsets.items() if tp.topic == topic}


def _ends(cluster: KafkaCluster, topic: str) -> dict[int, int]:
    reader = consumer(cluster.settings("admin"), group_id=None)
    try:
        parts = [TopicPartition(topic, p) for p in reader.partitions_for_topic(topic) or ()]
        return {tp.partition: off for tp, off in reader.end_offsets(parts).items()}
    finally:
        reader.close()


def _caught_up(reader: _Reader, ends: dict[int, int]) -> bool:
    last: dict[int, int] = {}
    for partition, offset in reader.read:
        last[partition] = max(last.get(partition, -1), offset)
    return all(last.get(p, -1) + 1 >= end for p, end in ends.items() if end > 0)


def _event_ids(cluster: KafkaCluster, topic: str) -> Counter[str]:
    """Event ids of every committed record on the topic, with how often each appears."""
    reader = consumer(cluster.settings("admin"), group_id=None)
    found: Counter[str] = Counter()
    try:
        parts = [TopicPartition(topic, p) for p in reader.partitions_for_topic(topic) or ()]
        reader.assign(parts)
        reader.seek_to_beginning(*parts)
        ends = reader.end_offsets(parts)
        while any(reader.position(tp) < ends[tp] for tp in parts):
            for records in reader.poll(timeout_ms=500).values():
                found.update(str(decode(r.value)[1]["event_id"]) for r in records)
    finally:
        reader.close()
    return found


def _figures(
    publishers: list[_Publisher],
    on_topic: Counter[str],
    first: _Reader,
    second: _Reader,
    committed: dict[int, int],
    ends: dict[int, int],
    outages: list[dict[str, Any]],
) -> dict[str, Any]:
    acknowledged = [e for p in publishers for e in p.acknowledged]
    lost = [e for e in acknowledged if on_topic[e] == 0]
    doubled = [e for e in acknowledged if on_topic[e] > 1]
    read = Counter(first.read + second.read)
    skipped = sum(1 for p, end in ends.items() for o in range(end) if (p, o) not in read)
    resumed_at = {}
    for partition, offset in second.read:
        resumed_at.setdefault(partition, offset)
    wrong_resume = {
        p: (resumed_at[p], committed.get(p, 0))
        for p in resumed_at
        if resumed_at[p] > committed.get(p, 0)
    }
    problems = []
    if lost:
        problems.append(f"{len(lost)} acknowledged events are not on the topic")
    if doubled:
        problems.append(f"{len(doubled)} acknowledged events are on the topic twice")
    if skipped:
        problems.append(f"the consumers skipped {skipped} offsets")
    if wrong_resume:
        problems.append(f"the new consumer did not resume at committed offsets: {wrong_resume}")
    return {
        "kafka_restarts": len(outages),
        "outages": outages,
        "acknowledged": len(acknowledged),
        "acknowledged_lost": len(lost),
        "acknowledged_duplicated": len(doubled),
        "not_acknowledged": sum(p.failed for p in publishers),
        "publish_errors": dict(sum((p.errors for p in publishers), Counter())),
        "records_on_topic": sum(on_topic.values()),
        "consumer_read": sum(read.values()),
        "consumer_reread_after_crash": sum(n - 1 for n in read.values() if n > 1),
        "consumer_skipped": skipped,
        "consumer_commit_failures": first.commit_failures + second.commit_failures,
        "problems": problems,
    }
