"""Linkage tokens: keyed blind indexes that let the correlator match people it cannot read.

Each identifier is normalised (:mod:`threadline.crypto.normalise`) and then HMAC-SHA256-ed under
a *per-field* key. The field keys are derived once, when the tokeniser is built, by HKDF-SHA256
(RFC 5869) from the linkage secret the agencies share under their agreement, with
``info = frame("threadline/linkage", scheme, field)``. So:

* equal values in *different* fields (a postcode district and a handle, a DOB and a birth year)
  never produce equal tokens, and the correlator cannot join across fields;
* a new scheme version (``tl-tok-v2``) or a new secret yields unrelated tokens: rotation is
  re-tokenising, and old and new tokens cannot be linked without the secret;
* without the secret, a token cannot be checked against a guess - the only real defence for
  low-entropy values like dates of birth (a few tens of thousands of candidates).

Tokens are the HMAC truncated to **16 bytes** (128 bits). NIST SP 800-107r1 section 5.3.3
allows truncated HMAC outputs; the security of a blind index rests on the key, not the length
(with the key, a dictionary attack succeeds at any length; without it, 128 bits cannot be
forged). Length only governs accidental collisions: for n tokens per field the chance of any
collision is about n^2 / 2^129 - below 10^-20 even at a billion tokens. 64 bits would collide
with probability ~3 % at a billion and would silently merge two children; 32 bytes would double
the tokens' footprint on Kafka and in the correlator's RocksDB keys for no gain.

The Dice-comparable fuzzy name encoding is :mod:`threadline.crypto.clk`; it has its own key.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, TypedDict

from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from pydantic import SecretBytes

from threadline.crypto.clk import ClkEncoder
from threadline.crypto.framing import frame
from threadline.crypto.mac import HmacSha256
from threadline.crypto.names import NameForms
from threadline.crypto.normalise import (
    birth_year,
    normalise_dob,
    normalise_email,
    normalise_handle,
    normalise_phone,
    postcode_district,
    swap_day_month,
)
from threadline.errors import ConfigError

__all__ = ["SCHEMES", "TOKEN_BYTES", "LinkageTokeniser", "PersonTokens", "derive_key"]

TOKEN_BYTES = 16
SCHEMES = frozenset({"tl-tok-v1"})
_MIN_SECRET = 32
_LABEL = b"threadline/linkage"
# Token fields, each with its own key. dob_swapped deliberately shares the "dob" key: a swapped
# date must equal the other record's plain dob token for the transposition to be caught.
_FIELDS = (
    "given_name",
    "family_name",
    "name_phonetic",
    "dob",
    "birth_year",
    "postcode_district",
    "phone",
    "email",
    "handle",
)


class PersonTokens(TypedDict):
    """The ``PersonTokens`` Avro record: every linkage token of one person, lists sorted."""

    scheme: str
    given_name: list[bytes]
    family_name: list[bytes]
    name_phonetic: list[bytes]
    dob: bytes | None
    dob_swapped: bytes | None
    birth_year: bytes | None
    postcode_district: bytes | None
    phones: list[bytes]
    emails: list[bytes]
    handles: list[bytes]
    name_clk: bytes | None


def derive_key(secret: bytes, scheme: str, field: str) -> bytes:
    """The 32-byte HKDF-SHA256 key of one token field under one scheme version."""
    hkdf = HKDF(algorithm=SHA256(), length=32, salt=None, info=frame(_LABEL, scheme, field))
    return hkdf.derive(secret)


def _texts(value: object) -> list[str]:
    """A list of non-empty strings from an optional string or list of strings."""
    if isinstance(value, str):
        return [value] if value.strip() else []
    if value is None:
        return []
    if isinstance(value, list | tuple | Iterable):  # list/tuple first: the ABC check is slow
        return [v for v in value if isinstance(v, str) and v.strip()]
    return []


class LinkageTokeniser:
    """Turns a person (the agency-input dict) into :class:`PersonTokens` under one secret.

    Build one per process and reuse it: construction derives the field keys and precomputes the
    CLK masks (~2 ms); :meth:`person_tokens` then only normalises and HMACs.
    """

    __slots__ = ("_clk", "_macs", "phone_region", "scheme")

    def __init__(
        self,
        secret: bytes | SecretBytes,
        scheme: str = "tl-tok-v1",
        *,
        phone_region: str = "GB",
    ) -> None:
        raw = secret.get_secret_value() if isinstance(secret, SecretBytes) else bytes(secret)
        if len(raw) < _MIN_SECRET:
            raise ConfigError(f"the linkage secret must be at least {_MIN_SECRET} bytes")
        if scheme not in SCHEMES:
            raise ConfigError(f"unknown token scheme {scheme!r}; known: {sorted(SCHEMES)}")
        self.scheme = scheme
        self.phone_region = phone_region
        self._macs = {field: HmacSha256(derive_key(raw, scheme, field)) for field in _FIELDS}
        self._clk = ClkEncoder(derive_key(raw, scheme, "name_clk"))

    def __repr__(self) -> str:
        return f"LinkageTokeniser(scheme={self.scheme!r}, secret=<redacted>)"

    def token(self, field: str, normalised: str) -> bytes:
        """The token of an already-normalised value in ``field`` (one of the field keys)."""
        # the same bytes as hmac.digest(key, value, "sha256"), with the padded key hashed once
        return self._macs[field].digest(normalised.encode("utf-8"))[:TOKEN_BYTES]

    def _tokens(self, field: str, values: Iterable[str | None]) -> list[bytes]:
        return sorted({self.token(field, v) for v in values if v})

    def person_tokens(self, person: Mapping[str, Any]) -> PersonTokens:
        """All tokens of one person; absent or unparseable identifiers give no token.

        Keys as in docs/agency-input.md: ``given_name``, ``family_name``, ``other_names``,
        ``date_of_birth``, ``postcode``, ``phones``, ``emails``, ``handles``. Validation (is
        this phone number plausible?) is the SDK's job before this point; here a value that
        cannot be normalised is skipped rather than tokenised in a form no one else would match.
        """
        names = NameForms.of(
            _texts(person.get("given_name")),
            _texts(person.get("family_name")),
            _texts(person.get("other_names")),
        )
        raw_dob = person.get("date_of_birth")
        if not isinstance(raw_dob, str | date):
            raw_dob = None
        dob = normalise_dob(raw_dob)
        swapped = swap_day_month(dob) if dob else None
        year = birth_year(raw_dob)
        postcode = person.get("postcode")
        district = postcode_district(postcode) if isinstance(postcode, str) else None
        handles = [
            normalise_handle(str(h.get("platform", "")), str(h.get("handle", "")))
            for h in person.get("handles") or ()
            if isinstance(h, Mapping)
        ]
        return PersonTokens(
            scheme=self.scheme,
            given_name=self._tokens("given_name", names.given),
            family_name=self._tokens("family_name", names.family),
            name_phonetic=self._tokens("name_phonetic", names.phonetic_pairs()),
            dob=self.token("dob", dob.isoformat()) if dob else None,
            dob_swapped=self.token("dob", swapped.isoformat()) if swapped else None,
            birth_year=self.token("birth_year", str(year)) if year else None,
            postcode_district=self.token("postcode_district", district) if district else None,
            phones=self._tokens(
                "phone",
                (normalise_phone(p, self.phone_region) for p in _texts(person.get("phones"))),
            ),
            emails=self._tokens("email", map(normalise_email, _texts(person.get("emails")))),
            handles=self._tokens("handle", handles),
            name_clk=self._clk.encode(names.full),
        )
