"""Field encryption: every personal field leaves the agency sealed to the broker's disclosure key.

Two schemes share one record shape (``EncryptedField``, the Avro record of the same name):

``hpke-base-x25519-sha256-aes256gcm`` - :func:`seal`
    One RFC 9180 single-shot HPKE encryption per field, base mode, DHKEM(X25519, HKDF-SHA256),
    HKDF-SHA256, AES-256-GCM. ``enc`` is the 32-byte encapsulated key, ``nonce`` is empty
    (HPKE derives it from the key schedule), ``ciphertext`` includes the GCM tag.

``hpke-dek-x25519-sha256-aes256gcm`` - :class:`EventSealer`
    Envelope encryption for the hot path. A single HPKE encapsulation costs ~55 us (two X25519
    scalar multiplications); a report with a subject and an associate carries ten or more
    personal fields, which alone would blow the SDK's 200 us-per-report budget (5,000/s/core).
    So one random 256-bit data key per *event* is HPKE-sealed once (``enc`` = HPKE output:
    32-byte encapsulation || sealed data key || tag) and each field is AES-256-GCM under it with
    a random 96-bit ``nonce``. The trust boundary is unchanged: only the disclosure private key
    opens the data key, and the broker holds that key for every field anyway.

Context binding. RFC 9180 section 8.1 says single-shot users should put auxiliary authenticated
data in ``info`` (cryptography's public HPKE API exposes ``info``, not ``aad``). ``info`` feeds
the key schedule, so a different event id, path, scheme, key id or key version derives a
different AEAD key and the tag fails - the same guarantee as AAD. The DEK scheme binds the same
tuple as real GCM AAD per field, and the event id and key version into the data-key wrap. All
contexts use :func:`threadline.crypto.framing.frame` (length-prefixed), never concatenation.

Every failure on the way back is a :class:`DecryptionError` (or :class:`UnknownKeyError` for a
version that does not exist or was shredded) whose message names the path and key version only.
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import TypedDict

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.hpke import AEAD, KDF, KEM, Suite

from threadline.crypto.framing import frame
from threadline.crypto.keyring import DisclosureKeyring, DisclosurePublicKey
from threadline.errors import DecryptionError

__all__ = [
    "SCHEME_HPKE",
    "SCHEME_HPKE_DEK",
    "EncryptedField",
    "EventSealer",
    "seal",
    "unseal",
]

SCHEME_HPKE = "hpke-base-x25519-sha256-aes256gcm"
SCHEME_HPKE_DEK = "hpke-dek-x25519-sha256-aes256gcm"

_SUITE = Suite(KEM.X25519, KDF.HKDF_SHA256, AEAD.AES_256_GCM)
_ENC_LEN = KEM.X25519.enc_length()  # 32
_DEK_LEN = 32
_TAG_LEN = 16
_NONCE_LEN = 12
_WRAPPED_DEK_LEN = _ENC_LEN + _DEK_LEN + _TAG_LEN
_FIELD_LABEL = b"threadline/field/v1"
_DEK_LABEL = b"threadline/dek/v1"


class EncryptedField(TypedDict):
    """The ``EncryptedField`` Avro record: a ciphertext and everything needed to open it."""

    key_id: str
    key_version: int
    scheme: str
    path: str
    enc: bytes
    nonce: bytes
    ciphertext: bytes


def _as_bytes(plaintext: str | bytes) -> bytes:
    return plaintext.encode("utf-8") if isinstance(plaintext, str) else bytes(plaintext)


def _check_context(event_id: str, path: str | None = None) -> None:
    if not event_id or path == "":
        raise ValueError("event_id and path must be non-empty: they are what the ciphertext binds")


def _field_context(scheme: str, key_id: str, version: int, event_id: str, path: str) -> bytes:
    return frame(_FIELD_LABEL, scheme, key_id, version, event_id, path)


def seal(
    public_key: DisclosurePublicKey, plaintext: str | bytes, *, event_id: str, path: str
) -> EncryptedField:
    """Encrypt one field to ``public_key`` with single-shot HPKE, bound to event and path."""
    _check_context(event_id, path)
    info = _field_context(SCHEME_HPKE, public_key.key_id, public_key.version, event_id, path)
    sealed = _SUITE.encrypt(_as_bytes(plaintext), public_key.key, info=info)
    return EncryptedField(
        key_id=public_key.key_id,
        key_version=public_key.version,
        scheme=SCHEME_HPKE,
        path=path,
        enc=sealed[:_ENC_LEN],
        nonce=b"",
        ciphertext=sealed[_ENC_LEN:],
    )


@lru_cache(maxsize=64)
def _key_prefix(label: bytes, key_id: str, version: int) -> bytes:
    """``frame(label, SCHEME_HPKE_DEK, key_id, version)``: public, the same for every event."""
    return frame(label, SCHEME_HPKE_DEK, key_id, version)


def _framed(part: str) -> bytes:
    """One more framed part: ``frame(*a) + _framed(p) == frame(*a, p)``."""
    data = part.encode("utf-8")
    return len(data).to_bytes(4, "big") + data


class EventSealer:
    """Seals every personal field of one event under one HPKE-wrapped data key.

    Create one per event (never share across events: the wrap binds the event id). The HPKE
    encapsulation happens lazily on the first :meth:`seal`, so an event without personal data
    costs nothing. The data key lives only in this object; Python cannot zero memory, so keep
    the sealer's lifetime to the encoding of one event.
    """

    __slots__ = ("_aad_prefix", "_aead", "_event_id", "_public_key", "_wrapped")

    def __init__(self, public_key: DisclosurePublicKey, *, event_id: str) -> None:
        _check_context(event_id)
        self._public_key = public_key
        self._event_id = event_id
        self._aead: AESGCM | None = None
        self._wrapped = b""
        # every field's AAD is _field_context(...) with only the path varying: frame the
        # constant parts once (framing is part-by-part, so prefix + framed path is identical)
        self._aad_prefix = _key_prefix(
            _FIELD_LABEL, public_key.key_id, public_key.version
        ) + _framed(event_id)

    def __repr__(self) -> str:
        key = self._public_key
        return f"EventSealer(key_id={key.key_id!r}, key_version={key.version}, dek=<redacted>)"

    def seal(self, plaintext: str | bytes, *, path: str) -> EncryptedField:
        """Encrypt one field of this event; ``path`` is bound as GCM associated data."""
        if not path:
            _check_context(self._event_id, path)
        key = self._public_key
        aead = self._aead
        if aead is None:
            dek = AESGCM.generate_key(bit_length=256)
            # == frame(_DEK_LABEL, SCHEME_HPKE_DEK, key_id, version, event_id), as unseal builds
            info = _key_prefix(_DEK_LABEL, key.key_id, key.version) + _framed(self._event_id)
            self._wrapped = _SUITE.encrypt(dek, key.key, info=info)
            aead = self._aead = AESGCM(dek)
        nonce = os.urandom(_NONCE_LEN)
        encoded_path = path.encode("utf-8")
        aad = self._aad_prefix + len(encoded_path).to_bytes(4, "big") + encoded_path
        data = plaintext.encode("utf-8") if isinstance(plaintext, str) else bytes(plaintext)
        # a dict display, not EncryptedField(...): the TypedDict call costs a kwargs dict more
        return {
            "key_id": key.key_id,
            "key_version": key.version,
            "scheme": SCHEME_HPKE_DEK,
            "path": path,
            "enc": self._wrapped,
            "nonce": nonce,
            "ciphertext": aead.encrypt(nonce, data, aad),
        }


def unseal(
    keyring: DisclosureKeyring,
    field: EncryptedField,
    *,
    event_id: str,
    path: str | None = None,
) -> bytes:
    """Decrypt ``field`` of event ``event_id`` with the matching private key version.

    ``path``, when given, is where the caller found the field in the event; it must equal the
    path the field was sealed for, so a ciphertext moved to another slot (say, from an
    associate to the subject) is refused even though it would still decrypt.
    """
    # Path and key id come from the (untrusted) record: echo them, but bounded.
    where = f"field {field['path'][:120]!r} (key {field['key_id'][:40]!r} v{field['key_version']})"
    if path is not None and path != field["path"]:
        raise DecryptionError(f"{where} was found at {path!r}: ciphertext moved")
    scheme = field["scheme"]
    if scheme not in (SCHEME_HPKE, SCHEME_HPKE_DEK):
        raise DecryptionError(f"{where} uses unsupported scheme {scheme[:60]!r}")
    private = keyring.private(field["key_id"], field["key_version"])
    context = _field_context(scheme, field["key_id"], field["key_version"], event_id, field["path"])
    enc, nonce, ciphertext = field["enc"], field["nonce"], field["ciphertext"]
    try:
        if scheme == SCHEME_HPKE:
            # Check the split explicitly: enc||ciphertext moved one byte across the boundary
            # would concatenate to the same HPKE input and still open.
            if len(enc) != _ENC_LEN or nonce:
                raise DecryptionError(f"{where} has a malformed encapsulation or nonce")
            return _SUITE.decrypt(enc + ciphertext, private, info=context)
        if len(enc) != _WRAPPED_DEK_LEN or len(nonce) != _NONCE_LEN:
            raise DecryptionError(f"{where} has a malformed encapsulation or nonce")
        wrap_info = frame(_DEK_LABEL, scheme, field["key_id"], field["key_version"], event_id)
        dek = _SUITE.decrypt(enc, private, info=wrap_info)
        return AESGCM(dek).decrypt(nonce, ciphertext, context)
    except InvalidTag as exc:
        raise DecryptionError(
            f"{where} did not decrypt: wrong key, or ciphertext or its context was altered"
        ) from exc
