"""The audit chain: append-only, hash-linked records of every decision and every decryption.

Each ``AuditRecord`` carries ``seq`` and ``prev_hash`` (the previous record's hash) and its own
``hash`` = SHA-256 of its wire bytes with the hash field cut out. The topic (``audit.v1``) has one
partition so the chain is one sequence; Kafka offsets are not part of the hash, so the chain
survives a copy to cold storage and can be verified there too. :func:`verify` finds:

* an altered record (its hash no longer matches its bytes),
* a removed or reordered record (a ``seq`` gap, or a ``prev_hash`` that is not the previous hash),
* a forged record appended by someone without the real head (wrong ``prev_hash``).

What a hash chain cannot stop on its own is a writer who rewrites the *whole* chain from the point
of tampering onwards. Two things anchor it: the chain head's hash is printed on every request
document (``audit_seq`` and hash of the DOCUMENT_ISSUED record), which leaves threadline on paper
and e-mail, and ``threadline audit verify --json`` prints the head for an operator to record
elsewhere (see runbooks/). Only the broker principal may write ``audit.v1``.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from threadline.broker.messages import AUDIT_RECORD, HEADER_LENGTH, BrokerCodec, covered_bytes
from threadline.errors import ThreadlineError

__all__ = ["GENESIS", "AuditChain", "AuditEntry", "ChainReport", "verify"]

GENESIS = bytes(32)
_HASH_SIZE = 32


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """What happened, before it is numbered and linked; never holds a decrypted value."""

    actor: str
    action: str
    request_id: str | None = None
    command_id: str | None = None
    purpose: str | None = None
    agency_id: str | None = None
    report_id: str | None = None
    event_id: str | None = None
    field_path: str | None = None
    identifier_type: str | None = None
    key_id: str | None = None
    key_version: int | None = None
    document_sha256: str | None = None


class AuditChain:
    """The head of the chain (next ``seq`` and last hash) and the encoder of new links.

    ``append`` returns the wire bytes and advances the head. The service delivers those exact
    bytes (retrying delivery, never re-deciding), so the head in memory and on Kafka agree.
    """

    def __init__(self, codec: BrokerCodec, *, seq: int = 0, head: bytes = GENESIS) -> None:
        self._codec = codec
        self.next_seq = seq
        self.head = head

    def append(self, entry: AuditEntry, at: datetime) -> tuple[int, bytes]:
        """``(seq, wire bytes)`` of the new record linked to the current head."""
        record = {
            "hash": bytes(_HASH_SIZE),
            "seq": self.next_seq,
            "prev_hash": self.head,
            "at": at,
            **dataclasses.asdict(entry),
        }
        unhashed = self._codec.encode(AUDIT_RECORD, record)
        digest = hashlib.sha256(covered_bytes(unhashed, _HASH_SIZE)).digest()
        data = unhashed[:HEADER_LENGTH] + digest + unhashed[HEADER_LENGTH + _HASH_SIZE :]
        seq = self.next_seq
        self.next_seq, self.head = seq + 1, digest
        return seq, data

    def resume(self, data: bytes) -> None:
        """Continue after an existing record (the last one on the topic at start-up)."""
        _, record = self._codec.decode(data)
        self.next_seq, self.head = int(record["seq"]) + 1, bytes(record["hash"])


@dataclass(frozen=True, slots=True)
class ChainReport:
    """The verdict over a sequence of records: ``ok`` and, if not, where and why it broke."""

    records: int
    ok: bool
    head_seq: int | None
    head_hash: str | None
    problems: tuple[str, ...]


def verify(records: Iterable[bytes], codec: BrokerCodec, *, limit: int = 20) -> ChainReport:
    """Check every link; ``limit`` caps how many problems are described (all are counted)."""
    problems: list[str] = []
    expected_seq, expected_prev = 0, GENESIS
    count, head_seq, head_hash = 0, None, None
    for position, data in enumerate(records):
        count += 1
        try:
            _, record = codec.decode(data)
        except ThreadlineError as exc:
            problems.append(f"record {position}: not an audit record ({exc.code})")
            continue
        seq, claimed, prev = int(record["seq"]), bytes(record["hash"]), bytes(record["prev_hash"])
        actual = hashlib.sha256(covered_bytes(data, _HASH_SIZE)).digest()
        if actual != claimed:
            problems.append(f"seq {seq}: altered (hash does not match its content)")
        if seq != expected_seq:
            problems.append(f"seq {seq}: expected seq {expected_seq} (record removed or reordered)")
        if prev != expected_prev:
            problems.append(f"seq {seq}: prev_hash does not link to the previous record")
        expected_seq, expected_prev = seq + 1, claimed
        head_seq, head_hash = seq, claimed.hex()
    shown = problems[:limit]
    if len(problems) > limit:
        shown.append(f"... and {len(problems) - limit} more")
    return ChainReport(count, not problems, head_seq, head_hash, tuple(shown))
