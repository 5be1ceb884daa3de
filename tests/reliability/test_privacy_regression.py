"""Privacy regression (issue 8 item 4): after a full run, nothing personal anywhere but the
approved documents.

Why: DESIGN.md promises that a dump of every topic and state store reveals no name, date of
birth, phone, postcode or handle, and that logs and metrics carry neither personal values nor
tokens. This runs the whole system once (``threadline demo``: agencies publishing through the
SDK as their own principals, the correlator and request broker as real processes, a request
approved by a second officer), adds damaged copies of real reports so the error paths log
too, and scans everything it left behind (``tests/support/privacy_run.py``). The scanner's own
tests (test_privacy_scan.py) show that a planted leak is found, so zero means zero.
"""

from __future__ import annotations

import pytest

from tests.support.cluster import KafkaCluster
from tests.support.privacy_run import full_run, scan_run

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_a_full_run_leaves_no_personal_value_or_token_behind(kafka_cluster: KafkaCluster) -> None:
    run = full_run(children=150, reports=600, seed=2026)
    report = scan_run(run)
    figures = report.figures()

    # the scan really covered the run
    assert run.caught_up, "the correlator did not verify and link every report in time"
    assert run.demo.published >= 570
    assert any(t.source.endswith("-changelog") for t in run.topics), "no changelog topics read"
    assert any(t.source.endswith("safeguarding.reports.v1") for t in run.topics)
    assert figures["stores_scanned"] >= 5 and figures["tokens"] > 500
    assert set(run.metrics) == {"correlator", "request broker"}
    assert figures["expected_chance_hits"] < 0.05

    assert report.pii_hits == [], "\n".join(map(str, report.pii_hits))
    assert report.token_hits == [], "\n".join(map(str, report.token_hits))
    # the approved identifiers are in the documents, and nothing else generated is
    assert report.approved and report.document_hits
    assert report.document_violations == [], "\n".join(map(str, report.document_violations))
    run.discard()
