"""``threadline insights`` without a broker: simulate observations, then report from the file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from threadline.cli.main import cli
from threadline.insights.codec import read_jsonl


@pytest.fixture(scope="module")
def observations_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("obs") / "observations.jsonl"
    result = CliRunner().invoke(
        cli,
        ["insights", "simulate-observations", "--out", str(path), "--children", "120",
         "--reports", "600", "--seed", "3"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return path


def test_simulated_observations_are_realistic_and_reproducible(
    observations_file: Path, tmp_path: Path
) -> None:
    again = tmp_path / "again.jsonl"
    result = CliRunner().invoke(
        cli,
        ["insights", "simulate-observations", "--out", str(again), "--children", "120",
         "--reports", "600", "--seed", "3"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert again.read_bytes() == observations_file.read_bytes()
    loaded = list(read_jsonl(observations_file))
    assert 450 < len(loaded) < 600  # updates and withdrawals are not observations
    assert {o.kind.value for o in loaded} == {"CONCERN", "REFERRAL", "MISSING_EPISODE"}
    assert any(o.known_to_other_agencies for o in loaded)
    assert any(not o.known_to_other_agencies for o in loaded)


def test_report_from_a_file(observations_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "release"
    result = CliRunner().invoke(
        cli,
        ["insights", "report", "--from", "2025-03-01", "--to", "2025-10-31", "--out", str(out),
         "--source", str(observations_file), "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["published"] is True
    assert summary["weeks"] == ["2025-W10", "2025-W44"]
    assert (out / "report.pdf").is_file() and (out / "tables" / "platform_by_stage.csv").is_file()


def test_too_few_reports_give_a_clear_message(observations_file: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["insights", "report", "--from", "2024-01-01", "--to", "2024-01-31",
         "--out", str(tmp_path), "--source", str(observations_file)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "nothing published" in result.output
    assert not (tmp_path / "tables").exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2025-05-01", "--to", "2025-04-01"], "--from is after --to"),
        (["--from", "2025-05-01", "--to", "2025-05-30", "--threshold", "2"], "threshold"),
        (["--from", "2025-05-02", "--to", "2025-05-04"], None),  # no Thursday: ThreadlineError
    ],
)
def test_bad_periods_and_thresholds_are_refused(
    observations_file: Path, tmp_path: Path, args: list[str], message: str | None
) -> None:
    result = CliRunner().invoke(
        cli,
        ["insights", "report", *args, "--out", str(tmp_path), "--source", str(observations_file)],
    )
    assert result.exit_code != 0
    if message:
        assert message in result.output


def test_a_missing_source_file_is_a_clear_error(tmp_path: Path) -> None:
    from threadline.cli.main import main

    with pytest.raises(SystemExit) as exited:
        main(["insights", "report", "--from", "2025-03-01", "--to", "2025-03-31",
              "--out", str(tmp_path), "--source", str(tmp_path / "nope.jsonl")])  # fmt: skip
    assert exited.value.code == 2
