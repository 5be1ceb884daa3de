"""Pins the correlator's public names, so removing or renaming one is a deliberate change."""

from __future__ import annotations

from threadline import correlator


def test_exported_names() -> None:
    assert correlator.__all__ == [
        "FIELDS",
        "BlockingConfig",
        "ClusteringPolicy",
        "LinkOutcome",
        "LinkageModel",
        "LinkageState",
        "MemoryTable",
        "PairwiseScores",
        "PersonTokens",
        "Review",
        "SubjectChange",
        "SubjectResolver",
        "Table",
        "Thresholds",
        "blocking_keys",
        "compare",
        "latest_model_path",
        "offender_networks",
        "pairwise_scores",
        "shared_suspect_tokens",
        "suspect_keys",
    ]
    for name in correlator.__all__:
        assert hasattr(correlator, name)
