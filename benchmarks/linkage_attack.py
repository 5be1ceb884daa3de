"""Linkage attack check (issue 8): how many children can the correlator principal name?

The attacker sees what the ``correlator`` principal sees - every report's linkage tokens and
name CLK - knows the code and the public name distribution, and holds no key. The attacks
(token frequency alignment; a Bloom-filter bigram-pattern attack seeded from it) and the
encodings compared are described in ``tests/support/linkage_attack.py``.

    .venv/bin/python benchmarks/linkage_attack.py --children 10000 --reports 50000

Scenarios, each run on every encoding (shipped, unfolded CLK, year-salted, unkeyed):

* ``public``  - the attacker's prior is the public name distribution (the realistic case);
* ``oracle``  - the attacker knows the exact name counts of the children in the system
  (an insider's census; an upper bound for frequency alignment);
* ``leak``    - the attacker also holds the names of 5 % of the reports (a leaked case list):
  their tokens become a dictionary for everyone else with the same names, and their CLKs
  train the bigram-pattern attack. Children named in the leak are not counted as attacked.

The last line is JSON; ``reidentified``/``attacked``/``rate`` are the headline (shipped
encoding, public prior).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.support.linkage_attack import (
    ENCODINGS,
    attack,
    build_corpus,
    oracle_priors,
    public_priors,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--children", type=int, default=10_000)
    parser.add_argument("--reports", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--candidates", type=int, default=60, help="top given x family names")
    parser.add_argument("--leak", type=float, default=0.05, help="share of reports leaked")
    args = parser.parse_args()

    started = time.perf_counter()
    corpus = build_corpus(children=args.children, reports=args.reports, seed=args.seed)
    print(f"corpus: {len(corpus.subjects):,} named subjects of {corpus.children:,} children "
          f"({time.perf_counter() - started:.0f} s)")  # fmt: skip
    priors = {"public": public_priors(), "oracle": oracle_priors(corpus)}
    results: dict[str, dict[str, object]] = {}
    for encoding in ENCODINGS:
        for scenario in ("public", "oracle", "leak"):
            result = attack(
                corpus,
                encoding,
                priors["oracle" if scenario == "oracle" else "public"],
                candidates=args.candidates,
                known_plaintext=args.leak if scenario == "leak" else 0.0,
            )
            figures = result.figures()
            results.setdefault(encoding, {})[scenario] = figures
            print(f"{encoding:12} {scenario:7} rate {figures['rate']:.4f}  {json.dumps(figures)}")
    headline = results["shipped"]["public"]
    assert isinstance(headline, dict)
    print(
        json.dumps(
            {
                "reidentified": headline["reidentified"],
                "attacked": headline["attacked"],
                "rate": headline["rate"],
                "rate_oracle_prior": results["shipped"]["oracle"]["rate"],  # type: ignore[index]
                "rate_leak": results["shipped"]["leak"]["rate"],  # type: ignore[index]
                "rates": {
                    enc: {s: r["rate"] for s, r in by.items()}  # type: ignore[union-attr]
                    for enc, by in results.items()
                },
                "children": args.children,
                "reports": args.reports,
                "seed": args.seed,
                "leak": args.leak,
                "candidates": args.candidates,
            }
        )
    )


if __name__ == "__main__":
    main()
