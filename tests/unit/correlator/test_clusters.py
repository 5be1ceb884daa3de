"""The incremental resolver: merges, splits, stable ids, the frequency cap, determinism."""

from __future__ import annotations

import random

import pytest

from tests.unit.correlator.conftest import PersonFactory, person
from tests.unit.correlator.synthetic_tokens import SyntheticRecord, make_records
from threadline.correlator.blocking import BlockingConfig
from threadline.correlator.clusters import SubjectResolver
from threadline.correlator.evaluation import pairwise_scores
from threadline.correlator.model import LinkageModel
from threadline.correlator.records import PersonTokens
from threadline.correlator.state import LinkageState, MemoryTable
from threadline.correlator.subjects import SubjectChange, subject_id_for

# A and B are the same child seen by two agencies that share nothing but a name (13.8 bits, a
# possible match); C carries A's phone and B's e-mail, so it links to both (about 24.5 each).
A = person(given=["g1"], family=["f1"], dob=(2011, 4, 3), phones=["p1"])
B = person(given=["g1"], family=["f1"], emails=["e1"], handles=["h1"])
C = person(given=["g1"], family=["f1"], phones=["p1"], emails=["e1"])


@pytest.fixture
def resolver(model: LinkageModel) -> SubjectResolver:
    return SubjectResolver(LinkageState.in_memory(), model)


def assert_consistent(state: LinkageState) -> None:
    """Subjects are exactly the connected components of the (symmetric) edges."""
    records = state.records
    subjects = state.subjects
    assert isinstance(records, MemoryTable)
    assert isinstance(subjects, MemoryTable)
    for record_id, entry in records.data.items():
        subject = subjects.data[entry.subject_id]
        assert record_id in subject.members
        for other, weight in entry.links:
            assert (record_id, weight) in records.data[other].links
            assert records.data[other].subject_id == entry.subject_id
    for subject_id, subject in subjects.data.items():
        assert subject.members
        reached, frontier = {subject.members[0]}, [subject.members[0]]
        while frontier:
            for other, _ in records.data[frontier.pop()].links:
                if other not in reached:
                    reached.add(other)
                    frontier.append(other)
        assert reached == set(subject.members), subject_id


def test_first_record_creates_a_subject_named_after_it(resolver: SubjectResolver) -> None:
    outcome = resolver.add("rA", A)
    assert outcome.subject_id == subject_id_for("rA")
    assert outcome.subject_id.startswith("subj-")
    assert outcome.changes == ({"type": "created", "subject_id": outcome.subject_id,
                                "members": ["rA"], "from_ids": [], "into_ids": []},)  # fmt: skip


def test_a_matching_record_joins_and_a_weak_one_is_only_possible(resolver: SubjectResolver) -> None:
    first = resolver.add("rA", A).subject_id
    joined = resolver.add("rA2", person(given=["g1"], family=["f1"], dob=(2011, 4, 3)))
    assert joined.subject_id == first
    assert joined.changes[0]["type"] == "updated"
    weak = resolver.add("rB", B)
    assert weak.subject_id != first
    assert [(r.subject_id, r.reason) for r in weak.reviews] == [(first, "possible")]


def test_a_bridge_merges_into_the_older_subject_and_withdrawal_splits_it(
    resolver: SubjectResolver,
) -> None:
    a_id = resolver.add("rA", A).subject_id
    b_id = resolver.add("rB", B).subject_id
    merged = resolver.add("rC", C)
    assert merged.subject_id == a_id  # the older id survives
    event = merged.changes[0]
    assert (event["type"], event["from_ids"], event["into_ids"]) == ("merged", [b_id], [a_id])
    assert resolver.members(a_id) == ("rA", "rB", "rC")
    assert resolver.members(b_id) == ()
    assert_consistent(resolver.state)

    split = resolver.withdraw("rC")
    new_id = subject_id_for(f"{a_id}/rB")
    assert [c["type"] for c in split] == ["split", "created"]
    assert split[0]["into_ids"] == [a_id, new_id]
    assert split[1] == {"type": "created", "subject_id": new_id, "members": ["rB"],
                        "from_ids": [a_id], "into_ids": []}  # fmt: skip
    assert resolver.subject_of("rA") == a_id  # oldest part of an even split keeps the id
    assert resolver.subject_of("rB") == new_id
    assert resolver.subject_of("rC") is None
    assert_consistent(resolver.state)


def test_the_largest_part_keeps_the_id(resolver: SubjectResolver) -> None:
    a_id = resolver.add("rB", B).subject_id  # B first, so the merged subject carries B's id
    resolver.add("rA", A)
    resolver.add("rC", C)
    resolver.add("rA2", person(given=["g1"], family=["f1"], dob=(2011, 4, 3), phones=["p9"]))
    assert resolver.subject_of("rA2") == a_id
    changes = resolver.withdraw("rC")
    assert changes[0]["members"] == ["rA", "rA2"]  # two against one: A's side keeps B's old id
    assert resolver.subject_of("rA") == a_id
    assert resolver.subject_of("rB") == changes[0]["into_ids"][1]


def test_withdrawing_a_leaf_or_the_last_record(resolver: SubjectResolver) -> None:
    a_id = resolver.add("rA", A).subject_id
    resolver.add("rA2", person(given=["g1"], family=["f1"], dob=(2011, 4, 3)))
    assert resolver.withdraw("rA2") == (
        {"type": "updated", "subject_id": a_id, "members": ["rA"], "from_ids": [], "into_ids": []},
    )
    assert resolver.withdraw("rA") == (
        {"type": "deleted", "subject_id": a_id, "members": [], "from_ids": [], "into_ids": []},
    )
    assert resolver.withdraw("rA") == ()  # withdrawing twice is harmless


def test_re_adding_is_idempotent_and_a_correction_moves_the_record(
    resolver: SubjectResolver,
) -> None:
    a_id = resolver.add("rA", A).subject_id
    x = person(given=["zz"], family=["yy"], dob=(2008, 1, 20))
    x_id = resolver.add("rX", x).subject_id
    assert resolver.add("rX", x).changes == ()
    corrected = resolver.add("rX", person(given=["g1"], family=["f1"], dob=(2011, 4, 3)))
    assert [c["type"] for c in corrected.changes] == ["deleted", "updated"]
    assert corrected.changes[0]["subject_id"] == x_id
    assert corrected.subject_id == a_id


def test_siblings_sharing_a_household_are_not_merged(resolver: SubjectResolver) -> None:
    twin1 = person(given=["amy"], family=["f1"], dob=(2012, 5, 14), postcode="E1", phones=["home"])
    twin2 = person(given=["ben"], family=["f1"], dob=(2012, 5, 14), postcode="E1", phones=["home"])
    first = resolver.add("t1", twin1).subject_id
    second = resolver.add("t2", twin2)
    assert second.subject_id != first
    assert second.reviews[0].reason == "household"


def test_a_report_without_a_first_name_joins_the_one_child_it_fits(
    resolver: SubjectResolver,
) -> None:
    def twin(*given: str) -> PersonTokens:
        return person(given=given, family=["f1"], dob=(2012, 5, 14), postcode="E1", phones=["h"])

    amy = resolver.add("amy", twin("amy")).subject_id
    assert resolver.add("n1", twin()).subject_id == amy  # no first name, and only Amy fits
    ben = resolver.add("ben", twin("ben")).subject_id
    assert ben != amy  # Amy's twin: her subject holds a different first name
    again = resolver.add("n2", twin())
    assert again.subject_id not in (amy, ben)  # both twins known: only a review
    assert {r.reason for r in again.reviews} == {"household"}
    assert_consistent(resolver.state)


def test_frequency_cap_retires_a_common_key(
    model: LinkageModel, make_person: PersonFactory
) -> None:
    config = BlockingConfig(frequency_cap=2, families=frozenset({"ph"}))
    resolver = SubjectResolver(LinkageState.in_memory(), model, blocking=config)
    outcomes = [
        resolver.add(f"r{i}", make_person(given=[f"g{i}"], family=[f"f{i}"], phones=["shared"]))
        for i in range(4)
    ]
    assert [o.candidates for o in outcomes] == [0, 1, 2, 0]
    assert len({o.subject_id for o in outcomes}) == 4
    postings = resolver.state.postings
    assert isinstance(postings, MemoryTable)
    (posting,) = postings.data.values()
    assert posting.saturated
    assert posting.records == ()


def test_postings_keep_few_records_per_subject(model: LinkageModel) -> None:
    config = BlockingConfig(per_subject=2, families=frozenset({"ph"}))
    resolver = SubjectResolver(LinkageState.in_memory(), model, blocking=config)
    for i in range(5):
        resolver.add(f"r{i}", person(given=["g"], family=["f"], dob=(2011, 4, 3), phones=["p"]))
    assert len(resolver.members(subject_id_for("r0"))) == 5
    postings = resolver.state.postings
    assert isinstance(postings, MemoryTable)
    (posting,) = postings.data.values()
    assert posting.records == ("r3", "r4")


def operations(seed: int, records: list[SyntheticRecord]) -> list[tuple[str, str, PersonTokens]]:
    """Adds in arrival order with some withdrawals and corrections mixed in."""
    rng = random.Random(seed)
    ops: list[tuple[str, str, PersonTokens]] = []
    added: list[SyntheticRecord] = []
    for record in records:
        ops.append(("add", record.record_id, record.person))
        added.append(record)
        roll = rng.random()
        if roll < 0.05:
            gone = added.pop(rng.randrange(len(added)))
            ops.append(("withdraw", gone.record_id, gone.person))
        elif roll < 0.08:
            other = rng.choice(records)
            ops.append(("add", rng.choice(added).record_id, other.person))
    return ops


def replay(
    model: LinkageModel, ops: list[tuple[str, str, PersonTokens]]
) -> tuple[list[SubjectChange], SubjectResolver]:
    resolver = SubjectResolver(LinkageState.in_memory(), model)
    events: list[SubjectChange] = []
    for op, record_id, tokens in ops:
        if op == "add":
            events.extend(resolver.add(record_id, tokens).changes)
        else:
            events.extend(resolver.withdraw(record_id))
    return events, resolver


def test_replay_from_scratch_is_identical(synthetic_model: LinkageModel) -> None:
    ops = operations(1, make_records(seed=31, children=250))
    first_events, first = replay(synthetic_model, ops)
    second_events, second = replay(synthetic_model, ops)
    assert first_events == second_events
    for name in ("persons", "records", "subjects", "postings", "counters"):
        a, b = getattr(first.state, name), getattr(second.state, name)
        assert isinstance(a, MemoryTable)
        assert isinstance(b, MemoryTable)
        assert a.data == b.data, name
    assert {c["type"] for c in first_events} >= {"created", "updated", "merged", "deleted"}
    assert_consistent(first.state)


def test_links_a_synthetic_population_with_high_precision(synthetic_model: LinkageModel) -> None:
    records = make_records(seed=41, children=700)
    resolver = SubjectResolver(LinkageState.in_memory(), synthetic_model)
    for record in records:
        resolver.add(record.record_id, record.person)
    predicted = {r.record_id: resolver.subject_of(r.record_id) or "" for r in records}
    scores = pairwise_scores(predicted, {r.record_id: r.entity for r in records})
    assert scores.precision >= 0.99
    assert scores.recall >= 0.45
    assert_consistent(resolver.state)
