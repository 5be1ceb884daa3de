"""Every principal x topic x operation in the topology, against the real broker's ACLs.

The expected outcome of each cell comes from the topology file itself (``Topology.allowed``);
the observed outcome comes from really producing or consuming as that principal. A cell that
neither succeeds nor is refused within the time limit fails the test: silence is not a "no".
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import kafka.errors as kerr
import pytest
from kafka import KafkaConsumer, KafkaProducer
from pydantic import SecretStr

from tests.support.cluster import KafkaCluster
from threadline.config import KafkaSettings
from threadline.kafka.local import LocalKafka
from threadline.kafka.topology import Topology

pytestmark = pytest.mark.integration

Settings = Callable[..., KafkaSettings]


@pytest.fixture(scope="module")
def seeded(kafka_cluster: KafkaCluster, topology: Topology) -> Topology:
    """Put one record on partition 0 of every topic so an allowed read has something to read."""
    producer = KafkaProducer(**kafka_cluster.settings("admin").client_config(), acks="all")
    for spec in topology.topics:
        producer.send(spec.name, key=b"seed", value=b"seed", partition=0)
    producer.flush(timeout=30)
    producer.close()
    return topology


def test_every_cell_of_the_acl_matrix(seeded: Topology, settings_for: Settings) -> None:
    cells = [
        (principal, spec.name, operation)
        for principal in seeded.principal_names()
        for spec in seeded.topics
        for operation in ("WRITE", "READ")
    ]
    assert len(cells) >= 200  # 14 principals x 8 topics x 2 operations

    configs = {p: settings_for(p).client_config() for p in seeded.principal_names()}
    probe = subprocess.run(
        [sys.executable, "-m", "tests.support.acl_probe"],
        input=json.dumps({"cells": cells, "configs": configs}),
        capture_output=True, text=True, timeout=600, check=False,
        cwd=Path(__file__).resolve().parents[3],
    )  # fmt: skip
    assert probe.returncode == 0, probe.stderr[-3000:]
    observed = json.loads(probe.stdout.strip().splitlines()[-1])
    wrong = [
        f"{principal} {operation} {topic}: expected "
        f"{'allowed' if seeded.allowed(principal, topic, operation) else 'denied'}, got {seen}"
        for (principal, topic, operation), seen in zip(cells, observed, strict=True)
        if seen != ("allowed" if seeded.allowed(principal, topic, operation) else "denied")
    ]
    assert not wrong, "\n".join(wrong)
    assert observed.count("allowed") > 20 and observed.count("denied") > 100


def test_consumer_groups_are_private_to_their_principal(
    seeded: Topology, settings_for: Settings
) -> None:
    alerts = seeded.topic("safeguarding.alerts.v1")

    def join(principal: str, group: str) -> str:
        consumer = KafkaConsumer(
            alerts,
            **settings_for(principal).client_config(),
            group_id=group,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
        )
        try:
            for _ in range(50):
                if consumer.poll(timeout_ms=200):
                    return "allowed"
            return "timeout"
        except kerr.GroupAuthorizationFailedError:
            return "denied"
        finally:
            consumer.close()

    own = seeded.namespace + "analyst-mash.follow"
    other = seeded.namespace + "analyst-rochub.follow"
    assert join("analyst-mash", own) == "allowed"
    assert join("analyst-mash", other) == "denied"


_PROBE = """
import json, sys
import kafka.errors
from kafka import KafkaProducer
try:
    KafkaProducer(**json.loads(sys.argv[1]), bootstrap_timeout_ms=5000).close()
except kafka.errors.KafkaTimeoutError:
    sys.exit(3)
"""


def _bootstraps(**config: object) -> bool:
    """Whether a producer with ``config`` can bootstrap, asked in a child process: kafka-python
    leaks its selector's sockets when its constructor fails, and a child takes them away."""
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, json.dumps(config)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode in (0, 3), done.stderr[-2000:]
    return done.returncode == 0


def test_wrong_password_is_refused(kafka_cluster: KafkaCluster) -> None:
    """kafka-python reports the refusal only as a bootstrap timeout (sometimes it sees the
    broker's SASL error, sometimes just the disconnect that follows), so the same settings with
    the right password are the control; Kafka's own Java client names the reason below."""
    good = kafka_cluster.settings("analyst-mash")
    bad = good.model_copy(update={"password": SecretStr("not-the-password")})
    assert _bootstraps(**good.client_config())
    assert not _bootstraps(**bad.client_config())


def test_wrong_password_reason_from_the_java_client(
    kafka_cluster: KafkaCluster, tmp_path: Path
) -> None:
    broker = LocalKafka()
    broker.ensure_jars()
    config = tmp_path / "client.properties"
    config.write_text(
        "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-512\n"
        "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required "
        'username="analyst-mash" password="not-the-password";\n'
    )
    done = subprocess.run(
        broker.java_command(
            "org.apache.kafka.tools.TopicCommand",
            "--bootstrap-server",
            kafka_cluster.bootstrap,
            "--command-config",
            str(config),
            "--list",
            heap="128m",
        ),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    assert "Authentication failed during authentication due to invalid credentials" in (
        done.stdout + done.stderr
    )


def test_unauthenticated_connection_is_refused(kafka_cluster: KafkaCluster) -> None:
    assert not _bootstraps(bootstrap_servers=kafka_cluster.bootstrap, security_protocol="PLAINTEXT")
