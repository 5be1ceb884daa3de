"""Canonical subject ids: a subject is named after its oldest record, whatever the arrival order.

The faust app feeds the resolver from one linkage partition into which several report partitions
are interleaved; the interleaving differs between runs (one worker or two, a restart). With
``SubjectResolver(canonical_ids=True)`` the caller gives each record a ``seq`` derived from its
event time, and these helpers keep the invariant **a live subject's id is**
``subject_id_for(oldest member)`` **and that member is** ``members[0]`` (oldest = lowest
``(seq, record id)``). Ids are then a function of the membership alone.

When the oldest member changes (an older record joins, or the oldest is withdrawn) the id changes
too; that is reported as ``merged`` with the old id in ``from_ids``, the same instruction to a
consumer as a real merge: follow the retired id to the new one. A split names every part after
its own oldest record, so the old id survives only in the part that still holds its oldest.
"""

from __future__ import annotations

from threadline.correlator.linking import SubjectView
from threadline.correlator.state import LinkageState, RecordEntry, SubjectEntry
from threadline.correlator.subjects import SubjectChange, change, subject_id_for

__all__ = ["join", "rename", "split"]


def join(
    state: LinkageState,
    record_id: str,
    seq: int,
    joined: list[SubjectView],
    subject_of: dict[str, str],
) -> tuple[str, SubjectChange]:
    """Join under canonical ids: the union is named after its oldest record, whoever it is."""
    entries = [(v.subject_id, e) for v in joined if (e := state.subjects.get(v.subject_id))]
    heads = [(e.born, e.members[0]) for _, e in entries]
    born, oldest = min([*heads, (seq, record_id)])
    survivor = subject_id_for(oldest)
    pool = [m for _, e in entries for m in e.members]
    members = [oldest, *(m for m in [*pool, record_id] if m != oldest)]
    retired = [sid for sid, _ in entries if sid != survivor]
    for sid, entry in entries:
        if sid == survivor:
            continue
        for member in entry.members:
            record = state.records.get(member)
            if record is not None:
                state.records.set(member, RecordEntry(record.seq, survivor, record.links))
        state.subjects.delete(sid)
    state.subjects.set(survivor, SubjectEntry(born, tuple(members)))
    for rid, sid in subject_of.items():
        if sid in retired:
            subject_of[rid] = survivor
    if retired:
        return survivor, change("merged", survivor, members, retired, [survivor])
    return survivor, change("updated", survivor, members)


def _named_part(
    state: LinkageState, part: list[str], entries: dict[str, RecordEntry]
) -> tuple[str, SubjectEntry]:
    """A part's canonical id and entry, relabelling its records to it."""
    oldest = min(part, key=lambda m: (entries[m].seq, m))
    name = subject_id_for(oldest)
    for member in part:
        e = entries[member]
        if e.subject_id != name:
            state.records.set(member, RecordEntry(e.seq, name, e.links))
    members = (oldest, *(m for m in part if m != oldest))
    return name, SubjectEntry(entries[oldest].seq, members)


def rename(
    state: LinkageState, subject_id: str, remaining: tuple[str, ...]
) -> tuple[SubjectChange, ...]:
    """The oldest member left a subject that stays whole: it takes its new oldest's id."""
    entries = {m: e for m in remaining if (e := state.records.get(m)) is not None}
    name, entry = _named_part(state, [m for m in remaining if m in entries], entries)
    state.subjects.delete(subject_id)
    state.subjects.set(name, entry)
    return (change("merged", name, entry.members, [subject_id], [name]),)


def split(
    state: LinkageState, subject_id: str, parts: list[list[str]], entries: dict[str, RecordEntry]
) -> tuple[SubjectChange, ...]:
    """Each part is named after its own oldest record; the old id lives on only in the part
    that still holds its oldest record (if that record was not the one withdrawn)."""
    named = [_named_part(state, part, entries) for part in parts]
    named.sort(key=lambda item: (item[0] != subject_id, item[1].born, item[0]))
    kept = named[0][0] == subject_id
    if not kept:
        state.subjects.delete(subject_id)
    for name, entry in named:
        state.subjects.set(name, entry)
    if len(named) == 1:
        name, entry = named[0]
        if kept:
            return (change("updated", name, entry.members),)
        return (change("merged", name, entry.members, [subject_id], [name]),)
    created = [
        change("created", name, entry.members, [subject_id])
        for name, entry in (named[1:] if kept else named)
    ]
    into = [name for name, _ in named]
    keeper_members = named[0][1].members if kept else ()
    return (change("split", subject_id, keeper_members, [subject_id], into), *created)
