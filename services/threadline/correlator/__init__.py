"""The correlator's pure core: linking person tokens into subjects, with no key and no Kafka.

The faust app (a thin runner, added separately) decodes reports, hands each child's
:class:`PersonTokens` to a :class:`SubjectResolver` over its RocksDB tables, and publishes the
:class:`SubjectChange` events it returns. Everything here is deterministic and testable without
a broker:

* ``records``     the token record and its state codec
* ``blocking``    candidate retrieval keys, postings and the frequency cap
* ``comparison``  the per-field agreement levels of a pair
* ``model``       Fellegi-Sunter weights, posterior, versioned model files
* ``estimation``  EM (Winkler) and u from random pairs; ``training`` fits and writes a model
* ``thresholds``  precision-first threshold choice
* ``linking``     which subjects a record may join (anti-chaining rules)
* ``subjects``    subject ids, change events, splits
* ``clusters``    the incremental resolver over the ``state`` tables
* ``network``     offender networks from suspect identifiers
* ``evaluation``  pairwise precision / recall / F1 against truth
* ``canonical``   subject ids named after their oldest record (order-independent ids)

The service around that core (issue #5), still pure unless noted:

* ``verify``      decode, signature, clock sanity, dead-letter reasons, re-send fingerprints
* ``screening``   stage 1: verify, deduplicate, reduce to a ``linkrecords.LinkRecord``
* ``histories``   one child per report: live events, merged tokens, age from event time
* ``linker``      stage 2: resolver + suspect index + net subject changes
* ``alerting``    which alerts a step changes; ``alerts`` their content and versions;
                  ``rules`` the alert rules file (``infra/alert-rules.yaml``)
* ``tables``, ``guards``, ``metrics``, ``settings``, ``app``, ``runner``: the faust worker
"""

from __future__ import annotations

from threadline.correlator.blocking import BlockingConfig, blocking_keys
from threadline.correlator.clusters import LinkOutcome, SubjectResolver
from threadline.correlator.comparison import FIELDS, compare
from threadline.correlator.evaluation import PairwiseScores, pairwise_scores
from threadline.correlator.linking import ClusteringPolicy, Review
from threadline.correlator.model import LinkageModel, Thresholds, latest_model_path
from threadline.correlator.network import offender_networks, shared_suspect_tokens, suspect_keys
from threadline.correlator.records import PersonTokens
from threadline.correlator.state import LinkageState, MemoryTable, Table
from threadline.correlator.subjects import SubjectChange

__all__ = [
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
