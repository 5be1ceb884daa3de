from __future__ import annotations

from tests.unit.correlator.conftest import PersonFactory
from tests.unit.correlator.synthetic_tokens import tok
from threadline.correlator.network import (
    OffenderNetwork,
    SharedSuspectToken,
    offender_networks,
    shared_suspect_tokens,
    suspect_keys,
)

PHONE = b"ph|" + tok("ph", "dealer")
HANDLE = b"hd|" + tok("hd", "groomer")
OTHER = b"hd|" + tok("hd", "someone")
LONER = b"ph|" + tok("ph", "loner")


def test_suspect_keys_are_the_identifier_keys(make_person: PersonFactory) -> None:
    suspect = make_person(given=["dean"], phones=["dealer"], handles=["groomer"])
    assert suspect_keys(suspect) == (PHONE, HANDLE)


def test_a_token_linked_to_two_children_is_found() -> None:
    links = {PHONE: ["rec-1", "rec-2", "rec-2"], LONER: ["rec-3"]}
    assert shared_suspect_tokens(links) == [SharedSuspectToken(PHONE, ("rec-1", "rec-2"))]
    assert shared_suspect_tokens(links)[0].kind == "ph"


def test_references_are_resolved_to_current_subjects() -> None:
    # rec-1 and rec-2 turned out to be one child (merged): no longer two children.
    current = {"rec-1": "subj-a", "rec-2": "subj-a", "rec-3": "subj-b", "gone": None}
    links = {PHONE: ["rec-1", "rec-2"], HANDLE: ["rec-2", "rec-3", "gone"]}
    found = shared_suspect_tokens(links, resolve=current.get)
    assert found == [SharedSuspectToken(HANDLE, ("subj-a", "subj-b"))]


def test_networks_join_tokens_through_shared_children() -> None:
    links = {
        PHONE: ["c1", "c2"],
        HANDLE: ["c2", "c3"],
        OTHER: ["c7", "c8"],
        LONER: ["c9"],
    }
    assert offender_networks(links) == [
        OffenderNetwork(tuple(sorted((PHONE, HANDLE))), ("c1", "c2", "c3")),
        OffenderNetwork((OTHER,), ("c7", "c8")),
    ]
    assert offender_networks(links, min_subjects=3) == []
