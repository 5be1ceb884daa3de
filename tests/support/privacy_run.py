"""A full simulated run, then everything it left behind, scanned for personal values and tokens.

:func:`full_run` runs ``threadline demo`` programmatically (its own topology namespace, real
agency principals publishing through the SDK, the correlator and the request broker as separate
processes under their own principals, an analyst following alerts, a liaison officer's request
approved by a second officer, PDF and JSON documents), with the correlator logging at ``info``.
Before the services stop it waits for the correlator to have verified and linked every report
and scrapes both services' ``/metrics``. After they stop it reads **every topic of the
namespace** as the admin principal - the public topics and faust's changelog, repartition and
leader topics alike - and removes the namespace.

:func:`scan_run` then looks for every generated value (``Simulation.pii_strings``) in topics,
state stores (RocksDB, read through RocksDB) and every other file of the run (service logs,
Prometheus' data), metrics and the demo's own console output; and for every linkage token and
name CLK that reached the reports topic in the logs, metrics and console. Approved documents
are scanned separately: they may hold the approved identifiers and nothing else.

Used by ``tests/integration/privacy/test_privacy_regression.py`` and
``benchmarks/privacy_scan.py``.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kafka import TopicPartition
from prometheus_client.parser import text_string_to_metric_families
from rich.console import Console

from tests.support.pii_scan import (
    Haystack,
    Hit,
    Scanner,
    expected_chance_hits,
    file_haystacks,
    pii_needles,
    rocksdb_haystacks,
    token_needles,
)
from threadline.broker.officers import default_officers_path
from threadline.config import kafka_settings
from threadline.contracts import decode
from threadline.demo.run import DemoResult, run_demo
from threadline.kafka.admin import remove_namespace
from threadline.kafka.clients import admin_client, consumer, producer
from threadline.kafka.topology import load_topology
from threadline.simulate import Simulation, SimulationConfig, simulate

__all__ = ["PrivacyReport", "RunEvidence", "full_run", "scan_run"]

REPORTS = "safeguarding.reports.v1"
PROBE_KEY = b"privacy-probe"


@dataclass
class RunEvidence:
    """What a run left behind (the run folder stays on disk until :meth:`discard`)."""

    demo: DemoResult
    simulation: Simulation
    console: str
    metrics: dict[str, str] = field(default_factory=dict)
    topics: list[Haystack] = field(default_factory=list)
    report_records: list[bytes] = field(default_factory=list)
    caught_up: bool = False

    def discard(self) -> None:
        shutil.rmtree(self.demo.folder, ignore_errors=True)


@dataclass
class PrivacyReport:
    """The scan's findings; ``figures()`` is what the benchmark prints."""

    pii_hits: list[Hit]
    token_hits: list[Hit]
    document_hits: list[Hit]
    document_violations: list[Hit]
    approved: list[str]
    topics_scanned: int
    stores_scanned: int
    files_scanned: int
    bytes_scanned: int
    pii_values: int
    tokens: int
    chance_hits: float
    caught_up: bool

    def figures(self) -> dict[str, Any]:
        return {
            "pii_hits": len(self.pii_hits),
            "token_hits": len(self.token_hits),
            "document_hits_outside_approved": len(self.document_violations),
            "approved_identifier_hits_in_documents": len(self.document_hits),
            "topics_scanned": self.topics_scanned,
            "stores_scanned": self.stores_scanned,
            "files_scanned": self.files_scanned,
            "bytes_scanned": self.bytes_scanned,
            "pii_values": self.pii_values,
            "tokens": self.tokens,
            "expected_chance_hits": round(self.chance_hits, 6),
            "correlator_caught_up": self.caught_up,
        }


@contextmanager
def _environment(**values: str) -> Iterator[None]:
    """Set environment variables the demo's service processes inherit, then restore them."""
    saved = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for key, old in saved.items():
            if old is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = old


def _scrape(url: str) -> str:
    with urllib.request.urlopen(url, timeout=5) as reply:  # noqa: S310 - loopback http only
        return str(reply.read().decode())


def _metric(text: str, name: str, **labels: str) -> float:
    return sum(
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == name and labels.items() <= s.labels.items()
    )


def _correlator_done(url: str, published: int) -> bool:
    text = _scrape(url)
    verified = _metric(text, "threadline_correlator_step_seconds_count", stage="verify")
    forwarded = _metric(text, "threadline_correlator_events_total")
    linked = _metric(text, "threadline_correlator_step_seconds_count", stage="link")
    return verified >= published and linked >= forwarded


def _send_bad_copies(namespace: str, count: int) -> int:
    """Re-publish ``count`` real reports damaged three ways, so the correlator's error paths
    (dead letters with reasons, their log lines, duplicate counting) run on records that carry
    real tokens and ciphertext: a flipped byte near the end (the signature breaks), a record
    cut in half (undecodable), and an exact replay (a duplicate). Returns how many were sent."""
    reader = consumer(kafka_settings(as_="admin"), enable_auto_commit=False)
    try:
        originals = [r.value for r in _records(reader, namespace + REPORTS)[:count] if r.value]
    finally:
        reader.close()
    writer = producer(kafka_settings(as_="agency-met-police", topic_prefix=namespace))
    sent = 0
    try:
        for value in originals:
            flipped = value[:-10] + bytes([value[-10] ^ 0x01]) + value[-9:]
            for bad in (flipped, value[: len(value) // 2], value):
                writer.send(namespace + REPORTS, key=PROBE_KEY, value=bad)
                sent += 1
        writer.flush(timeout=30)
    finally:
        writer.close(timeout=10)
    return sent


def full_run(
    *,
    children: int = 150,
    reports: int = 600,
    seed: int = 2026,
    timeout_s: float = 150.0,
    bad_copies: int = 10,
    log_level: str = "info",
) -> RunEvidence:
    """Run the demo end to end and collect every topic, the metrics and the console output."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=200, force_terminal=False, color_system=None)
    evidence: dict[str, Any] = {"metrics": {}, "caught_up": False}

    def hold(result: DemoResult) -> None:
        correlator = result.metrics["correlator"]
        expected = result.published + _send_bad_copies(result.namespace, bad_copies)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if _correlator_done(correlator, expected):
                evidence["caught_up"] = True
                break
            time.sleep(0.5)
        evidence["metrics"] = {name: _scrape(url) for name, url in result.metrics.items()}

    with _environment(THREADLINE_CORRELATOR_LOG_LEVEL=log_level):
        demo: DemoResult | None = None
        try:
            demo = run_demo(
                console,
                children=children,
                reports=reports,
                seed=seed,
                timeout_s=timeout_s,
                hold=hold,
            )
            topics, report_records = _read_namespace(demo.namespace)
        finally:
            namespace = demo.namespace if demo else _namespace_from(buffer.getvalue())
            if namespace:
                _remove(namespace)
    sim = simulate(SimulationConfig(seed=seed, children=children, reports=reports))
    return RunEvidence(
        demo,
        sim,
        buffer.getvalue(),
        evidence["metrics"],
        topics,
        report_records,
        evidence["caught_up"],
    )


def _namespace_from(console: str) -> str | None:
    """The demo prints its namespace first; used to clean up when it failed half-way."""
    for line in console.splitlines():
        if "namespace demo-" in line:
            return line.split("namespace ", 1)[1].split(",", 1)[0]
    return None


def _remove(namespace: str) -> None:
    admin = admin_client(kafka_settings(as_="admin"))
    try:
        remove_namespace(admin, load_topology(namespace=namespace))
    finally:
        admin.close()


def _read_namespace(namespace: str) -> tuple[list[Haystack], list[bytes]]:
    """Every record of every topic under ``namespace``, read as admin: one haystack a topic."""
    settings = kafka_settings(as_="admin")
    admin = admin_client(settings)
    try:
        names = sorted(t for t in admin.list_topics() if t.startswith(namespace))
    finally:
        admin.close()
    reader = consumer(settings, enable_auto_commit=False)
    haystacks: list[Haystack] = []
    reports: list[bytes] = []
    try:
        for name in names:
            parts: list[bytes] = []
            for record in _records(reader, name):
                parts += [record.key or b"", record.value or b"", b"\x00"]
                parts += [value or b"" for _, value in record.headers or ()]
                if name == namespace + REPORTS and record.value and record.key != PROBE_KEY:
                    reports.append(record.value)
            haystacks.append(Haystack(f"topic:{name}", b"".join(parts)))
    finally:
        reader.close()
    return haystacks, reports


def _records(reader: Any, topic: str) -> list[Any]:
    partitions = [TopicPartition(topic, p) for p in reader.partitions_for_topic(topic) or ()]
    if not partitions:
        return []
    reader.assign(partitions)
    reader.seek_to_beginning(*partitions)
    ends = reader.end_offsets(partitions)
    records: list[Any] = []
    deadline = time.monotonic() + 60
    # transaction markers occupy offsets too, so "position reached the end" is the test
    while any(reader.position(tp) < ends[tp] for tp in partitions):
        if time.monotonic() > deadline:
            raise TimeoutError(f"could not read {topic} to its end offsets within 60 s")
        for batch in reader.poll(timeout_ms=500).values():
            records.extend(batch)
    return records


def report_tokens(records: list[bytes]) -> set[bytes]:
    """Every linkage token and name CLK in the reports (subject and associates alike)."""
    found: set[bytes] = set()

    def walk(node: object) -> None:
        if isinstance(node, Mapping):
            for key, value in node.items():
                if key == "tokens" and isinstance(value, Mapping):
                    for item in value.values():
                        values = item if isinstance(item, list) else [item]
                        found.update(v for v in values if isinstance(v, bytes))
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    for data in records:
        walk(decode(data)[1])
    return found


def _document_text(path: Path) -> bytes:
    if path.suffix == ".pdf":
        from pypdf import PdfReader

        text = "\n".join(page.extract_text() for page in PdfReader(path).pages)
        return text.encode("utf-8") + b"\x00" + path.read_bytes()
    return path.read_bytes()


def approved_identifiers(documents: list[Path]) -> list[str]:
    """The identifier values the approved request's JSON document lists."""
    values: list[str] = []
    for path in documents:
        if path.suffix == ".json":
            values += [str(i["value"]) for i in json.loads(path.read_text())["identifiers"]]
    return values


def scan_run(run: RunEvidence, *, extra_tokens: set[bytes] = frozenset()) -> PrivacyReport:  # type: ignore[assignment]
    """Scan everything a run left behind; see the module docstring for what goes where.
    ``extra_tokens`` are searched for beside those read from the reports topic (tests)."""
    pii = pii_needles(run.simulation.pii_strings(min_length=5))
    tokens = report_tokens(run.report_records) | extra_tokens
    both = {**pii, **token_needles(tokens)}

    folder = run.demo.folder
    stores = list(rocksdb_haystacks(folder / "correlator"))
    files = list(file_haystacks(folder, skip=("keys", "documents")))
    said = [
        Haystack(f"metrics:{name}", text.encode(), text=True) for name, text in run.metrics.items()
    ]
    said.append(Haystack("console:demo", run.console.encode(), text=True))
    logs = [h for h in files if h.source.startswith("file:logs/")]

    at_rest = Scanner(pii)
    pii_hits = at_rest.scan_all([*run.topics, *stores, *files])
    spoken = Scanner(both)
    spoken_hits = spoken.scan_all([*said, *logs])
    pii_hits += [h for h in spoken_hits if h.needle.kind == "pii" and h.source in _sources(said)]
    token_hits = [h for h in spoken_hits if h.needle.kind == "token"]

    documents = run.demo.documents
    approved = approved_identifiers(documents)
    staff = default_officers_path().read_text(encoding="utf-8").lower()
    doc_scanner = Scanner(pii)
    document_hits = doc_scanner.scan_all(
        Haystack(f"document:{p.name}", _document_text(p), text=True) for p in documents
    )
    violations = [
        h
        for h in document_hits
        if not _within_approved(h.needle.value, approved) and h.needle.value.lower() not in staff
    ]
    document_hits = [h for h in document_hits if _within_approved(h.needle.value, approved)]

    scanned = at_rest.bytes_scanned + sum(len(h.data) for h in said) + doc_scanner.bytes_scanned
    return PrivacyReport(
        pii_hits=pii_hits,
        token_hits=token_hits,
        document_hits=document_hits,
        document_violations=violations,
        approved=approved,
        topics_scanned=len(run.topics),
        stores_scanned=len(stores),
        files_scanned=len(files),
        bytes_scanned=scanned,
        pii_values=len({n.value for n in pii.values()}),
        tokens=len(tokens),
        chance_hits=expected_chance_hits(both, scanned),
        caught_up=run.caught_up,
    )


def _sources(haystacks: list[Haystack]) -> set[str]:
    return {h.source for h in haystacks}


def _subscriber_digits(value: str) -> str:
    """A UK number's digits without its prefix: "+44 7700 900123" and "07700 900123" agree."""
    digits = "".join(c for c in value if c.isdigit())
    return digits.lstrip("0").removeprefix("44").lstrip("0")


def _within_approved(value: str, approved: list[str]) -> bool:
    """A generated value found in a document is allowed only as (part of) an approved
    identifier; phone numbers compare on their subscriber digits."""
    number = _subscriber_digits(value)
    return any(
        value.lower() in identifier.lower()
        or (len(number) >= 9 and number == _subscriber_digits(identifier))
        for identifier in approved
    )
