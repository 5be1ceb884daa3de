"""Offender networks: one suspect identifier linked to two or more children.

DESIGN.md names this alert: the same suspect phone, handle or e-mail token turning up around
different children is how grooming by one person across a school, a platform or a town becomes
visible, even when each agency saw one child.

The app keeps a table ``suspect key -> set of child references``, filled from each report's
associates (:func:`suspect_keys` of every suspect, paired with that report's child). Children
are best referenced by their **record id**, not their subject id: record ids never churn, while
subject ids are retired by merges, and two retired ids of one child would otherwise look like two
children. ``resolve`` maps a stored reference to the child's *current* subject id (for record
ids: :meth:`SubjectResolver.subject_of`; for stored subject ids, a follow-the-merges lookup), so
the count is of distinct children as the linkage now sees them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from threadline.correlator.blocking import identifier_keys
from threadline.correlator.records import PersonTokens

__all__ = [
    "OffenderNetwork",
    "SharedSuspectToken",
    "offender_networks",
    "shared_suspect_tokens",
    "suspect_keys",
]


def suspect_keys(person: PersonTokens) -> tuple[bytes, ...]:
    """A suspect's identifier keys: ``ph|``, then ``em|``, then ``hd|`` + token, each sorted."""
    return identifier_keys(person)


@dataclass(frozen=True, slots=True)
class SharedSuspectToken:
    """A suspect identifier key and the distinct child subjects it is linked to (sorted)."""

    key: bytes
    subjects: tuple[str, ...]

    @property
    def kind(self) -> str:
        """``ph``, ``em`` or ``hd``: which kind of identifier is shared."""
        return self.key[:2].decode()


@dataclass(frozen=True, slots=True)
class OffenderNetwork:
    """Children tied together by shared suspect identifiers (both sorted)."""

    keys: tuple[bytes, ...]
    subjects: tuple[str, ...]


def shared_suspect_tokens(
    links: Mapping[bytes, Iterable[str]],
    *,
    resolve: Callable[[str], str | None] | None = None,
    min_subjects: int = 2,
) -> list[SharedSuspectToken]:
    """Suspect keys linked to at least ``min_subjects`` distinct current child subjects.

    References that ``resolve`` maps to None (withdrawn) are ignored. Sorted by the number of
    children, most first, then by key, so the output is deterministic.
    """
    found = []
    for key, refs in links.items():
        subjects = {resolve(ref) if resolve else ref for ref in refs}
        subjects.discard(None)
        if len(subjects) >= min_subjects:
            found.append(
                SharedSuspectToken(key, tuple(sorted(s for s in subjects if s is not None)))
            )
    found.sort(key=lambda t: (-len(t.subjects), t.key))
    return found


def offender_networks(
    links: Mapping[bytes, Iterable[str]],
    *,
    resolve: Callable[[str], str | None] | None = None,
    min_subjects: int = 2,
) -> list[OffenderNetwork]:
    """Group shared suspect keys whose children overlap into networks (connected components).

    Only keys shared by ``min_subjects`` children connect; a key seen with one child is context,
    not a tie. Largest networks first.
    """
    shared = shared_suspect_tokens(links, resolve=resolve, min_subjects=min_subjects)
    parent: dict[str, str] = {}

    def root(subject: str) -> str:
        while parent.setdefault(subject, subject) != subject:
            parent[subject] = parent[parent[subject]]
            subject = parent[subject]
        return subject

    for token in shared:
        first = root(token.subjects[0])
        for other in token.subjects[1:]:
            r = root(other)
            if r != first:
                parent[max(r, first)] = min(r, first)
                first = min(r, first)
    groups: dict[str, tuple[list[bytes], set[str]]] = {}
    for token in shared:
        keys, subjects = groups.setdefault(root(token.subjects[0]), ([], set()))
        keys.append(token.key)
        subjects.update(token.subjects)
    networks = [OffenderNetwork(tuple(sorted(k)), tuple(sorted(s))) for k, s in groups.values()]
    networks.sort(key=lambda n: (-len(n.subjects), n.subjects))
    return networks
