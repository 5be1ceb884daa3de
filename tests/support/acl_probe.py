"""Observe ACL matrix cells by really producing and consuming; run as a child process.

``python -m tests.support.acl_probe`` reads ``{"cells": [[config_name, topic, op], ...],
"configs": {name: kafka-python client config}}`` on stdin and prints one outcome per cell
(``allowed``, ``denied`` or ``timeout``) as a JSON list. The matrix opens some 450 clients, and
kafka-python now and then leaves a socket of a closed client for the garbage collector; in a
child process such a leak dies with it instead of surfacing inside a later test.
"""

from __future__ import annotations

import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import kafka.errors as kerr
from kafka import KafkaConsumer, KafkaProducer, TopicPartition


def try_write(config: dict[str, Any], topic: str) -> str:
    """Non-idempotent on purpose: an idempotent producer first asks for a producer id, which a
    principal with no WRITE anywhere is refused cluster-wide, hiding the topic-level answer."""
    producer = KafkaProducer(**config, acks="all", enable_idempotence=False, max_block_ms=10_000)
    try:
        producer.send(topic, key=b"acl-probe", value=b"acl-probe").get(timeout=15)
        return "allowed"
    except kerr.TopicAuthorizationFailedError:
        return "denied"
    finally:
        producer.close(timeout=5)


def try_read(config: dict[str, Any], topic: str, deadline_s: float = 15.0) -> str:
    """Allowed when a record comes back; denied when the broker refuses the fetch or the
    metadata request (kafka-python records the latter in its cluster view instead of raising,
    so the probe looks there: the only private attribute the suite reads)."""
    consumer = KafkaConsumer(**config, enable_auto_commit=False)
    partition = TopicPartition(topic, 0)
    try:
        consumer.assign([partition])
        consumer.seek(partition, 0)
        end = time.monotonic() + deadline_s
        while time.monotonic() < end:
            if consumer.poll(timeout_ms=200):
                return "allowed"
            if topic in consumer._client.cluster.unauthorized_topics:
                return "denied"
        return "timeout"
    except kerr.TopicAuthorizationFailedError:
        return "denied"
    finally:
        consumer.close()


def main() -> None:
    request = json.load(sys.stdin)
    configs: dict[str, dict[str, Any]] = request["configs"]

    def observe(cell: list[str]) -> str:
        name, topic, operation = cell
        probe = try_write if operation == "WRITE" else try_read
        return probe(configs[name], topic)

    with ThreadPoolExecutor(max_workers=8) as pool:
        print(json.dumps(list(pool.map(observe, request["cells"]))))


if __name__ == "__main__":
    main()
