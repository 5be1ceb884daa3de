"""Is a broker really serving authenticated clients? (Not just: is a port open.)"""

from __future__ import annotations

import kafka.errors as kerr
from kafka import KafkaAdminClient

__all__ = ["admin_can_connect"]


def admin_can_connect(bootstrap: str, username: str, password: str, timeout_ms: int = 5000) -> bool:
    """True once ``username`` can authenticate and the cluster answers a metadata request."""
    try:
        admin = KafkaAdminClient(
            bootstrap_servers=bootstrap,
            security_protocol="SASL_PLAINTEXT",
            sasl_mechanism="SCRAM-SHA-512",
            sasl_plain_username=username,
            sasl_plain_password=password,
            request_timeout_ms=timeout_ms,
            bootstrap_timeout_ms=timeout_ms,
            client_id="threadline-readiness",
        )
    except (kerr.KafkaError, OSError):
        return False
    try:
        return bool(admin.describe_cluster().get("brokers"))
    except (kerr.KafkaError, OSError):
        return False
    finally:
        admin.close()
