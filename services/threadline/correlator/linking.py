"""Which subjects a new record joins: precision-first rules against chaining.

Single-link clustering (join every subject you have one edge into) is transitive: A~B and B~C
put A and C together even when A and C are plainly two children, and one bridge record can weld
two large subjects into one. Because a false merge is the worst error this system can make,
a record's edges are accepted only under these rules (all pure, all deterministic):

1. **Edge**: a candidate scoring ``>= thresholds.match`` *and* agreeing on something personal
   (:func:`~threadline.correlator.comparison.has_personal_agreement`) is a strong link. Household
   evidence alone (family name, postcode, a parent's phone) is how siblings and twins look, so
   such a candidate goes to review (``household``) however high its weight (but see rule 5).
2. **No contradiction**: a subject is *eligible* only if the record also does not contradict
   any of that subject's records it was compared with (no score ``<= thresholds.conflict``).
   A record that strongly matches one report of a subject but is positively a different person
   from another is ambiguous; it goes to review (``conflict``) instead.
3. **Merges are checked across**: when a record is eligible for several subjects, they are taken
   strongest first (ties: older subject). Each further subject is merged in only if none of its
   compared records contradicts any already-accepted compared record
   (``cross_conflict``), i.e. the bridge is not the only thing holding the two together while
   their own records disagree.
4. **Established subjects need a strong bridge**: if both sides of a merge already have
   ``policy.large_subject`` records or more, the record's link into *each* side must be
   ``>= thresholds.bridge`` or rest on ``policy.bridge_support`` strong edges; otherwise the
   merge is refused (``weak_bridge``). Small subjects merge on ordinary strong links, because
   they are exactly the fragments the system exists to join.
5. **Unnamed links, only where no other child fits**: a candidate scoring
   ``>= thresholds.match`` on household evidence with the *given name unknown* on one side
   (same family name, DOB, and postcode district or phone:
   :func:`~threadline.correlator.comparison.is_unnamed_match`) is how an agency that did not
   record a first name reports a child, and also how a twin looks. A subject reached only by
   such links is joined when (a) none of its compared records has a *different* given name
   from the new record's; (b) no other subject the record reaches by unnamed links holds a
   different given name (then both twins are known and a record without a first name fits
   either: every unnamed candidate goes to review as ``household``); (c) it holds no given
   name different from those of the subjects already accepted (else it alone goes to
   review); and (d) rules 2-4 pass, its unnamed links counting as its links. Unnamed subjects
   are taken after the strong ones, strongest first.

Refused and sub-threshold subjects (``possible``: ``possible <= best < match``) are returned as
:class:`Review` items for the app to surface to an analyst, never as edges.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from threadline.correlator.comparison import compare, given_names_differ
from threadline.correlator.model import Thresholds
from threadline.correlator.records import PersonTokens

__all__ = ["ClusteringPolicy", "LinkDecision", "Review", "ScoredCandidate", "SubjectView", "decide"]


@dataclass(frozen=True, slots=True)
class ClusteringPolicy:
    """Anti-chaining knobs (sizes and counts; all weights come from the model's thresholds)."""

    large_subject: int = 3
    bridge_support: int = 2


@dataclass(frozen=True, slots=True)
class ScoredCandidate:
    """An earlier record retrieved by blocking, with its match weight against the new record."""

    record_id: str
    subject_id: str
    seq: int
    person: PersonTokens
    weight: float
    personal: bool = True
    unnamed: bool = False
    """Household evidence with the given name unknown on one side (see rule 5)."""
    names_differ: bool = False
    """Both records have a given name and the names differ (blocks an unnamed link, rule 5)."""


@dataclass(frozen=True, slots=True)
class SubjectView:
    """What the decision needs to know about a candidate subject."""

    subject_id: str
    born: int
    size: int


@dataclass(frozen=True, slots=True)
class Review:
    """A subject the record might belong to but was not linked to, and why."""

    subject_id: str
    weight: float
    reason: str  # possible | household | conflict | cross_conflict | weak_bridge


@dataclass(frozen=True, slots=True)
class LinkDecision:
    """Subjects to join (strongest first), the accepted edges, and items for review."""

    subjects: tuple[str, ...]
    edges: tuple[tuple[str, float], ...]
    reviews: tuple[Review, ...]


@dataclass(slots=True)
class _Evidence:
    view: SubjectView
    compared: list[ScoredCandidate]
    best: float
    worst: float
    strong: int
    best_strong: float
    unnamed: int = 0
    best_unnamed: float = -math.inf
    names_differ: bool = False

    def support(self) -> tuple[float, int]:
        """The best weight and number of the links this subject would be joined by."""
        if self.strong:
            return self.best_strong, self.strong
        return self.best_unnamed, self.unnamed


def decide(
    candidates: Sequence[ScoredCandidate],
    subjects: Mapping[str, SubjectView],
    thresholds: Thresholds,
    policy: ClusteringPolicy,
    score: Callable[[PersonTokens, PersonTokens], float],
) -> LinkDecision:
    """Apply the rules of this module to the scored candidates of one new record."""
    evidence = _gather(candidates, subjects, thresholds)
    reviews: list[Review] = []
    eligible: list[_Evidence] = []
    unnamed: list[_Evidence] = []
    for ev in evidence.values():
        if ev.worst <= thresholds.conflict and (ev.strong or ev.unnamed):
            reviews.append(Review(ev.view.subject_id, ev.best, "conflict"))
        elif ev.strong:
            eligible.append(ev)
        elif ev.unnamed and not ev.names_differ:
            unnamed.append(ev)
        elif ev.best >= thresholds.match:
            reviews.append(Review(ev.view.subject_id, ev.best, "household"))
        elif ev.best >= thresholds.possible:
            reviews.append(Review(ev.view.subject_id, ev.best, "possible"))
    eligible.sort(key=lambda e: (-e.best_strong, e.view.born, e.view.subject_id))
    unnamed.sort(key=lambda e: (-e.best_unnamed, e.view.born, e.view.subject_id))
    if _names_differ_across(unnamed):  # rule 5: twins both known, the record fits either
        reviews.extend(Review(ev.view.subject_id, ev.best, "household") for ev in unnamed)
        unnamed = []

    accepted: list[_Evidence] = []
    for ev in [*eligible, *unnamed]:
        reason = None
        if not ev.strong and any(_names_differ(a, ev) for a in accepted):
            reason = "household"
        elif accepted:
            reason = _merge_refusal(accepted, ev, thresholds, policy, score)
        if reason is None:
            accepted.append(ev)
        else:
            reviews.append(Review(ev.view.subject_id, ev.best, reason))

    edges = sorted(
        (c.seq, c.record_id, c.weight)
        for ev in accepted
        for c in ev.compared
        if c.weight >= thresholds.match and (c.personal or c.unnamed)
    )
    reviews.sort(key=lambda r: (-r.weight, r.subject_id))
    return LinkDecision(
        tuple(ev.view.subject_id for ev in accepted),
        tuple((record_id, weight) for _, record_id, weight in edges),
        tuple(reviews),
    )


def _gather(
    candidates: Sequence[ScoredCandidate],
    subjects: Mapping[str, SubjectView],
    thresholds: Thresholds,
) -> dict[str, _Evidence]:
    """The candidates grouped by subject, with what rules 1-5 need to know of each group."""
    evidence: dict[str, _Evidence] = {}
    for cand in candidates:
        ev = evidence.get(cand.subject_id)
        if ev is None:
            ev = evidence[cand.subject_id] = _Evidence(
                subjects[cand.subject_id], [], cand.weight, cand.weight, 0, -math.inf
            )
        ev.compared.append(cand)
        ev.best = max(ev.best, cand.weight)
        ev.worst = min(ev.worst, cand.weight)
        if cand.weight >= thresholds.match and cand.personal:
            ev.strong += 1
            ev.best_strong = max(ev.best_strong, cand.weight)
        elif cand.weight >= thresholds.match and cand.unnamed:
            ev.unnamed += 1
            ev.best_unnamed = max(ev.best_unnamed, cand.weight)
        ev.names_differ = ev.names_differ or cand.names_differ
    return evidence


def _names_differ_across(group: Sequence[_Evidence]) -> bool:
    """True if a compared record of one subject has a different given name from one of another."""
    return any(_names_differ(ev, other) for i, ev in enumerate(group) for other in group[i + 1 :])


def _names_differ(ev: _Evidence, other: _Evidence) -> bool:
    return any(
        given_names_differ(compare(x.person, y.person)) for x in ev.compared for y in other.compared
    )


def _merge_refusal(
    accepted: list[_Evidence],
    ev: _Evidence,
    thresholds: Thresholds,
    policy: ClusteringPolicy,
    score: Callable[[PersonTokens, PersonTokens], float],
) -> str | None:
    """Why ``ev`` may not be merged into the subjects already accepted (None: it may)."""
    for other in accepted:
        for x in other.compared:
            for y in ev.compared:
                if score(x.person, y.person) <= thresholds.conflict:
                    return "cross_conflict"
    union_size = sum(a.view.size for a in accepted)
    if union_size >= policy.large_subject and ev.view.size >= policy.large_subject:

        def supported(best: float, strong: int) -> bool:
            return best >= thresholds.bridge or strong >= policy.bridge_support

        union_best = max(a.support()[0] for a in accepted)
        union_strong = sum(a.support()[1] for a in accepted)
        if not (supported(*ev.support()) and supported(union_best, union_strong)):
            return "weak_bridge"
    return None
