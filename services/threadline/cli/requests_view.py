"""How ``threadline requests`` prints a request and the broker's answer (tables or JSON).

Identifiers are shown by *where* they are held (report and field path), never by value: the
values exist only in the approved document.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from threadline.broker.client import Reply
from threadline.broker.model import DataRequest
from threadline.cli.output import emit_json, table

__all__ = ["answer", "plain", "show_request"]


def plain(request: DataRequest) -> dict[str, Any]:
    return dataclasses.asdict(request)


def show_request(request: DataRequest) -> None:
    """A readable summary: the request, then where each identifier is held (never its value)."""
    rows = [
        ("request", f"{request.request_id} ({request.reference_number}) v{request.version}"),
        ("status", request.status.value),
        (
            "last event",
            f"{request.event.kind.value} by {request.event.by} at "
            f"{request.event.at:%Y-%m-%d %H:%M} {request.event.note or ''}".rstrip(),
        ),
        ("platform", f"{request.platform} ({request.protocol_id} v{request.protocol_version})"),
        ("type / urgency", f"{request.request_type} / {request.urgency.value}"),
        ("legal basis", request.legal_basis),
        ("date range", f"{request.date_from or '-'} to {request.date_to or '-'}"),
        ("origin", f"{request.origin_kind.value} {request.origin_id}"),
        ("drafted by", f"{request.drafted_by}{' (automatic)' if request.auto_drafted else ''}"),
        ("approved by", request.approved_by or "-"),
        ("platform reference", request.platform_reference or "-"),
        ("preservation expires", request.preservation_expires_at or "-"),
        ("document", request.document.pdf_file if request.document else "-"),
        ("justification", request.justification),
    ]
    table(f"Request {request.request_id}", ["field", "value"], rows)
    table(
        "Identifiers (values are decrypted only into the approved document)",
        ["ref", "type", "person", "role", "report", "field"],
        [
            (
                i.ref,
                i.identifier_type,
                i.person_ref,
                i.person_role,
                f"{i.agency_id}/{i.report_id}",
                i.path,
            )
            for i in request.identifiers
        ],
    )


def answer(reply: Reply, as_json: bool) -> None:
    if reply.refusal is not None:
        refusal = reply.refusal
        if as_json:
            emit_json(
                {
                    "command_id": reply.command_id,
                    "refused": True,
                    "rule": refusal.rule,
                    "violations": [dataclasses.asdict(v) for v in refusal.violations],
                }
            )
        else:
            table(
                "Refused",
                ["rule", "where", "why"],
                [(v.rule, v.path, v.message) for v in refusal.violations],
            )
        raise SystemExit(2)
    assert reply.request is not None
    if as_json:
        emit_json(
            {"command_id": reply.command_id, "refused": False, "request": plain(reply.request)}
        )
    else:
        show_request(reply.request)
