"""Synthetic person-token records with known truth, for the correlator's tests.

Tokens are BLAKE2b digests under a fixed test key of labels such as ``("g", 17)`` (given name 17):
equal labels give equal tokens, as the real keyed HMAC does, and no personal data is involved.
The population is built to be realistically hard: names follow a long-tailed frequency law (a
few very common family names), children have siblings (same family name, postcode and household
phone, different DOB) and a few twins (same DOB too), and every report is corrupted the way
agency data is: nicknames, typos that keep the phonetic code, swapped or mistyped DOBs, moves,
new phones, missing fields.
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import dataclass, field
from hashlib import blake2b
from pathlib import Path

from threadline.correlator.records import PersonTokens

SCHEME = "test-v1"
_KEY = b"synthetic-linkage-test-key"
_CLK_BITS = 1024
_CLK_HASHES = 15


def tok(*label: object) -> bytes:
    """The synthetic token of a label (deterministic, 16 bytes)."""
    return blake2b("|".join(map(str, label)).encode(), key=_KEY, digest_size=16).digest()


def _bits(bigram: int) -> int:
    word = 0
    for i in range(_CLK_HASHES):
        digest = blake2b(f"{bigram}|{i}".encode(), key=_KEY, digest_size=4).digest()
        word |= 1 << (int.from_bytes(digest, "big") % _CLK_BITS)
    return word


_BIGRAM_BITS = [_bits(b) for b in range(676)]


def clk_of(bigrams: set[int]) -> bytes:
    """A 1024-bit Bloom filter of a set of bigram ids (the shape of the real name CLK)."""
    word = 0
    for bigram in bigrams:
        word |= _BIGRAM_BITS[bigram]
    return word.to_bytes(_CLK_BITS // 8, "big")


def _name_bigrams(kind: str, name: str) -> set[int]:
    rng = random.Random(f"{kind}:{name}")
    return {rng.randrange(676) for _ in range(rng.randint(5, 9))}


@dataclass
class Child:
    """The truth about one synthetic child."""

    entity: str
    given: int
    family: int
    dob: tuple[int, int, int]
    postcode: int
    phones: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    handles: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SyntheticRecord:
    """One report's subject: its record id, the true entity, and the tokens an SDK would send."""

    record_id: str
    entity: str
    person: PersonTokens


def _long_tail(rng: random.Random, size: int, offset: int) -> int:
    weights = [1.0 / (rank + offset) for rank in range(size)]
    return rng.choices(range(size), weights=weights)[0]


def make_children(rng: random.Random, count: int) -> list[Child]:
    """A population with siblings (about 15%) and twins (about 1%)."""
    children: list[Child] = []
    for i in range(count):
        entity = f"child-{i}"
        roll = rng.random()
        if children and roll < 0.16:
            sib = rng.choice(children)
            year = sib.dob[0] if roll < 0.01 else sib.dob[0] + rng.choice((-3, -2, -1, 1, 2, 3))
            dob = sib.dob if roll < 0.01 else (year, rng.randint(1, 12), rng.randint(1, 28))
            child = Child(
                entity,
                _long_tail(rng, 400, 5),
                sib.family,
                dob,
                sib.postcode,
                phones=sib.phones[:1],
            )
        else:
            dob = (rng.randint(2006, 2017), rng.randint(1, 12), rng.randint(1, 28))
            child = Child(
                entity,
                _long_tail(rng, 400, 5),
                _long_tail(rng, 2000, 10),
                dob,
                _long_tail(rng, 150, 10),
            )
        child.phones = child.phones + [f"{entity}-p{k}" for k in range(rng.choice((0, 1, 1, 2)))]
        child.emails = [f"{entity}-e0"] if rng.random() < 0.5 else []
        child.handles = [f"{entity}-h{k}" for k in range(rng.choice((0, 1, 1, 2)))]
        children.append(child)
    return children


def _given_form(
    rng: random.Random, child: Child
) -> tuple[list[bytes], list[bytes], set[int]] | None:
    g = child.given
    roll = rng.random()
    if roll < 0.05:
        return None
    if roll < 0.20 and g % 5 == 0:  # nickname: own token plus the canonical variant
        name = f"{g}n"
        return [tok("g", name), tok("g", g)], [tok("gp", name)], _name_bigrams("g", name)
    if roll < 0.30:  # typo: new token, usually the same phonetic code
        bigrams = set(_name_bigrams("g", str(g)))
        bigrams.pop()
        bigrams.add(rng.randrange(676))
        code = g // 2 if rng.random() < 0.85 else f"{g}~"
        return [tok("g", f"{g}~{rng.randrange(50)}")], [tok("gp", code)], bigrams
    return [tok("g", g)], [tok("gp", g // 2)], _name_bigrams("g", str(g))


def _family_form(
    rng: random.Random, child: Child
) -> tuple[list[bytes], list[bytes], set[int]] | None:
    f = child.family
    roll = rng.random()
    if roll < 0.05:
        return None
    if roll < 0.07:  # changed family name
        f = _long_tail(rng, 2000, 10)
    elif roll < 0.15:
        bigrams = set(_name_bigrams("f", str(f)))
        bigrams.pop()
        bigrams.add(rng.randrange(676))
        code = f // 3 if rng.random() < 0.85 else f"{f}~"
        return [tok("f", f"{f}~{rng.randrange(50)}")], [tok("fp", code)], bigrams
    return [tok("f", f)], [tok("fp", f // 3)], _name_bigrams("f", str(f))


def _dob_tokens(rng: random.Random, child: Child) -> dict[str, bytes | None]:
    y, m, d = child.dob
    roll = rng.random()
    if roll < 0.15:
        return {"dob": None, "dob_swapped": None, "birth_year": None}
    if roll < 0.20 and d <= 12 and d != m:
        m, d = d, m
    elif roll < 0.24:
        d = rng.choice([x for x in range(1, 29) if x != d])
    swapped = tok("dob", y, d, m) if d <= 12 and d != m else None
    return {"dob": tok("dob", y, m, d), "dob_swapped": swapped, "birth_year": tok("yr", y)}


def observe(rng: random.Random, child: Child) -> PersonTokens:
    """One agency's corrupted view of a child."""
    given, family = _given_form(rng, child), _family_form(rng, child)
    bigrams: set[int] = set()
    for form in (given, family):
        if form is not None:
            bigrams |= form[2]
    # As threadline.crypto.names does: tokens of sorted (given code, family code) pairs, a
    # missing side left empty.
    given_codes = [code.hex() for code in given[1]] if given else [""]
    family_codes = [code.hex() for code in family[1]] if family else [""]
    phonetic = [tok("pair", *sorted((g, f))) for g in given_codes for f in family_codes if g or f]
    roll = rng.random()
    postcode = (
        None if roll < 0.25 else tok("pc", child.postcode if roll < 0.85 else rng.randrange(150))
    )
    phones = [tok("ph", p) for p in child.phones if rng.random() < 0.6]
    if rng.random() < 0.15:
        phones.append(tok("ph", f"{child.entity}-new{rng.randrange(10**6)}"))
    return PersonTokens(
        scheme=SCHEME,
        given_name=frozenset(given[0]) if given else frozenset(),
        family_name=frozenset(family[0]) if family else frozenset(),
        name_phonetic=frozenset(phonetic),
        postcode_district=postcode,
        phones=frozenset(phones),
        emails=frozenset(tok("em", e) for e in child.emails if rng.random() < 0.4),
        handles=frozenset(tok("hd", h) for h in child.handles if rng.random() < 0.5),
        name_clk=clk_of(bigrams) if bigrams else None,
        **_dob_tokens(rng, child),
    )


def make_records(seed: int, children: int) -> list[SyntheticRecord]:
    """Reports about ``children`` synthetic children, in a shuffled (arrival) order."""
    rng = random.Random(seed)
    records: list[SyntheticRecord] = []
    for child in make_children(rng, children):
        reports = rng.choices((1, 2, 3, 4, 5, 6), weights=(45, 25, 15, 8, 4, 3))[0]
        for k in range(reports):
            records.append(
                SyntheticRecord(f"{child.entity}/r{k}", child.entity, observe(rng, child))
            )
    rng.shuffle(records)
    return records


def to_json_line(record: SyntheticRecord) -> str:
    """One line of the training file format read by ``threadline.correlator.training``."""
    p = record.person
    tokens: dict[str, object] = {"scheme": p.scheme}
    for name in ("given_name", "family_name", "name_phonetic", "phones", "emails", "handles"):
        tokens[name] = sorted(t.hex() for t in getattr(p, name))
    for name in ("dob", "dob_swapped", "birth_year", "postcode_district", "name_clk"):
        value = getattr(p, name)
        tokens[name] = None if value is None else value.hex()
    return json.dumps({"record_id": record.record_id, "entity": record.entity, "tokens": tokens})


def main(argv: list[str] | None = None) -> int:
    """Write a synthetic training file: ``python -m tests.unit.correlator.synthetic_tokens``."""
    parser = argparse.ArgumentParser(prog="python -m tests.unit.correlator.synthetic_tokens")
    parser.add_argument("--children", type=int, required=True)
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    with args.out.open("w") as out:
        for record in make_records(args.seed, args.children):
            out.write(to_json_line(record) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
