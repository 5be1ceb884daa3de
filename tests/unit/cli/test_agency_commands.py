"""The agency-side commands without a broker: simulate, keys, and publish --dry-run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from threadline.cli.main import cli


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_help_names_every_command_group(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["--help"])
    assert result.exit_code == 0
    for command in ("kafka", "keys", "publish", "simulate", "demo", "requests", "broker"):
        assert command in result.output


def test_simulate_is_reproducible(runner: CliRunner, tmp_path: Path) -> None:
    outputs = []
    for name in ("a", "b"):
        result = runner.invoke(
            cli,
            [
                "simulate",
                "--children",
                "40",
                "--reports",
                "120",
                "--seed",
                "5",
                "--out",
                str(tmp_path / name),
                "--json",
            ],
        )
        assert result.exit_code == 0, result.output
        summary = json.loads(result.output.strip().splitlines()[-1])
        assert summary["reports"] == 120
        outputs.append(sorted((tmp_path / name / "reports").iterdir()))
    for first, second in zip(*outputs, strict=True):
        assert first.read_bytes() == second.read_bytes()


def test_publish_dry_run_builds_every_simulated_report(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("THREADLINE_KEYS_DIR", str(tmp_path / "keys"))
    assert runner.invoke(cli, ["keys", "init"]).exit_code == 0
    runner.invoke(
        cli,
        [
            "simulate",
            "--children",
            "40",
            "--reports",
            "150",
            "--seed",
            "2",
            "--out",
            str(tmp_path / "sim"),
        ],
    )
    export = tmp_path / "sim" / "reports" / "met-police.jsonl"
    result = runner.invoke(
        cli, ["--as", "agency-met-police", "publish", str(export), "--dry-run", "--json"]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["read"] == summary["published"] > 10 and summary["failed"] == 0


def test_publish_reports_bad_lines_and_exits_1(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("THREADLINE_KEYS_DIR", str(tmp_path / "keys"))
    runner.invoke(cli, ["keys", "init"])
    export = tmp_path / "bad.jsonl"
    export.write_text('{"event_type": "gossip"}\nnot json\n')
    result = runner.invoke(
        cli, ["--as", "agency-met-police", "publish", str(export), "--dry-run", "--json"]
    )
    assert result.exit_code == 1
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["failed"] == 2 and summary["published"] == 0
    errors = [
        json.loads(line) for line in (tmp_path / "bad.jsonl.errors.jsonl").read_text().splitlines()
    ]
    assert {e["line"] for e in errors} == {1, 2}


WORKERS = ("--workers", "1")


def test_publish_with_build_workers_reports_the_same_lines(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("THREADLINE_KEYS_DIR", str(tmp_path / "keys"))
    assert runner.invoke(cli, ["keys", "init"]).exit_code == 0
    good = json.dumps(
        {
            "event_type": "missing_episode",
            "report_id": "MPS-1",
            "occurred_at": "2025-03-01T13:36:28Z",
            "grading": {"source": 2, "intelligence": "B", "handling": "P"},
            "subject": {"given_name": "Aisha", "date_of_birth": "2011-04-03"},
            "missing_episode": {"started_at": "2025-03-01T10:00:00Z"},
        }
    )
    lines = [good] * 300
    lines[5] = '{"event_type": "gossip"}'
    lines[250] = "not json"
    export = tmp_path / "export.jsonl"
    export.write_text("\n".join(lines) + "\n")
    result = runner.invoke(
        cli,
        ["--as", "agency-met-police", "publish", str(export), "--dry-run", "--json", *WORKERS],
    )
    assert result.exit_code == 1, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert summary["read"] == 300 and summary["published"] == 298 and summary["failed"] == 2
    errors = [
        json.loads(line)
        for line in (tmp_path / "export.jsonl.errors.jsonl").read_text().splitlines()
    ]
    assert sorted(e["line"] for e in errors) == [6, 251]
