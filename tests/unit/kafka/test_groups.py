"""Lag arithmetic and namespace filtering, without a broker."""

from __future__ import annotations

from kafka import TopicPartition

from threadline.kafka.groups import GroupLag, PartitionLag, ResetPlan, compute_lag, is_ours

LOGICAL = ["safeguarding.reports.v1", "safeguarding.alerts.v1"]


def test_only_this_deployments_topics_count() -> None:
    assert is_ours("safeguarding.reports.v1", "", LOGICAL)
    assert is_ours("threadline-correlator-seen-changelog", "", LOGICAL)
    assert not is_ours("t1a2b3c4d.safeguarding.reports.v1", "", LOGICAL)  # a test namespace
    assert is_ours("p1.safeguarding.reports.v1", "p1.", LOGICAL)
    assert is_ours("p1.threadline-correlator-linkage", "p1.", LOGICAL)
    assert not is_ours("safeguarding.reports.v1", "p1.", LOGICAL)
    assert not is_ours("p1.__consumer_offsets", "p1.", LOGICAL)


def test_lag_is_end_minus_committed_sorted_and_never_negative() -> None:
    a0, a1, b0 = (TopicPartition("a", 0), TopicPartition("a", 1), TopicPartition("b", 0))
    lags = compute_lag({b0: 4, a1: 10, a0: 3}, {a0: 7, a1: 9})
    assert [(p.topic, p.partition, p.lag) for p in lags] == [("a", 0, 4), ("a", 1, 0), ("b", 0, 0)]


def test_a_group_is_stopped_only_when_empty_without_members() -> None:
    parts = (PartitionLag("a", 0, 1, 4), PartitionLag("a", 1, 2, 4))
    assert GroupLag("g", "Empty", 0, parts).stopped
    assert not GroupLag("g", "Stable", 1, parts).stopped
    assert not GroupLag("g", "PreparingRebalance", 0, parts).stopped
    group = GroupLag("g", "Empty", 0, parts)
    assert group.total == 5
    assert group.as_dict()["partitions"][0] == {
        "topic": "a",
        "partition": 0,
        "committed": 1,
        "end": 4,
        "lag": 3,
    }


def test_a_reset_plan_lists_moves_in_order() -> None:
    plan = ResetPlan("g", {TopicPartition("b", 0): (9, 0), TopicPartition("a", 2): (5, 1)})
    assert plan.rows() == [("a", 2, 5, 1), ("b", 0, 9, 0)]
