"""The ground truth agrees with the records and describes real offender networks."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from threadline.simulate import Simulation


def test_every_report_maps_to_a_child_and_its_associates_to_offenders(small: Simulation) -> None:
    children = small.truth.children_by_id()
    offenders = {o.offender_id: o for o in small.truth.offenders}
    for (agency, record), truth in zip(small.reports, small.truth.reports, strict=True):
        assert truth.agency_id == agency and truth.report_id == record["report_id"]
        assert truth.event_type == record["event_type"]
        child = children[truth.child_id]
        assert len(truth.associate_ids) == len(record.get("associates", []))
        for offender_id in truth.associate_ids:
            assert offender_id in child.offender_ids  # only the child's own abusers appear
            assert offender_id in offenders


def test_amendments_point_back_to_an_earlier_report_of_the_same_agency(small: Simulation) -> None:
    for truth in small.truth.reports:
        if truth.event_type in ("report_updated", "report_withdrawn"):
            assert truth.amends is not None and truth.amends < truth.index
            original = small.truth.reports[truth.amends]
            assert (original.agency_id, original.report_id, original.child_id) == (
                truth.agency_id,
                truth.report_id,
                truth.child_id,
            )
        else:
            assert truth.amends is None


def test_offender_networks_share_suspects_across_children(medium: Simulation) -> None:
    children_of: dict[str, set[str]] = defaultdict(set)
    for truth in medium.truth.reports:
        for offender_id in truth.associate_ids:
            children_of[offender_id].add(truth.child_id)
    shared = [o for o, kids in children_of.items() if len(kids) >= 2]
    assert len(shared) >= 10  # what an "offender network" alert has to find
    networks = {n.network_id: n for n in medium.truth.networks}
    offenders = {o.offender_id: o for o in medium.truth.offenders}
    for child in medium.truth.children:
        if child.network_id is not None:
            network = networks[child.network_id]
            assert child.child_id in network.child_ids
            assert set(child.offender_ids) <= set(network.offender_ids)
            assert all(offenders[o].network_id == child.network_id for o in child.offender_ids)
    share = sum(c.network_id is not None for c in medium.truth.children) / 2000
    assert abs(share - medium.config.networked_share) < 0.05


def test_concern_content_follows_the_child_profile(medium: Simulation) -> None:
    children = medium.truth.children_by_id()
    seen: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for (_, record), truth in zip(medium.reports, medium.truth.reports, strict=True):
        if "concern" in record:
            seen[children[truth.child_id].profile].append(record["concern"])
    county = seen["county_lines"]
    assert all("cce" in c["exploitation_types"] for c in county)
    sextortion_platforms = {p["platform"] for c in seen["sextortion"] for p in c["platforms"]}
    assert sextortion_platforms <= {"instagram", "snapchat", "facebook", "x"}
    missing = sum("going_missing" in c["indicators"] for c in county)
    grooming = sum("going_missing" in c["indicators"] for c in seen["online_grooming"])
    assert missing / len(county) > 2 * grooming / len(seen["online_grooming"])
