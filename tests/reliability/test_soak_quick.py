"""``benchmarks/soak.py`` for half a minute at a low rate: the harness behind ``make soak`` works.

Why: the 30-minute soak runs outside CI, so this is what keeps it from rotting. It checks the
shape of its last line of JSON, that both services survived, and that the correlator's lag
drains back to about zero once the load stops. (The figures themselves mean little at this
length; BENCHMARKS.md has a full run.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cluster import KafkaCluster

pytestmark = [pytest.mark.integration, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(600)
def test_a_short_soak_reports_memory_and_lag_and_drains(
    kafka_cluster: KafkaCluster, tmp_path: Path
) -> None:
    credentials = tmp_path / "credentials.json"
    credentials.write_text(json.dumps({"users": kafka_cluster.passwords}))
    env = {
        **os.environ,
        "KAFKA_BOOTSTRAP_SERVERS": kafka_cluster.bootstrap,
        "KAFKA_CREDENTIALS_FILE": str(credentials),
    }
    options = "--minutes 0.5 --rate 20 --sample-seconds 2 --chunk 400 --drain-minutes 4"
    argv = [sys.executable, str(ROOT / "benchmarks" / "soak.py"), *options.split()]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=540, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["services_alive"] == {"correlator": True, "broker": True}
    assert result["published"] >= 400 and result["publish_failed"] == 0
    assert result["linked"] > 0
    assert result["drained_s"] is not None and result["lag_after_drain"] <= 2
    for name in ("correlator", "broker"):
        assert result[f"rss_{name}_mib_end"] > 0
        assert isinstance(result[f"rss_{name}_slope_mib_per_h"], float)
