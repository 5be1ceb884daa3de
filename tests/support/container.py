"""The testcontainers route to a broker, for machines with a Docker engine.

It runs the official ``apache/kafka`` image with the same KRaft/SCRAM/ACL configuration the
local broker uses (rendered by ``LocalKafka.write_config``), formatting storage with a SCRAM
credential per principal before the broker starts. Machines without a Docker engine (the CI
machines of this project) never reach this code; it is exercised only where Docker runs.
"""

from __future__ import annotations

import os
import shlex
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from tests.support.cluster import KafkaCluster
from threadline.config import LocalKafkaSettings
from threadline.kafka.local import ADMIN, LocalKafka
from threadline.kafka.readiness import admin_can_connect
from threadline.kafka.topology import load_topology

IMAGE = "apache/kafka:4.1.2"


def docker_engine_answers() -> bool:
    """True only when a Docker engine (not just the CLI) answers ``GET /_ping`` on its socket.

    A raw socket probe rather than the Docker SDK: the SDK leaves a socket open when no engine
    is there, which this suite's ``filterwarnings = error`` rightly refuses.
    """
    host = os.environ.get("DOCKER_HOST", "unix:///var/run/docker.sock")
    if not host.startswith("unix://"):
        return bool(host)  # a remote engine was configured on purpose; let testcontainers try
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
            sock.settimeout(2)
            sock.connect(host.removeprefix("unix://"))
            sock.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
            status_line = sock.recv(64).split(b"\r\n", 1)[0]
    except OSError:
        return False
    return status_line.startswith(b"HTTP/1.") and b" 200" in status_line


@contextmanager
def scram_kafka_container() -> Iterator[KafkaCluster]:
    from testcontainers.core.container import DockerContainer
    from testcontainers.core.waiting_utils import wait_for_logs

    port = 19092
    with tempfile.TemporaryDirectory() as tmp:
        broker = LocalKafka(LocalKafkaSettings(port=port, controller_port=19093), state=Path(tmp))
        principals = load_topology().principal_names()
        users = broker.credentials(principals)
        broker.write_config(users[ADMIN])
        in_container = "/tmp/kraft"  # noqa: S108 - a path inside the container, not here
        props = (Path(tmp) / "server.properties").read_text()
        props = props.replace(str(broker.data_dir), in_container)
        scram = " ".join(
            f"--add-scram {shlex.quote(f'SCRAM-SHA-512=[name={u},password={p}]')}"
            for u, p in sorted(users.items())
        )
        script = (
            f"printf %s {shlex.quote(props)} > /tmp/server.properties && "
            "/opt/kafka/bin/kafka-storage.sh format --standalone -t $(/opt/kafka/bin/"
            f"kafka-storage.sh random-uuid) -c /tmp/server.properties {scram} && "
            "exec /opt/kafka/bin/kafka-server-start.sh /tmp/server.properties"
        )
        container = (
            DockerContainer(IMAGE).with_bind_ports(port, port).with_command(["sh", "-c", script])
        )
        container.with_kwargs(entrypoint=[])
        with container:
            wait_for_logs(container, "Kafka Server started", timeout=120)
            bootstrap = f"127.0.0.1:{port}"
            if not admin_can_connect(bootstrap, ADMIN, users[ADMIN], timeout_ms=10_000):
                raise RuntimeError("the Kafka container started but refuses the admin")
            yield KafkaCluster(bootstrap, users)
