"""The topology file, read without a broker: DESIGN.md's principal table, as data."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from threadline.errors import TopologyError
from threadline.kafka.topology import Topology, default_topology_path, load_topology, parse_topology

REPORTS, ALERTS = "safeguarding.reports.v1", "safeguarding.alerts.v1"
COMMANDS, REQUESTS = "liaison.commands.v1", "platform.requests.v1"


@pytest.fixture(scope="module")
def topology() -> Topology:
    return load_topology()


@pytest.fixture
def raw() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(default_topology_path().read_text())
    return data


def test_agencies_may_only_write_reports(topology: Topology) -> None:
    for agency in topology.principals_with_role("agency"):
        for spec in topology.topics:
            assert not topology.allowed(agency, spec.name, "READ")
            assert topology.allowed(agency, spec.name, "WRITE") == (spec.name == REPORTS)


def test_correlator_reads_reports_but_never_commands_or_requests(topology: Topology) -> None:
    assert topology.allowed("correlator", REPORTS, "READ")
    for topic in (COMMANDS, REQUESTS, "audit.v1"):
        assert not topology.allowed("correlator", topic, "READ")
    for topic in ("safeguarding.subjects.v1", ALERTS, "safeguarding.reports.dlq.v1"):
        assert topology.allowed("correlator", topic, "WRITE")


def test_analysts_read_alerts_only(topology: Topology) -> None:
    for analyst in topology.principals_with_role("analyst"):
        readable = [t.name for t in topology.topics if topology.allowed(analyst, t.name, "READ")]
        assert readable == [ALERTS]


def test_liaison_reads_requests_and_alerts_never_reports(topology: Topology) -> None:
    for officer in topology.principals_with_role("liaison"):
        assert topology.allowed(officer, COMMANDS, "WRITE")
        assert topology.allowed(officer, REQUESTS, "READ")
        assert not topology.allowed(officer, REPORTS, "READ")


def test_no_principal_or_resource_is_a_wildcard(topology: Topology) -> None:
    assert all("*" not in rule.principal and "*" not in rule.name for rule in topology.acls)


def test_internal_topic_prefix_is_private_to_its_owner(topology: Topology) -> None:
    changelog = "threadline-correlator-subjects-changelog"
    assert topology.allowed("correlator", changelog, "WRITE")
    assert not topology.allowed("broker", changelog, "READ")


def test_namespace_prefixes_every_resource(topology: Topology) -> None:
    spaced = topology.with_namespace("t1.")
    assert all(t.name.startswith("t1.") for t in spaced.topics)
    assert all(rule.name.startswith("t1.") for rule in spaced.acls)
    assert spaced.topic(REPORTS) == "t1." + REPORTS
    assert spaced.allowed("correlator", "t1." + REPORTS, "READ")
    assert not spaced.allowed("correlator", REPORTS, "READ")


def test_unknown_logical_topic_is_an_error(topology: Topology) -> None:
    with pytest.raises(TopologyError, match="not declared"):
        topology.topic("nope.v1")


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda r: r["principals"].append({"name": "x", "role": "ghost"}), "unknown role"),
        (lambda r: r["principals"].append({"name": "admin", "role": "agency"}), "reserved"),
        (lambda r: r["principals"].append({"name": "agency-*", "role": "agency"}), "wildcard"),
        (lambda r: r["topics"].append(dict(r["topics"][0])), "declared twice"),
        (lambda r: r["topics"][0].update(partitions=0), "positive integer"),
        (lambda r: r["topics"][0].update(cleanup_policy="shred"), "cleanup_policy"),
        (lambda r: r["roles"]["agency"]["acls"][0].update(name="nope.v1"), "undeclared topic"),
        (lambda r: r["roles"]["agency"]["acls"][0].update(operations=["EAT"]), "unknown operation"),
    ],
)
def test_bad_topologies_name_the_problem(raw: dict[str, Any], mutate: Any, message: str) -> None:
    mutate(raw)
    with pytest.raises(TopologyError, match=message):
        parse_topology(raw)


def test_topic_configs_are_what_kafka_expects(topology: Topology) -> None:
    reports = next(t for t in topology.topics if t.name == REPORTS)
    assert reports.configs() == {
        "cleanup.policy": "delete",
        "min.insync.replicas": "1",
        "retention.ms": "220898880000",
    }
    subjects = next(t for t in topology.topics if t.name == "safeguarding.subjects.v1")
    assert "retention.ms" not in subjects.configs()
