"""State values survive the byte codecs, so the resolver runs unchanged over byte-valued tables."""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

import pytest

from tests.unit.correlator.synthetic_tokens import make_records
from threadline.correlator.blocking import Posting
from threadline.correlator.clusters import SubjectResolver
from threadline.correlator.model import LinkageModel
from threadline.correlator.records import decode_person, encode_person
from threadline.correlator.state import (
    LinkageState,
    MemoryTable,
    RecordEntry,
    SubjectEntry,
    decode_posting,
    decode_record_entry,
    decode_subject_entry,
    encode_posting,
    encode_record_entry,
    encode_subject_entry,
)
from threadline.errors import ContractError

K = TypeVar("K")
V = TypeVar("V")


class BytesTable(Generic[K, V]):
    """What the faust app does: keep only bytes, decode on every read."""

    def __init__(self, encode: Callable[[V], bytes], decode: Callable[[bytes], V]) -> None:
        self.raw: dict[K, bytes] = {}
        self.encode, self.decode = encode, decode

    def get(self, key: K) -> V | None:
        blob = self.raw.get(key)
        return None if blob is None else self.decode(blob)

    def set(self, key: K, value: V) -> None:
        self.raw[key] = self.encode(value)

    def delete(self, key: K) -> None:
        self.raw.pop(key, None)


@pytest.mark.parametrize(
    "entry",
    [RecordEntry(1, "subj-x", ()), RecordEntry(2**40, "subj-é", (("r1", 21.5), ("r2", -3.25)))],
)
def test_record_entry_round_trips(entry: RecordEntry) -> None:
    assert decode_record_entry(encode_record_entry(entry)) == entry


@pytest.mark.parametrize("entry", [SubjectEntry(7, ("a",)), SubjectEntry(0, ("a", "b", "c"))])
def test_subject_entry_round_trips(entry: SubjectEntry) -> None:
    assert decode_subject_entry(encode_subject_entry(entry)) == entry


@pytest.mark.parametrize(
    "posting", [Posting(), Posting(("r1", "r2"), 5, False), Posting((), 9, True)]
)
def test_posting_round_trips(posting: Posting) -> None:
    assert decode_posting(encode_posting(posting)) == posting


@pytest.mark.parametrize(
    ("decode", "blob"),
    [
        (decode_record_entry, b""),
        (decode_record_entry, encode_subject_entry(SubjectEntry(1, ("a",)))),
        (decode_subject_entry, encode_subject_entry(SubjectEntry(1, ("a",)))[:-1]),
        (decode_posting, encode_posting(Posting(("r",), 1, False)) + b"x"),
    ],
)
def test_corrupt_values_are_contract_errors(decode: Callable[[bytes], object], blob: bytes) -> None:
    with pytest.raises(ContractError) as caught:
        decode(blob)
    assert caught.value.code == "corrupt_state"


def test_memory_table() -> None:
    table: MemoryTable[str, int] = MemoryTable()
    assert table.get("a") is None
    table.set("a", 1)
    assert (table.get("a"), len(table), list(table)) == (1, 1, ["a"])
    table.delete("a")
    table.delete("a")
    assert len(table) == 0


def test_resolver_over_byte_tables_matches_memory_tables(synthetic_model: LinkageModel) -> None:
    records = make_records(seed=51, children=200)
    in_bytes = LinkageState(
        persons=BytesTable(encode_person, decode_person),
        records=BytesTable(encode_record_entry, decode_record_entry),
        subjects=BytesTable(encode_subject_entry, decode_subject_entry),
        postings=BytesTable(encode_posting, decode_posting),
        counters=MemoryTable(),
    )
    by_bytes = SubjectResolver(in_bytes, synthetic_model)
    by_memory = SubjectResolver(LinkageState.in_memory(), synthetic_model)
    for record in records:
        a = by_bytes.add(record.record_id, record.person)
        b = by_memory.add(record.record_id, record.person)
        assert a == b
    for record in records[::7]:
        assert by_bytes.withdraw(record.record_id) == by_memory.withdraw(record.record_id)
