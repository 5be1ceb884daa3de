"""The Kafka broker stopped and killed under load, on a spare broker of the test's own.

Why: an agency that was told "shared" must be right. Every event the SDK reported acknowledged
(acks=all, idempotent producer) must be on the topic exactly once after a clean stop and after a
SIGKILL of the broker, however the producer retried; and a consumer group must resume from its
committed offsets with nothing skipped (tests/support/broker_restart.py has the procedure).

It runs as ``benchmarks/faults.py --only kafka`` in a child process: kafka-python 3.0 does not
close the sockets of connection attempts the stopped broker refused, and their ResourceWarnings
would otherwise surface in this session long after the test.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(600)
def test_nothing_acknowledged_is_lost_or_doubled_across_broker_restarts() -> None:
    argv = [sys.executable, str(ROOT / "benchmarks" / "faults.py"), "--only", "kafka"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=540, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found["kafka_problems"] == [], found
    assert found["kafka_restarts"] == 2
    assert found["kafka_acknowledged"] > 100
    assert found["kafka_acknowledged_lost"] == found["kafka_acknowledged_duplicated"] == 0
    assert found["kafka_consumer_skipped"] == 0
