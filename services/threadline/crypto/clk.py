"""Cryptographic long-term key (CLK): a keyed bigram Bloom filter for fuzzy name similarity.

Exact tokens cannot say that "aisha khan" and "aishah kahn" are probably the same child; the
CLK can, without revealing either (Schnell, Bachteler & Reiher 2009, "Privacy-preserving record
linkage using Bloom filters", BMC Med Inform Decis Mak 9:41). The normalised full name, padded
with a blank at each end, is split into bigrams; each bigram sets ``k`` bit positions chosen by
a keyed PRF; two CLKs are compared with the Dice coefficient of their set bits.

Parameters (scheme ``tl-tok-v1``), chosen by experiment on 3,000 typo/spelling-variant pairs
against 3,000 hard negatives (same surname or same given name) from the project's name tables:

* **Random hashing, not double hashing.** Each bigram's ``k`` positions come from
  HMAC-SHA256 keyed from the linkage secret (16-bit words, reduced modulo a power of two, so
  unbiased), independently per bigram. The double-hashing scheme of the 2009 paper confines
  each bigram to an arithmetic progression of positions, which is exactly what the attack of
  Niedermeyer, Steinmetzer, Kroll & Schnell (2014, "Cryptanalysis of basic Bloom filters used
  for privacy preserving record linkage") exploits; random hashing removes it.
* **k = 20 into 2048 bits, then XOR-folded to 1024** (Schnell, Borgs & Encarnacao 2016,
  "XOR-folding for Bloom encryption-based privacy-preserving record linkage"). A folded bit is
  the XOR of two positions, so a bigram no longer maps monotonically to a set of bits, which the
  frequency and pattern-mining attacks need. Measured: ROC AUC 0.9967 folded vs 0.9965 for a
  plain 1024-bit filter at k=20, with a lower negative baseline (median Dice 0.55 vs 0.60); the
  same 128 bytes on the wire. Mean fill ~23 %.
* **Rejected:** *balancing* (filter plus its complement) kept AUC but compresses Dice into a
  Hamming-similarity scale, and over a corpus each bit and its complement are perfectly
  anti-correlated, so the pairing (and with it the balancing) is recoverable; *salting* with
  another attribute (e.g. birth year) breaks exactly the matches that have an error in that
  attribute; *BLIP* random bit flips make the encoding non-deterministic, which defeats resend
  de-duplication and gives different CLKs for the same name within one agency.

Residual risk, stated plainly: CLKs of identical names are identical, so name *frequencies*
are visible to whoever holds many CLKs - no more than the exact name tokens already show.
The key never leaves the agencies (the correlator holds none), so no one can encode guesses.

All 729 bigrams of the normalised alphabet (a-z and blank) are precomputed into 2048-bit masks
when the encoder is built, so encoding a name is ~15 integer ORs and one fold.
"""

from __future__ import annotations

import hashlib
import hmac

from threadline.errors import ValidationError

__all__ = ["CLK_BITS", "CLK_HASHES", "ClkEncoder", "dice"]

CLK_BITS = 1024
CLK_HASHES = 20
_WIDE_BITS = 2 * CLK_BITS
_LOW_HALF = (1 << CLK_BITS) - 1
_ALPHABET = " abcdefghijklmnopqrstuvwxyz"


class ClkEncoder:
    """Encodes normalised full names as 1024-bit CLKs under one key (derived per scheme)."""

    __slots__ = ("_key", "_masks")

    def __init__(self, key: bytes) -> None:
        if len(key) < 32:
            raise ValueError("CLK key must be at least 32 bytes")
        self._key = key
        self._masks = {a + b: self._mask(a + b) for a in _ALPHABET for b in _ALPHABET}

    def __repr__(self) -> str:
        return f"ClkEncoder(bits={CLK_BITS}, hashes={CLK_HASHES}, key=<redacted>)"

    def _mask(self, bigram: str) -> int:
        """The ``CLK_HASHES`` positions of one bigram in the 2048-bit pre-fold filter."""
        words: list[int] = []
        counter = 0
        data = bigram.encode("utf-8")
        while len(words) < CLK_HASHES:
            block = hmac.digest(self._key, counter.to_bytes(1, "big") + data, hashlib.sha256)
            words.extend(int.from_bytes(block[i : i + 2], "big") for i in range(0, 32, 2))
            counter += 1
        mask = 0
        for word in words[:CLK_HASHES]:
            mask |= 1 << (word % _WIDE_BITS)
        return mask

    def encode(self, normalised_name: str) -> bytes | None:
        """The 128-byte CLK of a name from :func:`~threadline.crypto.normalise.normalise_name`.

        Returns ``None`` for an empty name. Characters outside the normalised alphabet are
        still encoded (their bigram masks are computed on demand) but never cached.
        """
        if not normalised_name:
            return None
        padded = f" {normalised_name} "
        masks = self._masks
        wide = 0
        for i in range(len(padded) - 1):
            bigram = padded[i : i + 2]
            mask = masks.get(bigram)
            wide |= mask if mask is not None else self._mask(bigram)
        folded = (wide >> CLK_BITS) ^ (wide & _LOW_HALF)
        return folded.to_bytes(CLK_BITS // 8, "big")


def dice(a: bytes, b: bytes) -> float:
    """Dice coefficient 2|A and B| / (|A| + |B|) of two CLKs: 1.0 identical, ~0.55 unrelated.

    Two empty filters score 0.0: no evidence is not agreement.
    """
    if len(a) != len(b):
        raise ValidationError("CLKs of different lengths cannot be compared", path="name_clk")
    x = int.from_bytes(a, "big")
    y = int.from_bytes(b, "big")
    total = x.bit_count() + y.bit_count()
    if total == 0:
        return 0.0
    return 2 * (x & y).bit_count() / total
