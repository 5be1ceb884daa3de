"""Every record is in the agency-input format, in time order, as many as configured."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from tests.unit.simulate.agency_format import problems
from threadline.sdk.report import parse_report
from threadline.simulate import Agency, AgencyKind, Simulation, SimulationConfig, simulate


def test_counts_are_as_configured(small: Simulation) -> None:
    assert len(small.reports) == len(small.truth.reports) == 1500
    assert len(small.truth.children) == 300
    assert {t.child_id for t in small.truth.reports} == {c.child_id for c in small.truth.children}
    ids = {a.agency_id for a in small.config.agency_table}
    assert {agency for agency, _ in small.reports} == ids


def test_every_record_follows_the_documented_format(small: Simulation) -> None:
    assert [(i, p) for i, (_, r) in enumerate(small.reports) if (p := problems(r))] == []


def test_every_record_passes_the_sdk_validator(small: Simulation) -> None:
    for _, record in small.reports:
        parse_report(record)


def test_reports_are_in_time_order_and_ids_are_per_agency(small: Simulation) -> None:
    times = [r["occurred_at"] for _, r in small.reports]
    assert times == sorted(times)
    first_seen: dict[tuple[str, str], str] = {}
    for agency, record in small.reports:
        assert record["report_id"].startswith(agency.upper() + "-")
        key = (agency, record["report_id"])
        if record["event_type"] in ("report_updated", "report_withdrawn"):
            assert key in first_seen  # amends an earlier report by the same agency
        else:
            assert key not in first_seen
            first_seen[key] = record["occurred_at"]


def test_reports_per_child_are_skewed(medium: Simulation) -> None:
    per_child = Counter(t.child_id for t in medium.truth.reports)
    counts = sorted(per_child.values())
    assert counts[0] >= 1
    assert sum(1 for c in counts if c <= 3) / len(counts) > 0.5  # most children: 1-3 reports
    assert counts[-1] >= 20  # and a few appear many times


def test_event_mix_is_roughly_as_configured(medium: Simulation) -> None:
    events = Counter(t.event_type for t in medium.truth.reports)
    mix = medium.config.events
    for name in events:
        assert abs(events[name] / 10_000 - getattr(mix, name)) < 0.03, name
    missing = Counter(t.child_id for t in medium.truth.reports if t.event_type == "missing_episode")
    assert max(missing.values()) >= 4  # missing episodes repeat for some children


def test_a_custom_agency_list_is_used_and_kinds_are_inferred() -> None:
    agencies = ("kent-police", "kent-csc", Agency("helpline-9", AgencyKind.CHARITY))
    sim = simulate(SimulationConfig(seed=3, children=40, reports=120, agencies=agencies))
    assert {a for a, _ in sim.reports} <= {"kent-police", "kent-csc", "helpline-9"}
    assert [a.kind for a in sim.config.agency_table] == [
        AgencyKind.POLICE,
        AgencyKind.SOCIAL_CARE,
        AgencyKind.CHARITY,
    ]


def _age(dob: date, on: date) -> int:
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


def test_ages_include_the_edge_cases(medium: Simulation) -> None:
    start = medium.config.start.date()
    end = start + timedelta(days=medium.config.days)
    ages = [_age(c.date_of_birth, start) for c in medium.truth.children]
    assert min(ages) == 10
    assert sum(a >= 18 for a in ages) >= 3  # a few adults by mistake, for the adult flag
    turning = [
        c
        for c, a in zip(medium.truth.children, ages, strict=True)
        if a == 17 and _age(c.date_of_birth, end) == 18
    ]
    assert len(turning) >= 20  # 17 at the start, 18 before the end
