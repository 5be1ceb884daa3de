"""The formal request document: a PDF for people and a JSON twin for machine channels.

Both are built from one dictionary (:func:`request_document`) so they cannot disagree, and both
are deterministic apart from the ids and timestamps they carry: JSON with sorted keys, PDF with
reportlab's ``invariant`` mode (fixed creation date and document id). A test re-renders and
compares bytes, and extracts the PDF's text with pypdf to check every mandatory item is printed.

These files are the only place the decrypted identifiers exist after an approval, so the sink
writes them atomically with mode 0600 into a 0700 directory; Kafka topics only ever carry their
names and SHA-256 digests (``DocumentRef``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from threadline.broker.disclosure import Disclosed
from threadline.broker.model import DataRequest
from threadline.broker.officers import Officer, OfficerRegistry
from threadline.broker.protocols import LegalBasis, Protocol

__all__ = ["DOCUMENT_FORMAT", "NON_DISCLOSURE", "Rendered", "render", "request_document"]

DOCUMENT_FORMAT = "threadline.data-request/1"

CITATIONS = {
    LegalBasis.IPA2016_PART3_AUTHORISATION: "Investigatory Powers Act 2016, Part 3 "
    "(authorisation to obtain communications data)",
    LegalBasis.COPPO2019_OVERSEAS_PRODUCTION_ORDER: "Crime (Overseas Production Orders) Act 2019 "
    "(overseas production order), under the UK-US Data Access Agreement",
    LegalBasis.UK_US_DATA_ACCESS_AGREEMENT: "Agreement between the UK and the US on Access to "
    "Electronic Data for the Purpose of Countering Serious Crime (2019)",
    LegalBasis.VOLUNTARY_EMERGENCY_DISCLOSURE: "Voluntary emergency disclosure request "
    "(imminent risk of death or serious harm to a child)",
    LegalBasis.VOLUNTARY_PRESERVATION_REQUEST: "Voluntary request to preserve records "
    "pending formal legal process",
    LegalBasis.DOMESTIC_PRODUCTION_ORDER: "Production order made by a UK court",
    LegalBasis.MLAT: "Mutual legal assistance request",
}

NON_DISCLOSURE = (
    "Non-disclosure request: please do not notify the account holder(s) or any third party of "
    "this request or of any data provided in response. This request concerns the suspected "
    "sexual or criminal exploitation of a child; notification could put a child at risk of "
    "serious harm and prejudice a criminal investigation. If you intend to notify, please tell "
    "the requesting officer first so that the risk can be assessed."
)


@dataclass(frozen=True, slots=True)
class Rendered:
    """The document as bytes, and the file names it is stored under."""

    pdf: bytes
    json: bytes
    pdf_file: str
    json_file: str


def _person(officer: Officer | None, principal: str) -> dict[str, str]:
    if officer is None:
        return {"principal": principal, "name": "threadline (automatic draft)"}
    return {
        "principal": officer.principal,
        "name": officer.display_name,
        "rank": officer.rank.value,
        "badge_number": officer.badge_number,
        "email": officer.email,
        "phone": officer.phone,
    }


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def request_document(
    request: DataRequest,
    disclosed: tuple[Disclosed, ...],
    *,
    protocol: Protocol,
    officers: OfficerRegistry,
    related: DataRequest | None,
    issued_at: datetime,
    audit_anchor: tuple[int, str],
) -> dict[str, Any]:
    """The content of the document, as the JSON twin carries it."""
    drafter = officers.get(request.drafted_by)
    approver = officers.get(request.approved_by or "")
    authority = approver or drafter
    rule = protocol.request_type(request.request_type)
    channel = rule.submission_channel
    preservation = {
        "reference": (related or request).reference_number
        if related or request.request_type == "preservation"
        else None,
        "platform_reference": related.platform_reference if related else None,
        "extension_of": request.related_request_id if request.extension else None,
        "preservation_days": protocol.preservation().days.value,
    }
    return {
        "format": DOCUMENT_FORMAT,
        "reference_number": request.reference_number,
        "request_id": request.request_id,
        "issued_at": issued_at.isoformat(),
        "requesting_authority": {
            "force": authority.force if authority else "",
            "unit": authority.unit if authority else "",
        },
        "officer": _person(drafter, request.drafted_by),
        "approver": {
            **_person(approver, request.approved_by or ""),
            "approved_at": _iso(request.approved_at),
        },
        "platform": {
            "platform": protocol.platform,
            "provider_entity": protocol.provider_entity.value,
            "protocol_id": protocol.protocol_id,
            "protocol_version": protocol.version,
            "submission_channel": {
                "kind": channel.kind,
                "url": channel.url,
                "address": channel.address,
            },
        },
        "request_type": request.request_type,
        "urgency": request.urgency.value,
        "legal_basis": {
            "code": request.legal_basis,
            "citation": CITATIONS.get(LegalBasis(request.legal_basis), request.legal_basis),
        },
        "identifiers": [
            {
                "ref": d.ref.ref,
                "type": d.ref.identifier_type,
                "platform": d.ref.platform,
                "value": d.value,
            }
            for d in disclosed
        ],
        "date_range": {
            "from": request.date_from.isoformat() if request.date_from else None,
            "to": request.date_to.isoformat() if request.date_to else None,
            "timezone": "UTC",
        },
        "justification": request.justification,
        "details": dict(sorted(request.details.items())),
        "non_disclosure_request": NON_DISCLOSURE,
        "preservation": preservation,
        "audit_anchor": {"seq": audit_anchor[0], "sha256": audit_anchor[1]},
    }


def render(document: dict[str, Any]) -> Rendered:
    """Both files for ``document``; the PDF layout lives in ``documents_pdf``."""
    from threadline.broker.documents_pdf import render_pdf

    stem = str(document["request_id"])
    body = json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    return Rendered(render_pdf(document), body.encode("utf-8"), f"{stem}.pdf", f"{stem}.json")
