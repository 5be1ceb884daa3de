"""kill -9 of the correlator and of the request broker at seeded random moments while agencies
publish, compared with an uninterrupted run (tests/support/faults.py has the whole procedure).

Why: a concern about a child must survive any crash: no report lost or counted twice, the same
subjects and alerts, no alert version with two contents, no request drafted twice, no document
issued twice, and an intact audit chain, whichever process dies and whenever.

Known and reported: after a correlator crash, a consumer of ``safeguarding.alerts.v1`` can read
an alert's versions go back (v1 v2 v3, then v1 v2 again, the same contents re-sent), where
docs/correlator.md promises only the last step's outputs again. That is marked as an expected
failure, naming the alerts, so that it is visible without failing every CI run until it is fixed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.cluster import KafkaCluster
from tests.support.faults import crash_and_restart

pytestmark = [pytest.mark.integration, pytest.mark.slow]


@pytest.mark.timeout(900)
def test_kill_minus_nine_of_both_services_changes_nothing(
    kafka_cluster: KafkaCluster, tmp_path: Path
) -> None:
    found = crash_and_restart(kafka_cluster, tmp_path, seed=8, faults=4, publish_s=20)
    summary = found.as_dict()
    assert found.problems == [], found.problems
    assert summary["faults_injected"] == 5  # four while publishing, one while approving
    assert summary["faults_survived"] == 5, found.faults
    assert set(summary["by_service"]) == {"correlator", "broker"}
    assert found.requests > 0 and found.documents == found.requests
    if found.regressions:
        pytest.xfail(f"alert versions went back after a crash: {found.regressions}")
