"""The audit chain links every record to the one before, and verification finds any tampering.

Why: the audit trail is the evidence that every decryption was authorised. A removed, altered,
reordered or forged record must be detected, and the verdict must say where.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from threadline.broker.audit import GENESIS, AuditChain, AuditEntry, verify
from threadline.broker.messages import AUDIT_RECORD, default_codec

AT = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


@pytest.fixture
def chain() -> list[bytes]:
    audit = AuditChain(default_codec())
    return [
        audit.append(AuditEntry("liaison-spoc2", "field_decrypted", f"RQ-{i}"), AT)[1]
        for i in range(5)
    ]


def test_an_untouched_chain_verifies(chain: list[bytes]) -> None:
    report = verify(chain, default_codec())
    assert report.ok and report.records == 5 and report.head_seq == 4
    assert verify([], default_codec()).ok


def test_a_removed_record_is_detected(chain: list[bytes]) -> None:
    report = verify(chain[:2] + chain[3:], default_codec())
    assert not report.ok
    assert any("seq 3: expected seq 2" in p for p in report.problems)
    assert any("prev_hash" in p for p in report.problems)


def test_an_altered_record_is_detected(chain: list[bytes]) -> None:
    codec = default_codec()
    _, record = codec.decode(chain[2])
    forged = codec.encode(AUDIT_RECORD, {**record, "actor": "liaison-spoc1"})  # hash kept
    report = verify([*chain[:2], forged, *chain[3:]], codec)
    assert not report.ok and report.problems == (
        "seq 2: altered (hash does not match its content)",
    )


def test_a_flipped_byte_or_reordering_is_detected(chain: list[bytes]) -> None:
    flipped = bytearray(chain[1])
    flipped[-1] ^= 0x01
    assert not verify([chain[0], bytes(flipped), *chain[2:]], default_codec()).ok
    assert not verify([chain[1], chain[0], *chain[2:]], default_codec()).ok


def test_a_forged_record_appended_without_the_head_is_detected(chain: list[bytes]) -> None:
    forger = AuditChain(default_codec(), seq=5, head=GENESIS)
    _, forged = forger.append(AuditEntry("liaison-spoc1", "field_decrypted"), AT)
    report = verify([*chain, forged], default_codec())
    assert report.problems == ("seq 5: prev_hash does not link to the previous record",)


def test_the_chain_resumes_from_its_last_record(chain: list[bytes]) -> None:
    resumed = AuditChain(default_codec())
    resumed.resume(chain[-1])
    _, more = resumed.append(AuditEntry("broker", "request_expired"), AT)
    assert verify([*chain, more], default_codec()).ok
