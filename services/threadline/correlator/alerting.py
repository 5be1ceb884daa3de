"""Which alerts one link record changes, and their new versions.

After :class:`~threadline.correlator.linker.Linker` has updated the subjects, :meth:`Alerting.
refresh` re-evaluates only what the step can have changed:

* **per subject** (every touched subject): ``cross_agency_link`` (its live reports come from at
  least ``min_agencies`` agencies) and ``escalation`` (the escalation rules that hold over its
  live events). A subject that merged away or lost its last report retires its alerts, naming
  the alerts of the subjects its reports went to in ``superseded_by``.
* **offender networks** around the step: children (subjects) tied by a suspect identifier key
  that the reports of at least ``min_children`` distinct children carry. A network is a
  connected component of such ties, found by a walk from the touched subjects, the reports
  sharing the record's suspect keys (before and after) and every network they belonged to. Its
  id is anchored on its oldest contributing report (by event time, then reference), so it stays
  put while the network grows; a network that disappears or is absorbed is retired.

Every id is derived from canonical subject ids and report references, so the alerts a given set
of reports produces does not depend on the order the linkage topic delivered them in. Versions
count emitted changes and therefore can differ between two such runs; the content cannot.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from threadline.correlator.alerts import alert_id, build_alert, next_version, retire
from threadline.correlator.clusters import SubjectResolver
from threadline.correlator.histories import ReportHistory
from threadline.correlator.linkrecords import LinkRecord
from threadline.correlator.rules import (
    SEVERITIES,
    AlertRules,
    Finding,
    escalation_findings,
    highest_risk,
)

if TYPE_CHECKING:
    from threadline.correlator.linker import Emission, LinkerState

__all__ = ["Alerting"]

CROSS_AGENCY, ESCALATION, NETWORK = "cross_agency_link", "escalation", "offender_network"
_KINDS = {
    b"ph": ("shared_suspect_phone", "phone number"),
    b"em": ("shared_suspect_email", "e-mail address"),
    b"hd": ("shared_suspect_handle", "handle"),
}


class Alerting:
    """Re-evaluates the alerts a step can have changed (see the module docstring)."""

    def __init__(self, state: LinkerState, resolver: SubjectResolver, rules: AlertRules) -> None:
        self.state = state
        self.resolver = resolver
        self.rules = rules

    def refresh(
        self,
        touched: set[str],
        moved: dict[str, set[str]],
        record: LinkRecord,
        keys: frozenset[bytes],
    ) -> list[Emission]:
        """Alert emissions for one step; ``moved`` maps published subjects to where they went."""
        at = record.recorded_at
        out = self._subject_alerts(touched, moved, at)
        out.extend(self._network_alerts(record.record_id, touched, keys, at))
        return out

    # -- helpers over the tables ----------------------------------------------------------------

    def _history(self, rid: str) -> ReportHistory:
        return self.state.reports.get(rid) or ReportHistory()

    def _events(self, rids: Iterable[str]) -> list[LinkRecord]:
        return [e for rid in sorted(rids) for e in self._history(rid).events]

    def _put(
        self, aid: str, content: dict[str, Any] | None, successors: Iterable[str], at: int
    ) -> list[Emission]:
        from threadline.correlator.linker import Emission

        previous = self.state.alerts.get(aid)
        if content is not None:
            new = next_version(previous, content)
        elif previous is not None:
            live = [s for s in successors if self._active(s)]
            new = retire(previous, live, at)
        else:
            new = None
        if new is None:
            return []
        self.state.alerts.set(aid, new)
        return [Emission("alerts", aid, new)]

    def _active(self, aid: str) -> bool:
        alert = self.state.alerts.get(aid)
        return alert is not None and alert["status"] == "active"

    # -- per-subject alerts ---------------------------------------------------------------------

    def _subject_alerts(
        self, touched: set[str], moved: dict[str, set[str]], at: int
    ) -> list[Emission]:
        out: list[Emission] = []
        live = sorted(s for s in touched if self.resolver.members(s))
        for sid in live:
            events = self._events(self.resolver.members(sid))
            out += self._put(alert_id(CROSS_AGENCY, sid), self._cross_agency(sid, events), (), at)
            out += self._put(alert_id(ESCALATION, sid), self._escalation(sid, events), (), at)
        for sid in sorted(touched - set(live)):
            for kind in (CROSS_AGENCY, ESCALATION):
                successors = [alert_id(kind, d) for d in sorted(moved.get(sid, ()))]
                out += self._put(alert_id(kind, sid), None, successors, at)
        return out

    def _cross_agency(self, sid: str, events: Sequence[LinkRecord]) -> dict[str, Any] | None:
        rule = self.rules.cross_agency_link
        agencies = {e.agency_id for e in events}
        if len(agencies) < rule.min_agencies:
            return None
        severity = rule.severity_for(agencies=len(agencies), risk=highest_risk(events))
        finding = Finding("known_to_agencies", f"known to {len(agencies)} agencies", severity)
        return build_alert(CROSS_AGENCY, sid, [finding], [sid], events, severity)

    def _escalation(self, sid: str, events: Sequence[LinkRecord]) -> dict[str, Any] | None:
        findings = escalation_findings(self.rules, events)
        if not findings:
            return None
        severity = max((f.severity for f in findings), key=SEVERITIES.index)
        return build_alert(ESCALATION, sid, findings, [sid], events, severity)

    # -- offender networks ------------------------------------------------------------------------

    def _network_alerts(
        self, rid: str, touched: set[str], keys: frozenset[bytes], at: int
    ) -> list[Emission]:
        state, resolver = self.state, self.resolver
        start = {rid, *(m for s in touched for m in resolver.members(s))}
        for key in keys:
            start.update(state.suspects.get(key) or ())
        old: dict[str, set[str]] = {}
        for report in sorted(start):
            aid = state.networks.get(report)
            if aid is not None and aid not in old:
                alert = state.alerts.get(aid) or {"reports": []}
                old[aid] = {f"{r['agency_id']}/{r['report_id']}" for r in alert["reports"]}
        for reports in old.values():
            start |= reports
        new: dict[str, tuple[dict[str, Any], set[str]]] = {}
        for subjects, reports, shared in self._networks(start):
            anchor = min(reports, key=lambda r: (self._history(r).seq() or 0, r))
            events = [e for e in self._events(reports) if shared.intersection(e.suspects)]
            content = self._network_alert(anchor, subjects, shared, events)
            new[content["alert_id"]] = (content, reports)
        out: list[Emission] = []
        for aid, (content, _) in sorted(new.items()):
            out += self._put(aid, content, (), at)
        for aid in sorted(old.keys() - new.keys()):
            successors = [n for n, (_, reports) in new.items() if reports & old[aid]]
            out += self._put(aid, None, successors, at)
        before = {r: aid for aid, reports in old.items() for r in reports}
        after = {r: aid for aid, (_, reports) in new.items() for r in reports}
        for report in sorted(before.keys() - after.keys()):  # write only what changed
            if state.networks.get(report) == before[report]:
                state.networks.delete(report)
        for report, aid in sorted(after.items()):
            if before.get(report) != aid:
                state.networks.set(report, aid)
        return out

    def _networks(self, start: set[str]) -> list[tuple[set[str], set[str], set[bytes]]]:
        """Components of children tied by shared suspect keys, reachable from ``start``."""
        resolver, minimum = self.resolver, self.rules.offender_network.min_children
        queue = sorted({s for r in start if (s := resolver.subject_of(r))})
        reached, seen_keys = set(queue), set[bytes]()
        ties: list[tuple[bytes, set[str], set[str]]] = []
        while queue:
            sid = queue.pop()
            for member in resolver.members(sid):
                for key in sorted(self._history(member).suspect_keys() - seen_keys):
                    seen_keys.add(key)
                    refs = set(self.state.suspects.get(key) or ())
                    children = {s for r in refs if (s := resolver.subject_of(r))}
                    if len(children) >= minimum:
                        ties.append((key, children, refs))
                        fresh = children - reached
                        reached |= fresh
                        queue.extend(sorted(fresh))
        parent: dict[str, str] = {}

        def root(s: str) -> str:
            while parent.setdefault(s, s) != s:
                s = parent[s]
            return s

        for _, children, _ in ties:
            first, *rest = sorted(children)
            for other in rest:
                a, b = sorted((root(first), root(other)))
                parent[b] = a
        groups: dict[str, tuple[set[str], set[str], set[bytes]]] = {}
        for key, children, refs in ties:
            subjects, reports, shared = groups.setdefault(
                root(min(children)), (set(), set(), set())
            )
            subjects |= children
            reports |= refs
            shared.add(key)
        return list(groups.values())

    def _network_alert(
        self, anchor: str, subjects: set[str], shared: set[bytes], events: list[LinkRecord]
    ) -> dict[str, Any]:
        rule, resolver = self.rules.offender_network, self.resolver
        findings: list[Finding] = []
        severity = rule.severity_for(children=len(subjects))
        for prefix, (code, noun) in _KINDS.items():
            keys = [k for k in shared if k.startswith(prefix)]
            if not keys:
                continue
            most = max(
                len({s for r in self.state.suspects.get(k) or () if (s := resolver.subject_of(r))})
                for k in keys
            )
            text = (
                f"one suspect {noun} linked to {most} children"
                if len(keys) == 1
                else f"{len(keys)} suspect {noun}s each linked to 2 or more children (up to {most})"
            )
            findings.append(Finding(code, text, severity))
        return build_alert(NETWORK, anchor, findings, subjects, events, severity)
