"""Request broker throughput: signed drafts in, approved documents (PDF + JSON) out.

What is timed, per run, on the local Kafka broker under a namespace of its own:

* N draft commands (liaison-spoc1) and N approvals (liaison-spoc2), each signed with the
  officer's Ed25519 key and keyed by request id, are published to ``liaison.commands.v1``;
* the broker service (one process, one thread, Kafka transactions per poll batch) verifies each
  signature, drafts against the Snapchat protocol, checks four eyes and rank, decrypts the
  approved identifiers (HPKE), chains audit records and renders the PDF and JSON;
* the clock stops when the N-th document is on disk.

The figure is N / elapsed: drafts -> documents per second. A second figure runs the same commands
through the processor alone (no Kafka), which shows where the time goes. Runs repeat
(``--runs``); the last line is JSON with the medians.

    .venv/bin/python benchmarks/broker.py --requests 200 --runs 3
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import threading
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from threadline.broker.cases import CaseIndex
from threadline.broker.client import command_key
from threadline.broker.drafting import request_id_for
from threadline.broker.messages import default_codec
from threadline.broker.model import CommandKind, DraftSpec, LiaisonCommand, OriginKind
from threadline.broker.processor import RequestProcessor
from threadline.broker.samples import SampleReport, sealed_report
from threadline.broker.service import BrokerService, build_processor
from threadline.broker.settings import BrokerSettings
from threadline.broker.signing import create_officer_key, load_officer_signer, sign_command
from threadline.broker.sinks import MemorySink
from threadline.config import kafka_settings, local_credentials
from threadline.contracts import new_event_id
from threadline.crypto import Keystore, init_dev_keys
from threadline.kafka.admin import apply_topology, remove_namespace
from threadline.kafka.clients import admin_client, producer
from threadline.kafka.topology import load_topology

OFFICERS = ("liaison-spoc1", "liaison-spoc2", "liaison-insp1")
REPORTS = 20


def commands(store: Keystore, reports: list[SampleReport], n: int) -> list[tuple[str, bytes]]:
    """``(key, signed bytes)``: n drafts, then n approvals of them by another officer."""
    codec = default_codec()
    spoc1 = load_officer_signer(store.root, "liaison-spoc1")
    spoc2 = load_officer_signer(store.root, "liaison-spoc2")
    at = datetime.now(UTC) + timedelta(seconds=1)
    out: list[tuple[str, bytes]] = []
    approvals: list[tuple[str, bytes]] = []
    for i in range(n):
        report = reports[i % len(reports)]
        spec = DraftSpec(
            OriginKind.REPORT,
            report.ref,
            "snapchat-gb",
            "preservation",
            "voluntary_preservation_request",
            "Suspect groomed the child on Snapchat; messages are deleted once opened.",
            date(2026, 10, 1),
            date(2026, 11, 20),
            persons=("SUSPECT_1",),
        )
        draft = LiaisonCommand(new_event_id(), "liaison-spoc1", at, CommandKind.DRAFT, draft=spec)
        request_id = request_id_for(draft.command_id)
        approve = LiaisonCommand(
            new_event_id(), "liaison-spoc2", at, CommandKind.APPROVE, request_id=request_id
        )
        out.append((command_key(draft), sign_command(draft, spoc1, codec)))
        approvals.append((request_id, sign_command(approve, spoc2, codec)))
    return out + approvals


def setup(base: Path) -> tuple[Keystore, list[SampleReport]]:
    store = init_dev_keys(base / "keys", agencies=["agency-met-police"])
    for principal in OFFICERS:
        create_officer_key(store.root, principal)
    signer = store.agency_signer("agency-met-police")
    reports = [
        sealed_report(store.public_keyring(), signer, report_id=f"MPS-BENCH-{i}", seed=i)
        for i in range(REPORTS)
    ]
    return store, reports


def kafka_run(n: int) -> float:
    namespace = f"bench{uuid.uuid4().hex[:6]}."
    topology = load_topology(namespace=namespace)
    admin = admin_client(kafka_settings(as_="admin"))
    apply_topology(admin, topology, passwords=local_credentials())
    service: BrokerService | None = None
    stop = threading.Event()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            store, reports = setup(Path(tmp))
            agency = producer(kafka_settings(as_="agency-met-police", topic_prefix=namespace))
            for report in reports:
                agency.send(
                    topology.topic("safeguarding.reports.v1"),
                    key=report.report_id.encode(),
                    value=report.data,
                )
            agency.flush(timeout=60)
            agency.close()
            settings = BrokerSettings(keys_dir=store.root, documents_dir=Path(tmp) / "docs")
            service = BrokerService(
                kafka_settings(as_="broker", topic_prefix=namespace),
                settings,
                build_processor(settings),
            )
            service.start()
            worker = threading.Thread(target=service.run, args=(stop,), daemon=True)
            worker.start()
            signed = commands(store, reports, n)
            liaison = producer(kafka_settings(as_="liaison-spoc1", topic_prefix=namespace))
            started = time.perf_counter()
            for key, data in signed:
                liaison.send(topology.topic("liaison.commands.v1"), key=key.encode(), value=data)
            liaison.flush(timeout=120)
            liaison.close()
            deadline = time.monotonic() + 600
            while len(list(settings.documents().glob("*.pdf"))) < n:
                if time.monotonic() > deadline:
                    raise SystemExit("timed out waiting for documents")
                time.sleep(0.05)
            elapsed = time.perf_counter() - started
            stop.set()
            worker.join(timeout=30)
    finally:
        if service is not None:
            service.close()
        remove_namespace(admin, topology)
        admin.close()
    return n / elapsed


def processor_run(n: int) -> float:
    """The same commands through the processor alone: the cost of the work, without Kafka."""
    from threadline.broker.officers import OfficerRegistry
    from threadline.broker.protocols import load_protocols
    from threadline.broker.signing import load_officer_keys

    with tempfile.TemporaryDirectory() as tmp:
        store, reports = setup(Path(tmp))
        cases = CaseIndex(store.registry())
        for report in reports:
            cases.add_report_bytes(report.data)
        sink = MemorySink()
        processor = RequestProcessor(
            officers=OfficerRegistry.load(),
            protocols=load_protocols(),
            cases=cases,
            keyring=store.disclosure_keyring(),
            officer_keys=load_officer_keys(store.root),
            sink=sink,
        )
        signed = commands(store, reports, n)
        started = time.perf_counter()
        for _, data in signed:
            processor.handle_command(data)
        elapsed = time.perf_counter() - started
        assert len(sink.files) == 2 * n, "every approval must produce a PDF and a JSON"
    return n / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    kafka_rates, core_rates = [], []
    for run in range(1, args.runs + 1):
        kafka_rates.append(kafka_run(args.requests))
        core_rates.append(processor_run(args.requests))
        print(
            f"run {run}: {kafka_rates[-1]:.1f} documents/s end to end, "
            f"{core_rates[-1]:.1f} documents/s processor only"
        )
    result = {
        "documents_per_s": round(statistics.median(kafka_rates), 1),
        "documents_per_s_range": [round(min(kafka_rates), 1), round(max(kafka_rates), 1)],
        "processor_only_documents_per_s": round(statistics.median(core_rates), 1),
        "requests": args.requests,
        "runs": args.runs,
        "machine": f"{platform.machine()}, python {platform.python_version()}",
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
