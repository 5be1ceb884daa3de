"""Consumer groups for operators: how far behind each one is, and rewinding a stopped one.

Lag is *end offset minus committed offset*, per partition, as the broker sees it - the same
figure ``kafka-consumer-groups.sh --describe`` prints, and independent of whether the consumer
itself is alive to report its own lag metric. End offsets are read with ``read_committed``
isolation (the last stable offset), because every threadline consumer reads committed data
only: an open transaction is not lag the consumer could work off. On a topic written in
transactions a caught-up consumer can still show a lag of 1 (the commit marker).

Rewinding (``reset_to_earliest``) is how the correlator re-processes ``safeguarding.reports.v1``
from offset 0. It refuses while the group has members: Kafka would refuse most of it anyway,
and a half-rewound group is worse than none. It never touches the topics, only the group's
committed offsets.

Only this deployment's groups and topics are shown: those inside the settings' namespace
(``THREADLINE_KAFKA_TOPIC_PREFIX``) whose topic is declared in the topology or is a
``threadline-`` internal topic (faust's changelogs and repartition topics).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from kafka import KafkaAdminClient, TopicPartition
from kafka.admin import OffsetSpec
from kafka.protocol.consumer.offsets import IsolationLevel

from threadline.errors import KafkaError
from threadline.kafka.clients import kafka_errors

__all__ = [
    "GroupLag",
    "PartitionLag",
    "ResetPlan",
    "compute_lag",
    "consumer_lag",
    "is_ours",
    "reset_to_earliest",
]

_STOPPED = frozenset({"Empty", "Dead"})


@dataclass(frozen=True)
class PartitionLag:
    """One partition of one group: where it committed, where the log ends."""

    topic: str
    partition: int
    committed: int
    end: int

    @property
    def lag(self) -> int:
        return max(self.end - self.committed, 0)


@dataclass(frozen=True)
class GroupLag:
    """A consumer group, its state and membership, and its lag on every partition."""

    group: str
    state: str
    members: int
    partitions: tuple[PartitionLag, ...] = ()

    @property
    def total(self) -> int:
        return sum(p.lag for p in self.partitions)

    @property
    def stopped(self) -> bool:
        return self.members == 0 and self.state in _STOPPED

    def as_dict(self) -> dict[str, Any]:
        return {
            "group": self.group,
            "state": self.state,
            "members": self.members,
            "total_lag": self.total,
            "partitions": [{**p.__dict__, "lag": p.lag} for p in self.partitions],
        }


def is_ours(topic: str, prefix: str, logical_topics: Collection[str]) -> bool:
    """Whether ``topic`` belongs to the deployment under ``prefix`` (see the module doc)."""
    if not topic.startswith(prefix):
        return False
    logical = topic[len(prefix) :]
    return logical in logical_topics or logical.startswith("threadline-")


def compute_lag(
    committed: Mapping[TopicPartition, int], ends: Mapping[TopicPartition, int]
) -> tuple[PartitionLag, ...]:
    """Lag per partition, sorted by topic and partition; a missing end counts as no lag."""
    return tuple(
        PartitionLag(tp.topic, tp.partition, offset, ends.get(tp, offset))
        for tp, offset in sorted(committed.items(), key=lambda kv: (kv[0].topic, kv[0].partition))
    )


def _describe(admin: KafkaAdminClient, groups: list[str]) -> dict[str, tuple[str, int]]:
    if not groups:
        return {}
    with kafka_errors("describing consumer groups"):
        described = admin.describe_groups(groups)
    return {
        name: (str(info.get("group_state") or "Unknown"), len(info.get("members") or ()))
        for name, info in described.items()
    }


def _committed(
    admin: KafkaAdminClient, group: str, prefix: str, logical_topics: Collection[str]
) -> dict[TopicPartition, int]:
    with kafka_errors(f"reading committed offsets of {group}"):
        offsets = admin.list_group_offsets({group: None}).get(group, {})
    return {
        tp: meta.offset
        for tp, meta in offsets.items()
        if meta.offset >= 0 and is_ours(tp.topic, prefix, logical_topics)
    }


def _offsets(
    admin: KafkaAdminClient, partitions: Iterable[TopicPartition], spec: OffsetSpec
) -> dict[TopicPartition, int]:
    wanted = dict.fromkeys(partitions, spec)
    if not wanted:
        return {}
    with kafka_errors("listing partition offsets"):
        found = admin.list_partition_offsets(wanted, isolation_level=IsolationLevel.READ_COMMITTED)
    return {tp: result.offset for tp, result in found.items()}


def consumer_lag(
    admin: KafkaAdminClient,
    *,
    prefix: str,
    logical_topics: Collection[str],
    group: str | None = None,
) -> list[GroupLag]:
    """Every group of this deployment with its lag (or just ``group``), sorted by name.

    A group that committed nothing on our topics is left out of the listing, unless named.
    """
    if group is not None:
        names = [group]
    else:
        with kafka_errors("listing consumer groups"):
            names = sorted(str(g["group_id"]) for g in admin.list_groups())
    committed = {name: _committed(admin, name, prefix, logical_topics) for name in names}
    if group is None:
        names = [name for name in names if committed[name]]
    ends = _offsets(admin, {tp for c in committed.values() for tp in c}, OffsetSpec.LATEST)
    states = _describe(admin, names)
    return [
        GroupLag(name, *states.get(name, ("Unknown", 0)), compute_lag(committed[name], ends))
        for name in names
    ]


@dataclass(frozen=True)
class ResetPlan:
    """What a rewind moves: partition -> (committed before, offset after)."""

    group: str
    moves: dict[TopicPartition, tuple[int, int]] = field(default_factory=dict)
    applied: bool = False

    def rows(self) -> list[tuple[str, int, int, int]]:
        return [
            (tp.topic, tp.partition, before, after)
            for tp, (before, after) in sorted(
                self.moves.items(), key=lambda kv: (kv[0].topic, kv[0].partition)
            )
        ]


def reset_to_earliest(
    admin: KafkaAdminClient,
    group: str,
    *,
    prefix: str,
    logical_topics: Collection[str],
    topics: Collection[str] = (),
    apply: bool = False,
) -> ResetPlan:
    """Plan (and with ``apply`` do) rewinding ``group`` to the earliest retained offsets.

    ``topics`` (logical names) narrows the rewind; by default every topic of ours the group has
    committed on. Raises KafkaError if the group has members or is unknown.
    """
    state, members = _describe(admin, [group]).get(group, ("Unknown", 0))
    if members or state not in _STOPPED:
        raise KafkaError(
            f"consumer group {group} is {state} with {members} member(s): stop every consumer "
            "in it first (reprocessing needs a stopped group)",
            code="group_active",
        )
    committed = _committed(admin, group, prefix, logical_topics)
    if topics:
        wanted = {prefix + t for t in topics}
        committed = {tp: o for tp, o in committed.items() if tp.topic in wanted}
    if not committed:
        raise KafkaError(f"consumer group {group} has no committed offsets to rewind here")
    earliest = _offsets(admin, committed, OffsetSpec.EARLIEST)
    plan = ResetPlan(group, {tp: (committed[tp], earliest.get(tp, 0)) for tp in committed})
    if not apply:
        return plan
    with kafka_errors(f"resetting offsets of {group}"):
        result = admin.reset_group_offsets(group, dict.fromkeys(committed, OffsetSpec.EARLIEST))
    failed = sorted(f"{tp.topic}[{tp.partition}]" for tp, r in result.items() if r["error"].errno)
    if failed:
        raise KafkaError(f"could not reset {group} on {', '.join(failed)}", code="group_active")
    moves = {tp: (committed[tp], int(r["offset"])) for tp, r in result.items()}
    return ResetPlan(group, moves, applied=True)
