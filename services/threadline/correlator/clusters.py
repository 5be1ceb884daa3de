"""Incremental, deterministic entity resolution: person records in, stable subjects out.

Records arrive one at a time in topic order. Each is scored against the candidates blocking
retrieves (:mod:`~threadline.correlator.blocking`), the links the precision rules accept become
edges (:mod:`~threadline.correlator.linking`), and a *subject* is a connected component of the
edge graph, named by the identity rules of :mod:`~threadline.correlator.subjects`. Everything
lives in the key-value tables of :mod:`~threadline.correlator.state`, so the faust app runs this
class unchanged over its RocksDB tables.

* **add**: retrieve, score, decide; join the oldest accepted subject, merging the others into it.
* **withdraw**: remove the record and its edges; if it had two or more edges it may have been a
  bridge, so the connectivity of its subject is recomputed and the subject split if it fell apart.
* **replace** (a corrected report): withdraw, then add the new version under the same record id.

Every operation takes the next arrival seq from the ``counters`` table and iterates only over
ordered sequences, so replaying the same operations from empty state yields identical subjects,
ids and change events (DESIGN.md: re-processing from offset 0 gives the same result).

**Canonical ids** (``canonical_ids=True``, what the faust app uses): the caller passes each
record's ``seq`` (derived from its event's time-ordered UUIDv7, not from arrival), and a subject
is always named after its *oldest* member, ``subject_id_for(record id)``, which it keeps first
in ``members``. Ids then depend on the membership alone, not on the order in which interleaved
partitions delivered the records, so one worker and two workers name the same cluster alike.
The price is that an id changes when the oldest member changes (an older report arrives late, or
the oldest is withdrawn); that is published as ``merged`` (the old id retired into the new), and
a split gives every part the id of its own oldest record.
"""

from __future__ import annotations

from dataclasses import dataclass

from threadline.correlator import canonical
from threadline.correlator.blocking import (
    BlockingConfig,
    Posting,
    blocking_keys,
    post_record,
    unpost_record,
)
from threadline.correlator.comparison import (
    compare,
    given_names_differ,
    has_personal_agreement,
    is_unnamed_match,
)
from threadline.correlator.linking import (
    ClusteringPolicy,
    Review,
    ScoredCandidate,
    SubjectView,
    decide,
)
from threadline.correlator.model import LinkageModel
from threadline.correlator.records import PersonTokens
from threadline.correlator.state import LinkageState, RecordEntry, SubjectEntry
from threadline.correlator.subjects import SubjectChange, change, split_parts, subject_id_for

__all__ = ["LinkOutcome", "SubjectResolver"]


@dataclass(frozen=True, slots=True)
class LinkOutcome:
    """What adding one record did: its subject, the changes to publish, items for review."""

    record_id: str
    subject_id: str
    changes: tuple[SubjectChange, ...]
    reviews: tuple[Review, ...]
    candidates: int


class SubjectResolver:
    """Adds, withdraws and replaces person records; holds no state beyond the tables given."""

    def __init__(
        self,
        state: LinkageState,
        model: LinkageModel,
        *,
        blocking: BlockingConfig | None = None,
        policy: ClusteringPolicy | None = None,
        canonical_ids: bool = False,
    ) -> None:
        self.state = state
        self.model = model
        self.blocking = blocking or BlockingConfig()
        self.policy = policy or ClusteringPolicy()
        self.canonical_ids = canonical_ids

    def subject_of(self, record_id: str) -> str | None:
        """The current subject of a record (None if unknown or withdrawn)."""
        entry = self.state.records.get(record_id)
        return None if entry is None else entry.subject_id

    def members(self, subject_id: str) -> tuple[str, ...]:
        """The record ids of a live subject, in the order they joined (empty if not live)."""
        entry = self.state.subjects.get(subject_id)
        return () if entry is None else entry.members

    def add(self, record_id: str, person: PersonTokens, *, seq: int | None = None) -> LinkOutcome:
        """Link a new record. Re-adding an identical record is a no-op; a changed one replaces.

        ``seq`` orders records by age (the next arrival number when None); with canonical ids
        pass a value derived from the record's event time so that age does not depend on arrival.
        """
        state = self.state
        existing = state.records.get(record_id)
        if existing is not None:
            if state.persons.get(record_id) == person and seq in (None, existing.seq):
                return LinkOutcome(record_id, existing.subject_id, (), (), 0)
            return self.replace(record_id, person, seq=seq)
        seq = self._next_seq() if seq is None else seq
        postings = {
            key: state.postings.get(key) for key in blocking_keys(person, self.blocking.families)
        }
        scored = self._score(person, self._candidate_ids(postings))
        views = self._views({c.subject_id for c in scored})
        candidates = [c for c in scored if c.subject_id in views]
        decision = decide(candidates, views, self.model.thresholds, self.policy, self.model.score)
        subject_of = {c.record_id: c.subject_id for c in candidates}
        if decision.subjects:
            joined = sorted(
                (views[s] for s in decision.subjects), key=lambda v: (v.born, v.subject_id)
            )
            if self.canonical_ids:
                subject_id, event = canonical.join(self.state, record_id, seq, joined, subject_of)
            else:
                subject_id, event = self._join(record_id, joined, subject_of)
        else:
            # a canonical id names a live subject only through its oldest member, and this
            # record is in none, so it is free
            subject_id = (
                subject_id_for(record_id) if self.canonical_ids else self._fresh_id(record_id)
            )
            state.subjects.set(subject_id, SubjectEntry(seq, (record_id,)))
            event = change("created", subject_id, [record_id])
        state.persons.set(record_id, person)
        state.records.set(record_id, RecordEntry(seq, subject_id, decision.edges))
        for other, weight in decision.edges:
            entry = state.records.get(other)
            if entry is not None:
                links = (*entry.links, (record_id, weight))
                state.records.set(other, RecordEntry(entry.seq, entry.subject_id, links))
        subject_of[record_id] = subject_id
        self._post(record_id, postings, subject_of)
        return LinkOutcome(record_id, subject_id, (event,), decision.reviews, len(candidates))

    def withdraw(self, record_id: str) -> tuple[SubjectChange, ...]:
        """Remove a withdrawn record; split its subject if it was the only bridge."""
        state = self.state
        entry = state.records.get(record_id)
        if entry is None:
            return ()
        seq = 0 if self.canonical_ids else self._next_seq()
        person = state.persons.get(record_id)
        for key in blocking_keys(person, self.blocking.families) if person is not None else ():
            posting = state.postings.get(key)
            if posting is not None and record_id in posting.records:
                state.postings.set(key, unpost_record(posting, record_id))
        state.persons.delete(record_id)
        state.records.delete(record_id)
        for other, _ in entry.links:
            neighbour = state.records.get(other)
            if neighbour is not None:
                links = tuple(link for link in neighbour.links if link[0] != record_id)
                state.records.set(other, RecordEntry(neighbour.seq, neighbour.subject_id, links))
        subject = state.subjects.get(entry.subject_id)
        if subject is None:
            return ()
        remaining = tuple(m for m in subject.members if m != record_id)
        if not remaining:
            state.subjects.delete(entry.subject_id)
            return (change("deleted", entry.subject_id),)
        if len(entry.links) >= 2:  # a leaf cannot have been a bridge
            return self._split(entry.subject_id, subject.born, remaining, seq)
        if self.canonical_ids and subject.members[0] == record_id:
            return canonical.rename(state, entry.subject_id, remaining)
        state.subjects.set(entry.subject_id, SubjectEntry(subject.born, remaining))
        return (change("updated", entry.subject_id, remaining),)

    def replace(
        self, record_id: str, person: PersonTokens, *, seq: int | None = None
    ) -> LinkOutcome:
        """A corrected record: withdraw the old version, add the new one (changes of both)."""
        removed = self.withdraw(record_id)
        added = self.add(record_id, person, seq=seq)
        changes = removed + added.changes
        return LinkOutcome(record_id, added.subject_id, changes, added.reviews, added.candidates)

    def _next_seq(self) -> int:
        seq = (self.state.counters.get("seq") or 0) + 1
        self.state.counters.set("seq", seq)
        return seq

    def _fresh_id(self, seed: str) -> str:
        candidate, n = subject_id_for(seed), 0
        while self.state.subjects.get(candidate) is not None:
            n += 1
            candidate = subject_id_for(f"{seed}#{n}")
        return candidate

    def _candidate_ids(self, postings: dict[bytes, Posting | None]) -> list[str]:
        """Record ids of unsaturated postings, most selective keys first, up to the budget."""
        usable = sorted(
            (len(p.records), key, p.records)
            for key, p in postings.items()
            if p is not None and not p.saturated
        )
        seen: dict[str, None] = {}
        budget = self.blocking.max_candidates
        for _, _, records in usable:
            for record_id in records:
                if len(seen) >= budget:
                    return list(seen)
                seen[record_id] = None
        return list(seen)

    def _score(self, person: PersonTokens, record_ids: list[str]) -> list[ScoredCandidate]:
        records, persons, weight = self.state.records, self.state.persons, self.model.weight
        scored = []
        for record_id in record_ids:
            entry, other = records.get(record_id), persons.get(record_id)
            if entry is not None and other is not None:
                vector = compare(person, other)
                scored.append(
                    ScoredCandidate(
                        record_id,
                        entry.subject_id,
                        entry.seq,
                        other,
                        weight(vector),
                        has_personal_agreement(vector),
                        is_unnamed_match(vector),
                        given_names_differ(vector),
                    )
                )
        return scored

    def _views(self, subject_ids: set[str]) -> dict[str, SubjectView]:
        views = {}
        for subject_id in sorted(subject_ids):
            entry = self.state.subjects.get(subject_id)
            if entry is not None:
                views[subject_id] = SubjectView(subject_id, entry.born, len(entry.members))
        return views

    def _join(
        self, record_id: str, joined: list[SubjectView], subject_of: dict[str, str]
    ) -> tuple[str, SubjectChange]:
        """Add the record to the oldest joined subject, merging the others into it."""
        survivor, retired = joined[0].subject_id, [v.subject_id for v in joined[1:]]
        entry = self.state.subjects.get(survivor)
        members = list(entry.members) if entry is not None else []
        for subject_id in retired:
            gone = self.state.subjects.get(subject_id)
            for member in gone.members if gone is not None else ():
                record = self.state.records.get(member)
                if record is not None:
                    self.state.records.set(member, RecordEntry(record.seq, survivor, record.links))
                members.append(member)
            self.state.subjects.delete(subject_id)
        members.append(record_id)
        self.state.subjects.set(survivor, SubjectEntry(joined[0].born, tuple(members)))
        for rid, sid in subject_of.items():
            if sid in retired:
                subject_of[rid] = survivor
        if retired:
            return survivor, change("merged", survivor, members, retired, [survivor])
        return survivor, change("updated", survivor, members)

    def _post(
        self, record_id: str, postings: dict[bytes, Posting | None], subject_of: dict[str, str]
    ) -> None:
        for key, posting in postings.items():
            if posting is not None and posting.saturated:
                continue  # nothing to learn, and no write to pay for
            for other in posting.records if posting is not None else ():
                if other not in subject_of:  # beyond the candidate budget: resolve now
                    entry = self.state.records.get(other)
                    if entry is not None:
                        subject_of[other] = entry.subject_id
            self.state.postings.set(key, post_record(posting, record_id, subject_of, self.blocking))

    def _split(
        self, subject_id: str, born: int, remaining: tuple[str, ...], seq: int
    ) -> tuple[SubjectChange, ...]:
        """Recompute connectivity of the remaining members; the main part keeps the id."""
        entries = {m: e for m in remaining if (e := self.state.records.get(m)) is not None}
        links = {m: [other for other, _ in e.links] for m, e in entries.items()}
        parts = split_parts(
            [m for m in remaining if m in entries], links, {m: e.seq for m, e in entries.items()}
        )
        if self.canonical_ids:
            return canonical.split(self.state, subject_id, parts, entries)
        keeper = parts[0]
        self.state.subjects.set(subject_id, SubjectEntry(born, tuple(keeper)))
        if len(parts) == 1:
            return (change("updated", subject_id, keeper),)
        created: list[SubjectChange] = []
        for part in parts[1:]:
            first = min(part, key=lambda m: entries[m].seq)
            new_id = self._fresh_id(f"{subject_id}/{first}")
            self.state.subjects.set(new_id, SubjectEntry(seq, tuple(part)))
            for member in part:
                e = entries[member]
                self.state.records.set(member, RecordEntry(e.seq, new_id, e.links))
            created.append(change("created", new_id, part, [subject_id]))
        into = [subject_id, *(c["subject_id"] for c in created)]
        return (change("split", subject_id, keeper, [subject_id], into), *created)
