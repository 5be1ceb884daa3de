"""Poison and hostile records against a running correlator worker on the real broker.

Why: a concern about a child must never be lost because the record next to it was garbage, and
no record may be dropped without trace. Every hostile record (see tests/support/hostile.py:
random and mutated bytes, unknown fingerprints, oversized and empty records, tombstones,
forged, tampered and re-signed events, a revoked key, an unregistered agency, replays past the
window, stale and future events, rule-breaking reports) must end in the DLQ with its original
bytes and the right reason; replays and re-sends are dropped and counted; the worker keeps
running; the good reports interleaved with them are all linked.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cluster import KafkaCluster
from tests.support.harness import run_hostile
from tests.support.hostile import DLQ_REASONS

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_hostile_records_are_dead_lettered_and_good_ones_linked(
    kafka_cluster: KafkaCluster, tmp_path: Path
) -> None:
    verdict, facts = run_hostile(kafka_cluster, tmp_path, n=300, seed=8, children=9)
    assert facts["worker_survived"], facts
    assert verdict.mishandled == [], verdict.as_dict()
    assert verdict.tried >= 300
    assert set(verdict.by_reason) == DLQ_REASONS  # every reason was exercised, none other
    assert facts["good_linked"] == facts["good_reports"]
    assert facts["good_pairs_split"] == 0
