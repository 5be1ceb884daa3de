"""kafka-python clients built from settings, and the one place Kafka errors become ours.

Producers are always ``acks=all`` and idempotent: a report about a child must not be lost or
duplicated by a retry. Client ids carry the principal, never data.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import kafka.errors as kerr
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer

from threadline.config import KafkaSettings
from threadline.errors import AuthorizationError, KafkaError

__all__ = ["admin_client", "consumer", "kafka_errors", "producer", "translate"]

_AUTHZ = (
    kerr.TopicAuthorizationFailedError,
    kerr.GroupAuthorizationFailedError,
    kerr.ClusterAuthorizationFailedError,
    kerr.TransactionalIdAuthorizationFailedError,
    kerr.SaslAuthenticationFailedError,
)


def translate(exc: BaseException, doing: str) -> KafkaError:
    """Our error for a kafka-python exception; ``doing`` says what was attempted."""
    if isinstance(exc, _AUTHZ):
        return AuthorizationError(f"{doing}: refused by the broker ({type(exc).__name__})")
    retriable = bool(getattr(exc, "retriable", False)) or isinstance(exc, kerr.KafkaTimeoutError)
    return KafkaError(f"{doing}: {type(exc).__name__}", retriable=retriable)


@contextmanager
def kafka_errors(doing: str) -> Iterator[None]:
    """Translate any kafka-python error raised inside the block."""
    try:
        yield
    except kerr.KafkaError as exc:
        raise translate(exc, doing) from exc


def admin_client(settings: KafkaSettings, **overrides: Any) -> KafkaAdminClient:
    with kafka_errors(f"connecting admin client as {settings.username}"):
        return KafkaAdminClient(
            **settings.client_config(),
            request_timeout_ms=overrides.pop("request_timeout_ms", 30_000),
            **overrides,
        )


def producer(settings: KafkaSettings, **overrides: Any) -> KafkaProducer:
    config: dict[str, Any] = {
        "acks": "all",
        "enable_idempotence": True,
        "retries": 2**31 - 1,
        "delivery_timeout_ms": 120_000,
        "linger_ms": 5,
        "max_in_flight_requests_per_connection": 5,
        **overrides,
    }
    with kafka_errors(f"connecting producer as {settings.username}"):
        return KafkaProducer(**settings.client_config(), **config)


def consumer(settings: KafkaSettings, *topics: str, **overrides: Any) -> KafkaConsumer:
    config: dict[str, Any] = {
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "isolation_level": "read_committed",
        **overrides,
    }
    with kafka_errors(f"connecting consumer as {settings.username}"):
        return KafkaConsumer(*topics, **settings.client_config(), **config)
