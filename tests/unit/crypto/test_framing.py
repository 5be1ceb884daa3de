"""Context framing is injective: different tuples never encode to the same bytes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from threadline.crypto.framing import frame

PARTS = st.lists(st.text(max_size=8) | st.binary(max_size=8) | st.integers(0, 2**40), max_size=5)


@given(PARTS, PARTS)
def test_injective(a: list[str | bytes | int], b: list[str | bytes | int]) -> None:
    def normal(parts: list[str | bytes | int]) -> list[object]:
        return [p.encode() if isinstance(p, str) else p for p in parts]

    if normal(a) != normal(b):
        assert frame(b"l", *a) != frame(b"l", *b)


def test_the_classic_ambiguity() -> None:
    assert frame(b"l", "event-1", "2.name") != frame(b"l", "event-12", ".name")
    assert frame(b"l", 1) != frame(b"l", "1")
    assert frame(b"a", "x") != frame(b"b", "x")


def test_negative_integers_are_refused() -> None:
    with pytest.raises(ValueError, match="non-negative"):
        frame(b"l", -1)
