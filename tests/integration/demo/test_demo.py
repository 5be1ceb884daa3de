"""`threadline demo`, non-interactively, as CI runs it: every step must really happen."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cluster import KafkaCluster

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_demo_runs_end_to_end(kafka_cluster: KafkaCluster) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "threadline.cli", "demo", "--children", "150", "--reports", "600",
         "--timeout", "200", "--json"],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["published"] >= 570
    assert result["alerts"] > 0
    assert result["request_id"]
    documents = [Path(p) for p in result["documents"]]
    assert {p.suffix for p in documents} == {".pdf", ".json"}
    assert all(p.stat().st_size > 500 for p in documents)
    document = json.loads(next(p for p in documents if p.suffix == ".json").read_text())
    assert document["identifiers"], "an approved preservation request names identifiers"
    # insights read the observations topic only, and wrote a release with its report
    insights = result["insights"]
    assert Path(insights["html"]).exists() and Path(insights["pdf"]).exists()
    assert insights["undecodable_records"] == 0
    assert insights["published"], "600 reports over eight months fill some tables"
