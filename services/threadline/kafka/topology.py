"""The declarative Kafka topology (``infra/topology.yaml``) as typed, validated data.

Pure: reading and expanding the file needs no broker, so the ACL matrix the integration tests
check and the ACLs ``threadline kafka apply`` creates come from the same expansion and cannot
disagree. A *namespace* is prefixed to every topic, group and transactional-id name, which is how
each test session (and each demo) gets topics and ACLs of its own on a shared broker.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml

from threadline.errors import TopologyError

__all__ = [
    "AclRule",
    "Principal",
    "TopicSpec",
    "Topology",
    "load_topology",
]

ResourceKind = Literal["topic", "group", "transactional_id"]
PatternKind = Literal["literal", "prefixed"]

OPERATIONS = frozenset(
    {
        "ALL",
        "READ",
        "WRITE",
        "CREATE",
        "DELETE",
        "ALTER",
        "DESCRIBE",
        "DESCRIBE_CONFIGS",
        "ALTER_CONFIGS",
        "IDEMPOTENT_WRITE",
    }
)
_RESOURCES = frozenset({"topic", "group", "transactional_id"})
_PATTERNS = frozenset({"literal", "prefixed"})
_CLEANUP = frozenset({"delete", "compact", "compact,delete"})
SUPER_USER = "admin"


@dataclass(frozen=True, order=True)
class AclRule:
    """One allow rule for one principal on one resource pattern."""

    principal: str
    resource: ResourceKind
    name: str
    pattern: PatternKind
    operation: str

    def covers_topic(self, topic: str) -> bool:
        """True when this rule names ``topic`` (literally or by prefix)."""
        if self.resource != "topic":
            return False
        if self.pattern == "literal":
            return self.name == topic
        return topic.startswith(self.name)


@dataclass(frozen=True)
class TopicSpec:
    """A topic as it should exist on the broker."""

    name: str
    partitions: int
    cleanup_policy: str
    retention_ms: int | None
    replication_factor: int
    min_insync_replicas: int
    doc: str = ""

    def configs(self) -> dict[str, str]:
        """Topic-level configs threadline manages (and checks for drift)."""
        configs = {
            "cleanup.policy": self.cleanup_policy,
            "min.insync.replicas": str(self.min_insync_replicas),
        }
        if self.retention_ms is not None:
            configs["retention.ms"] = str(self.retention_ms)
        return configs


@dataclass(frozen=True)
class Principal:
    """A SCRAM user and the role whose ACLs it receives."""

    name: str
    role: str


@dataclass(frozen=True)
class Topology:
    """Topics, principals and their expanded ACLs, already namespaced."""

    topics: tuple[TopicSpec, ...]
    principals: tuple[Principal, ...]
    acls: tuple[AclRule, ...]
    namespace: str = ""
    roles: Mapping[str, str] = field(default_factory=dict)

    def topic(self, logical_name: str) -> str:
        """The real (namespaced) name of a topic declared as ``logical_name``."""
        real = self.namespace + logical_name
        if all(t.name != real for t in self.topics):
            raise TopologyError(f"topic {logical_name!r} is not declared in the topology")
        return real

    def principal_names(self) -> list[str]:
        return [p.name for p in self.principals]

    def principals_with_role(self, role: str) -> list[str]:
        return [p.name for p in self.principals if p.role == role]

    def allowed(self, principal: str, topic: str, operation: str) -> bool:
        """Whether the ACLs let ``principal`` do ``operation`` on ``topic``.

        Mirrors Kafka's rule that ALL implies every operation and that READ/WRITE imply
        DESCRIBE; used to derive the expected outcome of every cell in the ACL matrix.
        """
        implied = {operation, "ALL"}
        if operation == "DESCRIBE":
            implied |= {"READ", "WRITE", "DELETE", "ALTER"}
        return any(
            rule.principal == principal and rule.operation in implied and rule.covers_topic(topic)
            for rule in self.acls
        )

    def with_namespace(self, namespace: str) -> Topology:
        """The same topology with ``namespace`` in front of every resource name."""
        if not namespace:
            return self
        return Topology(
            topics=tuple(
                TopicSpec(
                    namespace + t.name,
                    t.partitions,
                    t.cleanup_policy,
                    t.retention_ms,
                    t.replication_factor,
                    t.min_insync_replicas,
                    t.doc,
                )
                for t in self.topics
            ),
            principals=self.principals,
            acls=tuple(
                AclRule(r.principal, r.resource, namespace + r.name, r.pattern, r.operation)
                for r in self.acls
            ),
            namespace=self.namespace + namespace,
            roles=self.roles,
        )


def default_topology_path() -> Path:
    from threadline.config import project_root

    return project_root() / "infra" / "topology.yaml"


def load_topology(path: Path | None = None, *, namespace: str = "") -> Topology:
    """Read, validate and expand the topology file; errors name the entry at fault."""
    path = path or default_topology_path()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise TopologyError(f"cannot read topology file {path}: {exc.strerror}") from exc
    except yaml.YAMLError as exc:
        raise TopologyError(f"topology file {path} is not valid YAML: {exc}") from exc
    if not isinstance(raw, dict):
        raise TopologyError(f"topology file {path} must be a mapping at the top level")
    return parse_topology(raw, source=str(path)).with_namespace(namespace)


def parse_topology(raw: Mapping[str, Any], *, source: str = "<topology>") -> Topology:
    defaults = raw.get("defaults") or {}
    topics = tuple(_parse_topic(t, defaults, source) for t in _list(raw, "topics", source))
    names = [t.name for t in topics]
    if len(set(names)) != len(names):
        raise TopologyError(f"{source}: a topic is declared twice")
    roles_raw = raw.get("roles") or {}
    if not isinstance(roles_raw, dict) or not roles_raw:
        raise TopologyError(f"{source}: 'roles' must be a non-empty mapping")
    principals = tuple(
        _parse_principal(p, roles_raw, source) for p in _list(raw, "principals", source)
    )
    if len({p.name for p in principals}) != len(principals):
        raise TopologyError(f"{source}: a principal is declared twice")
    acls = tuple(
        sorted(
            rule
            for principal in principals
            for rule in _expand_role(principal, roles_raw[principal.role], set(names), source)
        )
    )
    docs = {name: str((body or {}).get("doc", "")) for name, body in roles_raw.items()}
    return Topology(topics=topics, principals=principals, acls=acls, roles=docs)


def _list(raw: Mapping[str, Any], key: str, source: str) -> list[Any]:
    value = raw.get(key)
    if not isinstance(value, list) or not value:
        raise TopologyError(f"{source}: '{key}' must be a non-empty list")
    return value


def _parse_topic(entry: Any, defaults: Mapping[str, Any], source: str) -> TopicSpec:
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        raise TopologyError(f"{source}: every topic needs a string 'name'")
    name = entry["name"]
    where = f"{source}: topic {name!r}"
    cleanup = entry.get("cleanup_policy", "delete")
    if cleanup not in _CLEANUP:
        raise TopologyError(f"{where}: cleanup_policy must be one of {sorted(_CLEANUP)}")
    partitions = _positive_int(entry.get("partitions"), f"{where}: partitions")
    retention = entry.get("retention_ms")
    if retention is not None and (not isinstance(retention, int) or retention < -1):
        raise TopologyError(f"{where}: retention_ms must be an integer >= -1")
    return TopicSpec(
        name=name,
        partitions=partitions,
        cleanup_policy=cleanup,
        retention_ms=retention,
        replication_factor=_positive_int(
            entry.get("replication_factor", defaults.get("replication_factor", 1)),
            f"{where}: replication_factor",
        ),
        min_insync_replicas=_positive_int(
            entry.get("min_insync_replicas", defaults.get("min_insync_replicas", 1)),
            f"{where}: min_insync_replicas",
        ),
        doc=" ".join(str(entry.get("doc", "")).split()),
    )


def _positive_int(value: Any, what: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise TopologyError(f"{what} must be a positive integer")
    return value


def _parse_principal(entry: Any, roles: Mapping[str, Any], source: str) -> Principal:
    if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
        raise TopologyError(f"{source}: every principal needs a string 'name'")
    name, role = entry["name"], entry.get("role")
    if name == SUPER_USER or "*" in name:
        raise TopologyError(f"{source}: principal {name!r} is reserved or a wildcard")
    if not isinstance(role, str) or role not in roles:
        raise TopologyError(f"{source}: principal {name!r} has unknown role {role!r}")
    return Principal(name=name, role=role)


def _expand_role(
    principal: Principal, role: Mapping[str, Any], topics: set[str], source: str
) -> Iterator[AclRule]:
    for entry in role.get("acls") or []:
        where = f"{source}: role {principal.role!r}"
        resource, pattern = entry.get("resource"), entry.get("pattern", "literal")
        if resource not in _RESOURCES or pattern not in _PATTERNS:
            raise TopologyError(f"{where}: bad resource {resource!r} or pattern {pattern!r}")
        name = str(entry.get("name", "")).replace("{principal}", principal.name)
        if not name or "*" in name:
            raise TopologyError(f"{where}: resource names must be explicit, not wildcards")
        if resource == "topic" and pattern == "literal" and name not in topics:
            raise TopologyError(f"{where}: ACL names undeclared topic {name!r}")
        for op in entry.get("operations") or []:
            if op not in OPERATIONS:
                raise TopologyError(f"{where}: unknown operation {op!r}")
            yield AclRule(principal.name, resource, name, pattern, op)
