"""Charts a policy reader understands at a glance, drawn only from published numbers.

Why only published numbers: a chart is a table in another form, so a bar for a withheld cell
would undo the suppression; withheld cells are drawn as hatched grey boxes or gaps labelled
``[c]`` (the Government Statistical Service symbol for "confidential"), never as a value.
Why shares and not only counts: platforms and agencies differ in size, so heatmaps are coloured
by the share of each row (where on the path to control a platform's reports sit) while the
cells still print the counts a reader can check against the tables.

Figures are built with :class:`matplotlib.figure.Figure` and the Agg canvas directly, never
through pyplot, so rendering keeps no global state and works without a display. A chart with
nothing publishable returns ``None`` and the report says so in words.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from io import BytesIO

import numpy as np
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from threadline.insights.aggregation import CONCERN_REPORTS, Statistics
from threadline.insights.tables import CrossTab
from threadline.insights.vocabulary import label, platform_label

__all__ = ["HEATMAPS", "bars_chart", "heatmap_chart", "render_all", "trend_chart"]

INK, MUTED, WITHHELD = "#1f2933", "#6b7280", "#d1d5db"
OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000")
_SHARE = LinearSegmentedColormap.from_list("share", ["#f7fbff", "#6baed6", "#08306b"])

HEATMAPS = {
    "platform_by_stage": "Where each platform appears on the path to exploitation",
    "platform_by_exploitation": "Which kinds of exploitation each platform is linked to",
    "platform_by_role": "What each platform was used for",
}


def _png(figure: Figure) -> bytes:
    buffer = BytesIO()
    figure.savefig(buffer, format="png", dpi=150, bbox_inches="tight")
    return buffer.getvalue()


def _row_name(table: CrossTab, code: str) -> str:
    return platform_label(code) if table.row_label == "Platform" else label(code)


def heatmap_chart(stats: Statistics, name: str) -> bytes | None:
    """Rows coloured by each cell's share of its row total; counts printed, ``[c]`` hatched."""
    table = stats.workbook.table(name)
    if not stats.publishable(table):
        return None
    rows, cols = len(table.rows), len(table.cols)
    cells = [[stats.cell(table, i, j) for j in range(cols)] for i in range(rows)]
    totals = [stats.cell(table, i, cols) for i in range(rows)]
    shares = np.array(
        [[_share(v, totals[i]) for v in row] for i, row in enumerate(cells)], dtype=float
    ).reshape(rows, cols)
    ceiling = max(0.3, float(np.ceil(np.nanmax(shares) * 10) / 10)) if rows else 0.5
    figure = Figure(figsize=(1.3 + 1.05 * cols, 0.8 + 0.42 * rows))
    axes = figure.add_subplot()
    image = axes.imshow(
        np.ma.masked_invalid(shares), cmap=_SHARE, vmin=0, vmax=ceiling, aspect="auto"
    )
    for i, row in enumerate(cells):
        for j, value in enumerate(row):
            if value is None:
                axes.add_patch(_withheld_box(j, i))
                axes.text(j, i, "[c]", ha="center", va="center", fontsize=8, color=MUTED)
                continue
            dark = bool(shares[i, j] > 0.6 * ceiling)
            axes.text(
                j,
                i,
                f"{value:,}",
                ha="center",
                va="center",
                fontsize=8,
                color="white" if dark else INK,
            )
    axes.set_xticks(range(cols), [label(c) for c in table.cols], rotation=30, ha="right")
    axes.set_yticks(range(rows), [_row_name(table, r) for r in table.rows])
    axes.tick_params(length=0, labelsize=8.5)
    for spine in axes.spines.values():
        spine.set_visible(False)
    bar = figure.colorbar(image, ax=axes, fraction=0.035, pad=0.02, format="{x:.0%}")
    bar.set_label("share of the row's reports", fontsize=8)
    bar.ax.tick_params(labelsize=7)
    axes.set_title(HEATMAPS[name], loc="left", fontsize=11, color=INK, pad=10)
    return _png(figure)


def _share(part: int | None, whole: int | None) -> float:
    return np.nan if part is None or not whole else part / whole


def _withheld_box(x: float, y: float) -> Rectangle:
    return Rectangle(
        (x - 0.5, y - 0.5), 1, 1, facecolor="#f3f4f6", edgecolor=WITHHELD, hatch="///", lw=0
    )


def bars_chart(
    stats: Statistics,
    name: str,
    *,
    column: int | None,
    title: str,
    per_row: bool = False,
) -> bytes | None:
    """Horizontal bars of a percentage per row: a row total (``column=None``) or one column,
    over all concern reports or (``per_row``) over the row's own total; a dashed line marks
    the overall figure; withheld rows say ``[c]``."""
    table = stats.workbook.table(name)
    if not stats.publishable(table):
        return None
    rows, cols = len(table.rows), len(table.cols)
    concerns = stats.protection.published(CONCERN_REPORTS, stats.workbook.values()[CONCERN_REPORTS])
    pick = cols if column is None else column
    values = [
        _share(stats.cell(table, i, pick), stats.cell(table, i, cols) if per_row else concerns)
        for i in range(rows)
    ]
    order = sorted(range(rows), key=lambda k: (np.isnan(values[k]), -np.nan_to_num(values[k])))
    figure = Figure(figsize=(8, 0.9 + 0.32 * rows))
    axes = figure.add_subplot()
    y = np.arange(rows)[::-1]
    for row, k in zip(y, order, strict=True):
        if np.isnan(values[k]):
            axes.text(
                0.005,
                row,
                "[c] withheld",
                va="center",
                fontsize=8,
                color=MUTED,
                transform=axes.get_yaxis_transform(),
            )
            continue
        axes.barh(row, 100 * values[k], color=OKABE_ITO[0], height=0.7)
        axes.text(
            100 * values[k] - 0.6,
            row,
            f"{100 * values[k]:.0f}%",
            va="center",
            ha="right",
            fontsize=7.5,
            color="white",
        )
    overall = _share(stats.cell(table, rows, pick), stats.cell(table, rows, cols))
    if per_row and not np.isnan(overall):
        axes.axvline(100 * overall, color=OKABE_ITO[5], ls="--", lw=1)
        axes.text(
            100 * overall,
            rows - 0.4,
            f" all: {100 * overall:.0f}%",
            color=OKABE_ITO[5],
            fontsize=8,
            va="bottom",
        )
    axes.set_yticks(y, [_row_name(table, table.rows[k]) for k in order])
    axes.set_xlim(0, 100 * max([v for v in values if not np.isnan(v)] + [0.1]) * 1.15)
    axes.xaxis.set_major_formatter("{x:.0f}%")
    axes.tick_params(length=0, labelsize=8.5)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.set_title(title, loc="left", fontsize=11, color=INK, pad=14)
    return _png(figure)


def trend_chart(
    stats: Statistics,
    name: str,
    *,
    title: str,
    columns: Sequence[int] | None = None,
    total_label: str | None = None,
) -> bytes | None:
    """One line per chosen column (and optionally the row totals) over the table's rows,
    weeks or months; a withheld point is a gap with an ``x`` on the axis."""
    table = stats.workbook.table(name)
    if not stats.publishable(table):
        return None
    rows, cols = len(table.rows), len(table.cols)
    lines = [(j, label(table.cols[j])) for j in (range(cols) if columns is None else columns)]
    if total_label:
        lines.insert(0, (cols, total_label))
    figure = Figure(figsize=(9, 3.6))
    axes = figure.add_subplot()
    x = np.arange(rows)
    for n, (j, name_) in enumerate(lines):
        series = [stats.cell(table, i, j) for i in range(rows)]
        points = np.array([np.nan if v is None else v for v in series], dtype=float)
        colour = OKABE_ITO[n % len(OKABE_ITO)]
        axes.plot(x, points, marker="o", markersize=3, lw=1.8, color=colour, label=name_)
        hidden = [i for i, v in enumerate(series) if v is None]
        axes.plot(hidden, [0] * len(hidden), ls="none", marker="x", color=colour, ms=5)
    step = max(1, rows // 12)
    axes.set_xticks(x[::step], [_period_label(r) for r in table.rows[::step]], fontsize=8)
    axes.set_ylabel("reports", fontsize=9)
    axes.set_ylim(bottom=0)
    axes.grid(axis="y", color="#e5e7eb", lw=0.8)
    for side in ("top", "right"):
        axes.spines[side].set_visible(False)
    axes.legend(
        frameon=False,
        fontsize=8,
        ncols=min(len(lines), 5),
        loc="lower left",
        bbox_to_anchor=(0, 1.0),
        borderaxespad=0.2,
    )
    axes.set_title(title, loc="left", fontsize=11, color=INK, pad=24)
    axes.annotate(
        "x on the axis: withheld [c]",
        (1, -0.16),
        xycoords="axes fraction",
        ha="right",
        fontsize=7,
        color=MUTED,
    )
    return _png(figure)


def _period_label(code: str) -> str:
    if "-W" in code:
        return code.split("-")[1]
    year, month = code.split("-")
    return f"{date(int(year), int(month), 1):%b %y}"


def render_all(stats: Statistics) -> dict[str, bytes | None]:
    """Every chart of the release, by file stem (``None``: nothing publishable to draw)."""
    charts: dict[str, bytes | None] = {name: heatmap_chart(stats, name) for name in HEATMAPS}
    charts["warning_signs"] = bars_chart(
        stats,
        "warning_signs_by_age_band",
        column=None,
        title="How often each warning sign is recorded (% of concern reports)",
    )
    charts["overlap"] = bars_chart(
        stats,
        "overlap_by_agency_type",
        column=0,
        per_row=True,
        title="Reports about a child already known to another agency (% of each agency type's)",
    )
    charts["weekly_trend"] = trend_chart(
        stats,
        "reports_by_week",
        title="Reports by week",
        columns=(1,),
        total_label="All reports",
    )
    charts["stage_trend"] = trend_chart(
        stats, "stage_by_month", title="Concern reports by month and stage of exploitation"
    )
    return charts
