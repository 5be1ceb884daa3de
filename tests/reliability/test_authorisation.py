"""Authorisation regression (issue 8 item 5): every application-level refusal, counted.

Why: the ACL matrix (tests/integration/kafka/test_acl_matrix.py) proves who may touch which
topic; this proves that, once a command is on the commands topic, the request broker still
refuses what the four-eyes rule, the platform protocols and officer identity forbid - and that
a refused command decrypts nothing and renders nothing. The checks are listed in
tests/support/authorisation.py; ``benchmarks/authorisation.py`` prints the count.
"""

from __future__ import annotations

from tests.support.authorisation import application_checks


def test_every_forbidden_action_is_refused_by_its_rule_and_changes_nothing() -> None:
    checks = application_checks()
    assert len(checks) >= 11
    failed = [f"{c.name}: expected {c.expected}, got {c.observed}" for c in checks if not c.held]
    assert not failed, "\n".join(failed)
