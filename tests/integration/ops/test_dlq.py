"""``threadline dlq list`` and ``dlq replay`` against the real broker."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest
from kafka import TopicPartition

from tests.integration.ops.conftest import Run, Settings, publish
from threadline.kafka.clients import consumer
from threadline.kafka.dlq import DLQ_TOPIC, REPORTS_TOPIC
from threadline.kafka.replay import REPLAYED_FROM
from threadline.kafka.topology import Topology

pytestmark = pytest.mark.integration

FINGERPRINT = bytes.fromhex("0102030405060708")


ORIGINAL_MS = 1_764_000_000_000  # when the agency first published (days before the replay)


def _headers(topology: Topology, reason: str, offset: int) -> list[tuple[str, bytes]]:
    return [
        ("threadline.reason", reason.encode()),
        ("threadline.error", b"agency agency-new-school is not in the registry"),
        ("threadline.source.topic", topology.topic(REPORTS_TOPIC).encode()),
        ("threadline.source.partition", b"2"),
        ("threadline.source.offset", str(offset).encode()),
    ]


@pytest.fixture(scope="module")
def planted(ops_settings: Settings, ops_topology: Topology) -> dict[str, bytes]:
    """Three reports published long ago and dead-lettered as unknown_agency, and one
    bad_signature record, as the correlator writes them."""
    values = {
        f"SCH-{i}": b"\xc3\x01" + FINGERPRINT + b"body-with-encrypted-fields-%d" % i
        for i in range(3)
    }
    reports = ops_topology.topic(REPORTS_TOPIC)
    agency = ops_settings("agency-school-0123")
    originals = {
        key: publish(
            agency, reports, [(key.encode(), value)], partition=2, timestamp_ms=ORIGINAL_MS
        )[0]
        for key, value in values.items()
    }
    dlq = ops_topology.topic(DLQ_TOPIC)
    correlator = ops_settings("correlator")
    for key, value in values.items():
        headers = _headers(ops_topology, "unknown_agency", originals[key])
        publish(correlator, dlq, [(key.encode(), value)], partition=0, headers=headers)
    publish(
        correlator,
        dlq,
        [(b"BAD-1", b"not avro at all")],
        partition=1,
        headers=_headers(ops_topology, "bad_signature", 999_999),
    )
    return values


def _reports(
    settings: Settings, topology: Topology
) -> list[tuple[bytes, bytes, dict[str, bytes], int]]:
    reader = consumer(settings("admin"), group_id=None)
    topic = topology.topic(REPORTS_TOPIC)
    try:
        parts = [TopicPartition(topic, p) for p in sorted(reader.partitions_for_topic(topic))]
        reader.assign(parts)
        reader.seek_to_beginning(*parts)
        ends = reader.end_offsets(parts)
        found = []
        while any(reader.position(tp) < ends[tp] for tp in parts):
            for records in reader.poll(timeout_ms=200).values():
                found += [(r.key, r.value, dict(r.headers), r.timestamp) for r in records]
    finally:
        reader.close()
    return [f for f in found if REPLAYED_FROM in f[2]]


def test_list_counts_by_reason_and_never_shows_the_body(
    planted: dict[str, bytes], ops_topology: Topology, run_cli: Run
) -> None:
    result = run_cli("dlq", "list", "--json")
    assert result.exit_code == 0, result.output
    listing = json.loads(result.stdout)
    assert listing["total"] == 4
    assert listing["by_reason"] == {"unknown_agency": 3, "bad_signature": 1}
    first = next(r for r in listing["records"] if r["key"] == "SCH-0")
    assert first["fingerprint"] == FINGERPRINT.hex()
    assert first["size"] == len(planted["SCH-0"])
    assert first["error"] == "agency agency-new-school is not in the registry"
    assert first["source"].startswith(f"{ops_topology.topic(REPORTS_TOPIC)}:2:")
    bad = next(r for r in listing["records"] if r["reason"] == "bad_signature")
    assert bad["fingerprint"] is None
    assert "body-with" not in result.stdout and "not avro" not in result.stdout

    narrowed = json.loads(run_cli("dlq", "list", "--reason", "bad_signature", "--json").stdout)
    assert narrowed["selected"] == 1 and len(narrowed["records"]) == 1
    readable = run_cli("dlq", "list", "--limit", "2")
    assert readable.exit_code == 0 and "unknown_agency" in readable.stdout


def test_replay_republishes_original_bytes_once(
    planted: dict[str, bytes],
    ops_settings: Settings,
    ops_topology: Topology,
    run_cli: Run,
    tmp_path: Path,
) -> None:
    assert run_cli("dlq", "replay").exit_code == 2  # neither --reason nor --all
    dry = run_cli("dlq", "replay", "--reason", "unknown_agency", "--dry-run")
    assert dry.exit_code == 0 and "would replay 3" in dry.stdout
    assert _reports(ops_settings, ops_topology) == []

    done = run_cli("dlq", "replay", "--reason", "unknown_agency", "--yes", "--json")
    assert done.exit_code == 0, done.output
    replayed = json.loads(done.stdout)["replayed"]
    assert {r["reason"] for r in replayed} == {"unknown_agency"} and len(replayed) == 3
    ledger = Path(json.loads(done.stdout)["ledger"])
    assert ledger.is_relative_to(tmp_path) and len(ledger.read_text().splitlines()) == 3

    republished = _reports(ops_settings, ops_topology)
    assert sorted((k.decode(), v) for k, v, _, _ in republished) == sorted(planted.items())
    dlq_topic = ops_topology.topic(DLQ_TOPIC).encode()
    assert all(h[REPLAYED_FROM].startswith(dlq_topic) for _, _, h, _ in republished)
    assert {ts for *_, ts in republished} == {ORIGINAL_MS}  # judged as at first arrival

    again = run_cli("dlq", "replay", "--reason", "unknown_agency", "--yes")
    assert again.exit_code == 0 and "nothing to replay (3 already replayed" in again.stdout
    forced = run_cli("dlq", "replay", "--reason", "unknown_agency", "--again", "--dry-run")
    assert "would replay 3" in forced.stdout
    assert len(_reports(ops_settings, ops_topology)) == 3


def test_a_record_whose_source_is_gone_keeps_its_dlq_timestamp(
    planted: dict[str, bytes], ops_settings: Settings, ops_topology: Topology, run_cli: Run
) -> None:
    listing = json.loads(run_cli("dlq", "list", "--reason", "bad_signature", "--json").stdout)
    done = run_cli("dlq", "replay", "--reason", "bad_signature", "--yes", "--json")
    assert done.exit_code == 0, done.output
    (replayed,) = json.loads(done.stdout)["replayed"]
    at = listing["records"][0]["at"]
    assert replayed["timestamp_ms"] // 1000 == int(datetime.fromisoformat(at).timestamp())
