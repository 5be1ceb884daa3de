"""The release as one self-contained HTML page (charts inlined), readable offline and printable.

Why one file: a policy reader gets an e-mail attachment or a shared-drive link, not a web
server, so the page carries its charts as data URIs and its style inline. Every number comes
from :class:`~threadline.insights.aggregation.Statistics` through the same suppression as the
CSV tables; every string is HTML-escaped.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import date
from html import escape

from threadline.insights.aggregation import Statistics
from threadline.insights.narrative import (
    NOTHING_PUBLISHED,
    SECTIONS,
    TOO_FEW_FOR_CHART,
    key_findings,
    method_paragraphs,
    period_label,
)
from threadline.insights.tables import CrossTab
from threadline.insights.vocabulary import label, platform_label

__all__ = ["TITLE", "render_html", "table_rows"]

TITLE = "Concerns about children exploited online: platforms, stages and warning signs"
WITHHELD = "[c]"

_STYLE = """
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Arial,sans-serif;color:#1f2933;
max-width:980px;margin:2rem auto;padding:0 1rem;line-height:1.45}
h1{font-size:1.7rem;margin-bottom:.2rem}h2{font-size:1.25rem;margin-top:2.2rem;
border-bottom:2px solid #0072B2;padding-bottom:.2rem}.sub{color:#6b7280;margin-top:0}
.banner{background:#fff7ed;border-left:4px solid #E69F00;padding:.6rem .9rem;margin:1rem 0}
.findings{background:#f0f7fc;border-left:4px solid #0072B2;padding:.4rem 1rem}
.findings li{margin:.35rem 0}img{max-width:100%;height:auto}
table{border-collapse:collapse;font-size:.82rem;margin:.6rem 0 1rem}
th,td{border-bottom:1px solid #e5e7eb;padding:.25rem .55rem;text-align:right}
th:first-child,td:first-child{text-align:left}thead th{border-bottom:2px solid #9ca3af}
tr.total td{font-weight:600;border-top:2px solid #9ca3af}td.c{color:#9ca3af}
details{margin:.4rem 0 1.2rem}summary{cursor:pointer;color:#0072B2}
.note{color:#6b7280;font-size:.85rem}.empty{background:#f3f4f6;padding:1rem;color:#374151}
"""


def _name(table: CrossTab, code: str, *, row: bool) -> str:
    if code == "TOTAL":
        return "Total"
    if row and table.row_label == "Platform":
        return platform_label(code)
    return label(code)


def table_rows(stats: Statistics, table: CrossTab) -> list[list[str]]:
    """Header and body of a published table as text, withheld cells as ``[c]`` (also used by
    the PDF and the CSV writer, so all three show exactly the same thing)."""
    rows, cols = table.shape
    header = [table.row_label] + [_name(table, table.col_code(j), row=False) for j in range(cols)]
    body = []
    for i in range(rows):
        cells = [stats.cell(table, i, j) for j in range(cols)]
        body.append(
            [_name(table, table.row_code(i), row=True)]
            + [WITHHELD if v is None else f"{v}" for v in cells]
        )
    return [header, *body]


def _html_table(stats: Statistics, table: CrossTab) -> str:
    header, *body = table_rows(stats, table)
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    lines = []
    for n, row in enumerate(body):
        cls = ' class="total"' if n == len(body) - 1 else ""
        cells = "".join(
            f'<td class="c">{escape(v)}</td>' if v == WITHHELD else f"<td>{escape(v)}</td>"
            for v in row
        )
        lines.append(f"<tr{cls}>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(lines)}</tbody></table>"


def render_html(stats: Statistics, charts: Mapping[str, bytes | None], *, made_on: date) -> str:
    """The whole page."""
    parts = [
        f"<h1>{escape(TITLE)}</h1>",
        f'<p class="sub">threadline insights &middot; {escape(period_label(stats))} &middot; '
        f"produced {made_on:%-d %B %Y}</p>",
        '<div class="banner">Experimental statistics from de-identified observations. Counts '
        f"from 1 to {stats.threshold - 1} and the cells that would reveal them are withheld "
        "and shown as [c]; see <a href='#method'>Method</a>.</div>",
    ]
    findings = key_findings(stats)
    if not stats.anything_published:
        notice = NOTHING_PUBLISHED.format(threshold=stats.threshold)
        parts.append(f'<p class="empty"><strong>{escape(notice)}</strong></p>')
    else:
        items = "".join(f"<li>{escape(f)}</li>" for f in findings)
        parts.append(f'<h2>Key findings</h2><ul class="findings">{items}</ul>')
        for section in SECTIONS:
            table = stats.workbook.table(section.table)
            parts.append(f"<h2>{escape(section.heading)}</h2><p>{escape(section.lead)}</p>")
            png = charts.get(section.chart)
            if png is None:
                parts.append(f'<p class="empty">{escape(TOO_FEW_FOR_CHART)}</p>')
                continue
            data = base64.b64encode(png).decode("ascii")
            parts.append(f'<img src="data:image/png;base64,{data}" alt="{escape(table.title)}">')
            parts.append(
                f"<details><summary>Table: {escape(table.title)}</summary>"
                f"{_html_table(stats, table)}<p class='note'>{escape(table.note)}</p></details>"
            )
    parts.append('<h2 id="method">Method</h2>')
    parts += [f"<p>{escape(p)}</p>" for p in method_paragraphs(stats)]
    body = "\n".join(parts)
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f"<title>{escape(TITLE)}</title><style>{_STYLE}</style></head>"
        f"<body>\n{body}\n</body></html>\n"
    )
