"""Cryptography at the agency edge and in the request broker - pure functions, no Kafka.

* :mod:`~threadline.crypto.fields` - HPKE (RFC 9180) field encryption to the disclosure key.
* :mod:`~threadline.crypto.keyring`, :mod:`~threadline.crypto.keyfiles` - versioned disclosure
  keys, rotation, crypto-shredding; in memory, in a 0600 file, or public-only for agencies.
* :mod:`~threadline.crypto.keystore` - the keys directory and ``keys init|rotate|shred``.
* :mod:`~threadline.crypto.tokens`, :mod:`~threadline.crypto.normalise`,
  :mod:`~threadline.crypto.names`, :mod:`~threadline.crypto.clk` - linkage tokens and CLKs.
* :mod:`~threadline.crypto.signatures` - Ed25519 agency signatures and the agency registry.
"""

from __future__ import annotations

from threadline.crypto.clk import ClkEncoder, dice
from threadline.crypto.fields import (
    SCHEME_HPKE,
    SCHEME_HPKE_DEK,
    EncryptedField,
    EventSealer,
    seal,
    unseal,
)
from threadline.crypto.keyfiles import FileKeyring, export_public, load_public
from threadline.crypto.keyring import (
    DisclosureKeyring,
    DisclosurePublicKey,
    MemoryKeyring,
    PublicKeyring,
    PublicKeySource,
)
from threadline.crypto.keystore import (
    Keystore,
    add_agency,
    default_keys_dir,
    init_dev_keys,
    rotate_agency_key,
    rotate_disclosure,
    shred_disclosure,
)
from threadline.crypto.signatures import AgencyKey, AgencyRegistry, AgencySigner
from threadline.crypto.tokens import TOKEN_BYTES, LinkageTokeniser, PersonTokens

__all__ = [
    "SCHEME_HPKE",
    "SCHEME_HPKE_DEK",
    "TOKEN_BYTES",
    "AgencyKey",
    "AgencyRegistry",
    "AgencySigner",
    "ClkEncoder",
    "DisclosureKeyring",
    "DisclosurePublicKey",
    "EncryptedField",
    "EventSealer",
    "FileKeyring",
    "Keystore",
    "LinkageTokeniser",
    "MemoryKeyring",
    "PersonTokens",
    "PublicKeySource",
    "PublicKeyring",
    "add_agency",
    "default_keys_dir",
    "dice",
    "export_public",
    "init_dev_keys",
    "load_public",
    "rotate_agency_key",
    "rotate_disclosure",
    "seal",
    "shred_disclosure",
    "unseal",
]
