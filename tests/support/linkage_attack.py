"""Frequency-analysis attacks on what the correlator principal sees: name tokens and name CLKs.

**Attacker model.** The attacker holds everything the ``correlator`` principal may read: every
report on ``safeguarding.reports.v1``, so every subject's linkage tokens (HMAC-SHA256 blind
indexes, a key per field) and name CLK (keyed bigram Bloom filter, XOR-folded). It knows the
code (normalisation, name forms, CLK construction: Kerckhoffs) and the *public* frequency of
given and family names - here the simulator's name bank (``simulate/data/names.json``), which is
the distribution the simulated children were drawn from, so the attacker's prior is as good as
a census. It does **not** hold the linkage secret, so it cannot compute the token or CLK of a
guess: no dictionary attack. The question is how many children it can name anyway.

**Attack A - token frequency alignment** (the classic attack on deterministic encryption,
Naveed, Kamara & Wright 2015). For each name field, count how many *distinct children* carry
each token (a token's reports are de-duplicated by the DOB token beside it, which the
correlator also sees, so a child with ten reports counts once). From the public distribution
and the open normaliser, compute the expected share of every token *input* (a given name
yields its whole normalised form, its words and its nickname/spelling canonicals, so
"mohammed" also feeds "muhammad"). Sort both by frequency and pair them rank by rank: the most
frequent given-name token is labelled with the most frequent given-name form, and so on.
Every token gets a label; the labels are scored with the real key (evaluation only).

**Attack B - CLK pattern attack** (after Kuzu, Kantarcioglu, Durham & Malin 2011 and Christen,
Ranbaduge, Vatsalan & Schnell 2018, "Precise and fast cryptanalysis for Bloom filter based
privacy-preserving record linkage"). Frequency alone names few CLKs (a full name is rarer than
either part, and ranks tie), so the attacker learns the bit pattern of each bigram instead:

1. *seeds* - reports where attack A labelled the single given-name token and the single
   family-name token give the attacker a (believed) full name for that report's CLK;
2. *learn* - a bigram's pattern is the set of bit positions set in at least 80 % of the seed
   CLKs whose name contains that bigram (a soft intersection, so wrong seeds and XOR-folding
   cancel some bits without emptying the pattern);
3. *decode* - every public full name of the top given x family names whose bigrams all have
   patterns is "encoded" as the union of its bigram patterns; each target CLK takes the
   candidate with the best Dice score if that score reaches 0.85. The candidate list is
   what bounds this attack: names outside it are never guessed.

A child counts as **re-identified** when, for at least one of its reports, the attacker's
labels give its given *and* family name as the agency wrote them (attack A), or the CLK decodes
to its full name (attack B). ``rate`` = re-identified children / children attacked.

**Encodings compared** (:data:`ENCODINGS`): ``shipped`` (what the SDK produces: per-field HMAC
keys, keyed CLK with random hashing and XOR-folding); ``unfolded`` (the same keyed CLK without
the fold: what the fold buys); ``year-salted`` (an option not shipped: name tokens and the CLK
keyed additionally by the birth year, so a name's count is spread over years and the public
prior must be the joint name x year distribution); and ``unkeyed`` (SHA-256 of the forms and
an unkeyed CLK: the naive design, where the attacker simply encodes the dictionary).
"""

from __future__ import annotations

import hashlib
import hmac
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from threadline.contracts import decode
from threadline.crypto import init_dev_keys
from threadline.crypto.clk import CLK_BITS, CLK_HASHES, ClkEncoder
from threadline.crypto.names import NameForms
from threadline.crypto.normalise import birth_year, normalise_name
from threadline.crypto.tokens import LinkageTokeniser, derive_key
from threadline.sdk.client import AgencyClient
from threadline.sdk.sink import MemorySink
from threadline.simulate import SimulationConfig, simulate
from threadline.simulate.namebank import Weighted, load_bank

__all__ = [
    "ENCODINGS",
    "AttackResult",
    "Corpus",
    "Subject",
    "attack",
    "build_corpus",
    "public_priors",
]

SEED_SHARE = 0.8
DECODE_MIN_DICE = 0.85


@dataclass(frozen=True, slots=True)
class Subject:
    """One report's child as the correlator sees it, plus the truth used only for scoring."""

    child_id: str
    given: tuple[bytes, ...]
    family: tuple[bytes, ...]
    dob: bytes | None
    clk: bytes | None
    # truth, for scoring and for re-encoding under other schemes (never used by the attacker)
    given_forms: tuple[str, ...]
    family_forms: tuple[str, ...]
    given_name: str
    family_name: str
    full: str
    year: str


@dataclass
class Corpus:
    subjects: list[Subject]
    secret: bytes
    scheme: str
    children: int

    def tokeniser(self) -> LinkageTokeniser:
        return LinkageTokeniser(self.secret, self.scheme)


def build_corpus(*, children: int, reports: int, seed: int = 2026) -> Corpus:
    """Simulated reports through the real SDK (validate, redact, encrypt, tokenise, sign),
    decoded again: the subjects' tokens exactly as they reach the reports topic."""
    sim = simulate(SimulationConfig(seed=seed, children=children, reports=reports))
    agencies = sorted({agency for agency, _ in sim.reports})
    subjects: list[Subject] = []
    with tempfile.TemporaryDirectory() as tmp:
        keys = init_dev_keys(Path(tmp) / "keys", agencies)
        scheme, secret = keys.linkage_secret()
        clients = {a: AgencyClient(a, keys=keys, sink=MemorySink(), strict=False) for a in agencies}
        for (agency, raw), truth in zip(sim.reports, sim.truth.reports, strict=True):
            person = raw.get("subject")
            if raw["event_type"] == "report_withdrawn" or not person:
                continue
            _, record = decode(clients[agency].prepare(raw).payload)
            subject = _subject(truth.child_id, record["subject"]["tokens"], person)
            if subject is not None:
                subjects.append(subject)
    return Corpus(subjects, secret.get_secret_value(), scheme, len(sim.truth.children))


def _subject(child_id: str, tokens: Mapping[str, Any], person: Mapping[str, Any]) -> Subject | None:
    given = normalise_name(person.get("given_name") or "")
    family = normalise_name(person.get("family_name") or "")
    if not given or not family:
        return None
    forms = NameForms.of([given], [family], person.get("other_names") or ())
    year = birth_year(person.get("date_of_birth")) if person.get("date_of_birth") else None
    return Subject(
        child_id,
        tuple(tokens["given_name"]),
        tuple(tokens["family_name"]),
        tokens["dob"],
        tokens["name_clk"],
        tuple(sorted(forms.given)),
        tuple(sorted(forms.family)),
        given,
        family,
        forms.full,
        str(year or ""),
    )


# -- the attacker's public knowledge ------------------------------------------------------------


def _shares(weighted: Weighted[str]) -> dict[str, float]:
    total = weighted.cumulative[-1]
    previous = 0.0
    shares: dict[str, float] = {}
    for item, cumulative in zip(weighted.items, weighted.cumulative, strict=True):
        shares[item] = shares.get(item, 0.0) + (cumulative - previous) / total
        previous = cumulative
    return shares


@dataclass(frozen=True)
class Priors:
    """Expected share of every token input (given forms, family forms) and of full names."""

    given: dict[str, float]
    family: dict[str, float]
    full: dict[str, float]
    given_names: dict[str, float]
    family_names: dict[str, float]


def oracle_priors(corpus: Corpus) -> Priors:
    """The worst case: the attacker knows the exact name frequencies of the children in the
    system (an insider's census). An upper bound on what frequency alignment can do."""
    given_names: dict[str, float] = defaultdict(float)
    family_names: dict[str, float] = defaultdict(float)
    full: dict[str, float] = defaultdict(float)
    first: dict[str, Subject] = {}
    for s in corpus.subjects:
        first.setdefault(s.child_id, s)
    for s in first.values():
        given_names[s.given_name] += 1
        family_names[s.family_name] += 1
        full[s.full] += 1
    given: dict[str, float] = defaultdict(float)
    for name, count in given_names.items():
        for form in NameForms.of([name], []).given:
            given[form] += count
    family: dict[str, float] = defaultdict(float)
    for name, count in family_names.items():
        for form in NameForms.of([], [name]).family:
            family[form] += count
    return Priors(dict(given), dict(family), dict(full), dict(given_names), dict(family_names))


def public_priors() -> Priors:
    """The public name distribution pushed through the open normaliser (no key needed)."""
    bank = load_bank()
    origins = _shares(bank.origins)
    given_names: dict[str, float] = defaultdict(float)
    family_names: dict[str, float] = defaultdict(float)
    full: dict[str, float] = defaultdict(float)
    for origin, p_origin in origins.items():
        given_o: dict[str, float] = defaultdict(float)
        for sex in ("f", "m"):
            for name, share in _shares(bank.given[(origin, sex)]).items():
                given_o[normalise_name(name)] += 0.5 * share
        family_o: dict[str, float] = defaultdict(float)
        for name, share in _shares(bank.family[origin]).items():
            family_o[normalise_name(name)] += share
        for name, share in given_o.items():
            given_names[name] += p_origin * share
        for name, share in family_o.items():
            family_names[name] += p_origin * share
        top_given = sorted(given_o.items(), key=lambda kv: -kv[1])[:40]
        top_family = sorted(family_o.items(), key=lambda kv: -kv[1])[:40]
        for g, pg in top_given:
            for f, pf in top_family:
                full[f"{g} {f}"] += p_origin * pg * pf
    given: dict[str, float] = defaultdict(float)
    for name, share in given_names.items():
        for form in NameForms.of([name], []).given:
            given[form] += share
    family: dict[str, float] = defaultdict(float)
    for name, share in family_names.items():
        for form in NameForms.of([], [name]).family:
            family[form] += share
    return Priors(dict(given), dict(family), dict(full), dict(given_names), dict(family_names))


# -- encodings ------------------------------------------------------------------------------------


class _UnfoldedClk:
    """The shipped CLK construction without the XOR fold: keyed random hashing into 1024 bits."""

    def __init__(self, key: bytes) -> None:
        self._key = key
        self._cache: dict[str, int] = {}

    def _mask(self, bigram: str) -> int:
        if bigram not in self._cache:
            mask, counter, words = 0, 0, []
            while len(words) < CLK_HASHES:
                block = hmac.digest(self._key, bytes([counter]) + bigram.encode(), hashlib.sha256)
                words += [int.from_bytes(block[i : i + 2], "big") for i in range(0, 32, 2)]
                counter += 1
            for word in words[:CLK_HASHES]:
                mask |= 1 << (word % CLK_BITS)
            self._cache[bigram] = mask
        return self._cache[bigram]

    def encode(self, name: str) -> bytes:
        padded = f" {name} "
        value = 0
        for i in range(len(padded) - 1):
            value |= self._mask(padded[i : i + 2])
        return value.to_bytes(CLK_BITS // 8, "big")


@dataclass(frozen=True)
class Encoded:
    """One subject's name encodings under some scheme; ``salt`` is what the prior is split by."""

    given: tuple[bytes, ...]
    family: tuple[bytes, ...]
    dob: bytes | None
    clk: bytes | None
    salt: str


class Encoding:
    """A way of turning names into tokens and CLKs: :meth:`encode` every subject, and
    :meth:`token` (the evaluator's oracle: which token a given form has under this scheme)."""

    def __init__(self, corpus: Corpus) -> None:
        self.corpus = corpus
        self.keys = {
            f: derive_key(corpus.secret, corpus.scheme, f) for f in ("given_name", "family_name")
        }

        self._shipped = corpus.tokeniser()

    def token(self, field: str, form: str, salt: str) -> bytes:
        return self._shipped.token(field, form)  # the SDK's own tokeniser, whatever it does

    def encode(self) -> list[Encoded]:
        return [Encoded(s.given, s.family, s.dob, s.clk, "") for s in self.corpus.subjects]


class _Unfolded(Encoding):
    def encode(self) -> list[Encoded]:
        encoder = _UnfoldedClk(derive_key(self.corpus.secret, self.corpus.scheme, "name_clk"))
        return [
            Encoded(s.given, s.family, s.dob, encoder.encode(s.full), "")
            for s in self.corpus.subjects
        ]


class _YearSalted(Encoding):
    def token(self, field: str, form: str, salt: str) -> bytes:
        return hmac.digest(self.keys[field], f"{form}|{salt}".encode(), "sha256")[:16]

    def encode(self) -> list[Encoded]:
        clk_key = derive_key(self.corpus.secret, self.corpus.scheme, "name_clk")
        encoders: dict[str, ClkEncoder] = {}
        out = []
        for s in self.corpus.subjects:
            if s.year not in encoders:
                encoders[s.year] = ClkEncoder(hmac.digest(clk_key, s.year.encode(), "sha256"))
            out.append(
                Encoded(
                    tuple(sorted(self.token("given_name", f, s.year) for f in s.given_forms)),
                    tuple(sorted(self.token("family_name", f, s.year) for f in s.family_forms)),
                    s.dob,
                    encoders[s.year].encode(s.full),
                    s.year,
                )
            )
        return out


PUBLIC_CLK = ClkEncoder(b"\x00" * 32)  # a published key is no key


class _Unkeyed(Encoding):
    def token(self, field: str, form: str, salt: str) -> bytes:
        return hashlib.sha256(f"{field}|{form}".encode()).digest()[:16]

    def encode(self) -> list[Encoded]:
        return [
            Encoded(
                tuple(sorted(self.token("given_name", f, "") for f in s.given_forms)),
                tuple(sorted(self.token("family_name", f, "") for f in s.family_forms)),
                s.dob,
                PUBLIC_CLK.encode(s.full),
                "",
            )
            for s in self.corpus.subjects
        ]


ENCODINGS: dict[str, type[Encoding]] = {
    "shipped": Encoding,
    "unfolded": _Unfolded,
    "year-salted": _YearSalted,
    "unkeyed": _Unkeyed,
}


# -- the attacks ----------------------------------------------------------------------------------


def _children_per(items: Iterable[tuple[bytes, bytes | None, int]]) -> dict[bytes, int]:
    """How many distinct children carry each token, children told apart by the DOB token."""
    seen: dict[bytes, set[object]] = defaultdict(set)
    for token, dob, index in items:
        seen[token].add(dob if dob is not None else index)
    return {token: len(who) for token, who in seen.items()}


def _align(observed: Mapping[bytes, int], prior: Mapping[str, float]) -> dict[bytes, str]:
    """Rank-for-rank: the i-th most frequent token gets the i-th most likely value."""
    tokens = sorted(observed, key=lambda t: (-observed[t], t))
    values = sorted(prior, key=lambda v: (-prior[v], v))
    return dict(zip(tokens, values, strict=False))


def _salted_prior(prior: Mapping[str, float], salts: Mapping[str, float]) -> dict[str, float]:
    if set(salts) == {""}:
        return dict(prior)
    return {f"{v}|{s}": p * q for v, p in prior.items() for s, q in salts.items()}


def _unsalt(label: str) -> str:
    return label.rsplit("|", 1)[0] if "|" in label else label


@dataclass
class AttackResult:
    encoding: str
    attacked: int
    reidentified: int
    by_tokens: int
    by_clk: int
    given_tokens_labelled: int
    given_tokens_correct: int
    family_tokens_labelled: int
    family_tokens_correct: int
    seeds: int
    seeds_correct: int
    clks_decoded: int
    clks_decoded_correct: int
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.reidentified / self.attacked if self.attacked else 0.0

    def figures(self) -> dict[str, Any]:
        return {
            "attacked": self.attacked,
            "reidentified": self.reidentified,
            "rate": round(self.rate, 4),
            "by_tokens": self.by_tokens,
            "by_clk": self.by_clk,
            "given_tokens_correct": f"{self.given_tokens_correct}/{self.given_tokens_labelled}",
            "family_tokens_correct": f"{self.family_tokens_correct}/{self.family_tokens_labelled}",
            "clk_seeds_correct": f"{self.seeds_correct}/{self.seeds}",
            "clks_decoded_correct": f"{self.clks_decoded_correct}/{self.clks_decoded}",
        }


def attack(
    corpus: Corpus,
    encoding: str = "shipped",
    priors: Priors | None = None,
    *,
    candidates: int = 60,
    known_plaintext: float = 0.0,
) -> AttackResult:
    """Run attacks A and B on ``corpus`` under ``encoding``; score with the truth.

    ``known_plaintext`` > 0 replaces attack B's seeds by that share of reports whose names the
    attacker somehow knows (a leaked case list): it isolates what the CLK construction itself
    withstands once the attacker has correct seeds.
    """
    priors = priors or public_priors()
    scheme = ENCODINGS[encoding](corpus)
    encoded = scheme.encode()
    subjects = corpus.subjects
    pairs = list(zip(subjects, encoded, strict=True))
    given_labels, family_labels = _frequency_labels(scheme, encoded, priors, encoding)

    leaked: set[str] = set()  # children whose names the attacker was given: not attacked
    if known_plaintext > 0:  # the leaked names label their reports' tokens directly
        every = max(1, round(1 / known_plaintext))
        for i, (s, e) in enumerate(pairs):
            if i % every != 0:
                continue
            leaked.add(s.child_id)
            if len(e.given) == 1 and len(e.family) == 1:
                given_labels[e.given[0]] = s.given_name
                family_labels[e.family[0]] = s.family_name

    # Attack A, scored: a report is named when its written given and family names are among
    # the labels of its tokens (the truth says which token is which; the attacker need not).
    named_by_tokens: set[str] = set()
    truth_given = [scheme.token("given_name", s.given_name, e.salt) for s, e in pairs]
    truth_family = [scheme.token("family_name", s.family_name, e.salt) for s, e in pairs]
    for s, g_token, f_token in zip(subjects, truth_given, truth_family, strict=True):
        g_ok = _unsalt(given_labels.get(g_token, "")) == s.given_name
        f_ok = _unsalt(family_labels.get(f_token, "")) == s.family_name
        if g_ok and f_ok:
            named_by_tokens.add(s.child_id)

    given_correct = _labels_correct(given_labels, truth_given, subjects, "given_name")
    family_correct = _labels_correct(family_labels, truth_family, subjects, "family_name")

    # Attack B: seeds from attack A, learn bigram patterns, decode every CLK.
    seeds: list[tuple[bytes, str]] = []
    for e in encoded:
        if e.clk and len(e.given) == 1 and len(e.family) == 1:
            g, f = given_labels.get(e.given[0]), family_labels.get(e.family[0])
            if g and f:
                seeds.append((e.clk, f"{_unsalt(g)} {_unsalt(f)}"))
    truth_full = {e.clk: s.full for s, e in zip(subjects, encoded, strict=True) if e.clk}
    salt_of = {e.clk: e.salt for e in encoded if e.clk}
    if known_plaintext > 0:
        every = max(1, round(1 / known_plaintext))
        seeds = [(e.clk, s.full) for i, (s, e) in enumerate(pairs) if e.clk and i % every == 0]
    seeds_correct = sum(truth_full.get(clk) == name for clk, name in seeds)
    decoded = _decode_clks(encoding, truth_full, salt_of, seeds, priors, candidates)
    named_by_clk = {
        s.child_id for s, e in zip(subjects, encoded, strict=True) if decoded.get(e.clk) == s.full
    }
    return AttackResult(
        encoding=encoding,
        attacked=len({s.child_id for s in subjects} - leaked),
        reidentified=len((named_by_tokens | named_by_clk) - leaked),
        by_tokens=len(named_by_tokens - leaked),
        by_clk=len(named_by_clk - leaked),
        given_tokens_labelled=len(given_labels),
        given_tokens_correct=given_correct,
        family_tokens_labelled=len(family_labels),
        family_tokens_correct=family_correct,
        seeds=len(seeds),
        seeds_correct=seeds_correct,
        clks_decoded=len(decoded),
        clks_decoded_correct=sum(truth_full[c] == n for c, n in decoded.items()),
    )


def _frequency_labels(
    scheme: Encoding, encoded: list[Encoded], priors: Priors, encoding: str
) -> tuple[dict[bytes, str], dict[bytes, str]]:
    """Attack A's labels for given- and family-name tokens."""
    if encoding == "unkeyed":  # no frequencies needed: the attacker encodes the dictionary
        return (
            {scheme.token("given_name", f, ""): f for f in priors.given},
            {scheme.token("family_name", f, ""): f for f in priors.family},
        )
    salts = _salt_shares(encoded)
    given = _children_per((t, e.dob, i) for i, e in enumerate(encoded) for t in e.given)
    family = _children_per((t, e.dob, i) for i, e in enumerate(encoded) for t in e.family)
    return (
        _align(given, _salted_prior(priors.given, salts)),
        _align(family, _salted_prior(priors.family, salts)),
    )


def _decode_clks(
    encoding: str,
    targets: Mapping[bytes, str],
    salt_of: Mapping[bytes, str],
    seeds: list[tuple[bytes, str]],
    priors: Priors,
    candidates: int,
) -> dict[bytes, str]:
    """Attack B over every target CLK (``targets``' values are never read: truth)."""
    names = _candidate_names(priors, candidates)
    if encoding == "unkeyed":
        return _decode_with(targets, names, PUBLIC_CLK.encode)
    # The birth-year token is visible, so a salt by year splits the attacker's work by year
    # rather than defeating it: learn and decode each year's CLKs on their own.
    decoded: dict[bytes, str] = {}
    for salt in set(salt_of.values()):
        decoded |= _decode(
            {c: n for c, n in targets.items() if salt_of[c] == salt},
            [(c, n) for c, n in seeds if salt_of[c] == salt],
            names,
        )
    return decoded


def _salt_shares(encoded: list[Encoded]) -> dict[str, float]:
    """The public share of each salt value (birth years: an age distribution is public)."""
    counts: dict[str, int] = defaultdict(int)
    for e in encoded:
        counts[e.salt] += 1
    total = sum(counts.values())
    return {s: c / total for s, c in counts.items()}


def _labels_correct(
    labels: Mapping[bytes, str], truth: list[bytes], subjects: list[Subject], attr: str
) -> int:
    right = {t: getattr(s, attr) for t, s in zip(truth, subjects, strict=True) if t}
    return sum(t in right and _unsalt(label) == right[t] for t, label in labels.items())


def _candidate_names(priors: Priors, top: int) -> list[str]:
    given = sorted(priors.given_names, key=lambda n: -priors.given_names[n])[:top]
    family = sorted(priors.family_names, key=lambda n: -priors.family_names[n])[:top]
    return [f"{g} {f}" for g in given for f in family]


def _bits(clks: Iterable[bytes]) -> np.ndarray:
    data = np.frombuffer(b"".join(clks), dtype=np.uint8)
    return np.unpackbits(data).reshape(-1, CLK_BITS).astype(np.float32)


def _bigrams(name: str) -> set[str]:
    padded = f" {name} "
    return {padded[i : i + 2] for i in range(len(padded) - 1)}


def _decode(
    targets: Mapping[bytes, str], seeds: list[tuple[bytes, str]], names: list[str]
) -> dict[bytes, str]:
    """Learn bigram patterns from the seeds, then give each target CLK its best candidate."""
    if not seeds:
        return {}
    unique = dict(seeds)
    seed_bits = _bits(unique)
    holders: dict[str, list[int]] = defaultdict(list)
    for row, name in enumerate(unique.values()):
        for bigram in _bigrams(name):
            holders[bigram].append(row)
    patterns = {
        b: (seed_bits[rows].mean(axis=0) >= SEED_SHARE) for b, rows in holders.items() if rows
    }
    known = [n for n in names if _bigrams(n) <= patterns.keys()]
    if not known:
        return {}
    predicted = np.stack(
        [np.logical_or.reduce([patterns[b] for b in _bigrams(n)]) for n in known]
    ).astype(np.float32)
    return _best(targets, known, predicted)


def _decode_with(
    targets: Mapping[bytes, str], names: list[str], encode: Callable[[str], bytes | None]
) -> dict[bytes, str]:
    encoded = [(n, encode(n)) for n in names]
    known = [n for n, c in encoded if c]
    return _best(targets, known, _bits(c for _, c in encoded if c))


def _best(
    targets: Mapping[bytes, str], known: list[str], predicted: np.ndarray
) -> dict[bytes, str]:
    clks = list(targets)
    observed = _bits(clks)
    overlap = observed @ predicted.T
    sizes = observed.sum(axis=1)[:, None] + predicted.sum(axis=1)[None, :]
    scores = 2 * overlap / np.maximum(sizes, 1)
    best = scores.argmax(axis=1)
    return {
        clk: known[int(j)]
        for clk, j, score in zip(clks, best, scores[np.arange(len(clks)), best], strict=True)
        if score >= DECODE_MIN_DICE
    }
