"""The release as an A4 PDF (reportlab platypus): findings first, then a chart per page-half,
then the method and the full tables as an appendix.

Why a PDF as well as the HTML page: it is what gets attached to a board paper or a partnership
meeting agenda, and it must print. ``invariant=1`` leaves out the creation time and random
document id, so the same statistics give the same bytes. Text is the narrative module's, so
both formats say the same thing.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from threadline.insights.aggregation import Statistics
from threadline.insights.narrative import (
    NOTHING_PUBLISHED,
    SECTIONS,
    TOO_FEW_FOR_CHART,
    key_findings,
    method_paragraphs,
    period_label,
)
from threadline.insights.report_html import TITLE, WITHHELD, table_rows

__all__ = ["render_pdf"]

_BASE = getSampleStyleSheet()
_BODY = ParagraphStyle(
    "ins-body", parent=_BASE["BodyText"], fontName="Helvetica", fontSize=9.5, leading=13
)
_H1 = ParagraphStyle("ins-h1", parent=_BASE["Heading1"], fontName="Helvetica-Bold", fontSize=17)
_H2 = ParagraphStyle(
    "ins-h2",
    parent=_BASE["Heading2"],
    fontName="Helvetica-Bold",
    fontSize=12,
    textColor=colors.HexColor("#0b4f7c"),
    spaceBefore=8,
)
_SMALL = ParagraphStyle("ins-small", parent=_BODY, fontSize=8, leading=10, textColor=colors.grey)
_NOTE = ParagraphStyle(
    "ins-note",
    parent=_BODY,
    fontSize=8.5,
    leading=11,
    backColor=colors.HexColor("#fff7ed"),
    borderPadding=4,
    textColor=colors.HexColor("#7c4a03"),
)
_BULLET = ParagraphStyle("ins-bullet", parent=_BODY, leftIndent=10, bulletIndent=0)
_EMPTY = ParagraphStyle(
    "ins-empty",
    parent=_BODY,
    backColor=colors.HexColor("#f3f4f6"),
    borderPadding=6,
    spaceBefore=4,
    spaceAfter=6,
)
_CAPTION = ParagraphStyle("ins-caption", parent=_BODY, fontName="Helvetica-Bold")
_BOX = colors.HexColor("#f0f7fc")
_WIDTH = A4[0] - 36 * mm


def _p(text: str, style: ParagraphStyle = _BODY) -> Paragraph:
    return Paragraph(escape(text.encode("latin-1", "replace").decode("latin-1")), style)


def _chart(png: bytes, max_height: float) -> Image:
    width, height = ImageReader(BytesIO(png)).getSize()
    scale = min(_WIDTH / width, max_height / height)
    return Image(BytesIO(png), width=width * scale, height=height * scale)


def _findings_box(findings: list[str]) -> Table:
    bullets = [Paragraph(escape(f), _BULLET, bulletText="\u2022") for f in findings]
    box = Table([[bullets]], colWidths=[_WIDTH])
    box.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), _BOX),
                ("LINEBEFORE", (0, 0), (0, -1), 3, colors.HexColor("#0072B2")),
                ("LEFTPADDING", (0, 0), (-1, -1), 10),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 8),
            ]
        )
    )
    return box


def _data_table(rows: list[list[str]]) -> Table:
    wide = len(rows[0]) > 7
    size = 6.5 if wide else 7.5
    cell = ParagraphStyle("ins-cell", parent=_BODY, fontSize=size, leading=size + 1.5)
    data = [[Paragraph(escape(v), cell) for v in row] for row in rows]
    first = (30 if wide else 40) * mm
    rest = (_WIDTH - first) / max(1, len(rows[0]) - 1)
    table = Table(data, colWidths=[first] + [rest] * (len(rows[0]) - 1), repeatRows=1)
    style: list[Any] = [
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, colors.grey),
        ("LINEABOVE", (0, -1), (-1, -1), 0.8, colors.grey),
        ("LINEBELOW", (0, 1), (-1, -2), 0.25, colors.HexColor("#e5e7eb")),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 1),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
    ]
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value == WITHHELD:
                style.append(("TEXTCOLOR", (c, r), (c, r), colors.grey))
    table.setStyle(TableStyle(style))
    return table


def _footer(canvas: Canvas, doc: SimpleDocTemplate) -> None:
    canvas.saveState()
    canvas.setFont("Helvetica", 7.5)
    canvas.setFillColor(colors.grey)
    canvas.drawString(
        18 * mm, 10 * mm, "threadline insights: de-identified statistics; [c] = withheld"
    )
    canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, f"page {doc.page}")
    canvas.restoreState()


def render_pdf(stats: Statistics, charts: Mapping[str, bytes | None], *, made_on: date) -> bytes:
    """The PDF bytes of the release."""
    story: list[Flowable] = [
        _p(TITLE, _H1),
        _p(f"threadline insights - {period_label(stats)} - produced {made_on:%-d %B %Y}", _SMALL),
        Spacer(1, 2 * mm),
        _p(
            f"Experimental statistics from de-identified observations. Counts from 1 to "
            f"{stats.threshold - 1}, and the cells that would reveal them, are withheld and shown "
            "as [c]; the method is on the last pages.",
            _NOTE,
        ),
        Spacer(1, 3 * mm),
    ]
    if not stats.anything_published:
        story.append(_p(NOTHING_PUBLISHED.format(threshold=stats.threshold), _EMPTY))
    else:
        story += [_p("Key findings", _H2), _findings_box(key_findings(stats)), Spacer(1, 3 * mm)]
        for n, section in enumerate(SECTIONS):
            png = charts.get(section.chart)
            block: list[Flowable] = [_p(section.heading, _H2), _p(section.lead)]
            if png is None:
                block.append(_p(TOO_FEW_FOR_CHART, _EMPTY))
            else:
                block.append(_chart(png, 105 * mm if n else 95 * mm))
            story.append(KeepTogether(block))
    story += [PageBreak(), _p("Method", _H2)]
    story += [_p(paragraph) for paragraph in method_paragraphs(stats)]
    if stats.anything_published:
        story.append(_p("Tables", _H2))
        for table in stats.workbook.tables:
            story.append(_p(table.title, _CAPTION))
            story += [
                _data_table(table_rows(stats, table)),
                _p(table.note, _SMALL),
                Spacer(1, 4 * mm),
            ]
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=TITLE,
        author="threadline insights",
        invariant=1,
    )
    doc.build(story, onFirstPage=_footer, onLaterPages=_footer)
    return buffer.getvalue()
