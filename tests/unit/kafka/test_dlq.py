"""DLQ triage shows positions, reasons and headers - never a record's body."""

from __future__ import annotations

from pathlib import Path

import pytest
from kafka import TopicPartition
from pydantic import SecretStr

from threadline.config import KafkaSettings, load_settings
from threadline.contracts.schemas import default_registry
from threadline.errors import KafkaError
from threadline.kafka.dlq import DeadLetter, counts_by_reason, parse_headers, select
from threadline.kafka.replay import Replayed, ReplayLedger, replay, source_position


def letter(offset: int, reason: str | None = "unknown_agency", value: bytes = b"") -> DeadLetter:
    headers = parse_headers(
        [
            *([("threadline.reason", reason.encode())] if reason else []),
            ("threadline.error", b"agency x is not in the registry"),
            ("threadline.source.topic", b"safeguarding.reports.v1"),
            ("threadline.source.partition", b"2"),
            ("threadline.source.offset", str(offset).encode()),
        ]
    )
    return DeadLetter("dlq", 0, offset, 1_764_000_000_000, b"MPS-1", value, headers)


def test_headers_are_text_scrubbed_and_bounded() -> None:
    parsed = parse_headers(
        [("threadline.error", b"no match for amira@example.org"), ("x", b"\xff" * 500), ("y", None)]
    )
    assert parsed["threadline.error"] == "no match for [REDACTED:email]"
    assert len(parsed["x"]) == 200
    assert parsed["y"] == ""


def test_fingerprint_comes_from_the_single_object_header_only() -> None:
    schema = next(iter(default_registry().writers.values()))
    record = letter(1, value=schema.prefix + b"\x00secret body")
    summary = record.summary(default_registry())
    assert summary["fingerprint"] == schema.fingerprint_hex
    assert summary["schema"].startswith(schema.event_type.value)
    assert "secret" not in repr(summary)
    assert summary["source"] == "safeguarding.reports.v1:2:1"
    assert summary["size"] == len(record.value)
    assert letter(2, value=b"\xc3\x01short").fingerprint is None
    assert letter(3, value=b"{json}").summary()["schema"] is None


def test_unknown_fingerprint_is_shown_without_a_schema_name() -> None:
    summary = letter(1, value=b"\xc3\x01" + bytes(8) + b"body").summary(default_registry())
    assert summary["fingerprint"] == "00" * 8 and summary["schema"] is None


def test_counts_and_selection() -> None:
    letters = [letter(0), letter(1, "bad_signature"), letter(2), letter(3, None)]
    assert counts_by_reason(letters) == {"unknown_agency": 2, "bad_signature": 1, "unknown": 1}
    assert [d.offset for d in select(letters, reasons=["unknown_agency"])] == [0, 2]
    assert [d.offset for d in select(letters, skip={"dlq:0:1", "dlq:0:3"})] == [0, 2]


def test_the_ledger_remembers_positions(tmp_path: Path) -> None:
    ledger = ReplayLedger(tmp_path / "ops" / "dlq-replays.jsonl")
    assert ledger.replayed_positions() == set()
    ledger.record([Replayed(letter(4), "safeguarding.reports.v1", 1, 77, 0)], operator="admin")
    ledger.record([Replayed(letter(5), "safeguarding.reports.v1", 1, 78, 0)], operator="admin")
    assert ledger.replayed_positions() == {"dlq:0:4", "dlq:0:5"}
    assert "MPS-1" not in ledger.path.read_text()  # positions and sizes, not keys or bodies


def test_replay_refuses_records_from_another_topic_before_connecting() -> None:
    """The DLQ record says it came from the un-namespaced topic; we replay into ``p1.``."""
    settings = load_settings(
        KafkaSettings, username="admin", password=SecretStr("x"), topic_prefix="p1."
    )
    stranger = letter(7)
    assert source_position(stranger) == TopicPartition("safeguarding.reports.v1", 2)
    with pytest.raises(KafkaError, match=r"did not come from p1\.safeguarding\.reports\.v1"):
        replay(settings, [stranger])
