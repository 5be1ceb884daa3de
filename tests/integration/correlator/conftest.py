"""The correlator against the real broker: worker subprocesses, reports, topic readers.

Workers run as ``threadline --as correlator correlator run`` subprocesses, as in production, so
that a test can stop them cleanly or ``kill -9`` them. Each gets its own data directory, metrics
port and static instance id; they find their namespace, broker and password in the environment.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from kafka import TopicPartition
from prometheus_client.parser import text_string_to_metric_families

from tests.support.cluster import KafkaCluster
from tests.support.reports import Desk, dev_keys
from threadline.crypto import Keystore
from threadline.kafka.clients import consumer, producer
from threadline.kafka.topology import Topology, load_topology
from threadline.sdk.client import AgencyClient

REPORTS, DLQ = "safeguarding.reports.v1", "safeguarding.reports.dlq.v1"
SUBJECTS, ALERTS = "safeguarding.subjects.v1", "safeguarding.alerts.v1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Worker:
    """One correlator worker process."""

    def __init__(self, cluster: KafkaCluster, namespace: str, keys: Keystore, home: Path) -> None:
        self.home = home
        self.port = _free_port()
        self.log_path = home / "worker.log"
        self.env = {
            **os.environ,
            "THREADLINE_KAFKA_BOOTSTRAP_SERVERS": cluster.bootstrap,
            "THREADLINE_KAFKA_USERNAME": "correlator",
            "THREADLINE_KAFKA_PASSWORD": cluster.passwords["correlator"],
            "THREADLINE_KAFKA_TOPIC_PREFIX": namespace,
            "THREADLINE_CORRELATOR_REGISTRY_FILE": str(keys.registry_path),
            "THREADLINE_CORRELATOR_COMMIT_INTERVAL_S": "0.5",
        }
        self.argv = [
            str(Path(sys.executable).with_name("threadline")),
            "--as",
            "correlator",
            "correlator",
            "run",
            "--workers-data-dir",
            str(home / "data"),
            "--metrics-port",
            str(self.port),
            "--instance-id",
            home.name,
            "--log-level",
            "info",
        ]
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Worker:
        self.home.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("ab") as log:  # the child keeps its own descriptor
            self.process = subprocess.Popen(self.argv, env=self.env, stdout=log, stderr=log)
        return self

    def get(self, path: str) -> tuple[int, str]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=2) as r:
                return int(r.status), r.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, ""

    def wait_ready(self, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError(f"worker exited {self.process.returncode}:\n{self.tail()}")
            try:
                if self.get("/ready")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.3)
        raise AssertionError(f"worker not ready in {timeout_s}s:\n{self.tail()}")

    def metrics(self) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        """Samples as ``{(name, sorted labels): value}`` (0 samples if it does not answer)."""
        try:
            _, text = self.get("/metrics")
        except OSError:
            return {}
        found = {}
        for family in text_string_to_metric_families(text):
            for sample in family.samples:
                found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
        return found

    def counter(self, name: str, **labels: str) -> float:
        wanted = set(labels.items())
        return sum(v for (n, ls), v in self.metrics().items() if n == name and wanted <= set(ls))

    def stop(self) -> int:
        """SIGTERM and wait: a clean stop."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else 0
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise

    def kill(self) -> None:
        """kill -9: no chance to commit, flush or leave the group."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=10)

    def tail(self, lines: int = 40) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


@dataclasses.dataclass
class Namespace:
    """A topology applied under its own namespace, with helpers to use it."""

    cluster: KafkaCluster
    topology: Topology
    keys: Keystore
    root: Path

    @property
    def name(self) -> str:
        return self.topology.namespace

    def topic(self, logical: str) -> str:
        return self.topology.topic(logical)

    def worker(self, name: str) -> Worker:
        return Worker(self.cluster, self.name, self.keys, self.root / f"{self.name}{name}")

    def client(self, agency: str) -> AgencyClient:
        settings = self.cluster.settings(f"agency-{agency}", topic_prefix=self.name)
        return AgencyClient(agency, keys=self.keys, kafka=settings)

    def publish(self, reports: list[tuple[str, dict[str, Any]]]) -> list[str]:
        """Publish agency-input reports in order; returns their event ids."""
        ids = []
        clients: dict[str, AgencyClient] = {}
        try:
            for agency, raw in reports:
                if agency not in clients:
                    clients[agency] = self.client(agency)
                ids.append(clients[agency].publish(raw))
        finally:
            for client in clients.values():
                client.close()
        return ids

    def produce(self, records: list[dict[str, Any]], principal: str = "agency-met-police") -> None:
        """Raw records onto the reports topic (``key``, ``value``, optional ``partition``...)."""
        writer = producer(self.cluster.settings(principal), max_request_size=2_000_000)
        try:
            for r in records:
                writer.send(self.topic(REPORTS), **r)
            writer.flush(timeout=30)
        finally:
            writer.close(timeout=10)

    def read(self, logical: str, principal: str = "admin", idle_s: float = 1.5) -> list[Any]:
        """Every committed record of a topic, in partition order, once it has gone quiet."""
        reader = consumer(self.cluster.settings(principal), enable_auto_commit=False)
        topic = self.topic(logical)
        partitions = [TopicPartition(topic, p) for p in reader.partitions_for_topic(topic) or ()]
        reader.assign(partitions)
        reader.seek_to_beginning(*partitions)
        ends = reader.end_offsets(partitions)
        records: list[Any] = []
        quiet_since = time.monotonic()
        while time.monotonic() - quiet_since < idle_s or any(
            reader.position(tp) < ends[tp] for tp in partitions
        ):
            batch = reader.poll(timeout_ms=200)
            for chunk in batch.values():
                records.extend(chunk)
                quiet_since = time.monotonic()
        reader.close()
        return records

    def latest(self, logical: str) -> dict[str, Any]:
        """The compacted view of a JSON topic: key -> last value."""
        view: dict[str, Any] = {}
        for record in self.read(logical):
            view[record.key.decode()] = json.loads(record.value) if record.value else None
        return view


@pytest.fixture(scope="session")
def correlator_keys(tmp_path_factory: pytest.TempPathFactory) -> Keystore:
    return dev_keys(tmp_path_factory.mktemp("correlator-keys") / "keys")


@pytest.fixture(scope="session")
def desk(correlator_keys: Keystore) -> Desk:
    return Desk(correlator_keys)


@pytest.fixture(scope="session")
def namespaces(
    kafka_cluster: KafkaCluster, correlator_keys: Keystore, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[..., Namespace]]:
    """``namespaces(reports_partitions=4)``: a fresh topology namespace, removed at the end."""
    from threadline.kafka.admin import apply_topology, remove_namespace

    made: list[Topology] = []
    root = tmp_path_factory.mktemp("correlator-workers")

    def make(reports_partitions: int | None = None) -> Namespace:
        topology = load_topology(namespace=f"c{uuid.uuid4().hex[:8]}.")
        if reports_partitions is not None:
            topics = tuple(
                dataclasses.replace(t, partitions=reports_partitions)
                if t.name.endswith(REPORTS)
                else t
                for t in topology.topics
            )
            topology = dataclasses.replace(topology, topics=topics)
        with kafka_cluster.admin() as admin:
            apply_topology(admin, topology, passwords=kafka_cluster.passwords)
        made.append(topology)
        return Namespace(kafka_cluster, topology, correlator_keys, root)

    yield make
    with kafka_cluster.admin() as admin:
        for topology in made:
            remove_namespace(admin, topology)


def wait_until(check: Callable[[], Any], timeout_s: float, what: str) -> Any:
    """Poll ``check`` until it returns something truthy; fail naming ``what``."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")
        time.sleep(0.5)
