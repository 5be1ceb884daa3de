"""PDF layout of the formal request document (reportlab platypus), kept apart from its content.

The page is what a platform's law-enforcement team expects from a UK force: letterhead, reference,
addressee, legal basis, the accounts, the date range, the justification, the non-disclosure
request, the requesting and approving officers, and an attestation that ties the paper to the
audit chain. ``invariant=1`` makes reportlab omit the creation time and random document id, so the
same content gives the same bytes.

Standard PDF fonts cover Latin-1 only. An identifier outside it (a Cyrillic handle, an emoji) is
printed as ``\\uXXXX`` escapes so it is still exact; the JSON twin carries the original text.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

__all__ = ["render_pdf"]

_STYLES = getSampleStyleSheet()
_BODY = ParagraphStyle("tl-body", parent=_STYLES["BodyText"], fontName="Helvetica", fontSize=9.5)
_H1 = ParagraphStyle("tl-h1", parent=_STYLES["Heading1"], fontName="Helvetica-Bold", fontSize=15)
_H2 = ParagraphStyle("tl-h2", parent=_STYLES["Heading2"], fontName="Helvetica-Bold", fontSize=11)
_SMALL = ParagraphStyle("tl-small", parent=_BODY, fontSize=8, textColor=colors.grey)


def _text(value: object) -> str:
    """Escape for reportlab's mini-markup, with non-Latin-1 characters as \\u escapes."""
    raw = "" if value is None else str(value)
    safe = raw.encode("latin-1", "backslashreplace").decode("latin-1")
    return escape(safe)


def _p(value: object, style: ParagraphStyle = _BODY) -> Paragraph:
    return Paragraph(_text(value), style)


def _grid(rows: list[tuple[str, object]]) -> Table:
    table = Table(
        [[_p(label, _SMALL), _p(value)] for label, value in rows],
        colWidths=[45 * mm, 125 * mm],
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
            ]
        )
    )
    return table


def _who(person: dict[str, Any]) -> str:
    parts = [person.get("name"), person.get("rank"), person.get("badge_number")]
    contact = " / ".join(p for p in (person.get("email"), person.get("phone")) if p)
    label = ", ".join(str(p).replace("_", " ") for p in parts if p)
    return f"{label} ({contact})" if contact else label


def render_pdf(doc: dict[str, Any]) -> bytes:
    """The PDF bytes of one request document."""
    platform, legal, dates = doc["platform"], doc["legal_basis"], doc["date_range"]
    channel = platform["submission_channel"]
    story: list[Flowable] = [
        _p(f"{doc['requesting_authority']['force']} - {doc['requesting_authority']['unit']}", _H2),
        _p("OFFICIAL-SENSITIVE: LAW ENFORCEMENT REQUEST", _SMALL),
        _p(f"Request for {doc['request_type'].replace('_', ' ')} - {doc['reference_number']}", _H1),
        _grid(
            [
                ("Reference number", doc["reference_number"]),
                ("Request id", doc["request_id"]),
                ("Issued", doc["issued_at"]),
                ("Urgency", doc["urgency"]),
                ("To", f"{platform['provider_entity'] or platform['platform']}"),
                (
                    "Platform",
                    f"{platform['platform']} (protocol {platform['protocol_id']} "
                    f"v{platform['protocol_version']})",
                ),
                (
                    "Submission channel",
                    " ".join(
                        str(v) for v in (channel["kind"], channel["url"], channel["address"]) if v
                    ),
                ),
                ("Legal basis", f"{legal['citation']} [{legal['code']}]"),
                (
                    "Date range",
                    f"{dates['from'] or 'not limited'} to {dates['to'] or 'not limited'}"
                    f" ({dates['timezone']})",
                ),
            ]
        ),
        Spacer(1, 4 * mm),
        _p("Accounts and identifiers", _H2),
        _grid(
            [
                (
                    f"{i['ref']} {i['type']}",
                    f"{i['value']}" + (f" (on {i['platform']})" if i["platform"] else ""),
                )
                for i in doc["identifiers"]
            ]
        ),
        Spacer(1, 4 * mm),
        _p("Necessity and proportionality", _H2),
        _p(doc["justification"]),
    ]
    if doc["details"]:
        story += [
            _p("Further particulars", _H2),
            _grid([(k.replace("_", " "), v) for k, v in doc["details"].items()]),
        ]
    preservation = doc["preservation"]
    story += [
        _p("Preservation", _H2),
        _grid(
            [
                ("Preservation reference", preservation["reference"] or "none"),
                ("Platform reference", preservation["platform_reference"] or "none"),
                ("Extension of", preservation["extension_of"] or "not an extension"),
            ]
        ),
        _p("Non-disclosure", _H2),
        _p(doc["non_disclosure_request"]),
        _p("Officers", _H2),
        _grid(
            [
                ("Requesting officer", _who(doc["officer"])),
                ("Approving officer", _who(doc["approver"])),
                ("Approved at", doc["approver"].get("approved_at") or ""),
            ]
        ),
        Spacer(1, 4 * mm),
        _p(
            "Signed on behalf of the approving officer. This request was approved by an officer "
            "other than its author and recorded in threadline's audit chain at sequence "
            f"{doc['audit_anchor']['seq']} (SHA-256 {doc['audit_anchor']['sha256']}).",
            _SMALL,
        ),
    ]
    buffer = BytesIO()
    template = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=f"Data request {doc['reference_number']}",
        author=str(doc["requesting_authority"]["force"]),
        subject="Law enforcement data request",
        creator="threadline",
        invariant=1,
    )
    template.build(story)
    return buffer.getvalue()
