"""A release on disk: tables, charts, HTML and PDF that say the same thing, or say why not."""

from __future__ import annotations

import csv
import json
from datetime import date
from pathlib import Path

import pytest
from pypdf import PdfReader

from threadline.insights.aggregation import Statistics, compile_statistics
from threadline.insights.release import ReleaseFiles, write_release
from threadline.insights.report_html import TITLE

from .conftest import SIMULATED_PERIOD

MADE_ON = date(2026, 1, 15)


@pytest.fixture(scope="module")
def written(statistics: Statistics, tmp_path_factory: pytest.TempPathFactory) -> ReleaseFiles:
    return write_release(statistics, tmp_path_factory.mktemp("release"), made_on=MADE_ON)


def pdf_text(path: Path) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(path).pages)


def test_every_table_chart_and_document_is_written(written: ReleaseFiles) -> None:
    assert written.published
    assert sorted(written.tables) == sorted(
        [
            "platform_by_stage", "platform_by_exploitation", "platform_by_role",
            "warning_signs_by_age_band", "stage_by_month", "reports_by_week",
            "overlap_by_agency_type",
        ]
    )  # fmt: skip
    assert sorted(written.charts) == sorted(
        [
            "platform_by_stage", "platform_by_exploitation", "platform_by_role",
            "warning_signs", "overlap", "weekly_trend", "stage_trend",
        ]
    )  # fmt: skip
    for png in written.charts.values():
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_csv_tables_have_totals_and_no_small_counts(written: ReleaseFiles) -> None:
    for path in written.tables.values():
        with path.open(encoding="utf-8") as handle:
            header, *body = list(csv.reader(handle))
        assert header[-1] == "Total" and body[-1][0] == "Total"
        for row in body:
            for value in row[1:]:
                assert value in {"[c]", "0"} or int(value) >= 5, (path.name, row)


def test_the_pdf_reads_as_a_report(written: ReleaseFiles) -> None:
    reader = PdfReader(written.pdf)
    assert 4 <= len(reader.pages) <= 12
    text = pdf_text(written.pdf)
    for phrase in (
        "Key findings",
        "Platforms and the stages of exploitation",
        "Warning signs",
        "Children already known to another agency",
        "Method",
        "secondary suppression",
        "[c]",
        "Snapchat",
    ):
        assert phrase in text, phrase
    assert written.pdf.read_bytes().startswith(b"%PDF-")


def test_the_html_is_self_contained_and_matches_the_tables(written: ReleaseFiles) -> None:
    html = written.html.read_text(encoding="utf-8")
    assert html.count('<img src="data:image/png;base64,') == 7
    assert TITLE in html and "secondary suppression" in html
    assert "http://" not in html and "https://" not in html  # nothing fetched from elsewhere
    assert html.count("<table>") == 7


def test_metadata_states_the_method_and_the_period(written: ReleaseFiles) -> None:
    meta = json.loads(written.metadata.read_text())
    assert meta["period"] == {
        "from": "2025-03-01", "to": "2025-10-31", "first_week": "2025-W10",
        "last_week": "2025-W44",
    }  # fmt: skip
    control = meta["disclosure_control"]
    assert control["threshold"] == 5 and control["minimum_feasible_range"] == 4
    assert control["narrowest_feasible_range"] >= 4
    assert meta["tables"]["platform_by_stage"]["file"] == "tables/platform_by_stage.csv"


def test_a_period_with_too_few_reports_says_so_instead_of_drawing(tmp_path: Path) -> None:
    files = write_release(compile_statistics([], SIMULATED_PERIOD), tmp_path, made_on=MADE_ON)
    assert not files.published and files.tables == {} and files.charts == {}
    assert not (tmp_path / "tables").exists()
    assert "Nothing can be published for this period" in files.html.read_text()
    assert "Nothing can be published for this period" in pdf_text(files.pdf)
    assert json.loads(files.metadata.read_text())["published"] is False


def test_the_same_statistics_give_the_same_pdf(statistics: Statistics, tmp_path: Path) -> None:
    first = write_release(statistics, tmp_path / "a", made_on=MADE_ON).pdf.read_bytes()
    second = write_release(statistics, tmp_path / "b", made_on=MADE_ON).pdf.read_bytes()
    assert first == second
