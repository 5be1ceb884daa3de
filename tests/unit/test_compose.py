"""compose.yaml parses, runs the same Kafka as the pom, and every service is a real command."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import click
import yaml

from threadline.cli.main import cli
from threadline.config import project_root
from threadline.kafka.topology import load_topology


def _compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((project_root() / "compose.yaml").read_text())
    return data


def _command_exists(argv: list[str]) -> bool:
    command: click.Command = cli
    for word in argv:
        if word.startswith("-"):
            break
        if not isinstance(command, click.Group):
            return True
        sub = command.commands.get(word)
        if sub is None:
            return False
        command = sub
    return True


def test_compose_kafka_matches_the_pom() -> None:
    pom = (project_root() / "infra" / "kafka" / "pom.xml").read_text()
    version = re.search(r"<kafka\.version>([^<]+)<", pom)
    assert version is not None
    assert _compose()["services"]["kafka"]["image"] == f"apache/kafka:{version.group(1)}"


def test_every_threadline_service_runs_an_existing_command_as_a_known_principal() -> None:
    principals = set(load_topology().principal_names()) | {"admin"}
    services = _compose()["services"]
    threadline_services = {n: s for n, s in services.items() if n != "kafka"}
    assert {"topology", "correlator", "broker"} <= set(threadline_services)
    for name, service in threadline_services.items():
        assert _command_exists(service["command"]), f"{name}: {service['command']}"
        assert service["environment"]["THREADLINE_KAFKA_USERNAME"] in principals, name


def test_the_kafka_start_script_writes_scram_users_before_starting() -> None:
    script = Path(project_root() / "infra" / "compose" / "kafka-start.sh").read_text()
    assert "--add-scram" in script and "StandardAuthorizer" in script
    assert "allow.everyone.if.no.acl.found=false" in script
