"""HmacSha256 is HMAC-SHA256 (RFC 2104) byte for byte; it only precomputes the padded key."""

from __future__ import annotations

import hmac

from hypothesis import given
from hypothesis import strategies as st

from threadline.crypto.mac import HmacSha256


@given(key=st.binary(min_size=0, max_size=200), message=st.binary(max_size=300))
def test_equals_the_standard_library(key: bytes, message: bytes) -> None:
    assert HmacSha256(key).digest(message) == hmac.digest(key, message, "sha256")


def test_reusable_and_redacted() -> None:
    mac = HmacSha256(b"k" * 32)
    assert mac.digest(b"a") == mac.digest(b"a") != mac.digest(b"b")
    assert "k" * 8 not in repr(mac)
    # RFC 4231 test case 2
    assert (
        HmacSha256(b"Jefe").digest(b"what do ya want for nothing?").hex()
        == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    )
