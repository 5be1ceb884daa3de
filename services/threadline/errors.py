"""Every error threadline raises on purpose.

One root, so a caller can catch "anything threadline refused" in one place, and one code per
leaf, so a dead-letter record, a CLI exit or a metric can say *why* without parsing prose::

    ThreadlineError                      code            retriable
    ├── ConfigError                      config          no   missing/invalid setting
    ├── LocalKafkaError                  local_kafka     no   our own broker could not start/stop
    ├── TopologyError                    topology        no   infra/topology.yaml is wrong
    ├── KafkaError                       kafka           maybe (translated kafka-python errors)
    │   └── AuthorizationError           kafka_authz     no   the broker's ACLs said no
    ├── ContractError                    contract        no   bytes or records that break a schema
    │   ├── UnknownFingerprintError      unknown_fingerprint
    │   ├── MalformedEventError          malformed_event (truncated, trailing, bad magic)
    │   └── ValidationError              invalid_report  (a field fails a domain rule)
    ├── CryptoError                      crypto          no
    │   ├── DecryptionError              decryption_failed (wrong key, tampered ciphertext/AAD)
    │   ├── SignatureError               bad_signature
    │   ├── UnknownKeyError              unknown_key
    │   └── UnknownAgencyError           unknown_agency
    ├── RedactionError                   residual_pii    no   strict mode found PII left behind
    └── PublishError                     publish         maybe

Messages never include personal data or linkage tokens: they name the field *path* and the rule,
never the value. Third-party exceptions are translated at the boundary with ``raise ... from exc``
so the traceback keeps the cause while the type and code stay ours.
"""

from __future__ import annotations

__all__ = [
    "AuthorizationError",
    "ConfigError",
    "ContractError",
    "CryptoError",
    "DecryptionError",
    "KafkaError",
    "LocalKafkaError",
    "MalformedEventError",
    "PublishError",
    "RedactionError",
    "SignatureError",
    "ThreadlineError",
    "TopologyError",
    "UnknownAgencyError",
    "UnknownFingerprintError",
    "UnknownKeyError",
    "ValidationError",
]


class ThreadlineError(Exception):
    """Root of everything threadline raises deliberately."""

    code: str = "threadline"
    retriable: bool = False

    def __init__(self, message: str, *, code: str | None = None, retriable: bool | None = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if retriable is not None:
            self.retriable = retriable

    def __str__(self) -> str:
        return self.message


class ConfigError(ThreadlineError):
    """A setting is missing or invalid; the message says which and how to fix it."""

    code = "config"


class LocalKafkaError(ThreadlineError):
    """The project's own development broker could not be fetched, started or stopped."""

    code = "local_kafka"


class TopologyError(ThreadlineError):
    """The declarative topology (topics, principals, ACLs) is inconsistent or unreadable."""

    code = "topology"


class KafkaError(ThreadlineError):
    """A Kafka client operation failed; ``retriable`` mirrors the underlying error."""

    code = "kafka"


class AuthorizationError(KafkaError):
    """The broker refused an operation for this principal (ACLs or authentication)."""

    code = "kafka_authz"


class ContractError(ThreadlineError):
    """Bytes or records that do not satisfy an event contract."""

    code = "contract"


class UnknownFingerprintError(ContractError):
    """The single-object header names a schema we do not ship."""

    code = "unknown_fingerprint"


class MalformedEventError(ContractError):
    """Bytes that cannot be an event: bad magic, truncated, or trailing data."""

    code = "malformed_event"


class ValidationError(ContractError):
    """A field breaks a domain rule; ``path`` names the field, never its value."""

    code = "invalid_report"

    def __init__(self, message: str, *, path: str = "", code: str | None = None):
        super().__init__(message, code=code)
        self.path = path


class CryptoError(ThreadlineError):
    """Encryption, decryption, signing or key lookup failed."""

    code = "crypto"


class DecryptionError(CryptoError):
    """Wrong key, or the ciphertext or its associated data were altered."""

    code = "decryption_failed"


class SignatureError(CryptoError):
    """An agency signature does not verify over the canonical body."""

    code = "bad_signature"


class UnknownKeyError(CryptoError):
    """A key id or version is not in the keyring (or was shredded)."""

    code = "unknown_key"


class UnknownAgencyError(CryptoError):
    """The agency is not in the registry, or its key is not valid at that time."""

    code = "unknown_agency"


class RedactionError(ThreadlineError):
    """Strict redaction found personal data left in a narrative."""

    code = "residual_pii"


class PublishError(ThreadlineError):
    """A report could not be handed to Kafka; nothing was half-published."""

    code = "publish"
