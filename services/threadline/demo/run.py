"""The whole system on one machine, end to end, in its own namespace.

1. the topology under a fresh namespace (so runs never mix), development keys, officer keys;
2. the correlator and the request broker as separate processes, each as its own principal;
3. five kinds of agency (police, children's social care, a school, a health trust, a charity,
   youth justice) publish a simulated stream through the SDK, with a progress bar;
4. an analyst follows the correlated alerts live (severity, type, agencies, reasons; no PII);
5. a liaison officer drafts a preservation request from the first offender-network alert, a
   second officer approves it, and the broker writes the PDF and JSON documents;
6. once the correlator has published a de-identified observation for every original report,
   the ``insights`` principal writes the statistics release (CSV, charts, HTML, PDF) from the
   observations topic, small cells withheld.

It ends by saying where everything is. Ctrl-C stops it cleanly at any point; without a
terminal (CI) it prints plain lines and exits 0 only if all six steps happened.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.progress import Progress
from rich.table import Table

from threadline.config import kafka_settings, local_credentials, state_dir
from threadline.crypto import init_dev_keys
from threadline.demo.monitoring import start_prometheus
from threadline.demo.processes import Service, free_port
from threadline.demo.watch import AlertWatcher, alert_row
from threadline.errors import ThreadlineError
from threadline.kafka.admin import apply_topology
from threadline.kafka.clients import admin_client
from threadline.kafka.topology import load_topology

__all__ = ["DemoResult", "run_demo"]

PLATFORM_ORDER = (
    "snapchat",
    "instagram",
    "tiktok",
    "discord",
    "roblox",
    "x",
    "youtube",
    "facebook",
    "whatsapp",
)


@dataclass
class DemoResult:
    folder: Path
    namespace: str
    published: int = 0
    alerts: int = 0
    request_id: str | None = None
    documents: list[Path] = field(default_factory=list)
    insights: dict[str, Any] = field(default_factory=dict)
    logs: list[Path] = field(default_factory=list)
    metrics: dict[str, str] = field(default_factory=dict)
    prometheus: str | None = None


def run_demo(
    console: Console,
    *,
    children: int,
    reports: int,
    seed: int,
    timeout_s: float,
    hold: Callable[[DemoResult], None] | None = None,
) -> DemoResult:
    """Run every step; ``hold`` is called with the result while everything still runs (the
    interactive demo waits there for Ctrl-C so Prometheus and the metrics can be looked at)."""
    run_id = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    folder = state_dir() / "demo" / run_id
    namespace = f"demo-{run_id}."
    result = DemoResult(folder, namespace)
    console.print(f"[bold]threadline demo[/] {run_id}: namespace {namespace}, files in {folder}")
    _apply(namespace)
    keys = folder / "keys"
    agencies = [p.removeprefix("agency-") for p in load_topology().principals_with_role("agency")]
    init_dev_keys(keys, agencies)
    env = {
        "THREADLINE_KAFKA_TOPIC_PREFIX": namespace,
        "THREADLINE_KEYS_DIR": str(keys),
        "THREADLINE_BROKER_KEYS_DIR": str(keys),
        "THREADLINE_BROKER_DOCUMENTS_DIR": str(folder / "documents"),
    }
    _run_cli(["broker", "officer-keys", "--all"], env)
    ports = {"correlator": free_port(), "broker": free_port()}
    services = [
        Service(
            "correlator",
            "correlator",
            [
                "correlator",
                "run",
                "--workers-data-dir",
                str(folder / "correlator"),
                "--metrics-port",
                str(ports["correlator"]),
            ],
            folder / "logs" / "correlator.log",
            env,
        ),
        Service(
            "request broker",
            "broker",
            ["broker", "run", "--metrics-port", str(ports["broker"])],
            folder / "logs" / "broker.log",
            env,
        ),
    ]
    result.logs = [s.log for s in services]
    result.metrics = {s.name: f"http://127.0.0.1:{ports[s.principal]}/metrics" for s in services}
    watcher = AlertWatcher("analyst-mash", namespace)
    prometheus = start_prometheus(
        folder / "prometheus",
        {"threadline-correlator": ports["correlator"], "threadline-broker": ports["broker"]},
    )
    if prometheus is None:
        console.print(
            "Prometheus is not installed (`scripts/bootstrap-system prometheus` adds "
            "it); metrics are still served by each service"
        )
    else:
        result.prometheus = prometheus[1]
        console.print(
            f"Prometheus scrapes the services and evaluates the alert rules: {prometheus[1]}"
        )
    try:
        for service in services:
            service.start()
        for service in services:
            service.wait_http(ports[service.principal])
        console.print("correlator and request broker are up, each as its own principal")
        watcher.start()
        published = _publish(console, keys, namespace, children, reports, seed, services)
        result.published = published.count
        alert = _follow(console, watcher, services, timeout_s)
        result.alerts = len(watcher.snapshot())
        result.request_id = _request(console, alert, env)
        result.documents = _documents(folder / "documents", result.request_id, timeout_s, services)
        _await_observations(published.originals, result.metrics["correlator"], timeout_s)
        result.insights = _insights(console, published, folder / "insights", env)
        if hold is not None:
            hold(result)
    finally:
        watcher.stop()
        for service in services:
            service.stop()
        if prometheus is not None:
            prometheus[0].terminate()
            prometheus[0].wait(timeout=20)
    return result


def _apply(namespace: str) -> None:
    admin = admin_client(kafka_settings(as_="admin"))
    try:
        apply_topology(
            admin, load_topology(namespace=namespace), passwords=local_credentials() or None
        )
    finally:
        admin.close()


def _run_cli(argv: list[str], env: dict[str, str], principal: str | None = None) -> str:
    prefix = ["--as", principal] if principal else []
    done = subprocess.run(
        [sys.executable, "-m", "threadline.cli", *prefix, *argv],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise ThreadlineError(
            f"`threadline {' '.join(argv[:2])}` failed: "
            f"{(done.stderr or done.stdout).strip().splitlines()[-1:]}"
        )
    return done.stdout


@dataclass(frozen=True)
class _Published:
    """What the agencies published: all events, the original reports among them (each one an
    observation for insights), and the days the reports span."""

    count: int
    originals: int
    first_day: date
    last_day: date


_ORIGINALS = ("concern_raised", "referral_made", "missing_episode")


def _publish(
    console: Console,
    keys: Path,
    namespace: str,
    children: int,
    reports: int,
    seed: int,
    services: list[Service],
) -> _Published:
    from threadline.crypto import Keystore
    from threadline.sdk.client import AgencyClient
    from threadline.simulate import SimulationConfig, simulate

    sim = simulate(SimulationConfig(seed=seed, children=children, reports=reports))
    clients: dict[str, AgencyClient] = {}
    published = originals = 0
    with Progress(console=console, transient=False) as progress:
        task = progress.add_task("agencies publishing", total=len(sim.reports))
        for start in range(0, len(sim.reports), 100):
            chunk = sim.reports[start : start + 100]
            by_agency: dict[str, list[dict[str, Any]]] = {}
            for agency, record in chunk:
                by_agency.setdefault(agency, []).append(record)
            for agency, records in by_agency.items():
                if agency not in clients:
                    clients[agency] = AgencyClient(
                        agency,
                        keys=Keystore(keys),
                        kafka=kafka_settings(as_=f"agency-{agency}", topic_prefix=namespace),
                        strict=False,
                    )
                accepted = clients[agency].publish_batch(records).published
                published += len(accepted)
                originals += sum(records[o.index].get("event_type") in _ORIGINALS for o in accepted)
            for service in services:
                service.check()
            progress.update(task, advance=len(chunk))
    for client in clients.values():
        client.close()
    console.print(
        f"{published:,} of {len(sim.reports):,} reports published by "
        f"{len(clients)} agencies (each as its own principal)"
    )
    days = sorted(str(record["occurred_at"])[:10] for _, record in sim.reports)
    return _Published(
        published, originals, date.fromisoformat(days[0]), date.fromisoformat(days[-1])
    )


def _follow(
    console: Console, watcher: AlertWatcher, services: list[Service], timeout_s: float
) -> dict[str, Any]:
    started = time.monotonic()
    deadline = started + timeout_s
    with Live(
        _table(watcher), console=console, refresh_per_second=2, transient=not console.is_terminal
    ) as live:
        while time.monotonic() < deadline:
            for service in services:
                service.check()
            live.update(_table(watcher))
            # keep the table on screen a few seconds once the alert the liaison needs is there
            if watcher.first("offender_network") is not None and time.monotonic() > started + 5:
                break
            time.sleep(0.5)
    if not console.is_terminal:
        console.print(_table(watcher))
    network = watcher.first("offender_network")
    if network is None:
        raise ThreadlineError(f"no offender-network alert within {timeout_s:.0f}s")
    return network


def _table(watcher: AlertWatcher) -> Table:
    alerts = watcher.snapshot()
    table = Table(
        title=f"Correlated alerts ({len(alerts)}), as analyst-mash sees them", title_justify="left"
    )
    for column in ("severity", "type", "agencies", "reasons", "subject", "v"):
        table.add_column(column)
    for alert in alerts[-15:]:
        table.add_row(*alert_row(alert))
    return table


def _request(console: Console, alert: dict[str, Any], env: dict[str, str]) -> str:
    alert_id = str(alert["alert_id"])
    last = "no platform protocol accepted an identifier the case holds"
    for platform in PLATFORM_ORDER:
        try:
            out = _run_cli(
                [
                    "requests",
                    "draft",
                    "--alert",
                    alert_id,
                    "--platform",
                    platform,
                    "--type",
                    "preservation",
                    "--person",  # data minimisation: the suspect's accounts, not the children's
                    "SUSPECT_1",
                    "--legal-basis",
                    "voluntary_preservation_request",
                    "--justification",
                    "Preserve the suspect account's records while an offender network "
                    "linked to several children is assessed (necessary: evidence may "
                    "be deleted; proportionate: preservation only, no disclosure).",
                    "--json",
                ],
                env,
                principal="liaison-spoc1",
            )
        except ThreadlineError as exc:
            last = str(exc)
            continue
        request_id = str(json.loads(out.strip().splitlines()[-1])["request"]["request_id"])
        console.print(
            f"liaison-spoc1 drafted preservation request {request_id} to {platform} "
            f"from alert {alert_id}"
        )
        _run_cli(["requests", "approve", request_id, "--json"], env, principal="liaison-insp1")
        console.print(f"liaison-insp1 (a different officer, inspector) approved {request_id}")
        return request_id
    raise ThreadlineError(f"could not draft a request: {last}")


def _await_observations(expected: int, metrics_url: str, timeout_s: float) -> None:
    """Wait until the correlator says it published an observation for every original report
    (insights reads the topic once, so reading it early would miss the last ones)."""
    from urllib.request import urlopen

    from prometheus_client.parser import text_string_to_metric_families

    deadline, seen = time.monotonic() + timeout_s, 0.0
    while time.monotonic() < deadline:
        with urlopen(metrics_url, timeout=5) as reply:  # noqa: S310 - our own loopback service
            families = text_string_to_metric_families(reply.read().decode())
            seen = sum(
                sample.value
                for family in families
                for sample in family.samples
                if sample.name == "threadline_correlator_observations_total"
                and sample.labels.get("outcome") == "published"
            )
        if seen >= expected:
            return
        time.sleep(0.5)
    raise ThreadlineError(
        f"the correlator published {seen:.0f} of {expected} observations within {timeout_s:.0f}s"
    )


def _insights(
    console: Console, published: _Published, out: Path, env: dict[str, str]
) -> dict[str, Any]:
    summary: dict[str, Any] = json.loads(
        _run_cli(
            [
                "insights",
                "report",
                "--from",
                published.first_day.isoformat(),
                "--to",
                published.last_day.isoformat(),
                "--out",
                str(out),
                "--json",
            ],
            env,
            principal="insights",
        ).splitlines()[-1]
    )
    if summary["published"]:
        console.print(
            f"insights (reading only de-identified observations) released statistics for "
            f"{summary['weeks'][0]} to {summary['weeks'][1]}: {summary['withheld_primary']} "
            f"small counts and {summary['withheld_secondary']} more cells withheld"
        )
    else:
        console.print("insights: too few reports in the period to publish any table")
    return summary


def _documents(
    folder: Path, request_id: str, timeout_s: float, services: list[Service]
) -> list[Path]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for service in services:
            service.check()
        found = sorted(p for p in folder.rglob(f"*{request_id}*") if p.suffix in (".pdf", ".json"))
        if {p.suffix for p in found} >= {".pdf", ".json"}:
            return found
        time.sleep(0.5)
    raise ThreadlineError(f"no documents for {request_id} in {folder} within {timeout_s:.0f}s")
