"""Prometheus rules, scrape config and Grafana dashboard: valid, tested, and using real names.

``promtool`` comes from Debian's ``prometheus`` package (``scripts/bootstrap-system
prometheus``). Without it these tests fail - they do not skip - so CI cannot go green while
silently not checking the alerts.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import CollectorRegistry

from threadline.config import project_root

ROOT = project_root()
PROMETHEUS = ROOT / "infra" / "prometheus"
DASHBOARD = ROOT / "infra" / "grafana" / "threadline.json"
METRICS_DOC = ROOT / "docs" / "metrics.md"

_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "and", "or"}
_KEYWORDS |= {"unless", "offset", "bool", "inf", "nan", "le"}


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    path = shutil.which("promtool")
    if path is None:
        pytest.fail(
            "promtool is not installed: run `scripts/bootstrap-system prometheus` "
            "(Debian package `prometheus`); the alert rules cannot be checked without it"
        )
    return subprocess.run(
        [path, *args], capture_output=True, text=True, timeout=120, check=False, cwd=ROOT
    )


def documented_metrics() -> set[str]:
    """Names in the first column of the table under "## Metric names" in docs/metrics.md."""
    section = METRICS_DOC.read_text().split("## Metric names", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([a-zA-Z_:][a-zA-Z0-9_:]*)` \|", section, re.M))


def rules() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((PROMETHEUS / "rules.yml").read_text())
    return loaded


def rule_entries() -> Iterator[dict[str, Any]]:
    for group in rules()["groups"]:
        yield from group["rules"]


def dashboard_exprs() -> list[str]:
    dashboard = json.loads(DASHBOARD.read_text())
    return [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]


def metric_names(expr: str) -> set[str]:
    """The series names a PromQL expression reads (a careful approximation, not a parser)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', "", expr)  # strings (label values, printf formats)
    text = re.sub(r"\{[^}]*\}", "", text)  # label matchers
    text = re.sub(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", "", text)
    text = re.sub(r"\[[^\]]*\]", "", text)  # ranges and subqueries
    names = set(re.findall(r"(?<![\w:.])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\w:]|\s*\()", text))
    return {n for n in names - _KEYWORDS if not re.fullmatch(r"\d+[smhdwy]", n)}


def base_name(name: str) -> str:
    return re.sub(r"_(bucket|sum|count)$", "", name)


def test_promtool_accepts_the_rules_and_the_config() -> None:
    for args in (
        ("check", "rules", "infra/prometheus/rules.yml"),
        ("check", "config", "infra/prometheus/prometheus.yml"),
    ):
        result = promtool(*args)
        assert result.returncode == 0, result.stdout + result.stderr


def test_promtool_rule_unit_tests_pass() -> None:
    tests = sorted(str(p.relative_to(ROOT)) for p in (PROMETHEUS / "tests").glob("*.yml"))
    assert len(tests) >= 2
    result = promtool("test", "rules", *tests)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_is_unit_tested_or_listed_as_untested() -> None:
    tested = set()
    for path in (PROMETHEUS / "tests").glob("*.yml"):
        for case in yaml.safe_load(path.read_text())["tests"]:
            tested |= {t["alertname"] for t in case.get("alert_rule_test", [])}
    alerts = {r["alert"] for r in rule_entries() if "alert" in r}
    assert tested <= alerts
    assert len(tested) >= 2


def test_the_expression_scanner_finds_series_not_functions_or_labels() -> None:
    expr = (
        'histogram_quantile(0.95, sum by (le) (rate(x_bucket{job="a"}[10m]))) > 60 '
        "and on(instance) y:rec offset 5m or time() - z > 3"
    )
    assert metric_names(expr) == {"x_bucket", "y:rec", "z"}


def test_rules_and_dashboard_use_only_documented_metrics() -> None:
    documented = documented_metrics()
    assert "threadline_correlator_dlq_total" in documented
    recorded = {r["record"] for r in rule_entries() if "record" in r}
    exprs = [str(r["expr"]) for r in rule_entries()] + dashboard_exprs()
    unknown = {
        name
        for expr in exprs
        for name in metric_names(expr)
        if base_name(name) not in documented and name not in documented | recorded
    }
    assert not unknown, f"not in docs/metrics.md: {sorted(unknown)}"


def test_every_documented_metric_is_used_somewhere() -> None:
    used = {base_name(n) for e in dashboard_exprs() for n in metric_names(e)}
    used |= {base_name(n) for r in rule_entries() for n in metric_names(str(r["expr"]))}
    unused = documented_metrics() - used
    assert not unused, f"documented but on no panel or rule: {sorted(unused)}"


def exposed(registry: CollectorRegistry, prefix: str) -> set[str]:
    return {
        f"{m.name}_total" if m.type == "counter" else m.name
        for m in registry.collect()
        if m.name.startswith(prefix)
    }


def test_the_services_expose_what_the_doc_says() -> None:
    from threadline.broker.metrics import BrokerMetrics
    from threadline.correlator.metrics import CorrelatorMetrics
    from threadline.kafka.exporter import ExporterMetrics
    from threadline.kafka.groups import GroupLag, PartitionLag

    correlator = CorrelatorMetrics(CollectorRegistry())
    broker = BrokerMetrics(CollectorRegistry())
    exporter = ExporterMetrics(CollectorRegistry())
    exporter.collector.update([GroupLag("g", "Empty", 0, (PartitionLag("t", 0, 0, 1),))], {"t": 1})
    for registry, prefix in (
        (correlator.registry, "threadline_correlator_"),
        (broker.registry, "threadline_broker_"),
        (exporter.registry, "threadline_kafka_"),
    ):
        documented = {n for n in documented_metrics() if n.startswith(prefix)}
        assert exposed(registry, prefix) == documented


def test_every_alert_names_an_existing_runbook_and_a_severity() -> None:
    for rule in rule_entries():
        if "alert" not in rule:
            continue
        assert rule["labels"]["severity"] in {"page", "warning"}, rule["alert"]
        assert (ROOT / rule["annotations"]["runbook"]).is_file(), rule["alert"]
        assert rule["alert"] in METRICS_DOC.read_text(), f"{rule['alert']} not in the doc"


def test_scrape_config_covers_every_service_port() -> None:
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    targets = {
        job["job_name"]: [t for s in job["static_configs"] for t in s["targets"]]
        for job in config["scrape_configs"]
    }
    assert targets["threadline-correlator"] == ["127.0.0.1:9400"]
    assert targets["threadline-broker"] == ["127.0.0.1:9401"]
    assert targets["threadline-kafka-exporter"] == ["127.0.0.1:9402"]
    assert config["rule_files"] == ["rules.yml"]


def test_the_dashboard_is_valid_grafana_json() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["uid"] and dashboard["title"] == "threadline"
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    graphs = [p for p in dashboard["panels"] if p["type"] != "row"]
    assert len(graphs) >= 12
    for panel in graphs:
        assert panel["targets"], panel["title"]
        assert all(t["expr"].strip() and t["refId"] for t in panel["targets"]), panel["title"]
        assert panel["datasource"]["uid"] == "${datasource}"
        assert panel["gridPos"]["w"] <= 24


@pytest.mark.parametrize("path", [DASHBOARD, METRICS_DOC], ids=["dashboard", "doc"])
def test_no_label_names_an_identifier(path: Path) -> None:
    """Legends and labels group by closed sets only, never by an id of a case."""
    text = path.read_text()
    for forbidden in ("event_id", "request_id", "report_id", "subject_id", "officer"):
        assert f"by ({forbidden}" not in text and "{{" + forbidden not in text
