"""Runs shared by the reliability tests and their benchmarks (``benchmarks/hostile.py``,
``benchmarks/faults.py``): a namespace of one's own on a real broker, and the hostile-input run
against a running correlator worker.

A test asserts on what these return; a benchmark prints it as JSON. Both use the correlator
worker of ``tests/integration/correlator/conftest.py`` (a real ``threadline correlator run``
subprocess), so what is measured is what runs in production.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.integration.correlator.conftest import DLQ, REPORTS, SUBJECTS, Namespace, wait_until
from tests.support.cluster import KafkaCluster, local_cluster, remote_cluster
from tests.support.hostile import Good, Verdict, corpus, good_reports, hostile_keys, judge
from tests.support.reports import Desk
from threadline.crypto import Keystore
from threadline.kafka.topology import load_topology

__all__ = ["benchmark_cluster", "fresh_namespace", "linked_refs", "run_hostile"]


@contextmanager
def benchmark_cluster() -> Iterator[KafkaCluster]:
    """For benchmarks: ``KAFKA_BOOTSTRAP_SERVERS`` (passwords from ``KAFKA_CREDENTIALS_FILE``)
    if set, as the test session does, else the local broker (started if it is not running)."""
    if os.environ.get("KAFKA_BOOTSTRAP_SERVERS"):
        yield remote_cluster(os.environ["KAFKA_BOOTSTRAP_SERVERS"])
        return
    with local_cluster() as cluster:
        yield cluster


@contextmanager
def fresh_namespace(
    cluster: KafkaCluster, keys: Keystore, root: Path, reports_partitions: int | None = None
) -> Iterator[Namespace]:
    """The whole topology under a new namespace, removed again on the way out."""
    from threadline.kafka.admin import apply_topology, remove_namespace

    topology = load_topology(namespace=f"r{uuid.uuid4().hex[:8]}.")
    if reports_partitions is not None:
        topics = tuple(
            dataclasses.replace(t, partitions=reports_partitions) if t.name.endswith(REPORTS) else t
            for t in topology.topics
        )
        topology = dataclasses.replace(topology, topics=topics)
    with cluster.admin() as admin:
        apply_topology(admin, topology, passwords=cluster.passwords)
    try:
        yield Namespace(cluster, topology, keys, root)
    finally:
        with cluster.admin() as admin:
            remove_namespace(admin, topology)


def linked_refs(ns: Namespace) -> Counter[str]:
    """How many active subjects list each ``agency/report`` reference (1 each when sound)."""
    found: Counter[str] = Counter()
    for subject in ns.latest(SUBJECTS).values():
        if subject is not None and subject["status"] == "active":
            found.update(subject["members"])
    return found


def run_hostile(
    cluster: KafkaCluster, root: Path, *, n: int = 400, seed: int = 8, children: int = 12
) -> tuple[Verdict, dict[str, Any]]:
    """Hostile records interleaved with good ones, fed to one running worker.

    Returns the verdict and the run's other facts: whether the worker was still running,
    how many good reports were linked (and into how many subjects per cross-agency pair).
    """
    hk = hostile_keys(root / "keys")
    desk = Desk(hk.keys)
    goods = good_reports(desk, children, first=700)
    hostile = corpus(hk, desk, n=n, seed=seed)
    with fresh_namespace(cluster, hk.keys, root) as ns:
        worker = ns.worker("hostile").start()
        try:
            worker.wait_ready(timeout_s=120)
            started = time.monotonic()
            rounds = 6
            for r in range(rounds):
                ns.produce([g.record() for g in goods[r::rounds]])
                ns.produce([h.record() for h in hostile[r::rounds]])
                assert worker.process is not None
                if worker.process.poll() is not None:
                    break
            kept = {"linked", "duplicate", "same_event"}
            expected_dlq = sum(1 for h in hostile if h.expected.isdisjoint(kept))
            everyone = {g.ref for g in goods} | {
                f"{_agency(h.value)}/{h.key.decode()}" for h in hostile if h.kind == "original"
            }

            def done() -> bool:
                return (
                    len(ns.read(DLQ, idle_s=0.5)) >= expected_dlq
                    and everyone <= set(linked_refs(ns))
                ) or (worker.process is not None and worker.process.poll() is not None)

            with contextlib.suppress(AssertionError):  # judged below: what is missing counts
                wait_until(done, max(240, n / 4), "dead letters and good reports linked")
            seconds = time.monotonic() - started
            alive = worker.process is not None and worker.process.poll() is None
            refs = linked_refs(ns)
            verdict = judge(
                hostile,
                ns.read(DLQ),
                refs,
                worker.counter("threadline_correlator_dedup_hits_total"),
            )
            unlinked = sorted(everyone - set(refs))
            split_pairs = _split_pairs(goods, ns)
        finally:
            code = worker.stop()
    if not alive:
        verdict.mishandled.append(f"the worker stopped (exit {code}): {worker.tail(5)}")
    if unlinked:
        verdict.mishandled.append(f"{len(unlinked)} good reports not linked: {unlinked[:3]}")
    return verdict, {
        "worker_survived": alive,
        "worker_exit": code,
        "good_reports": len(everyone),
        "good_linked": len(everyone) - len(unlinked),
        "good_pairs_split": split_pairs,
        "seconds": round(seconds, 1),
        "seed": seed,
    }


def _agency(value: bytes | None) -> str:
    from tests.support.hostile import CODEC

    assert value is not None
    return str(CODEC.decode(value)[1]["agency_id"])


def _split_pairs(goods: list[Good], ns: Namespace) -> int:
    """Cross-agency pairs (two reports about one child) that did not end in one subject."""
    subject_of: dict[str, str] = {}
    for sid, subject in ns.latest(SUBJECTS).items():
        if subject is not None and subject["status"] == "active":
            for member in subject["members"]:
                subject_of[member] = sid
    pairs = [goods[i : i + 2] for i in range(0, len(goods), 2)]
    return sum(1 for a, b in pairs if subject_of.get(a.ref) != subject_of.get(b.ref))
