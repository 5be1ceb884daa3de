"""The development broker's lifecycle and failure modes, on a second broker with its own ports.

Each failure must end in one clear LocalKafkaError sentence, not a traceback from Java or Maven.
"""

from __future__ import annotations

import os
import socket
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from threadline.config import LocalKafkaSettings
from threadline.errors import LocalKafkaError
from threadline.kafka.local import LocalKafka
from threadline.kafka.topology import load_topology

pytestmark = pytest.mark.integration

PORTS = {"port": 29092, "controller_port": 29093}


@pytest.fixture
def spare(tmp_path: Path) -> Iterator[LocalKafka]:
    """A second broker in a temporary state dir, sharing the real jar cache."""
    broker = LocalKafka(LocalKafkaSettings(**PORTS, ready_timeout_s=60), state=tmp_path / "kafka")
    yield broker
    broker.stop()


def _java_processes_for(broker: LocalKafka) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cmdline = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if str(broker.server_properties).encode() in cmdline:
                found.append(int(entry.name))
    return found


def test_start_again_is_a_no_op_and_down_leaves_nothing(spare: LocalKafka) -> None:
    principals = load_topology().principal_names()
    assert spare.start(principals) is True
    pid = spare.status().pid
    assert spare.start(principals) is False
    assert spare.status().pid == pid
    assert stat.S_IMODE(spare.credentials_file.stat().st_mode) == 0o600
    assert spare.stop() is True
    assert spare.status().state == "stopped"
    assert _java_processes_for(spare) == []


def test_stale_pid_file_is_detected(spare: LocalKafka) -> None:
    spare.state.mkdir(parents=True)
    spare.pid_file.write_text("999999")
    assert spare.status().state == "crashed"


def test_port_in_use_is_one_clear_sentence(spare: LocalKafka) -> None:
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", PORTS["port"]))
        squatter.listen()
        with pytest.raises(LocalKafkaError, match=r"29092 on 127\.0\.0\.1 is already in use"):
            spare.start([])


def test_corrupt_data_dir_says_reset(spare: LocalKafka) -> None:
    spare.data_dir.mkdir(parents=True)
    (spare.data_dir / "junk-0").mkdir()
    with pytest.raises(LocalKafkaError, match=r"corrupt.*threadline kafka reset"):
        spare.start([])


def test_missing_java_says_what_to_install(
    spare: LocalKafka, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(LocalKafkaError, match="Java is not on PATH"):
        spare.start([])


def test_maven_offline_with_empty_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """An mvn that cannot reach Maven Central (simulated by one that fails like offline mvn)."""
    fake = tmp_path / "bin"
    fake.mkdir()
    (fake / "mvn").write_text("#!/bin/sh\necho '[ERROR] Could not transfer artifact' >&2\nexit 1\n")
    (fake / "mvn").chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake}{os.pathsep}{os.environ['PATH']}")
    broker = LocalKafka(
        LocalKafkaSettings(**PORTS, cache_dir=tmp_path / "empty-cache"), state=tmp_path / "kafka"
    )
    with pytest.raises(LocalKafkaError, match=r"could not download Kafka .* from Maven Central"):
        broker.ensure_jars()
    assert "Could not transfer" in (broker.log_dir / "mvn.log").read_text()
