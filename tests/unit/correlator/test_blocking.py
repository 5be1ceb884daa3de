from __future__ import annotations

from collections import defaultdict

import pytest

from tests.unit.correlator.conftest import PersonFactory
from tests.unit.correlator.synthetic_tokens import make_records
from threadline.correlator.blocking import (
    DEFAULT_FAMILIES,
    KEY_FAMILIES,
    BlockingConfig,
    Posting,
    blocking_keys,
    post_record,
    unpost_record,
)


def shared(a: tuple[bytes, ...], b: tuple[bytes, ...]) -> set[str]:
    """The families of the keys two records share."""
    return {key[:2].decode() for key in set(a) & set(b)}


def test_keys_are_sorted_unique_prefixed_and_deterministic(make_person: PersonFactory) -> None:
    p = make_person(given=["g", "g2"], family=["f"], phonetic=["G|F"], dob=(2011, 4, 3),
                    postcode="E1", phones=["1"], emails=["e"], handles=["h"])  # fmt: skip
    keys = blocking_keys(p)
    assert keys == tuple(sorted(set(keys)))
    assert keys == blocking_keys(p)
    assert {k[:2].decode() for k in keys} == DEFAULT_FAMILIES
    assert "py" in {k[:2].decode() for k in blocking_keys(p, frozenset(KEY_FAMILIES))}
    assert all(k[2:3] == b"|" for k in keys)


def test_swapped_dob_shares_every_dob_key(make_person: PersonFactory) -> None:
    a = make_person(given=["g"], family=["f"], phonetic=["G|F"], dob=(2011, 4, 3), postcode="E1")
    b = make_person(given=["g"], family=["f"], phonetic=["G|F"], dob=(2011, 3, 4), postcode="E1")
    assert {"gd", "fd", "pd", "cd"} <= shared(blocking_keys(a), blocking_keys(b))


@pytest.mark.parametrize(
    ("change", "survivor"),
    [
        ({"family": ["typo"]}, "gd"),  # family-name typo
        ({"given": ["typo"], "family": ["f"]}, "fd"),  # given-name typo
        ({"given": ["x"], "family": ["y"]}, "pd"),  # both typos keep the phonetic code
        ({"dob": (2011, 9, 21)}, "fy"),  # wrong day and month
        ({"dob": None}, "gf"),  # DOB missing
        ({"given": [], "family": [], "phonetic": [], "clk": None}, "cd"),  # names missing
    ],
)
def test_realistic_corruption_still_shares_a_key(
    make_person: PersonFactory, change: dict[str, object], survivor: str
) -> None:
    fields: dict[str, object] = {
        "given": ["g"], "family": ["f"], "phonetic": ["G|F"], "dob": (2011, 4, 3),
        "postcode": "E1",
    }  # fmt: skip
    a = make_person(**fields)
    b = make_person(**(fields | change))
    assert survivor in shared(blocking_keys(a), blocking_keys(b))


def test_unrelated_people_share_no_key(make_person: PersonFactory) -> None:
    a = make_person(given=["a"], family=["b"], dob=(2010, 1, 1), phones=["1"])
    b = make_person(given=["c"], family=["d"], dob=(2010, 1, 1), phones=["2"])
    assert not set(blocking_keys(a)) & set(blocking_keys(b))  # a shared DOB alone is no key


def test_families_can_be_switched_off(make_person: PersonFactory) -> None:
    p = make_person(given=["g"], family=["f"], dob=(2011, 4, 3), phones=["1"])
    keys = blocking_keys(p, frozenset({"ph"}))
    assert [k[:3] for k in keys] == [b"ph|"]
    with pytest.raises(ValueError, match="blocking config"):
        BlockingConfig(families=frozenset({"zz"}))


def test_true_matches_share_a_key_with_an_earlier_report_of_the_same_child() -> None:
    records = make_records(seed=5, children=600)
    keys = [set(blocking_keys(r.person)) for r in records]
    seen: defaultdict[str, list[int]] = defaultdict(list)
    found = total = 0
    for i, record in enumerate(records):
        earlier = seen[record.entity]
        if earlier:
            total += 1
            found += any(keys[i] & keys[j] for j in earlier)
        earlier.append(i)
    assert found / total >= 0.9


def test_posting_keeps_the_most_recent_records_of_one_subject() -> None:
    config = BlockingConfig(frequency_cap=5, per_subject=2)
    subject_of = {"r1": "s1", "r2": "s1", "r3": "s2", "r4": "s1"}
    posting = None
    for record in ("r1", "r2", "r3", "r4"):
        posting = post_record(posting, record, subject_of, config)
    assert posting == Posting(("r2", "r3", "r4"), 4, False)


def test_frequency_cap_saturates_and_stays_saturated() -> None:
    config = BlockingConfig(frequency_cap=2)
    subject_of = {"r1": "s1", "r2": "s2", "r3": "s3", "r4": "s4"}
    posting = post_record(None, "r1", subject_of, config)
    posting = post_record(posting, "r2", subject_of, config)
    assert not posting.saturated
    posting = post_record(posting, "r3", subject_of, config)
    assert posting.saturated
    assert posting.records == ()
    assert unpost_record(posting, "r3").saturated
    assert post_record(posting, "r4", subject_of, config).saturated


def test_records_whose_subject_is_gone_are_dropped() -> None:
    config = BlockingConfig()
    posting = Posting(("gone", "r1"), 2, False)
    assert post_record(posting, "r2", {"r1": "s1", "r2": "s2"}, config).records == ("r1", "r2")


def test_unpost_removes_only_that_record() -> None:
    posting = Posting(("r1", "r2"), 2, False)
    assert unpost_record(posting, "r1") == Posting(("r2",), 2, False)
    assert unpost_record(posting, "r9") is posting
