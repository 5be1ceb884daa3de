"""Crash and restart: ``kill -9`` the correlator and the request broker at seeded random moments
while agencies publish, restart them, and compare everything with an uninterrupted run.

Builds on tests/integration/correlator/test_resilience.py (one worker killed once, subjects and
alerts compared): the same idea, publish once and copy the records into fresh namespaces so both
runs read identical input, widened to both services, several faults, and the request broker's
output. One run of :func:`crash_and_restart`:

1. **source** - the resilience scenario plus a crowd of extra children (shared suspects, high
   risks, so that severe alerts make the broker auto-draft preservation requests) is published
   once by the SDK into a four-partition reports topic;
2. **baseline** - a correlator worker and a broker process over a copy; settle; then an
   inspector approves every auto-drafted request (each approval decrypts identifiers and issues
   a document);
3. **faulted** - the same, but the copy is published slowly while a seeded schedule kills
   (SIGKILL) one service or the other and restarts it; during the approvals the broker is
   killed once more, and the officer's client re-sends every approval (as a client that saw no
   reply would);
4. **compare** - active subjects and alerts equal; no report in two subjects or twice in an
   alert; no alert version published with two contents and no alert going back a version; the
   same requests (drafted from alerts active at the end: see :func:`_lasting`) with the same
   statuses, versions, approvers and documents; every committed request record exactly once
   (the broker is transactional), one ``document_issued`` per request; the audit chain intact.

:func:`crash_and_restart` returns what it found; the test asserts on it and
``benchmarks/faults.py`` prints it.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.integration.correlator.conftest import ALERTS, REPORTS, Namespace, Worker, wait_until
from tests.integration.correlator.test_resilience import Outcome, outcome, scenario, settled
from tests.support.cluster import KafkaCluster
from tests.support.harness import fresh_namespace, linked_refs
from tests.support.reports import AGENCIES, child, dev_keys, report, suspect
from threadline.broker.audit import verify
from threadline.broker.messages import REQUEST_RECORD, default_codec
from threadline.broker.model import CommandKind, DataRequest, LiaisonCommand
from threadline.broker.signing import create_officer_key, load_officer_signer, sign_command
from threadline.contracts import new_event_id
from threadline.crypto import Keystore
from threadline.kafka.clients import producer

__all__ = ["BrokerProcess", "FaultReport", "crash_and_restart", "crowd"]

APPROVER = "liaison-insp1"
REQUESTS, AUDIT, COMMANDS = "platform.requests.v1", "audit.v1", "liaison.commands.v1"
CODEC = default_codec()


class BrokerProcess(Worker):
    """``threadline --as broker broker run`` as a subprocess: same start, ready, kill, tail
    as the correlator's :class:`Worker`, with the broker's principal and settings."""

    def __init__(self, cluster: KafkaCluster, namespace: str, keys: Keystore, home: Path) -> None:
        super().__init__(cluster, namespace, keys, home)
        self.documents = home / "documents"
        self.env.update(
            {
                "THREADLINE_KAFKA_USERNAME": "broker",
                "THREADLINE_KAFKA_PASSWORD": cluster.passwords["broker"],
                "THREADLINE_BROKER_KEYS_DIR": str(keys.root),
                "THREADLINE_BROKER_DOCUMENTS_DIR": str(self.documents),
                "THREADLINE_BROKER_TICK_INTERVAL_S": "1",
            }
        )
        self.argv = [self.argv[0], "--as", "broker", "broker", "run", "--metrics-port",
                     str(self.port)]  # fmt: skip


def crowd(children: int, first: int = 300) -> list[tuple[str, dict[str, Any]]]:
    """Extra children beyond the resilience scenario: 1-3 reports each from different agencies,
    every fourth child at high risk, suspects shared by threes (offender networks)."""
    base = datetime.now(UTC) - timedelta(days=10)
    out: list[tuple[str, dict[str, Any]]] = []
    for i in range(children):
        n = first + i
        for k in range(1 + i % 3):
            risk = "high" if i % 4 == 0 else "medium"
            raw = report(
                f"C{n}-{k}",
                child(n, phones=[f"07700 96{n % 1000:03d}{k}"]),
                associates=[suspect(first + i // 3)],
                risk=risk,
                occurred_at=base + timedelta(hours=k),
            )
            out.append((AGENCIES[(i + k) % len(AGENCIES)], raw))
    return out


@dataclass
class Run:
    """What one run (baseline or faulted) left on its topics."""

    outcome: Outcome
    requests: dict[str, dict[str, Any]]
    problems: list[str]
    regressions: dict[str, list[str]]
    documents_issued: Counter[str]
    decryptions: int


@dataclass
class FaultReport:
    """What a crash-and-restart run found. ``regressions`` are alerts whose versions, as a
    consumer reads them, went back after a crash (contents per version stayed the same); they
    are kept apart from ``problems`` because they break a documented promise of the
    correlator's output (docs/correlator.md) without changing any outcome."""

    faults: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    regressions: dict[str, list[str]] = field(default_factory=dict)
    reports: int = 0
    subjects: int = 0
    alerts: int = 0
    requests: int = 0
    lasting_requests: int = 0
    documents: int = 0

    @property
    def survived(self) -> int:
        return sum(1 for f in self.faults if f["restarted"])

    def as_dict(self) -> dict[str, Any]:
        return {
            "faults_injected": len(self.faults),
            "faults_survived": self.survived if not self.problems else 0,
            "by_service": dict(Counter(f["service"] for f in self.faults)),
            "identical_to_uninterrupted": not self.problems,
            "alert_version_regressions": len(self.regressions),
            "regressions": dict(list(self.regressions.items())[:3]),
            "reports": self.reports,
            "subjects": self.subjects,
            "alerts": self.alerts,
            "requests": self.requests,
            "requests_from_lasting_alerts": self.lasting_requests,
            "documents": self.documents,
            "problems": self.problems[:5],
        }


def crash_and_restart(
    cluster: KafkaCluster,
    root: Path,
    *,
    seed: int = 8,
    faults: int = 4,
    extra_children: int = 24,
    publish_s: float = 20.0,
) -> FaultReport:
    """One baseline and one faulted run; see the module docstring."""
    keys = dev_keys(root / "keys")
    create_officer_key(keys.root, APPROVER)
    rng = random.Random(seed)
    result = FaultReport()
    with fresh_namespace(cluster, keys, root, reports_partitions=4) as source:
        source.publish(scenario() + crowd(extra_children))
        records = [
            {"key": r.key, "value": r.value, "partition": r.partition, "timestamp_ms": r.timestamp}
            for r in sorted(source.read(REPORTS), key=lambda r: (r.partition, r.offset))
        ]
    result.reports = len(records)
    with fresh_namespace(cluster, keys, root, reports_partitions=4) as ns:
        baseline = _run(ns, records, keys, None, result)
    schedule = _schedule(rng, faults, publish_s)
    with fresh_namespace(cluster, keys, root, reports_partitions=4) as ns:
        faulted = _run(ns, records, keys, (rng, schedule, publish_s, baseline), result)
    result.problems += baseline.problems + faulted.problems
    result.regressions = {**baseline.regressions, **faulted.regressions}
    result.problems += _compare(baseline, faulted)
    subjects, alerts = faulted.outcome
    result.subjects, result.alerts = len(subjects), len(alerts)
    result.requests = len(faulted.requests)
    result.documents = sum(faulted.documents_issued.values())
    result.lasting_requests = len(_lasting(faulted))
    return result


def _schedule(rng: random.Random, faults: int, publish_s: float) -> list[tuple[float, str]]:
    """``faults`` kill times during publishing and shortly after, both services at least once."""
    extra = [rng.choice(("correlator", "broker")) for _ in range(max(0, faults - 2))]
    services = ["correlator", "broker", *extra][:faults]
    rng.shuffle(services)
    times = sorted(rng.uniform(1.0, publish_s + 5.0) for _ in services)
    return list(zip(times, services, strict=True))


def _run(
    ns: Namespace,
    records: list[dict[str, Any]],
    keys: Keystore,
    faulted: tuple[random.Random, list[tuple[float, str]], float, Run] | None,
    result: FaultReport,
) -> Run:
    label = "faulted" if faulted else "baseline"
    services: dict[str, Worker] = {
        "correlator": ns.worker(f"{label}-correlator"),
        "broker": BrokerProcess(ns.cluster, ns.name, keys, ns.root / f"{ns.name}{label}-broker"),
    }
    problems: list[str] = []
    try:
        for service in services.values():
            service.start()
        for service in services.values():
            service.wait_ready(timeout_s=120)
        drafts: set[str] = set()
        if faulted is None:
            ns.produce(records)
            wait_until(settled(ns), 120, "the baseline to settle")
        else:
            rng, schedule, publish_s, baseline = faulted
            expected, drafts = baseline.outcome, set(_lasting(baseline))
            publisher = threading.Thread(target=_publish_slowly, args=(ns, records, publish_s))
            started = time.monotonic()
            publisher.start()
            for at, name in schedule:
                time.sleep(max(0.0, at - (time.monotonic() - started)))
                result.faults.append(_kill_and_restart(services[name], name, rng, "publishing"))
            publisher.join()
            wait_until(settled(ns, expected), 180, "the faulted run to reach the baseline")
        drafted = wait_until(_drafts(ns, drafts), 90, f"{label}: the broker to auto-draft")
        approvals = _approvals(ns, keys, sorted(drafted))
        if faulted is None:
            _send(ns, approvals)
        else:
            rng = faulted[0]
            half = rng.randrange(1, len(approvals)) if len(approvals) > 1 else 1
            _send(ns, approvals[:half])
            time.sleep(rng.uniform(0.0, 1.5))
            result.faults.append(_kill_and_restart(services["broker"], "broker", rng, "approving"))
            _send(ns, approvals[half:])
            _send(ns, approvals)  # the officer's client saw no replies and sends again
        wait_until(lambda: _documented(ns, drafted), 120, f"{label} documents")
        time.sleep(2)  # a last tick of the broker's timers, then read everything
        run = _collect(ns, label)
        for name, service in services.items():
            if service.process is not None and service.process.poll() is not None:
                problems.append(f"{label}: {name} died: {service.tail(5)}")
    finally:
        for service in services.values():
            service.stop()
    run.problems += problems
    return run


def _publish_slowly(ns: Namespace, records: list[dict[str, Any]], seconds: float) -> None:
    """Copy the records in order at an even pace over ``seconds`` (agencies publishing)."""
    writer = producer(ns.cluster.settings("agency-met-police"))
    try:
        pause = seconds / max(len(records), 1)
        for record in records:
            writer.send(ns.topic(REPORTS), **record)
            time.sleep(pause)
        writer.flush(timeout=60)
    finally:
        writer.close(timeout=10)


def _kill_and_restart(service: Worker, name: str, rng: random.Random, phase: str) -> dict[str, Any]:
    assert service.process is not None
    was_running = service.process.poll() is None
    service.kill()
    killed_by = service.process.returncode
    time.sleep(rng.uniform(0.0, 2.0))
    service.start()
    try:
        service.wait_ready(timeout_s=120)
        restarted = True
    except AssertionError:
        restarted = False
    return {"service": name, "phase": phase, "was_running": was_running,
            "exit": killed_by, "restarted": restarted}  # fmt: skip


def _requests(ns: Namespace) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every committed request record, and every committed audit record, decoded."""
    requests = []
    for r in ns.read(REQUESTS):
        name, value = CODEC.decode(r.value)
        if name == REQUEST_RECORD:
            requests.append(value)
    audit = [CODEC.decode(r.value)[1] for r in ns.read(AUDIT)]
    return requests, audit


def _drafts(ns: Namespace, needed: set[str]) -> Callable[[], set[str] | None]:
    """A check returning the auto-drafted request ids once they include ``needed`` and have
    stopped changing (two equal reads in a row)."""
    last: list[set[str]] = []

    def check() -> set[str] | None:
        requests, _ = _requests(ns)
        now = {r["request_id"] for r in requests if r["auto_drafted"]}
        done = bool(now) and needed <= now and len(last) >= 2 and last[-1] == last[-2] == now
        last.append(now)
        return now if done else None

    return check


def _approvals(ns: Namespace, keys: Keystore, request_ids: list[str]) -> list[tuple[str, bytes]]:
    signer = load_officer_signer(keys.root, APPROVER)
    out = []
    for request_id in request_ids:
        command = LiaisonCommand(
            command_id=new_event_id(),
            officer=APPROVER,
            issued_at=datetime.now(UTC),
            kind=CommandKind.APPROVE,
            request_id=request_id,
        )
        out.append((request_id, sign_command(command, signer, CODEC)))
    return out


def _send(ns: Namespace, commands: list[tuple[str, bytes]]) -> None:
    writer = producer(ns.cluster.settings(APPROVER))
    try:
        for key, value in commands:
            writer.send(ns.topic(COMMANDS), key=key.encode(), value=value)
        writer.flush(timeout=60)
    finally:
        writer.close(timeout=10)


def _documented(ns: Namespace, request_ids: set[str]) -> bool:
    requests, _ = _requests(ns)
    done = {r["request_id"] for r in requests if r["document"] is not None}
    return request_ids <= done


def _collect(ns: Namespace, label: str) -> Run:
    problems: list[str] = []
    subjects_alerts = outcome(ns)
    refs = linked_refs(ns)
    problems += [f"{label}: {ref} is in {n} subjects" for ref, n in refs.items() if n > 1]
    contents: dict[tuple[str, int], dict[str, Any]] = {}
    history: dict[str, list[str]] = {}
    regressions: dict[str, list[str]] = {}
    evidence = (ns.root / f"{ns.name}{label}-alerts.jsonl").open("w")  # kept for a post-mortem
    for record in ns.read(ALERTS):
        alert = json.loads(record.value)
        evidence.write(json.dumps({"offset": record.offset, **alert}, sort_keys=True) + "\n")
        alert.pop("emitted_at", None)
        key = (alert["alert_id"], alert["version"])
        if contents.setdefault(key, alert) != alert:
            problems.append(f"{label}: alert {key} published with two contents")
        seen = history.setdefault(alert["alert_id"], [])
        if seen and alert["version"] < max(int(v[1:].split(":")[0]) for v in seen):
            regressions[alert["alert_id"]] = seen  # the history so far, and what follows
        seen.append(f"v{alert['version']}:{alert['status']}@{record.offset}")
        listed = [(r["agency_id"], r["report_id"]) for r in alert["reports"]]
        if len(listed) != len(set(listed)):
            problems.append(f"{label}: alert {alert['alert_id']} counts a report twice")
    evidence.close()
    requests, audit = _requests(ns)
    seen_requests = Counter((r["request_id"], r["version"]) for r in requests)
    problems += [
        f"{label}: request {k} committed {n} times" for k, n in seen_requests.items() if n > 1
    ]
    chain = verify([r.value for r in ns.read(AUDIT)], CODEC)
    if not chain.ok:
        problems.append(f"{label}: audit chain broken: {chain.problems[:2]}")
    issued = Counter(a["request_id"] for a in audit if a["action"] == "document_issued")
    problems += [f"{label}: {rid} has {n} documents" for rid, n in issued.items() if n > 1]
    newest_request: dict[str, dict[str, Any]] = {}
    for r in requests:
        if r["version"] >= newest_request.get(r["request_id"], {"version": -1})["version"]:
            newest_request[r["request_id"]] = r
    decryptions = sum(1 for a in audit if a["action"] == "field_decrypted")
    return Run(
        subjects_alerts,
        {rid: _comparable(r) for rid, r in newest_request.items()},
        problems,
        regressions,
        issued,
        decryptions,
    )


def _comparable(record: dict[str, Any]) -> dict[str, Any]:
    """A request without its times, command ids and document hashes (which differ per run),
    and without its identifiers: a draft names the accounts of its alert's *first* severe
    version, and an offender network that grows (two reports, then six) keeps its draft as
    first made, so which accounts it names depends on how far the network had grown when it
    turned severe - on timing, in any two runs."""
    request = DataRequest.from_record(record)
    return {
        "version": request.version,
        "status": request.status.value,
        "protocol": request.protocol_id,
        "origin": request.origin_id,
        "auto": request.auto_drafted,
        "document": request.document is not None,
        "approved_by": request.approved_by,
    }


def _compare(baseline: Run, faulted: Run) -> list[str]:
    problems = []
    if faulted.outcome[0] != baseline.outcome[0]:
        problems.append("subjects differ from the uninterrupted run")
    if faulted.outcome[1] != baseline.outcome[1]:
        problems.append("active alerts differ from the uninterrupted run")
    before, after = _lasting(baseline), _lasting(faulted)
    if after != before:
        differ = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
        first = differ[0]
        a, b = before.get(first) or {}, after.get(first) or {}
        fields = {k: (a.get(k), b.get(k)) for k in a.keys() | b.keys() if a.get(k) != b.get(k)}
        problems.append(f"requests differ from the uninterrupted run: {differ[:3]}; {fields}")
    return problems


def _lasting(run: Run) -> dict[str, dict[str, Any]]:
    """Requests drafted from alerts that are still active at the end.

    A severe alert that existed only for a while (say, an offender network anchored on a report
    that a later, older report displaced) depends on the order in which the correlator met the
    reports, which differs between any two runs, crashed or not; its draft is no less valid, but
    it is not comparable. Lasting alerts are order-independent (docs/correlator.md).
    """
    active = set(run.outcome[1])
    return {rid: r for rid, r in run.requests.items() if r["origin"] in active}
