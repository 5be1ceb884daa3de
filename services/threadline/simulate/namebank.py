"""The embedded name and place lists, loaded once and sampled with realistic skew.

Linkage has to cope with a few very common values ("Mohammed", "Smith", "Khan") and a long tail,
with several spellings of one name, and with diacritics from several alphabets, so the lists are
grouped by origin (English, Irish/Scottish, South Asian, Eastern European, West African,
Caribbean, Middle Eastern, East African, East Asian) with invented relative weights. The data
lives in ``data/*.json`` beside this module (package data), not in code.
"""

from __future__ import annotations

import json
import random
from bisect import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import accumulate
from typing import Any, Generic, TypeVar

__all__ = ["District", "NameBank", "Weighted", "choose", "load_bank"]

T = TypeVar("T")


def choose(rng: random.Random, items: Sequence[T]) -> T:
    """``rng.choice`` without its rejection sampling: a large simulation makes ~10^6 choices,
    and one ``random()`` each is several times faster (the bias is below 2^-50)."""
    return items[int(rng.random() * len(items))]


@dataclass(frozen=True, slots=True)
class Weighted(Generic[T]):
    """Items with cumulative weights; :meth:`pick` is one ``random()`` and one C bisect."""

    items: tuple[T, ...]
    cumulative: tuple[float, ...]

    @classmethod
    def of(cls, weights: dict[T, float] | list[tuple[T, float]]) -> Weighted[T]:
        pairs = list(weights.items()) if isinstance(weights, dict) else weights
        return cls(tuple(p[0] for p in pairs), tuple(accumulate(p[1] for p in pairs)))

    def pick(self, rng: random.Random) -> T:
        return self.items[bisect(self.cumulative, rng.random() * self.cumulative[-1])]


@dataclass(frozen=True, slots=True)
class District:
    """A postcode district, its town, and the Ofcom drama landline prefix for that area."""

    district: str
    town: str
    landline_prefix: str


@dataclass(frozen=True, slots=True)
class NameBank:
    """Weighted samplers over the embedded lists plus the spelling-variant tables."""

    origins: Weighted[str]
    given: dict[tuple[str, str], Weighted[str]]  # (origin, "f" | "m") -> names
    family: dict[str, Weighted[str]]
    variants: dict[str, tuple[str, ...]]  # a spelling -> the other spellings of that name
    nicknames: dict[str, tuple[str, ...]]
    street_names: tuple[str, ...]
    districts: Weighted[District]
    streets: tuple[str, ...]
    blocks: tuple[str, ...]

    def given_name(self, rng: random.Random, origin: str, sex: str) -> str:
        return self.given[(origin, sex)].pick(rng)

    def family_name(self, rng: random.Random, origin: str) -> str:
        return self.family[origin].pick(rng)

    def other_spellings(self, name: str) -> tuple[str, ...]:
        """Transliterations first, then nicknames: what another agency might have written."""
        return self.variants.get(name, ()) + self.nicknames.get(name, ())


def _read(name: str) -> Any:
    text = resources.files("threadline.simulate").joinpath("data", name).read_text("utf-8")
    return json.loads(text)


@cache
def load_bank() -> NameBank:
    """Parse the data files once per process; every simulation shares the result."""
    names = _read("names.json")
    places = _read("places.json")
    origins = names["origins"]
    variants: dict[str, tuple[str, ...]] = {}
    for group in names["variants"]:
        for spelling in group:
            variants[spelling] = tuple(s for s in group if s != spelling)
    districts = [
        (District(d["district"], d["town"], d["landline"]), float(d["weight"]))
        for d in places["districts"]
    ]
    return NameBank(
        origins=Weighted.of({o: float(v["weight"]) for o, v in origins.items()}),
        given={(o, sex): Weighted.of(v[sex]) for o, v in origins.items() for sex in ("f", "m")},
        family={o: Weighted.of(v["family"]) for o, v in origins.items()},
        variants=variants,
        nicknames={k: tuple(v) for k, v in names["nicknames"].items()},
        street_names=tuple(names["street_names"]),
        districts=Weighted.of(districts),
        streets=tuple(places["streets"]),
        blocks=tuple(places["blocks"]),
    )
