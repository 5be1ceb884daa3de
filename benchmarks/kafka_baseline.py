"""Kafka baseline: what the local broker does with 1 KiB records, from Python and from Java.

Every later threadline benchmark is judged against this ceiling. Two measurements per run, on
the same broker, the same topic layout and the same producer settings (acks=all, idempotent,
linger 5 ms, SCRAM-SHA-512 over loopback):

* kafka-python: produce N records and consume them back on one machine; the figure is N over
  the time from the first send to the last record consumed (produce->consume throughput);
* Kafka's own ``ProducerPerformance`` tool (the JVM client) producing N records.

Runs are repeated (``--runs``); the last line is JSON with the medians, the spread and the
ratio kafka-python / Java, as BENCHMARKS.md reports them.

    .venv/bin/python benchmarks/kafka_baseline.py --records 100000 --runs 3
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import tempfile
import threading
import time
import uuid
from pathlib import Path

from kafka import KafkaConsumer, KafkaProducer
from kafka.admin import NewTopic

from threadline.config import kafka_settings
from threadline.kafka.clients import admin_client
from threadline.kafka.local import ADMIN, LocalKafka

RECORD = os.urandom(1024)
PRODUCER_SETTINGS = {"acks": "all", "linger_ms": 5, "batch_size": 65536}


def python_run(topic: str, records: int) -> float:
    settings = kafka_settings(as_=ADMIN)
    consumed = threading.Event()

    def consume() -> None:
        consumer = KafkaConsumer(
            topic,
            **settings.client_config(),
            group_id=f"bench-{uuid.uuid4()}",
            auto_offset_reset="earliest",
            enable_auto_commit=False,
            fetch_max_bytes=52_428_800,
            max_poll_records=5000,
        )
        seen = 0
        deadline = time.monotonic() + 600
        while seen < records and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=500).values():
                seen += len(batch)
        consumer.close()
        if seen >= records:
            consumed.set()

    reader = threading.Thread(target=consume)
    reader.start()
    time.sleep(2.0)  # let the consumer join its group before the clock starts
    producer = KafkaProducer(
        **settings.client_config(), enable_idempotence=True, **PRODUCER_SETTINGS
    )
    started = time.perf_counter()
    for _ in range(records):
        producer.send(topic, RECORD)
    producer.flush()
    reader.join()
    elapsed = time.perf_counter() - started
    producer.close()
    if not consumed.is_set():
        raise SystemExit("kafka-python run did not consume every record within 10 minutes")
    return records / elapsed


def java_run(broker: LocalKafka, topic: str, records: int) -> float:
    password = broker.credentials([])[ADMIN]
    with tempfile.NamedTemporaryFile("w", suffix=".properties", delete=False) as config:
        config.write(
            "security.protocol=SASL_PLAINTEXT\nsasl.mechanism=SCRAM-SHA-512\n"
            "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required "
            f'username="{ADMIN}" password="{password}";\n'
        )
    try:
        done = subprocess.run(
            broker.java_command(
                "org.apache.kafka.tools.ProducerPerformance",
                "--topic",
                topic,
                "--num-records",
                str(records),
                "--record-size",
                "1024",
                "--throughput",
                "-1",
                "--producer.config",
                config.name,
                "--producer-props",
                f"bootstrap.servers={broker.bootstrap}",
                "acks=all",
                "linger.ms=5",
                "batch.size=65536",
                "enable.idempotence=true",
                heap="512m",
            ),
            capture_output=True,
            text=True,
            check=True,
            timeout=600,
        )
    finally:
        Path(config.name).unlink()
    summary = done.stdout.strip().splitlines()[-1]
    match = re.search(r"([\d.]+) records/sec", summary)
    if match is None:
        raise SystemExit(f"unexpected ProducerPerformance output: {summary}")
    return float(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--partitions", type=int, default=3)
    args = parser.parse_args()

    broker = LocalKafka()
    broker.ensure_jars()
    admin = admin_client(kafka_settings(as_=ADMIN))
    python_rates, java_rates = [], []
    try:
        for run in range(args.runs):
            topics = [f"bench.baseline.{uuid.uuid4().hex[:8]}" for _ in range(2)]
            admin.create_topics(
                [NewTopic(t, args.partitions, 1) for t in topics], wait_for_metadata=True
            )
            try:
                python_rates.append(python_run(topics[0], args.records))
                java_rates.append(java_run(broker, topics[1], args.records))
            finally:
                admin.delete_topics(topics)
            print(
                f"run {run + 1}: kafka-python {python_rates[-1]:,.0f} msg/s, "
                f"ProducerPerformance {java_rates[-1]:,.0f} msg/s",
                flush=True,
            )
    finally:
        admin.close()

    py, java = statistics.median(python_rates), statistics.median(java_rates)
    print(
        json.dumps(
            {
                "kafka_python_msgs_per_s": round(py),
                "java_perf_msgs_per_s": round(java),
                "ratio": round(py / java, 3),
                "kafka_python_range": [round(min(python_rates)), round(max(python_rates))],
                "java_perf_range": [round(min(java_rates)), round(max(java_rates))],
                "records": args.records,
                "record_bytes": 1024,
                "runs": args.runs,
                "partitions": args.partitions,
                "kafka": broker.version,
                "machine": f"{platform.machine()} {os.cpu_count()} cores, Python "
                f"{platform.python_version()}",
            }
        )
    )


if __name__ == "__main__":
    main()
