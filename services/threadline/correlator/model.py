"""The Fellegi-Sunter linkage model: m and u per field level, a prior, thresholds, on disk as JSON.

Fellegi & Sunter (1969) show that, for a comparison pattern gamma, the likelihood ratio
``P(gamma | match) / P(gamma | non-match)`` is the optimal statistic for deciding link /
possible link / non-link. Under conditional independence of the fields it factorises, so the
match weight of a pair is the sum over fields of ``log2(m_f[level] / u_f[level])``, where ``m``
is the probability of that level among true matches and ``u`` among non-matches. A missing
field contributes 0.

``lambda`` is the prior share of matches among the pairs the model's u describes (all pairs,
when u comes from random pairs, as training does by default), so
``posterior(w) = 1 / (1 + (1 - lambda) / lambda * 2**-w)`` is the probability that a pair with
weight ``w`` is the same person. Blocking only skips pairs whose posterior is negligible, so a
candidate's posterior is the same formula. Thresholds are weights, chosen by
:mod:`threadline.correlator.thresholds`, never typed in: every number here comes from a fitted
model file ``models/linkage-<version>.json`` written by :mod:`threadline.correlator.training`.

Scoring is on the hot path (tens of candidates per report at thousands of reports a second), so
weights are precomputed per level, and the weight of a whole pattern is memoised: there are at
most a few tens of thousands of distinct patterns, and real traffic uses a few hundred.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from threadline.correlator.comparison import (
    COMPARISON_VERSION,
    FIELDS,
    ComparisonVector,
    FieldSpec,
    compare,
)
from threadline.correlator.records import PersonTokens
from threadline.errors import ConfigError

__all__ = ["MODEL_FORMAT", "LinkageModel", "Thresholds", "TrainingInfo", "latest_model_path"]

MODEL_FORMAT = "threadline.linkage-model/1"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Decision weights (log2 likelihood ratios) and how they were chosen.

    ``match``: at or above, a candidate is linked (an edge of the subject graph).
    ``possible``: at or above (and below ``match``), surfaced for human review, never linked.
    ``conflict``: at or below, two records are positively different people; used to refuse
    joins that would chain them into one subject.
    ``bridge``: the stronger weight a single edge needs to merge two established subjects.
    """

    match: float
    possible: float
    conflict: float
    bridge: float
    method: str = ""

    def __post_init__(self) -> None:
        if not self.conflict < self.possible <= self.match <= self.bridge:
            raise ConfigError("thresholds must satisfy conflict < possible <= match <= bridge")


@dataclass(frozen=True, slots=True)
class TrainingInfo:
    """Provenance of a fitted model, so a weight can always be traced to the data that made it."""

    data_source: str
    seed: int
    records: int
    pairs: int
    random_pairs: int
    iterations: int
    converged: bool
    log_likelihood: float
    notes: dict[str, float | str] = field(default_factory=dict)


@dataclass(frozen=True)
class LinkageModel:
    """A fitted Fellegi-Sunter model over the fields of :mod:`~threadline.correlator.comparison`."""

    version: str
    m: tuple[tuple[float, ...], ...]
    u: tuple[tuple[float, ...], ...]
    lambda_: float
    thresholds: Thresholds
    training: TrainingInfo
    fields: tuple[FieldSpec, ...] = FIELDS
    _level_weights: tuple[tuple[float, ...], ...] = field(init=False, repr=False)
    _pattern_weights: dict[ComparisonVector, float] = field(
        init=False, repr=False, compare=False, default_factory=dict
    )

    def __post_init__(self) -> None:
        if self.fields != FIELDS:
            raise ConfigError(f"model {self.version} does not fit comparison {COMPARISON_VERSION}")
        for spec, m, u in zip(self.fields, self.m, self.u, strict=True):
            if len(m) != len(spec.levels) or len(u) != len(spec.levels):
                raise ConfigError(f"model {self.version}: wrong number of levels for {spec.name}")
            if not all(0.0 < p < 1.0 for p in (*m, *u)):
                raise ConfigError(
                    f"model {self.version}: probabilities of {spec.name} not in (0,1)"
                )
        if not 0.0 < self.lambda_ < 1.0:
            raise ConfigError(f"model {self.version}: lambda must be in (0, 1)")
        # The trailing 0.0 is the weight of MISSING (-1), so a level indexes its weight directly.
        weights = tuple(
            (*(math.log2(mi / ui) for mi, ui in zip(m, u, strict=True)), 0.0)
            for m, u in zip(self.m, self.u, strict=True)
        )
        object.__setattr__(self, "_level_weights", weights)

    @property
    def level_weights(self) -> tuple[tuple[float, ...], ...]:
        """Per field, the weight of each level (the last entry, 0.0, is MISSING)."""
        return self._level_weights

    def weight(self, vector: ComparisonVector) -> float:
        """Match weight of a comparison pattern: the sum of its level weights."""
        cached = self._pattern_weights.get(vector)
        if cached is None:
            cached = math.fsum(
                ws[level] for ws, level in zip(self._level_weights, vector, strict=True)
            )
            self._pattern_weights[vector] = cached
        return cached

    def score(self, a: PersonTokens, b: PersonTokens) -> float:
        """Match weight of a pair of person records."""
        return self.weight(compare(a, b))

    def posterior(self, weight: float) -> float:
        """P(same person | weight) among candidate pairs, from Bayes' rule with ``lambda``."""
        log_odds = weight + math.log2(self.lambda_ / (1.0 - self.lambda_))
        if log_odds < -1000:
            return 0.0
        return 1.0 / (1.0 + 2.0 ** (-log_odds)) if log_odds < 1000 else 1.0

    # --- persistence -------------------------------------------------------------------------

    def to_json(self) -> dict[str, object]:
        """The versioned file form (``models/linkage-<version>.json``)."""
        return {
            "format": MODEL_FORMAT,
            "version": self.version,
            "comparison": COMPARISON_VERSION,
            "lambda": self.lambda_,
            "fields": [
                {
                    "name": spec.name,
                    "levels": list(spec.levels),
                    "m": list(m),
                    "u": list(u),
                    "weights": [round(w, 4) for w in ws[:-1]],
                }
                for spec, m, u, ws in zip(
                    self.fields, self.m, self.u, self._level_weights, strict=True
                )
            ],
            "thresholds": asdict(self.thresholds),
            "training": asdict(self.training),
        }

    @classmethod
    def from_json(cls, doc: dict[str, Any]) -> LinkageModel:
        """Parse the file form; anything unexpected is a ``ConfigError``."""
        try:
            if doc["format"] != MODEL_FORMAT or doc["comparison"] != COMPARISON_VERSION:
                raise ConfigError("linkage model file has an unsupported format or comparison")
            fields = doc["fields"]
            return cls(
                version=str(doc["version"]),
                fields=tuple(FieldSpec(f["name"], tuple(f["levels"])) for f in fields),
                m=tuple(tuple(float(p) for p in f["m"]) for f in fields),
                u=tuple(tuple(float(p) for p in f["u"]) for f in fields),
                lambda_=float(doc["lambda"]),
                thresholds=Thresholds(**doc["thresholds"]),
                training=TrainingInfo(**doc["training"]),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"linkage model file is malformed ({type(exc).__name__})") from exc

    def save(self, directory: Path) -> Path:
        """Write ``linkage-<version>.json`` into ``directory`` and return its path."""
        path = directory / f"linkage-{self.version}.json"
        path.write_text(json.dumps(self.to_json(), indent=2) + "\n")
        return path

    @classmethod
    def load(cls, path: Path) -> LinkageModel:
        """Read a model file written by :meth:`save`."""
        try:
            doc = json.loads(path.read_text())
        except (OSError, json.JSONDecodeError) as exc:
            raise ConfigError(f"cannot read linkage model {path.name}") from exc
        if not isinstance(doc, dict):
            raise ConfigError(f"linkage model {path.name} is not a JSON object")
        return cls.from_json(doc)


def latest_model_path(directory: Path) -> Path:
    """The model file with the highest version (compared numerically, 0.10 > 0.9)."""

    def version_key(path: Path) -> tuple[int, ...]:
        version = path.stem.removeprefix("linkage-")
        return tuple(int(part) if part.isdigit() else -1 for part in version.split("."))

    candidates = sorted(directory.glob("linkage-*.json"), key=version_key)
    if not candidates:
        raise ConfigError(f"no linkage-<version>.json model in {directory}")
    return candidates[-1]
