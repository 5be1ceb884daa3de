"""The correlator's linkage state: five key-value tables behind a three-method interface.

The resolver (:mod:`threadline.correlator.clusters`) never touches faust or RocksDB; it reads and
writes through :class:`Table` (``get`` / ``set`` / ``delete``), like httpx's transport
interface. The faust app wraps its RocksDB-backed tables (with changelog topics) in that
interface, using the byte codecs below; tests use :class:`MemoryTable`.

=============  ==================  ==========================================================
 table          key                 value
=============  ==================  ==========================================================
 ``persons``    record id (str)     :class:`PersonTokens` of the record (rewritten only by a
                                    correction, so a write-through cache in front is safe)
 ``records``    record id (str)     :class:`RecordEntry`: arrival seq, subject id, edges
 ``subjects``   subject id (str)    :class:`SubjectEntry`: birth seq, member record ids
 ``postings``   blocking key bytes  :class:`~threadline.correlator.blocking.Posting`
 ``counters``   name (str)          int (``seq``: the arrival sequence number)
=============  ==================  ==========================================================

Persons and records are separate tables because a merge relabels every record of the younger
subject: rewriting a few dozen bytes per record is cheaper than rewriting its tokens too.
Every value holds tokens or pseudonymous ids only, never personal data.

One resolver must see every table and one total order of reports (that is what makes replay
deterministic), so the linking stage reads from a single partition (the app can route reports
there through an internal topic) and its tables live with it; postings are keyed by blocking
key, so they can later be split by key range if one partition is not enough.

The codecs are small fixed binary layouts (a tag byte, then little-endian fields), not JSON:
each report reads a posting per blocking key and an entry per candidate, and decoding is the
bulk of that cost.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Generic, Protocol, TypeVar

from threadline.correlator.blocking import Posting
from threadline.correlator.records import PersonTokens
from threadline.errors import ContractError

__all__ = [
    "LinkageState",
    "MemoryTable",
    "RecordEntry",
    "SubjectEntry",
    "Table",
    "decode_posting",
    "decode_record_entry",
    "decode_subject_entry",
    "encode_posting",
    "encode_record_entry",
    "encode_subject_entry",
]

K = TypeVar("K")
K_contra = TypeVar("K_contra", contravariant=True)
V = TypeVar("V")


class Table(Protocol[K_contra, V]):
    """The only state operations the resolver needs; a faust ``Table`` adapts in three lines."""

    def get(self, key: K_contra) -> V | None: ...

    def set(self, key: K_contra, value: V) -> None: ...

    def delete(self, key: K_contra) -> None: ...


class MemoryTable(Generic[K, V]):
    """A dict-backed :class:`Table` for tests and offline runs (benchmarks, training)."""

    def __init__(self) -> None:
        self.data: dict[K, V] = {}

    def get(self, key: K) -> V | None:
        return self.data.get(key)

    def set(self, key: K, value: V) -> None:
        self.data[key] = value

    def delete(self, key: K) -> None:
        self.data.pop(key, None)

    def __len__(self) -> int:
        return len(self.data)

    def __iter__(self) -> Iterator[K]:
        return iter(self.data)


@dataclass(frozen=True, slots=True)
class RecordEntry:
    """Where a record stands: its arrival ``seq``, its subject, and its accepted match edges.

    ``links`` are ``(other record id, weight)``, stored on both ends; subjects are exactly the
    connected components of these edges, which is what makes a split recomputable.
    """

    seq: int
    subject_id: str
    links: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True, slots=True)
class SubjectEntry:
    """A subject: the seq at which its id was born (older survives a merge) and its members."""

    born: int
    members: tuple[str, ...]


@dataclass(frozen=True)
class LinkageState:
    """The five tables the resolver works on."""

    persons: Table[str, PersonTokens]
    records: Table[str, RecordEntry]
    subjects: Table[str, SubjectEntry]
    postings: Table[bytes, Posting]
    counters: Table[str, int]

    @classmethod
    def in_memory(cls) -> LinkageState:
        """Fresh, empty in-memory state."""
        return cls(MemoryTable(), MemoryTable(), MemoryTable(), MemoryTable(), MemoryTable())


# --- byte codecs for the faust tables ---------------------------------------------------------
#
# Layout: a tag byte, fixed little-endian integers, then string lists as
# ``u32 count, u32 utf-8 byte length, count x u16 character lengths, utf-8 text``: one decode and
# one unpack per list, however long, instead of a call per string.

_HEAD = struct.Struct("<II")
_U64 = struct.Struct("<Q")
_POSTING_HEAD = struct.Struct("<BQ")


def _pack_strs(strs: tuple[str, ...] | list[str]) -> bytes:
    text = "".join(strs).encode()
    lengths = struct.pack(f"<{len(strs)}H", *map(len, strs))
    return _HEAD.pack(len(strs), len(text)) + lengths + text


def _unpack_strs(blob: bytes, pos: int) -> tuple[tuple[str, ...], int]:
    count, size = _HEAD.unpack_from(blob, pos)
    pos += _HEAD.size
    lengths = struct.unpack_from(f"<{count}H", blob, pos)
    pos += 2 * count
    if pos + size > len(blob):
        raise ContractError("correlator state value is truncated", code="corrupt_state")
    text = blob[pos : pos + size].decode()
    out, at = [], 0
    for n in lengths:
        out.append(text[at : at + n])
        at += n
    if at != len(text):
        raise ContractError("correlator state value has inconsistent lengths", code="corrupt_state")
    return tuple(out), pos + size


def _check_tag(tag: bytes, blob: bytes, what: str) -> None:
    if blob[:1] != tag:
        raise ContractError(f"{what} has the wrong tag", code="corrupt_state")


def _finished(blob: bytes, pos: int, what: str) -> None:
    if pos != len(blob):
        raise ContractError(f"{what} has the wrong length", code="corrupt_state")


def encode_record_entry(entry: RecordEntry) -> bytes:
    others = [other for other, _ in entry.links]
    weights = struct.pack(f"<{len(others)}d", *(weight for _, weight in entry.links))
    return b"R" + _U64.pack(entry.seq) + _pack_strs([entry.subject_id, *others]) + weights


def decode_record_entry(blob: bytes) -> RecordEntry:
    try:
        _check_tag(b"R", blob, "record entry")
        (seq,) = _U64.unpack_from(blob, 1)
        (subject_id, *others), pos = _unpack_strs(blob, 1 + _U64.size)
        weights = struct.unpack_from(f"<{len(others)}d", blob, pos)
        _finished(blob, pos + 8 * len(others), "record entry")
    except (struct.error, UnicodeDecodeError, ValueError) as exc:
        raise ContractError("record entry is corrupt", code="corrupt_state") from exc
    return RecordEntry(seq, subject_id, tuple(zip(others, weights, strict=True)))


def encode_subject_entry(entry: SubjectEntry) -> bytes:
    return b"S" + _U64.pack(entry.born) + _pack_strs(entry.members)


def decode_subject_entry(blob: bytes) -> SubjectEntry:
    try:
        _check_tag(b"S", blob, "subject entry")
        (born,) = _U64.unpack_from(blob, 1)
        members, pos = _unpack_strs(blob, 1 + _U64.size)
        _finished(blob, pos, "subject entry")
    except (struct.error, UnicodeDecodeError) as exc:
        raise ContractError("subject entry is corrupt", code="corrupt_state") from exc
    return SubjectEntry(born, members)


def encode_posting(posting: Posting) -> bytes:
    return b"P" + _POSTING_HEAD.pack(posting.saturated, posting.count) + _pack_strs(posting.records)


def decode_posting(blob: bytes) -> Posting:
    try:
        _check_tag(b"P", blob, "posting")
        saturated, count = _POSTING_HEAD.unpack_from(blob, 1)
        records, pos = _unpack_strs(blob, 1 + _POSTING_HEAD.size)
        _finished(blob, pos, "posting")
    except (struct.error, UnicodeDecodeError) as exc:
        raise ContractError("posting is corrupt", code="corrupt_state") from exc
    return Posting(records, count, bool(saturated))
