"""How the tests reach a real broker, whichever of the three sources provides it."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kafka import KafkaAdminClient
from pydantic import SecretStr

from threadline.config import KafkaSettings, load_settings, state_dir
from threadline.kafka.clients import admin_client
from threadline.kafka.local import LocalKafka
from threadline.kafka.topology import load_topology


@dataclass(frozen=True)
class KafkaCluster:
    """Bootstrap address and the SCRAM password of every principal (``admin`` included)."""

    bootstrap: str
    passwords: dict[str, str]

    def settings(self, principal: str, **overrides: Any) -> KafkaSettings:
        return load_settings(
            KafkaSettings,
            bootstrap_servers=self.bootstrap,
            username=principal,
            password=SecretStr(self.passwords[principal]),
            client_id=f"test-{principal}",
            **overrides,
        )

    @contextmanager
    def admin(self) -> Iterator[KafkaAdminClient]:
        client = admin_client(self.settings("admin"))
        try:
            yield client
        finally:
            client.close()


def remote_cluster(bootstrap: str) -> KafkaCluster:
    """A broker someone else runs; passwords from its credentials file, admin from the env."""
    path = Path(
        os.environ.get("KAFKA_CREDENTIALS_FILE", state_dir() / "kafka" / "credentials.json")
    )
    users = json.loads(path.read_text())["users"] if path.is_file() else {}
    if os.environ.get("KAFKA_ADMIN_PASSWORD"):
        users["admin"] = os.environ["KAFKA_ADMIN_PASSWORD"]
    return KafkaCluster(bootstrap, users)


@contextmanager
def local_cluster() -> Iterator[KafkaCluster]:
    broker = LocalKafka()
    principals = load_topology().principal_names()
    started = broker.start(principals)
    try:
        yield KafkaCluster(broker.bootstrap, broker.credentials(principals))
    finally:
        if started:
            broker.stop()
