"""The anti-chaining rules, on hand-set weights (the score of candidate pairs is stubbed)."""

from __future__ import annotations

from collections.abc import Mapping

from tests.unit.correlator.conftest import person
from threadline.correlator.linking import (
    ClusteringPolicy,
    LinkDecision,
    ScoredCandidate,
    SubjectView,
    decide,
)
from threadline.correlator.model import Thresholds
from threadline.correlator.records import PersonTokens

THRESHOLDS = Thresholds(match=20.0, possible=12.0, conflict=-10.0, bridge=26.0)
POLICY = ClusteringPolicy(large_subject=3, bridge_support=2)


def cand(
    record: str, subject: str, seq: int, weight: float, personal: bool = True
) -> ScoredCandidate:
    return ScoredCandidate(record, subject, seq, PersonTokens(scheme=record), weight, personal)


def run(
    candidates: list[ScoredCandidate],
    sizes: Mapping[str, int],
    cross: Mapping[frozenset[str], float] | None = None,
) -> LinkDecision:
    """Decide, with subject ``s<k>`` born at ``k`` and cross-candidate scores from ``cross``."""
    views = {s: SubjectView(s, int(s[1:]), n) for s, n in sizes.items()}

    def score(a: PersonTokens, b: PersonTokens) -> float:
        return (cross or {}).get(frozenset({a.scheme, b.scheme}), 0.0)

    return decide(candidates, views, THRESHOLDS, POLICY, score)


def test_strong_link_joins_and_becomes_an_edge() -> None:
    decision = run([cand("r1", "s1", 1, 25.0), cand("r2", "s1", 2, 14.0)], {"s1": 2})
    assert decision.subjects == ("s1",)
    assert decision.edges == (("r1", 25.0),)
    assert decision.reviews == ()


def test_below_match_is_only_a_possible_match() -> None:
    decision = run([cand("r1", "s1", 1, 15.0), cand("r2", "s2", 2, 3.0)], {"s1": 1, "s2": 1})
    assert decision.subjects == ()
    assert [(r.subject_id, r.reason) for r in decision.reviews] == [("s1", "possible")]


def test_household_evidence_alone_never_links() -> None:
    decision = run([cand("r1", "s1", 1, 31.0, personal=False)], {"s1": 1})
    assert decision.subjects == ()
    assert decision.reviews[0].reason == "household"


def test_contradicting_another_member_blocks_the_join() -> None:
    decision = run([cand("r1", "s1", 1, 30.0), cand("r2", "s1", 2, -12.0)], {"s1": 2})
    assert decision.subjects == ()
    assert decision.reviews[0].reason == "conflict"


def test_bridge_merges_small_subjects_oldest_first_in_order_of_strength() -> None:
    decision = run([cand("a", "s2", 2, 24.0), cand("b", "s1", 1, 22.0)], {"s1": 1, "s2": 1})
    assert decision.subjects == ("s2", "s1")  # strongest first; the resolver keeps the oldest id
    assert {e[0] for e in decision.edges} == {"a", "b"}


def test_merge_refused_when_the_two_sides_contradict_each_other() -> None:
    decision = run(
        [cand("a", "s1", 1, 24.0), cand("b", "s2", 2, 22.0)],
        {"s1": 1, "s2": 1},
        cross={frozenset({"a", "b"}): -15.0},
    )
    assert decision.subjects == ("s1",)
    assert decision.edges == (("a", 24.0),)
    assert decision.reviews[0].reason == "cross_conflict"


def test_two_established_subjects_need_a_strong_bridge() -> None:
    weak = run([cand("a", "s1", 1, 24.0), cand("b", "s2", 2, 22.0)], {"s1": 3, "s2": 4})
    assert weak.subjects == ("s1",)
    assert weak.reviews[0].reason == "weak_bridge"
    strong = run([cand("a", "s1", 1, 27.0), cand("b", "s2", 2, 26.5)], {"s1": 3, "s2": 4})
    assert strong.subjects == ("s1", "s2")
    supported = run(
        [cand("a", "s1", 1, 24.0), cand("a2", "s1", 3, 21.0),
         cand("b", "s2", 2, 22.0), cand("b2", "s2", 4, 21.0)],
        {"s1": 3, "s2": 4},
    )  # fmt: skip
    assert supported.subjects == ("s1", "s2")


def test_edges_are_in_arrival_order() -> None:
    decision = run([cand("late", "s1", 9, 30.0), cand("early", "s1", 2, 21.0)], {"s1": 2})
    assert [e[0] for e in decision.edges] == ["early", "late"]


def unnamed(
    record: str, subject: str, seq: int, given: str | None = None, names_differ: bool = False
) -> ScoredCandidate:
    """A candidate linked only by household evidence with the first name unknown on one side."""
    member = person(given=[given] if given else (), family=["f"], dob=(2011, 4, 3), postcode="E1")
    return ScoredCandidate(record, subject, seq, member, 25.0, False, True, names_differ)


def test_an_unnamed_link_joins_the_one_subject_it_reaches() -> None:
    decision = run([unnamed("a", "s1", 1, "al")], {"s1": 1})
    assert decision.subjects == ("s1",)
    assert decision.edges == (("a", 25.0),)


def test_an_unnamed_link_never_joins_a_subject_with_another_first_name() -> None:
    decision = run([unnamed("a", "s1", 1, "al"), unnamed("a2", "s1", 2, "bo", True)], {"s1": 2})
    assert decision.subjects == ()
    assert [(r.subject_id, r.reason) for r in decision.reviews] == [("s1", "household")]


def test_a_record_without_a_first_name_between_known_twins_is_only_reviewed() -> None:
    decision = run([unnamed("a", "s1", 1, "al"), unnamed("b", "s2", 2, "bo")], {"s1": 1, "s2": 1})
    assert decision.subjects == ()
    assert {(r.subject_id, r.reason) for r in decision.reviews} == {
        ("s1", "household"),
        ("s2", "household"),
    }


def test_unnamed_links_merge_subjects_that_name_no_different_child() -> None:
    decision = run([unnamed("a", "s1", 1, "al"), unnamed("b", "s2", 2)], {"s1": 1, "s2": 1})
    assert decision.subjects == ("s1", "s2")
    assert [e[0] for e in decision.edges] == ["a", "b"]


def test_a_strong_link_wins_over_an_unnamed_subject_with_another_first_name() -> None:
    strong = ScoredCandidate("a", "s1", 1, person(given=["al"], family=["f"]), 30.0)
    decision = run([strong, unnamed("b", "s2", 2, "bo")], {"s1": 1, "s2": 1})
    assert decision.subjects == ("s1",)
    assert decision.reviews[0].subject_id == "s2"
    assert decision.reviews[0].reason == "household"
