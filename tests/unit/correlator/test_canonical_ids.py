"""Canonical subject ids: the same records in any arrival order give the same subjects and ids."""

from __future__ import annotations

import itertools
import random

import pytest

from tests.unit.correlator.conftest import person
from tests.unit.correlator.synthetic_tokens import make_records
from tests.unit.correlator.test_clusters import assert_consistent
from threadline.correlator.clusters import SubjectResolver
from threadline.correlator.model import LinkageModel
from threadline.correlator.records import PersonTokens
from threadline.correlator.state import LinkageState, MemoryTable
from threadline.correlator.subjects import subject_id_for

A = person(given=["g1"], family=["f1"], dob=(2011, 4, 3), phones=["p1"])
B = person(given=["g1"], family=["f1"], emails=["e1"], handles=["h1"])
C = person(given=["g1"], family=["f1"], phones=["p1"], emails=["e1"])
D = person(given=["g1"], family=["f1"], dob=(2011, 4, 3), phones=["p1"], handles=["h9"])
OTHER = person(given=["zz"], family=["yy"], dob=(2008, 1, 20), phones=["p7"])
SEQ = {"rA": 10, "rB": 20, "rC": 30, "rD": 40, "rX": 50}
PEOPLE = {"rA": A, "rB": B, "rC": C, "rD": D, "rX": OTHER}


def canonical(model: LinkageModel) -> SubjectResolver:
    return SubjectResolver(LinkageState.in_memory(), model, canonical_ids=True)


def partition(resolver: SubjectResolver) -> dict[str, frozenset[str]]:
    subjects = resolver.state.subjects
    assert isinstance(subjects, MemoryTable)
    return {sid: frozenset(entry.members) for sid, entry in subjects.data.items()}


def assert_canonical(resolver: SubjectResolver) -> None:
    """Every live subject is named after its oldest member, which it lists first."""
    subjects, records = resolver.state.subjects, resolver.state.records
    assert isinstance(subjects, MemoryTable)
    assert isinstance(records, MemoryTable)
    for sid, entry in subjects.data.items():
        ages = {m: (records.data[m].seq, m) for m in entry.members}
        oldest = min(entry.members, key=ages.__getitem__)
        assert entry.members[0] == oldest
        assert sid == subject_id_for(oldest)
        assert entry.born == records.data[oldest].seq
    assert_consistent(resolver.state)


@pytest.mark.parametrize("order", list(itertools.permutations(["rA", "rB", "rC", "rD", "rX"])))
def test_every_arrival_order_gives_the_same_subjects(
    model: LinkageModel, order: tuple[str, ...]
) -> None:
    resolver = canonical(model)
    for record_id in order:
        resolver.add(record_id, PEOPLE[record_id], seq=SEQ[record_id])
    assert partition(resolver) == {
        subject_id_for("rA"): frozenset({"rA", "rB", "rC", "rD"}),
        subject_id_for("rX"): frozenset({"rX"}),
    }
    assert_canonical(resolver)


def test_an_older_record_arriving_late_renames_the_subject(model: LinkageModel) -> None:
    resolver = canonical(model)
    late = resolver.add("rD", D, seq=40).subject_id
    outcome = resolver.add("rA", A, seq=10)
    assert outcome.subject_id == subject_id_for("rA")
    (event,) = outcome.changes
    assert (event["type"], event["from_ids"], event["into_ids"]) == (
        "merged",
        [late],
        [subject_id_for("rA")],
    )
    assert event["members"][0] == "rA"


def test_withdrawing_the_oldest_renames_and_a_split_names_each_part(model: LinkageModel) -> None:
    resolver = canonical(model)
    for record_id in ("rA", "rB", "rC"):
        resolver.add(record_id, PEOPLE[record_id], seq=SEQ[record_id])
    # C bridges A and B; withdrawing it splits them, each part named after its own oldest
    changes = resolver.withdraw("rC")
    assert [c["type"] for c in changes] == ["split", "created"]
    assert changes[0]["into_ids"] == [subject_id_for("rA"), subject_id_for("rB")]
    assert resolver.subject_of("rB") == subject_id_for("rB")
    resolver.add("rD", D, seq=40)
    (renamed,) = resolver.withdraw("rA")  # the oldest leaves a subject that stays whole
    assert (renamed["type"], renamed["subject_id"], renamed["from_ids"]) == (
        "merged",
        subject_id_for("rD"),
        [subject_id_for("rA")],
    )
    assert_canonical(resolver)


def test_splitting_off_the_oldest_gives_no_part_the_old_id(model: LinkageModel) -> None:
    resolver = canonical(model)
    # C is the oldest and the bridge: withdrawing it leaves two parts, neither holds C
    for record_id, seq in (("rC", 5), ("rA", 10), ("rB", 20)):
        resolver.add(record_id, PEOPLE[record_id], seq=seq)
    assert resolver.subject_of("rA") == subject_id_for("rC")
    changes = resolver.withdraw("rC")
    assert changes[0]["type"] == "split"
    assert changes[0]["members"] == []
    assert [c["subject_id"] for c in changes[1:]] == [subject_id_for("rA"), subject_id_for("rB")]
    assert resolver.members(subject_id_for("rC")) == ()
    assert_canonical(resolver)


def test_a_correction_that_changes_only_the_age_re_sequences(model: LinkageModel) -> None:
    resolver = canonical(model)
    resolver.add("rA", A, seq=10)
    resolver.add("rD", D, seq=40)
    outcome = resolver.add("rA", A, seq=60)  # the report's oldest event was withdrawn
    assert outcome.subject_id == subject_id_for("rD")
    assert_canonical(resolver)


def test_synthetic_population_shuffled_keeps_the_invariants(
    synthetic_model: LinkageModel,
) -> None:
    """On realistic data the ids are always a function of membership; and interleaving two
    streams that are each in time order (what partitions deliver) gives the same clusters."""
    records = make_records(seed=61, children=150)
    seqs = {r.record_id: i for i, r in enumerate(records)}
    streams: list[list[tuple[str, PersonTokens]]] = [[], []]
    for i, r in enumerate(records):
        streams[(i * 7919) % 3 % 2].append((r.record_id, r.person))
    results = []
    for seed in (1, 2, 3):
        rng = random.Random(seed)
        queues = [list(s) for s in streams]
        resolver = SubjectResolver(LinkageState.in_memory(), synthetic_model, canonical_ids=True)
        while any(queues):
            queue = rng.choice([q for q in queues if q])
            record_id, tokens = queue.pop(0)
            resolver.add(record_id, tokens, seq=seqs[record_id])
        assert_canonical(resolver)
        results.append(partition(resolver))
    same = set(results[0].items()) & set(results[1].items()) & set(results[2].items())
    assert len(same) >= 0.97 * len(results[0]), len(same) / len(results[0])
