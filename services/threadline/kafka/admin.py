"""Apply the topology to a cluster, idempotently, and say what differs.

``apply`` creates what is missing (topics, SCRAM users when a password source is given, ACLs) and
never silently changes what exists: a topic whose partitions or managed configs differ from the
file is reported as *drift*; configs can be put back with ``fix_drift`` (partitions cannot shrink,
so they are only reported). ACLs present on the broker for our principals but absent from the file
are reported as *unexpected* and removed only with ``prune``. Running apply twice changes nothing
the second time, which the integration tests check.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from kafka import KafkaAdminClient
from kafka.admin import (
    ACL,
    ACLFilter,
    ACLOperation,
    ACLPermissionType,
    ACLResourcePatternType,
    ConfigResource,
    ConfigResourceType,
    NewTopic,
    ResourcePattern,
    ResourcePatternFilter,
    ResourceType,
    ScramMechanism,
    UserScramCredentialUpsertion,
)

from threadline.errors import KafkaError
from threadline.kafka.clients import kafka_errors
from threadline.kafka.topology import AclRule, TopicSpec, Topology

__all__ = ["ApplyReport", "Drift", "apply_topology", "current_acls", "remove_namespace"]

_RESOURCE = {
    "topic": ResourceType.TOPIC,
    "group": ResourceType.GROUP,
    "transactional_id": ResourceType.TRANSACTIONAL_ID,
}
_PATTERN = {"literal": ACLResourcePatternType.LITERAL, "prefixed": ACLResourcePatternType.PREFIXED}


@dataclass(frozen=True)
class Drift:
    """One managed setting of one topic that differs from the topology."""

    topic: str
    setting: str
    expected: str
    actual: str
    fixed: bool = False


@dataclass
class ApplyReport:
    """What ``apply`` found and did, for a table or JSON."""

    created_topics: list[str] = field(default_factory=list)
    unchanged_topics: list[str] = field(default_factory=list)
    drift: list[Drift] = field(default_factory=list)
    created_users: list[str] = field(default_factory=list)
    created_acls: int = 0
    unchanged_acls: int = 0
    unexpected_acls: list[str] = field(default_factory=list)
    pruned_acls: int = 0

    @property
    def changed(self) -> bool:
        return bool(
            self.created_topics
            or self.created_users
            or self.created_acls
            or self.pruned_acls
            or any(d.fixed for d in self.drift)
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "created_topics": self.created_topics,
            "unchanged_topics": self.unchanged_topics,
            "drift": [d.__dict__ for d in self.drift],
            "created_users": self.created_users,
            "created_acls": self.created_acls,
            "unchanged_acls": self.unchanged_acls,
            "unexpected_acls": self.unexpected_acls,
            "pruned_acls": self.pruned_acls,
            "changed": self.changed,
        }


def apply_topology(
    admin: KafkaAdminClient,
    topology: Topology,
    *,
    passwords: Mapping[str, str] | None = None,
    fix_drift: bool = False,
    prune: bool = False,
) -> ApplyReport:
    """Make the cluster match ``topology`` as far as is safe; see the module docstring."""
    report = ApplyReport()
    _apply_topics(admin, topology.topics, report, fix_drift=fix_drift)
    if passwords is not None:
        _apply_users(admin, topology.principal_names(), passwords, report)
    _apply_acls(admin, topology, report, prune=prune)
    return report


def _apply_topics(
    admin: KafkaAdminClient, topics: tuple[TopicSpec, ...], report: ApplyReport, *, fix_drift: bool
) -> None:
    with kafka_errors("listing topics"):
        existing = set(admin.list_topics())
    missing = [t for t in topics if t.name not in existing]
    if missing:
        with kafka_errors("creating topics"):
            admin.create_topics(
                [
                    NewTopic(t.name, t.partitions, t.replication_factor, topic_configs=t.configs())
                    for t in missing
                ],
                wait_for_metadata=True,
            )
        report.created_topics = [t.name for t in missing]
    present = [t for t in topics if t.name in existing]
    if not present:
        return
    with kafka_errors("describing topics"):
        described = {d["name"]: d for d in admin.describe_topics([t.name for t in present])}
        configs = admin.describe_configs(
            [ConfigResource(ConfigResourceType.TOPIC, t.name) for t in present],
            config_filter="all",
        )["topic"]
    for spec in present:
        drifts = _topic_drift(spec, len(described[spec.name]["partitions"]), configs[spec.name])
        fixable = {d.setting: d.expected for d in drifts if d.setting != "partitions"}
        if fix_drift and fixable:
            with kafka_errors(f"fixing configs of {spec.name}"):
                admin.alter_configs(
                    [ConfigResource(ConfigResourceType.TOPIC, spec.name, configs=fixable)],
                    incremental=True,
                )
            drifts = [
                Drift(d.topic, d.setting, d.expected, d.actual, d.setting in fixable)
                for d in drifts
            ]
        report.drift.extend(drifts)
        if not drifts:
            report.unchanged_topics.append(spec.name)


def _topic_drift(spec: TopicSpec, partitions: int, actual: Mapping[str, Any]) -> list[Drift]:
    drifts = []
    if partitions != spec.partitions:
        drifts.append(Drift(spec.name, "partitions", str(spec.partitions), str(partitions)))
    for key, expected in spec.configs().items():
        value = str(actual.get(key, {}).get("value"))
        if value != expected:
            drifts.append(Drift(spec.name, key, expected, value))
    return drifts


def _apply_users(
    admin: KafkaAdminClient,
    principals: list[str],
    passwords: Mapping[str, str],
    report: ApplyReport,
) -> None:
    with kafka_errors("describing SCRAM users"):
        known = set(admin.describe_user_scram_credentials())
    missing = [p for p in principals if p not in known and p in passwords]
    if missing:
        with kafka_errors("creating SCRAM users"):
            admin.alter_user_scram_credentials(
                [
                    UserScramCredentialUpsertion(p, ScramMechanism.SCRAM_SHA_512, passwords[p])
                    for p in missing
                ]
            )
        report.created_users = missing


def _to_acl(rule: AclRule) -> ACL:
    return ACL(
        principal=f"User:{rule.principal}",
        host="*",
        operation=ACLOperation[rule.operation],
        permission_type=ACLPermissionType.ALLOW,
        resource_pattern=ResourcePattern(
            _RESOURCE[rule.resource], rule.name, _PATTERN[rule.pattern]
        ),
    )


def _key(acl: ACL) -> tuple[str, str, str, str, str, str, str]:
    pattern = acl.resource_pattern
    return (
        str(acl.principal),
        str(acl.host),
        acl.operation.name,
        acl.permission_type.name,
        pattern.resource_type.name,
        str(pattern.resource_name),
        pattern.pattern_type.name,
    )


def current_acls(admin: KafkaAdminClient) -> list[ACL]:
    """Every ACL on the cluster."""
    everything = ACLFilter(
        principal=None,
        host=None,
        operation=ACLOperation.ANY,
        permission_type=ACLPermissionType.ANY,
        resource_pattern=ResourcePatternFilter(ResourceType.ANY, None, ACLResourcePatternType.ANY),
    )
    with kafka_errors("describing ACLs"):
        acls, _ = admin.describe_acls(everything)
    return list(acls)


def _wait_until_visible(
    admin: KafkaAdminClient, keys: set[tuple[str, ...]], timeout_s: float = 30.0
) -> None:
    """ACLs go through the KRaft controller and reach the broker's authorizer a moment later;
    apply returns only once they are in force, so nothing acts on half-applied rights."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if keys <= {_key(acl) for acl in current_acls(admin)}:
            return
        time.sleep(0.2)
    raise KafkaError(f"created ACLs did not take effect within {timeout_s:.0f}s", retriable=True)


def _apply_acls(
    admin: KafkaAdminClient, topology: Topology, report: ApplyReport, *, prune: bool
) -> None:
    wanted = {_key(acl): acl for acl in map(_to_acl, topology.acls)}
    ours = {f"User:{p}" for p in topology.principal_names()}
    namespace = topology.namespace
    existing = {
        _key(acl): acl
        for acl in current_acls(admin)
        if acl.principal in ours and str(acl.resource_pattern.resource_name).startswith(namespace)
    }
    to_create = [acl for key, acl in wanted.items() if key not in existing]
    report.unchanged_acls = len(wanted) - len(to_create)
    if to_create:
        with kafka_errors("creating ACLs"):
            result = admin.create_acls(to_create)
        if result["failed"]:
            raise KafkaError(f"{len(result['failed'])} ACLs could not be created")
        report.created_acls = len(to_create)
        _wait_until_visible(admin, {_key(acl) for acl in to_create})
    extra = [acl for key, acl in existing.items() if key not in wanted]
    report.unexpected_acls = sorted(
        f"{a.principal} {a.operation.name} {a.resource_pattern.resource_type.name}:"
        f"{a.resource_pattern.resource_name} ({a.resource_pattern.pattern_type.name})"
        for a in extra
    )
    if prune and extra:
        with kafka_errors("deleting unexpected ACLs"):
            admin.delete_acls([_exact_filter(a) for a in extra])
        report.pruned_acls = len(extra)


def remove_namespace(admin: KafkaAdminClient, topology: Topology) -> None:
    """Delete a namespaced topology's topics and ACLs (test and demo clean-up).

    Refuses the empty namespace: the production topology is never torn down by code.
    """
    if not topology.namespace:
        raise KafkaError("refusing to remove the un-namespaced (real) topology")
    with kafka_errors("removing namespaced topics"):
        existing = set(admin.list_topics())
        doomed = [t for t in existing if t.startswith(topology.namespace)]
        if doomed:
            admin.delete_topics(doomed)
    acls = [
        a
        for a in current_acls(admin)
        if str(a.resource_pattern.resource_name).startswith(topology.namespace)
    ]
    if acls:
        with kafka_errors("removing namespaced ACLs"):
            admin.delete_acls([_exact_filter(a) for a in acls])


def _exact_filter(acl: ACL) -> ACLFilter:
    """A filter matching exactly ``acl`` (delete_acls takes filters, not ACLs)."""
    pattern = acl.resource_pattern
    return ACLFilter(
        principal=acl.principal,
        host=acl.host,
        operation=acl.operation,
        permission_type=acl.permission_type,
        resource_pattern=ResourcePatternFilter(
            pattern.resource_type, pattern.resource_name, pattern.pattern_type
        ),
    )
