"""Write a statistics release to a folder: CSV tables, chart images, HTML, PDF and metadata.

Why a folder of plain files: the CSVs are what an analyst loads, the PNGs what goes on a slide,
the HTML and PDF what a policy reader opens, and ``metadata.json`` what a later reader (or a
test) needs to know how the numbers were made. All of them are rendered from one
:class:`~threadline.insights.aggregation.Statistics`, so a withheld cell is withheld everywhere.
When nothing may be published the folder still gets a report that says so, and no tables.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from threadline.errors import ConfigError
from threadline.insights.aggregation import Statistics
from threadline.insights.charts import render_all
from threadline.insights.narrative import method_paragraphs
from threadline.insights.report_html import TITLE, WITHHELD, render_html, table_rows
from threadline.insights.report_pdf import render_pdf

__all__ = ["ReleaseFiles", "write_release"]


@dataclass(frozen=True)
class ReleaseFiles:
    """What was written, for the CLI to print and tests to open."""

    folder: Path
    html: Path
    pdf: Path
    metadata: Path
    published: bool
    tables: dict[str, Path] = field(default_factory=dict)
    charts: dict[str, Path] = field(default_factory=dict)


def write_release(stats: Statistics, folder: Path, *, made_on: date) -> ReleaseFiles:
    """Render everything into ``folder`` (created if needed; files of a previous run are
    replaced, other files are left alone)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"{folder}: cannot create the output folder ({exc.strerror})") from exc
    published = stats.anything_published
    charts = render_all(stats) if published else {}
    tables: dict[str, Path] = {}
    chart_files: dict[str, Path] = {}
    if published:
        (folder / "tables").mkdir(exist_ok=True)
        for table in stats.workbook.tables:
            path = folder / "tables" / f"{table.name}.csv"
            with path.open("w", encoding="utf-8", newline="") as out:
                csv.writer(out).writerows(table_rows(stats, table))
            tables[table.name] = path
        (folder / "charts").mkdir(exist_ok=True)
        for stem, png in charts.items():
            if png is not None:
                chart_files[stem] = folder / "charts" / f"{stem}.png"
                chart_files[stem].write_bytes(png)
    html = folder / "report.html"
    html.write_text(render_html(stats, charts, made_on=made_on), encoding="utf-8")
    pdf = folder / "report.pdf"
    pdf.write_bytes(render_pdf(stats, charts, made_on=made_on))
    metadata = folder / "metadata.json"
    metadata.write_text(
        json.dumps(_metadata(stats, tables, made_on), indent=2, sort_keys=True) + "\n",
        encoding="utf-8",
    )
    return ReleaseFiles(folder, html, pdf, metadata, published, tables, chart_files)


def _metadata(stats: Statistics, tables: dict[str, Path], made_on: date) -> dict[str, object]:
    protection = stats.protection
    narrowest = min(
        (high - low for k, (low, high) in protection.ranges.items() if k in protection.primary),
        default=math.inf,
    )
    return {
        "title": TITLE,
        "produced": made_on.isoformat(),
        "period": {
            "from": stats.period.start.isoformat(),
            "to": stats.period.end.isoformat(),
            "first_week": stats.period.weeks[0],
            "last_week": stats.period.weeks[-1],
        },
        "published": stats.anything_published,
        "withheld_symbol": WITHHELD,
        "disclosure_control": {
            "method": "cell suppression: primary below threshold, secondary verified by exact "
            "integer-programming bounds over all published tables and their linking totals",
            "threshold": stats.threshold,
            "minimum_feasible_range": protection.min_range,
            "primary_cells": len(protection.primary),
            "secondary_cells": len(protection.secondary),
            "narrowest_feasible_range": narrowest if math.isfinite(narrowest) else None,
        },
        "method": method_paragraphs(stats),
        "tables": {
            t.name: {
                "file": f"tables/{t.name}.csv" if t.name in tables else None,
                "title": t.title,
                "note": t.note,
                "rows": t.row_label,
                "columns": t.col_label,
                "withheld_cells": sum(1 for i, j in t.positions() if stats.cell(t, i, j) is None),
            }
            for t in stats.workbook.tables
        },
    }
