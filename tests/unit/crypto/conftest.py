"""Factories for the crypto tests: keyrings, tokenisers, signers, synthetic people.

Everything personal here is invented. ``leak_check`` is the one assertion every failure-path
test uses: an error must not carry the plaintext it was protecting, in its message, its repr
or anywhere down its ``__cause__``/``__context__`` chain.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from threadline.crypto.keyring import MemoryKeyring
from threadline.crypto.signatures import AgencySigner
from threadline.crypto.tokens import LinkageTokeniser

LINKAGE_SECRET = bytes(range(32))


@pytest.fixture
def keyring() -> MemoryKeyring:
    """A fresh single-version keyring (tests may rotate and shred it)."""
    return MemoryKeyring("dk-test")


@pytest.fixture(scope="session")
def tokeniser() -> LinkageTokeniser:
    """A tokeniser under a fixed secret (session-scoped: hypothesis tests share it)."""
    return LinkageTokeniser(LINKAGE_SECRET)


@pytest.fixture
def person_factory() -> Callable[..., dict[str, Any]]:
    """Build an agency-input person (docs/agency-input.md) with overrides."""

    def make(**overrides: Any) -> dict[str, Any]:
        person: dict[str, Any] = {
            "given_name": "Aisha",
            "family_name": "Khan",
            "other_names": ["Ash"],
            "date_of_birth": "2011-04-03",
            "postcode": "E1 6AN",
            "address": "12 Example Street, London",
            "phones": ["07700 900123"],
            "emails": ["aisha@example.com"],
            "handles": [{"platform": "snapchat", "handle": "ash_k11"}],
        }
        person.update(overrides)
        return person

    return make


@pytest.fixture
def signer_factory() -> Callable[..., AgencySigner]:
    """Fresh agency signers: ``signer_factory("mps", "mps-1")``."""

    def make(agency_id: str = "mps", key_id: str = "mps-1") -> AgencySigner:
        return AgencySigner.generate(agency_id, key_id)

    return make


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


@pytest.fixture
def leak_check() -> Callable[[BaseException, str | bytes], None]:
    """Assert that ``exc`` (and its causes) never mention ``secret``."""

    def check(exc: BaseException, secret: str | bytes) -> None:
        needles = {secret} if isinstance(secret, str) else {secret.decode("latin-1")}
        needles |= {n.lower() for n in needles}
        for link in _chain(exc):
            for text in (str(link), repr(link), repr(link.args)):
                for needle in needles:
                    assert needle not in text.lower(), f"{type(link).__name__} leaks plaintext"

    return check
