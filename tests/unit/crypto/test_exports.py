"""Pin the public surface of threadline.crypto: a change here is an API change."""

from __future__ import annotations

from threadline import crypto


def test_exported_members() -> None:
    assert sorted(crypto.__all__) == sorted(
        [
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
    )
    for name in crypto.__all__:
        assert getattr(crypto, name) is not None
