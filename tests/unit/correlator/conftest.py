"""Factories for the correlator's tests: people made of labelled tokens, and two models.

``hand_model`` has round, documented weights so clustering tests can reason about scores;
``synthetic_model`` is fitted (session-scoped) on a synthetic population, for tests that check
what EM learns.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

from tests.unit.correlator.synthetic_tokens import SCHEME, clk_of, make_records, tok
from threadline.correlator.model import LinkageModel, Thresholds, TrainingInfo
from threadline.correlator.records import PersonTokens
from threadline.correlator.training import TrainingConfig, train_model

PersonFactory = Callable[..., PersonTokens]


def person(
    *,
    given: Sequence[object] = (),
    family: Sequence[object] = (),
    phonetic: Sequence[object] = (),
    dob: tuple[int, int, int] | None = None,
    postcode: object | None = None,
    phones: Sequence[object] = (),
    emails: Sequence[object] = (),
    handles: Sequence[object] = (),
    clk: set[int] | None = None,
    scheme: str = SCHEME,
) -> PersonTokens:
    """A person whose tokens are made from labels: equal labels give equal tokens."""
    year, month, day = dob if dob else (0, 0, 0)
    swappable = dob is not None and day <= 12 and day != month
    return PersonTokens(
        scheme=scheme,
        given_name=frozenset(tok("g", g) for g in given),
        family_name=frozenset(tok("f", f) for f in family),
        name_phonetic=frozenset(tok("p", p) for p in phonetic),
        dob=tok("dob", year, month, day) if dob else None,
        dob_swapped=tok("dob", year, day, month) if swappable else None,
        birth_year=tok("yr", year) if dob else None,
        postcode_district=tok("pc", postcode) if postcode is not None else None,
        phones=frozenset(tok("ph", p) for p in phones),
        emails=frozenset(tok("em", e) for e in emails),
        handles=frozenset(tok("hd", h) for h in handles),
        name_clk=clk_of(clk) if clk else None,
    )


@pytest.fixture
def make_person() -> PersonFactory:
    return person


# Weights (log2 m/u) of the hand model, per level, strongest agreement first:
#   given   +6.41 / +2.32 / -4.28      family  +7.41 / +4.32 / -4.31
#   dob     +11.47 / +8.97 / -0.19 / -4.94     postcode +6.13 / -1.72
#   phones  +10.64 / -2.32             emails, handles  +10.81 / -3.32
#   clk     +11.97 / +9.23 / +5.32 / -3.31
# Thresholds: match 20, possible 12, conflict -10, bridge 26.
HAND_M = (
    (0.85, 0.1, 0.05),
    (0.85, 0.1, 0.05),
    (0.85, 0.05, 0.07, 0.03),
    (0.7, 0.3),
    (0.8, 0.2),
    (0.9, 0.1),
    (0.9, 0.1),
    (0.4, 0.3, 0.2, 0.1),
)
HAND_U = (
    (0.01, 0.02, 0.97),
    (0.005, 0.005, 0.99),
    (0.0003, 0.0001, 0.08, 0.9196),
    (0.01, 0.99),
    (0.0005, 0.9995),
    (0.0005, 0.9995),
    (0.0005, 0.9995),
    (0.0001, 0.0005, 0.005, 0.9944),
)


def hand_model(thresholds: Thresholds | None = None) -> LinkageModel:
    return LinkageModel(
        version="0.0.0-test",
        m=HAND_M,
        u=HAND_U,
        lambda_=3e-4,
        thresholds=thresholds or Thresholds(match=20.0, possible=12.0, conflict=-10.0, bridge=26.0),
        training=TrainingInfo("hand-made for tests", 0, 0, 0, 0, 0, True, 0.0),
    )


@pytest.fixture
def model() -> LinkageModel:
    return hand_model()


@pytest.fixture(scope="session")
def synthetic_model() -> LinkageModel:
    records = make_records(seed=11, children=1500)
    config = TrainingConfig("0.0.0-synthetic", "tests: synthetic_tokens seed 11", seed=3)
    return train_model([r.person for r in records], config, [r.entity for r in records])
