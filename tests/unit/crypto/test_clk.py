"""CLK: fixed length, keyed, and Dice puts variants above unrelated names."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from threadline.crypto.clk import CLK_BITS, ClkEncoder, dice
from threadline.errors import ValidationError

ENCODER = ClkEncoder(b"k" * 32)


def _clk(name: str) -> bytes:
    clk = ENCODER.encode(name)
    assert clk is not None
    return clk


def test_length_and_fill() -> None:
    clk = _clk("aisha khan")
    assert len(clk) == CLK_BITS // 8
    fill = int.from_bytes(clk, "big").bit_count() / CLK_BITS
    assert 0.05 < fill < 0.5


def test_empty_name_has_no_clk() -> None:
    assert ENCODER.encode("") is None


@pytest.mark.parametrize(
    ("name", "variant", "unrelated"),
    [
        ("aisha khan", "aishah khan", "dean smith"),
        ("muhammad ali", "mohammed ali", "sarah jones"),
        ("catherine smith jones", "katherine smith jones", "peter lee"),
        ("jonathan brown", "johnathan brown", "jonas bergstrom"),
    ],
)
def test_variants_score_above_unrelated_names(name: str, variant: str, unrelated: str) -> None:
    assert dice(_clk(name), _clk(variant)) > 0.7
    assert dice(_clk(name), _clk(variant)) > dice(_clk(name), _clk(unrelated))


@given(st.text("abcdefghijklmnopqrstuvwxyz ", min_size=1, max_size=30).filter(str.strip))
def test_dice_properties(name: str) -> None:
    clk = _clk(name)
    other = _clk("aisha khan")
    assert dice(clk, clk) == 1.0
    assert dice(clk, other) == dice(other, clk)
    assert 0.0 <= dice(clk, other) <= 1.0


def test_keyed() -> None:
    assert ClkEncoder(b"a" * 32).encode("aisha khan") != ClkEncoder(b"b" * 32).encode("aisha khan")


def test_characters_outside_the_alphabet_still_encode() -> None:
    assert dice(_clk("aisha-khan"), _clk("aisha khan")) > 0.6


def test_dice_edge_cases() -> None:
    zero = bytes(CLK_BITS // 8)
    assert dice(zero, zero) == 0.0
    with pytest.raises(ValidationError):
        dice(zero, zero[:-1])


def test_short_key_and_repr() -> None:
    with pytest.raises(ValueError, match="32 bytes"):
        ClkEncoder(b"short")
    assert "redacted" in repr(ENCODER)
