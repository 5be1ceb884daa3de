"""Stage 2 without Kafka: apply one link record, return what to publish.

:meth:`Linker.apply` is everything the ``link`` agent does for one record of the linkage
topic, over :class:`~threadline.correlator.state.Table` interfaces (RocksDB-backed faust tables
in the worker, :class:`~threadline.correlator.state.MemoryTable` in tests):

1. fold the event into its report's :class:`~threadline.correlator.histories.ReportHistory`
   (an event id already applied is a redelivery: nothing happens);
2. re-derive the report's child tokens and age, and add, replace or withdraw the report's record
   in the :class:`~threadline.correlator.clusters.SubjectResolver` (canonical ids);
3. update the suspect index (suspect identifier key -> report record ids);
4. publish the **net** effect on every subject the step touched, and refresh the alerts
   (:mod:`~threadline.correlator.alerting`);
5. complete and publish the report's de-identified observation, if stage 1 drafted one
   (:mod:`~threadline.correlator.observing`).

Subjects topic (``safeguarding.subjects.v1``, compacted, key = subject id, JSON)::

    {"format": "threadline.subject/1", "subject_id": "subj-...",
     "status": "active" | "retired" | "deleted",
     "type": "created" | "updated" | "merged" | "split" | "retired" | "deleted",
     "members": ["<agency id>/<report id>", ...], "agencies": [...],
     "from_ids": [...], "into_ids": [...]}

Only net changes are published: a correction that withdraws and re-adds a report in one step
(and so briefly renames or splits its subject inside the resolver) publishes nothing if the
subject ends up as it was. ``from_ids`` / ``into_ids`` name *published* subjects whose reports
moved here / went there. A subject whose reports all moved elsewhere is ``retired`` with
``into_ids``; one whose reports were all withdrawn is ``deleted`` with no members: a value, not
a null tombstone, so a follower learns of it and the compacted topic keeps no report reference.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from threadline.correlator.blocking import BlockingConfig
from threadline.correlator.clusters import SubjectResolver
from threadline.correlator.histories import ReportHistory
from threadline.correlator.linking import ClusteringPolicy
from threadline.correlator.linkrecords import LinkRecord
from threadline.correlator.model import LinkageModel
from threadline.correlator.observing import Observer, known_to_other_agencies
from threadline.correlator.rules import AlertRules
from threadline.correlator.state import LinkageState, MemoryTable, Table
from threadline.correlator.subjects import SubjectChange, subject_id_for

__all__ = ["SUBJECT_FORMAT", "Applied", "Emission", "Linker", "LinkerState"]

SUBJECT_FORMAT = "threadline.subject/1"


@dataclass(frozen=True)
class LinkerState:
    """Stage 2's tables: the resolver's five, plus reports, suspects and what was published."""

    linkage: LinkageState
    reports: Table[str, ReportHistory]
    suspects: Table[bytes, tuple[str, ...]]
    alerts: Table[str, dict[str, Any]]
    networks: Table[str, str]
    published: Table[str, dict[str, Any]]

    @classmethod
    def in_memory(cls) -> LinkerState:
        return cls(
            LinkageState.in_memory(),
            MemoryTable(),
            MemoryTable(),
            MemoryTable(),
            MemoryTable(),
            MemoryTable(),
        )


@dataclass(frozen=True, slots=True)
class Emission:
    """One message to publish; observations have no key (they must not be joinable)."""

    topic: Literal["subjects", "alerts", "observations"]
    key: str | None
    value: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Applied:
    """The outcome of one link record, for the runner (emissions) and metrics (the rest)."""

    emissions: tuple[Emission, ...] = ()
    duplicate: bool = False
    changes: tuple[SubjectChange, ...] = ()
    decision: str = "none"  # new_subject | joined | merged | unchanged | withdrawn | none
    candidates: int | None = None
    reviews: int = 0


class Linker:
    """Subject resolution and alerting over one total order of link records."""

    def __init__(
        self,
        state: LinkerState,
        model: LinkageModel,
        rules: AlertRules,
        *,
        blocking: BlockingConfig | None = None,
        policy: ClusteringPolicy | None = None,
        observer: Observer | None = None,
    ) -> None:
        from threadline.correlator.alerting import Alerting

        self.state = state
        self.observer = observer
        self.resolver = SubjectResolver(
            state.linkage, model, blocking=blocking, policy=policy, canonical_ids=True
        )
        self.alerting = Alerting(state, self.resolver, rules)

    def apply(self, record: LinkRecord) -> Applied:
        """Fold one link record into the state; see the module docstring."""
        state, resolver, rid = self.state, self.resolver, record.record_id
        history = state.reports.get(rid) or ReportHistory()
        if history.knows(record.event_id):
            return Applied(duplicate=True)
        before = resolver.subject_of(rid)
        updated = history.apply(record)
        state.reports.set(rid, updated)
        person, seq = updated.person(), updated.seq()
        decision, candidates, reviews = "none", None, 0
        changes: tuple[SubjectChange, ...] = ()
        if person is not None and seq is not None:
            outcome = resolver.add(rid, person, seq=seq)
            changes, candidates, reviews = outcome.changes, outcome.candidates, len(outcome.reviews)
            decision = _decision(rid, changes)
        elif before is not None:
            changes, decision = resolver.withdraw(rid), "withdrawn"
        old_keys, new_keys = history.suspect_keys(), updated.suspect_keys()
        self._index_suspects(rid, old_keys, new_keys)
        touched = {s for s in (before, resolver.subject_of(rid)) if s is not None}
        for c in changes:
            touched.update((c["subject_id"], *c["from_ids"], *c["into_ids"]))
        subjects, moved = self._publish_subjects(touched)
        alerts = self.alerting.refresh(touched, moved, record, old_keys | new_keys)
        observations = self._observe(record)
        emissions = tuple(subjects + alerts + observations)
        return Applied(emissions, False, changes, decision, candidates, reviews)

    def _observe(self, record: LinkRecord) -> list[Emission]:
        if record.observation is None or self.observer is None:
            return []
        sid = self.resolver.subject_of(record.record_id)
        members = self.resolver.members(sid) if sid is not None else ()
        known = known_to_other_agencies(record.agency_id, members)
        return [
            Emission("observations", None, self.observer.complete(record.observation, known=known))
        ]

    def _index_suspects(self, rid: str, old: frozenset[bytes], new: frozenset[bytes]) -> None:
        suspects = self.state.suspects
        for key in sorted(old - new):
            refs = tuple(r for r in suspects.get(key) or () if r != rid)
            if refs:
                suspects.set(key, refs)
            else:
                suspects.delete(key)
        for key in sorted(new - old):
            suspects.set(key, tuple(sorted({*(suspects.get(key) or ()), rid})))

    def _publish_subjects(self, touched: set[str]) -> tuple[list[Emission], dict[str, set[str]]]:
        """Net subject messages for ``touched``, and where each published subject's reports went."""
        resolver, published = self.resolver, self.state.published
        previous = {sid: published.get(sid) for sid in touched}
        moved: dict[str, set[str]] = {}
        for sid, prev in previous.items():
            if prev is not None and prev["status"] == "active":
                moved[sid] = {s for m in prev["members"] if (s := resolver.subject_of(m))}
        out: list[Emission] = []
        for sid in sorted(touched):
            members, prev = resolver.members(sid), previous[sid]
            was_active = prev is not None and prev["status"] == "active"
            if members:
                sources = sorted(t for t, dest in moved.items() if t != sid and sid in dest)
                if not was_active:
                    message = _subject(sid, "created", members, from_ids=sources)
                elif sources:
                    message = _subject(sid, "merged", members, from_ids=sources)
                elif moved[sid] - {sid}:
                    message = _subject(sid, "split", members, into_ids=moved[sid] - {sid})
                elif prev is not None and sorted(members) == prev["members"]:
                    continue
                else:
                    message = _subject(sid, "updated", members)
            elif was_active:
                into = moved.get(sid, set())
                message = _subject(sid, "retired" if into else "deleted", (), into_ids=into)
            else:
                continue  # never published, or already retired: nothing new to say
            published.set(sid, message)
            out.append(Emission("subjects", sid, message))
        return out, moved


def _decision(rid: str, changes: tuple[SubjectChange, ...]) -> str:
    """How the record was linked (for metrics), read off the resolver's last change."""
    if not changes:
        return "unchanged"
    last = changes[-1]
    if last["type"] == "created":
        return "new_subject"
    if last["type"] == "merged":
        # under canonical ids the survivor is a joined subject, or the record itself if oldest
        joined = len(last["from_ids"]) + (last["subject_id"] != subject_id_for(rid))
        return "merged" if joined >= 2 else "joined"
    return "joined"


def _subject(
    sid: str,
    kind: str,
    members: Iterable[str],
    *,
    from_ids: Iterable[str] = (),
    into_ids: Iterable[str] = (),
) -> dict[str, Any]:
    ordered = sorted(members)
    return {
        "format": SUBJECT_FORMAT,
        "subject_id": sid,
        "status": {"retired": "retired", "deleted": "deleted"}.get(kind, "active"),
        "type": kind,
        "members": ordered,
        "agencies": sorted({m.split("/", 1)[0] for m in ordered}),
        "from_ids": sorted(from_ids),
        "into_ids": sorted(into_ids),
    }
