"""A running request broker on the real Kafka broker, in this session's topology namespace.

One broker service per module, in a background thread, with a keys directory of its own (dev
disclosure key, agency signing keys, every officer's command key) and two sealed, signed reports
published by real agency principals. ``RunningBroker.restart`` stops the service and starts a new
one from Kafka alone, which is what the rebuild test exercises.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from threadline.broker.client import LiaisonClient
from threadline.broker.samples import SampleReport, sealed_report
from threadline.broker.service import BrokerService, build_processor
from threadline.broker.settings import BrokerSettings
from threadline.broker.signing import create_officer_key
from threadline.config import KafkaSettings
from threadline.crypto import Keystore, init_dev_keys
from threadline.kafka.clients import producer
from threadline.kafka.topology import Topology

Settings = Callable[..., KafkaSettings]
OFFICERS = ("liaison-spoc1", "liaison-spoc2", "liaison-insp1")


@dataclass
class RunningBroker:
    settings: BrokerSettings
    kafka: KafkaSettings
    keystore: Keystore
    reports: dict[str, SampleReport]
    service: BrokerService | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> BrokerService:
        self.service = BrokerService(self.kafka, self.settings, build_processor(self.settings))
        self.service.start()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self.service.run, args=(self._stop,), daemon=True)
        self._thread.start()
        return self.service

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
        if self.service is not None:
            self.service.close()

    def restart(self) -> BrokerService:
        self.stop()
        return self.start()


@pytest.fixture(scope="module")
def running_broker(
    tmp_path_factory: pytest.TempPathFactory, topology: Topology, settings_for: Settings
) -> Iterator[RunningBroker]:
    base = tmp_path_factory.mktemp("broker-e2e")
    store = init_dev_keys(base / "keys", agencies=["agency-met-police", "agency-lbx-csc"])
    for principal in OFFICERS:
        create_officer_key(store.root, principal)
    reports = {
        "met": sealed_report(
            store.public_keyring(),
            store.agency_signer("agency-met-police"),
            report_id="MPS-2026-000101",
            seed=21,
        ),
        "csc": sealed_report(
            store.public_keyring(),
            store.agency_signer("agency-lbx-csc"),
            report_id="LBX-CSC-77",
            seed=22,
            platforms=("snapchat",),
        ),
    }
    for report in reports.values():
        writer = producer(settings_for(report.agency_id))
        writer.send(
            topology.topic("safeguarding.reports.v1"),
            key=report.report_id.encode(),
            value=report.data,
        ).get(timeout=30)
        writer.close(timeout=5)
    settings = BrokerSettings(
        keys_dir=store.root, documents_dir=base / "documents", tick_interval_s=1.0
    )
    running = RunningBroker(settings, settings_for("broker"), store, reports)
    running.start()
    yield running
    running.stop()


@pytest.fixture(scope="module")
def officer(
    running_broker: RunningBroker, settings_for: Settings
) -> Callable[[str], LiaisonClient]:
    def make(principal: str) -> LiaisonClient:
        return LiaisonClient(settings_for(principal), running_broker.keystore.root, timeout_s=20)

    return make


def keys_dir(running: RunningBroker) -> Path:
    return running.keystore.root
