"""Fitting a linkage model from person-token records and writing ``models/linkage-<version>.json``.

The pipeline, every step seeded and recorded in the model file's ``training`` block:

1. **u from random pairs** (:func:`~threadline.correlator.estimation.estimate_u`): among
   thousands of people a uniformly random pair is almost never the same person.
2. **Candidate pairs** as production retrieves them: pairs sharing a blocking key, with the same
   key families and frequency cap (offline there are no subjects yet, so the cap counts records:
   ``frequency_cap * per_subject``).
3. **m by EM over masked sessions** (``method="sessions"``, the default): one session per key
   family, holding the pairs that family retrieved with the fields it forces to agree masked,
   u fixed from step 1 (Splink's scheme), then made monotone over each field's ordered levels
   (:func:`~threadline.correlator.estimation.monotone`). Classic single-session EM with u free
   (``method="classic"``) is kept for comparison: on candidate pairs it is fooled, because
   non-matches that share a blocking key (siblings, common names in one birth year) are not
   conditionally independent, and EM splits the data along the blocking rules instead.
4. **lambda over all pairs** (:func:`~threadline.correlator.estimation.fit_prior`): with u from
   random pairs the likelihood ratio is the unconditional one, so the matching prior is the
   share of matches among *all* pairs.
5. **Thresholds** (:mod:`~threadline.correlator.thresholds`): ``match`` from a posterior target,
   raised to the labelled-pair precision threshold when the records carry truth; ``possible``
   and ``bridge`` from posterior targets; ``conflict`` from a likelihood ratio (a weight that
   low is strong evidence of two different people, whatever the prior).

Run as ``python -m threadline.correlator.training RECORDS.jsonl --version X --seed N --source S
--out models/``; each line is ``{"tokens": {<PersonTokens fields, bytes as hex>}, "entity":
<optional truth label>}``.
"""

from __future__ import annotations

import argparse
import json
import math
import random
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from threadline.correlator.blocking import BlockingConfig, blocking_keys
from threadline.correlator.comparison import (
    FIELDS,
    MISSING,
    ComparisonVector,
    compare,
    has_personal_agreement,
)
from threadline.correlator.estimation import (
    EmFit,
    estimate_u,
    fit_em,
    fit_prior,
    monotone,
    u_less_matches,
)
from threadline.correlator.model import LinkageModel, Thresholds, TrainingInfo
from threadline.correlator.records import PersonTokens
from threadline.correlator.thresholds import threshold_for_precision, weight_for_posterior

__all__ = ["TrainingConfig", "candidate_pairs", "main", "read_records", "train_model"]

_LEVELS = tuple(len(spec.levels) for spec in FIELDS)
Pair = tuple[int, int]

# The fields each key family forces to agree (and the CLK, which is made of the names): in the
# session of pairs that family retrieves they are masked, so forced agreement is not evidence.
# A shared phone is often a household's, so its session also masks the household fields, or the
# siblings it retrieves would teach EM that matches disagree on given name and DOB.
_FORCED: dict[str, frozenset[str]] = {
    "ph": frozenset({"phones", "family_name", "postcode_district"}),
    "em": frozenset({"emails"}),
    "hd": frozenset({"handles"}),
    "gd": frozenset({"given_name", "dob", "name_clk"}),
    "fd": frozenset({"family_name", "dob", "name_clk"}),
    "pd": frozenset({"given_name", "family_name", "dob", "name_clk"}),
    "cd": frozenset({"postcode_district", "dob"}),
    "fy": frozenset({"family_name", "dob", "name_clk"}),
    "py": frozenset({"given_name", "family_name", "dob", "name_clk"}),
    "gf": frozenset({"given_name", "family_name", "name_clk"}),
}


@dataclass(frozen=True)
class TrainingConfig:
    """What to fit and how; the targets below define the thresholds (see thresholds.py)."""

    version: str
    data_source: str
    seed: int = 0
    method: Literal["sessions", "classic"] = "sessions"
    random_pairs: int = 200_000
    max_iterations: int = 1000
    tolerance: float = 1e-7
    match_posterior: float = 0.999
    bridge_posterior: float = 0.99999
    possible_posterior: float = 0.5
    conflict_likelihood_ratio: float = 1e-3
    target_precision: float = 0.999
    match_rule: Literal["stricter", "labelled"] = "stricter"
    """With truth: "stricter" keeps the higher of the posterior and labelled thresholds;
    "labelled" uses the labelled one alone. The posterior threshold uses the prior of a
    *random* pair, far too pessimistic for blocked candidates that already share a strong
    identifier; labelled simulated data measures the precision of the candidates themselves."""
    blocking: BlockingConfig = field(default_factory=BlockingConfig)
    u_source: Literal["random", "random_less_matches"] = "random"
    """"random": u is the level frequencies among random pairs. "random_less_matches": then
    alternately re-estimate u with each random pair counted by its non-match probability
    (:func:`~threadline.correlator.estimation.u_less_matches`) and refit m, until u settles;
    without it a unique identifier's u is mostly the matches among the random pairs."""
    u_rounds: int = 50


def candidate_pairs(
    people: Sequence[PersonTokens], blocking: BlockingConfig
) -> dict[str, set[Pair]]:
    """Per key family, the index pairs ``(i, j)``, ``i < j``, that share an unsaturated key."""
    index: defaultdict[bytes, list[int]] = defaultdict(list)
    for i, person in enumerate(people):
        for key in blocking_keys(person, blocking.families):
            index[key].append(i)
    limit = blocking.frequency_cap * blocking.per_subject
    pairs: defaultdict[str, set[Pair]] = defaultdict(set)
    for key, members in index.items():
        if 1 < len(members) <= limit:
            family = pairs[key[:2].decode()]
            family.update((a, b) for n, a in enumerate(members) for b in members[n + 1 :])
    return dict(pairs)


def train_model(
    people: Sequence[PersonTokens], config: TrainingConfig, truth: Sequence[str] | None = None
) -> LinkageModel:
    """Fit a model to ``people``; with ``truth`` (one entity label per person), also use the
    labelled candidate pairs to raise the match threshold to ``config.target_precision``."""
    rng = random.Random(config.seed)  # noqa: S311 - sampling pairs, not secrets
    n = len(people)
    randoms = (rng.sample(range(n), 2) for _ in range(config.random_pairs))
    random_patterns = Counter(compare(people[a], people[b]) for a, b in randoms)
    u_random = estimate_u(_expand(random_patterns), _LEVELS)
    by_family = candidate_pairs(people, config.blocking)
    pairs: set[Pair] = set().union(*by_family.values())
    vectors = {pair: compare(people[pair[0]], people[pair[1]]) for pair in sorted(pairs)}
    notes: dict[str, float | str] = {
        "method": config.method,
        "candidate_patterns": len(set(vectors.values())),
    }
    fit, m, lambda_ = _fit(config, by_family, vectors, u_random, records=n, notes=notes)
    if config.u_source == "random_less_matches" and config.method == "sessions":
        fit, m, lambda_ = _refit_u(
            config, by_family, vectors, random_patterns, fit, m, lambda_, n, notes
        )
    match = weight_for_posterior(config.match_posterior, lambda_)
    notes["match_from_posterior"] = match
    method = f"match: posterior>={config.match_posterior}"
    info = TrainingInfo(
        config.data_source, config.seed, n, len(vectors), config.random_pairs,
        fit.iterations, fit.converged, round(fit.log_likelihood, 6), notes,
    )  # fmt: skip
    if truth is not None:
        provisional = LinkageModel(
            config.version, m, fit.u, lambda_, Thresholds(match, match, match - 1, match), info
        )
        labelled = _labelled_match(provisional, vectors, truth, config, notes)
        if config.match_rule == "labelled":
            match = labelled
            method = f"match: labelled precision>={config.target_precision}"
        else:
            match = max(match, labelled)
            method += f" or labelled precision>={config.target_precision}, whichever is higher"
    possible = min(weight_for_posterior(config.possible_posterior, lambda_), match)
    thresholds = Thresholds(
        match=match,
        possible=possible,
        conflict=min(math.log2(config.conflict_likelihood_ratio), possible - 1.0),
        bridge=max(weight_for_posterior(config.bridge_posterior, lambda_), match),
        method=f"{method}; possible posterior>={config.possible_posterior}; "
        f"bridge posterior>={config.bridge_posterior}; "
        f"conflict likelihood ratio<={config.conflict_likelihood_ratio}",
    )
    return LinkageModel(config.version, m, fit.u, lambda_, thresholds, info)


def _fit(
    config: TrainingConfig,
    by_family: dict[str, set[Pair]],
    vectors: dict[Pair, ComparisonVector],
    u_random: tuple[tuple[float, ...], ...],
    *,
    records: int,
    notes: dict[str, float | str],
) -> tuple[EmFit, tuple[tuple[float, ...], ...], float]:
    """Run the configured EM; return the fit, its m made monotone, and lambda for scoring."""
    m_start = tuple(  # matches mostly agree at the strongest level of every field
        tuple(0.8 if level == 0 else 0.2 / (levels - 1) for level in range(levels))
        for levels in _LEVELS
    )
    if config.method == "classic":
        fit = fit_em(
            [Counter(vectors.values())], _LEVELS, m_start=m_start, u_start=u_random,
            lambda_start=0.1, max_iterations=config.max_iterations, tolerance=config.tolerance,
        )  # fmt: skip
        return fit, monotone(fit.m, fit.u), fit.lambdas[0]
    families = sorted(by_family)
    sessions = [
        Counter(_masked(vectors[pair], _FORCED[family]) for pair in by_family[family])
        for family in families
    ]
    fit = fit_em(
        sessions, _LEVELS, m_start=m_start, u_start=u_random, lambda_start=0.5, fixed_u=True,
        max_iterations=config.max_iterations, tolerance=config.tolerance,
    )  # fmt: skip
    for family, lam in zip(families, fit.lambdas, strict=True):
        notes[f"session_lambda_{family}"] = round(lam, 6)
    m = monotone(fit.m, fit.u)
    total_pairs = records * (records - 1) // 2
    return fit, m, fit_prior(Counter(vectors.values()), m, fit.u, total_pairs)


def _expand(patterns: Counter[ComparisonVector]) -> Iterator[ComparisonVector]:
    for vector, count in sorted(patterns.items()):
        for _ in range(count):
            yield vector


def _refit_u(
    config: TrainingConfig,
    by_family: dict[str, set[Pair]],
    vectors: dict[Pair, ComparisonVector],
    random_patterns: Counter[ComparisonVector],
    fit: EmFit,
    m: tuple[tuple[float, ...], ...],
    lambda_: float,
    records: int,
    notes: dict[str, float | str],
) -> tuple[EmFit, tuple[tuple[float, ...], ...], float]:
    """Alternate u from random pairs less their likely matches with the fit of m and lambda."""
    rounds = 0
    for rounds in range(1, config.u_rounds + 1):  # noqa: B007 - the count is reported
        u = u_less_matches(random_patterns, _LEVELS, m, fit.u, lambda_)
        change = max(
            abs(math.log2(a / b))
            for row_new, row_old in zip(u, fit.u, strict=True)
            for a, b in zip(row_new, row_old, strict=True)
        )
        fit, m, lambda_ = _fit(config, by_family, vectors, u, records=records, notes=notes)
        if change < 1e-3:
            break
    notes["u_source"] = config.u_source
    notes["u_rounds"] = rounds
    return fit, m, lambda_


def _masked(vector: ComparisonVector, forced: frozenset[str]) -> ComparisonVector:
    return tuple(
        MISSING if spec.name in forced else level
        for spec, level in zip(FIELDS, vector, strict=True)
    )


def _labelled_match(
    model: LinkageModel,
    vectors: dict[Pair, ComparisonVector],
    truth: Sequence[str],
    config: TrainingConfig,
    notes: dict[str, float | str],
) -> float:
    """The precision-target threshold on labelled candidate pairs that may link at all."""
    scored = [
        (model.weight(vector), truth[a] == truth[b])
        for (a, b), vector in vectors.items()
        if has_personal_agreement(vector)
    ]
    chosen = threshold_for_precision(scored, config.target_precision)
    notes["match_from_labelled"] = chosen.weight
    notes["labelled_precision"] = chosen.precision
    notes["labelled_recall"] = chosen.recall
    notes["labelled_true_pairs"] = sum(1 for _, same in scored if same)
    return chosen.weight


def read_records(path: Path) -> tuple[list[PersonTokens], list[str] | None]:
    """Read the JSON-lines training file; truth is returned only if every line has ``entity``."""
    people: list[PersonTokens] = []
    truth: list[str] = []
    with path.open() as lines:
        for number, line in enumerate(lines, 1):
            doc = json.loads(line)
            people.append(
                PersonTokens.from_mapping(_from_hex(doc["tokens"]), path=f"line {number}")
            )
            if "entity" in doc:
                truth.append(str(doc["entity"]))
    return people, truth if len(truth) == len(people) else None


def _from_hex(tokens: dict[str, object]) -> dict[str, object]:
    decoded: dict[str, object] = {}
    for name, value in tokens.items():
        if isinstance(value, list):
            decoded[name] = [bytes.fromhex(str(v)) for v in value]
        elif isinstance(value, str) and name != "scheme":
            decoded[name] = bytes.fromhex(value)
        else:
            decoded[name] = value
    return decoded


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry: fit and write ``<out>/linkage-<version>.json``."""
    parser = argparse.ArgumentParser(prog="python -m threadline.correlator.training")
    parser.add_argument("records", type=Path)
    parser.add_argument("--version", required=True)
    parser.add_argument("--source", required=True, help="where the records came from (recorded)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("models"))
    args = parser.parse_args(argv)
    people, truth = read_records(args.records)
    model = train_model(people, TrainingConfig(args.version, args.source, args.seed), truth)
    path = model.save(args.out)
    print(f"wrote {path} (converged={model.training.converged})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
