"""Smoke run: one report published by an agency and read back by the correlator.

Proves, on the real broker, the parts everything else stands on: the agency principal can write
the reports topic, the correlator principal can read it, the event decodes, its Ed25519
signature verifies against the agency registry, and its bytes hold none of the personal values
the agency typed in.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from kafka import TopicPartition

from threadline.config import kafka_settings
from threadline.contracts import decode, split_signature
from threadline.crypto import Keystore
from threadline.errors import ThreadlineError
from threadline.kafka.clients import consumer, kafka_errors
from threadline.sdk.client import REPORTS_TOPIC, AgencyClient

__all__ = ["SmokeResult", "run_smoke"]

AGENCY = "met-police"


@dataclass(frozen=True)
class SmokeResult:
    event_id: str
    topic: str
    partition: int
    offset: int
    bytes: int
    encrypted_fields: int
    signature_verified: bool
    cleartext_hits: int


def sample_report(now: datetime) -> dict[str, Any]:
    """A fictional report (Ofcom drama-range phone number, example.com e-mail)."""
    return {
        "event_type": "concern_raised",
        "report_id": f"DEMO-{uuid.uuid4().hex[:8]}",
        "occurred_at": (now - timedelta(hours=2)).isoformat(),
        "grading": {"source": 2, "intelligence": "B", "handling": "P"},
        "tlp": "amber",
        "subject": {
            "given_name": "Jodie",
            "family_name": "Example",
            "date_of_birth": "2012-06-14",
            "postcode": "E1 6AN",
            "phones": ["07700 900321"],
            "emails": ["jodie@example.com"],
            "handles": [{"platform": "snapchat", "handle": "jodie_x12"}],
        },
        "concern": {
            "exploitation_types": ["online_grooming"],
            "stage": "targeting",
            "indicators": ["online_contact_with_strangers"],
            "risk_level": "medium",
            "platforms": [{"platform": "snapchat", "role": "first_contact"}],
            "narrative": "Jodie was messaged on Snapchat by an unknown adult.",
        },
    }


def _count_encrypted(record: Any) -> int:
    if isinstance(record, dict):
        own = 1 if {"ciphertext", "enc", "key_id"} <= record.keys() else 0
        return own + sum(_count_encrypted(v) for v in record.values())
    if isinstance(record, list):
        return sum(_count_encrypted(v) for v in record)
    return 0


def run_smoke(keys_dir: Path, *, timeout_s: float = 60.0) -> SmokeResult:
    keys = Keystore(keys_dir)
    report = sample_report(datetime.now(UTC))
    publisher = kafka_settings(as_=f"agency-{AGENCY}")
    topic = publisher.topic_prefix + REPORTS_TOPIC
    with AgencyClient(AGENCY, keys=keys, kafka=publisher) as client:
        event_id = client.publish(report)

    reader = consumer(kafka_settings(as_="correlator"), group_id=None)
    try:
        with kafka_errors("reading the reports topic as the correlator"):
            partitions = [TopicPartition(topic, p) for p in reader.partitions_for_topic(topic)]
            reader.assign(partitions)
            reader.seek_to_beginning()
            deadline = time.monotonic() + timeout_s
            while time.monotonic() < deadline:
                for records in reader.poll(timeout_ms=500).values():
                    for message in records:
                        if message.key != report["report_id"].encode():
                            continue  # not ours: other runs share the topic; never decode them
                        _, record = decode(message.value)
                        body, signature = split_signature(message.value)
                        keys.registry().verify(
                            AGENCY,
                            record["signing_key_id"],
                            body,
                            signature,
                            at=record["recorded_at"],
                        )
                        lowered = message.value.lower()
                        secrets = (
                            "jodie",
                            "example.com",
                            "07700 900321",
                            "7700900321",
                            "2012-06-14",
                            "e1 6an",
                            "jodie_x12",
                        )
                        return SmokeResult(
                            event_id,
                            topic,
                            message.partition,
                            message.offset,
                            len(message.value),
                            _count_encrypted(record),
                            True,
                            sum(s.encode() in lowered for s in secrets),
                        )
    finally:
        reader.close()
    raise ThreadlineError(f"event {event_id} was published but not read back in {timeout_s:.0f}s")
