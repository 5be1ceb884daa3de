"""Linkage accuracy: tokens only (what the correlator can do) against a cleartext baseline.

Simulated reports about children (``threadline simulate``, realistic corruption) go through the
real SDK; the correlator's resolver links their subjects on tokens alone, in arrival order,
applying updates and withdrawals as the correlator does. The same subjects' cleartext fields are
linked by ``recordlinkage`` (blocking on several keys, Jaro-Winkler on names, ECM classifier,
connected components): a baseline that can read everything. Both are scored pairwise against
the truth with the same function.

    .venv/bin/python benchmarks/linkage.py --children 10000 --reports 50000

Precision comes first (wrongly merging two children is worse than missing a link): the model's
thresholds are explained in models/README.md. ``--train`` refits the model on a separate
simulated corpus (another seed) and writes the next models/linkage-<version>.json.

The ``recordlinkage`` baseline is a benchmark-only dependency (``pip install -e '.[bench]'``).
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from linkage_data import Operation, operations
from threadline.config import project_root
from threadline.correlator import LinkageModel, SubjectResolver, latest_model_path, pairwise_scores
from threadline.correlator.state import LinkageState
from threadline.correlator.training import TrainingConfig, train_model


def tokens_only(ops: list[Operation], model: LinkageModel) -> tuple[dict[str, str], float]:
    resolver = SubjectResolver(LinkageState.in_memory(), model)
    live: set[str] = set()
    started = time.perf_counter()
    for op in ops:
        if op.kind == "withdraw":
            if op.record_id in live:
                resolver.withdraw(op.record_id)
                live.discard(op.record_id)
        elif op.record_id in live:
            assert op.tokens is not None
            resolver.replace(op.record_id, op.tokens)
        else:
            assert op.tokens is not None
            resolver.add(op.record_id, op.tokens)
            live.add(op.record_id)
    elapsed = time.perf_counter() - started
    predicted = {r: resolver.subject_of(r) or r for r in live}
    return predicted, len(ops) / elapsed


def final_records(ops: list[Operation]) -> dict[str, Operation]:
    latest: dict[str, Operation] = {}
    for op in ops:
        if op.kind == "withdraw":
            latest.pop(op.record_id, None)
        else:
            latest[op.record_id] = op
    return latest


def cleartext_baseline(records: dict[str, Operation]) -> dict[str, str]:
    import pandas as pd
    import recordlinkage
    from recordlinkage.preprocessing import clean, phonetic

    rows = []
    for record_id, op in records.items():
        clear: dict[str, Any] = op.clear or {}
        handles = [f"{h['platform']}:{h['handle']}".lower() for h in clear.get("handles", [])]
        rows.append(
            {
                "id": record_id,
                "given": (clear.get("given_name") or ""),
                "family": (clear.get("family_name") or ""),
                "dob": clear.get("date_of_birth") or "",
                "postcode": clear.get("postcode") or "",
                "phone": "".join(ch for ch in (clear.get("phones") or [""])[0] if ch.isdigit())[
                    -10:
                ],
                "email": (clear.get("emails") or [""])[0].lower(),
                "handle": handles[0] if handles else "",
            }
        )
    frame = pd.DataFrame(rows).set_index("id")
    for column in ("given", "family"):
        frame[column] = clean(frame[column])
    frame["family_sx"] = phonetic(frame["family"], method="soundex")
    frame["given_sx"] = phonetic(frame["given"], method="soundex")
    frame["year"] = frame["dob"].str[:4]
    # a blank key would put every record lacking it in one block; NaN keys are never blocked on
    frame = frame.replace("", float("nan"))
    indexer = recordlinkage.Index()
    for key in ("dob", "phone", "email", "handle"):
        indexer.block(left_on=key)
    indexer.block(left_on=["family_sx", "year"])
    indexer.block(left_on=["given_sx", "family_sx"])
    indexer.block(left_on=["given_sx", "dob"])
    indexer.block(left_on=["postcode", "year"])
    pairs = indexer.index(frame)
    compare = recordlinkage.Compare()
    compare.string("given", "given", method="jarowinkler", threshold=0.85, label="given")
    compare.string("family", "family", method="jarowinkler", threshold=0.85, label="family")
    compare.exact("dob", "dob", label="dob")
    compare.exact("postcode", "postcode", label="postcode")
    compare.exact("phone", "phone", label="phone")
    compare.exact("email", "email", label="email")
    compare.exact("handle", "handle", label="handle")
    features = compare.compute(pairs, frame)
    for column in ("dob", "postcode", "phone", "email", "handle"):
        empty = frame[column].isna()
        left = empty.reindex(features.index.get_level_values(0)).to_numpy()
        right = empty.reindex(features.index.get_level_values(1)).to_numpy()
        features.loc[left | right, column] = 0
    matches = recordlinkage.ECMClassifier(binarize=0.5).fit_predict(features)
    return _components(list(records), [(a, b) for a, b in matches])


def _components(ids: list[str], edges: list[tuple[str, str]]) -> dict[str, str]:
    parent = {i: i for i in ids}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {i: find(i) for i in ids}


def train(seed: int, children: int, reports: int, version: str) -> Path:
    ops = [op for op in operations(seed, children, reports) if op.kind == "add"]
    latest: dict[str, Operation] = {op.record_id: op for op in ops}
    people = [op.tokens for op in latest.values() if op.tokens is not None]
    truth = [op.child_id for op in latest.values() if op.tokens is not None]
    model = train_model(
        people,
        TrainingConfig(
            version=version,
            seed=seed,
            match_rule="labelled",
            u_source="random_less_matches",
            random_pairs=2_000_000,
            data_source=f"threadline simulate seed={seed} children={children} reports={reports}",
        ),
        truth=truth,
    )
    return model.save(project_root() / "models")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--children", type=int, default=10_000)
    parser.add_argument("--reports", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--train", metavar="VERSION", help="Refit the model first (seed+1).")
    parser.add_argument("--no-baseline", action="store_true")
    args = parser.parse_args()

    if args.train:
        print(f"trained {train(args.seed + 1, args.children, args.reports, args.train)}")
    model = LinkageModel.load(latest_model_path(project_root() / "models"))
    ops = list(operations(args.seed, args.children, args.reports))
    predicted, ops_per_s = tokens_only(ops, model)
    records = final_records(ops)
    truth = {r: records[r].child_id for r in predicted}
    scores = pairwise_scores(predicted, truth)
    result: dict[str, Any] = {
        "precision": round(scores.precision, 4),
        "recall": round(scores.recall, 4),
        "f1": round(scores.f1, 4),
        "baseline_f1": None,
        "reports": len(ops),
        "records_linked": len(predicted),
        "children": args.children,
        "subjects_found": len(set(predicted.values())),
        "children_present": len(set(truth.values())),
        "model": model.version,
        "resolver_ops_per_s": round(ops_per_s),
    }
    if not args.no_baseline:
        baseline = cleartext_baseline(records)
        base = pairwise_scores(baseline, truth)
        result |= {
            "baseline_f1": round(base.f1, 4),
            "baseline_precision": round(base.precision, 4),
            "baseline_recall": round(base.recall, 4),
        }
    by_child: dict[str, set[str]] = defaultdict(set)
    for record, subject in predicted.items():
        by_child[truth[record]].add(subject)
    result["children_split_across_subjects"] = sum(len(s) > 1 for s in by_child.values())
    print(json.dumps(result))


if __name__ == "__main__":
    main()
