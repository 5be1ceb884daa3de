"""Subject identity: pseudonymous ids, change events, and how a subject falls apart.

A *subject* is one child as the linkage sees it: a connected component of accepted match edges
between person records. Analysts, alerts and data requests refer to it by ``subject_id``, so the
rules here are chosen for ids that do not churn:

* a new subject's id is ``subj-`` + 24 hex digits of BLAKE2b over its first record's id (a
  pseudonym: record ids are agency references, never personal data, and the hash is not a key);
* on a **merge** the subject born earliest (lowest arrival seq) keeps its id, the others retire;
* on a **split** (a withdrawn record was the only bridge) the largest part keeps the id, ties to
  the part holding the oldest record; every other part gets an id derived from the parent id and
  its own oldest record (:func:`split_parts` orders them);
* an id that is live is never reissued: the resolver extends the seed (``#1``, ``#2``...) until
  the id is free.

Change events are plain dicts (:class:`SubjectChange`) for the compacted
``safeguarding.subjects.v1`` topic, keyed by ``subject_id``, always with every key present:

=========  =====================================================================================
 type       meaning
=========  =====================================================================================
 created    a new subject (``from_ids`` names the parent when it was split off)
 updated    members changed
 merged     ``from_ids`` were retired into ``subject_id`` (publish a pointer under each of them)
 split      ``subject_id`` kept ``members``; ``into_ids`` lists every part, this one first
 deleted    the last record was withdrawn (publish a tombstone)
=========  =====================================================================================
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from hashlib import blake2b
from typing import Literal, TypedDict

__all__ = ["ChangeType", "SubjectChange", "change", "split_parts", "subject_id_for"]

ChangeType = Literal["created", "updated", "merged", "split", "deleted"]


class SubjectChange(TypedDict):
    """One change to one subject, ready to publish keyed by ``subject_id``."""

    type: ChangeType
    subject_id: str
    members: list[str]
    from_ids: list[str]
    into_ids: list[str]


def subject_id_for(seed: str) -> str:
    """The pseudonymous subject id derived from ``seed`` (a record id, or parent id + record id)."""
    return "subj-" + blake2b(seed.encode(), digest_size=12).hexdigest()


def change(
    kind: ChangeType,
    subject_id: str,
    members: Iterable[str] = (),
    from_ids: Iterable[str] = (),
    into_ids: Iterable[str] = (),
) -> SubjectChange:
    """Build a :class:`SubjectChange` (lists are copied, so callers may reuse their sequences)."""
    return {
        "type": kind,
        "subject_id": subject_id,
        "members": list(members),
        "from_ids": list(from_ids),
        "into_ids": list(into_ids),
    }


def split_parts(
    members: Sequence[str],
    links: Mapping[str, Iterable[str]],
    seq: Mapping[str, int],
) -> list[list[str]]:
    """The connected parts of ``members`` under ``links``, the part that keeps the id first.

    ``members`` is the subject's member order (kept inside every part); ``links`` gives each
    member's linked record ids (links leaving ``members`` are ignored); ``seq`` the arrival
    sequence of each member. Parts after the first are ordered by their oldest record.
    """
    part_of: dict[str, int] = {}
    parts: list[list[str]] = []
    for start in members:
        if start in part_of:
            continue
        part_of[start] = len(parts)
        found, frontier = [start], [start]
        while frontier:
            for other in links.get(frontier.pop(), ()):
                if other in seq and other not in part_of:
                    part_of[other] = part_of[start]
                    found.append(other)
                    frontier.append(other)
        parts.append(found)
    order = {member: i for i, member in enumerate(members)}
    ordered = [sorted(part, key=order.__getitem__) for part in parts]
    oldest = [min(seq[m] for m in part) for part in ordered]
    ranked = sorted(range(len(ordered)), key=lambda i: (-len(ordered[i]), oldest[i]))
    keeper = ordered[ranked[0]]
    rest = sorted((ordered[i] for i in ranked[1:]), key=lambda part: min(seq[m] for m in part))
    return [keeper, *rest]
