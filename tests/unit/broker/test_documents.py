"""The formal request document: every mandatory item printed, same content gives same bytes.

Why: a platform refuses a request that lacks a reference, a legal basis or an identifier; and a
document that changes between two renderings of the same approval cannot be checked against its
audit digest. The PDF's text is extracted with pypdf, as a reader would see it.
"""

from __future__ import annotations

import json
from io import BytesIO

import pypdf

from tests.unit.broker.conftest import Broker, ReportFactory
from threadline.broker.disclosure import canonical
from threadline.broker.documents import NON_DISCLOSURE, render
from threadline.broker.model import CommandKind


def _approved(broker: Broker, make_report: ReportFactory) -> tuple[str, dict[str, str]]:
    report = make_report(seed=7)
    broker.processor.cases.add_report_bytes(report.data)
    request = broker.draft(report, persons=("SUSPECT_1",))
    broker.do("liaison-spoc2", CommandKind.APPROVE, request_id=request.request_id)
    return request.request_id, report.plaintexts


def _text(pdf: bytes) -> str:
    reader = pypdf.PdfReader(BytesIO(pdf))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


def test_pdf_carries_every_mandatory_item(broker: Broker, make_report: ReportFactory) -> None:
    request_id, plaintexts = _approved(broker, make_report)
    request = broker.processor.requests[request_id]
    text = _text(broker.sink.files[f"{request_id}.pdf"])
    for expected in (
        request.reference_number,
        "Metropolitan Police Service",
        "DS Alex Morgan",  # requesting officer
        "DS Priya Shah",  # approver
        "Voluntary request to preserve records",
        "voluntary_preservation_request",
        "Snap Inc.",
        "lawenforcement@snapchat.com",
        "2026-10-01 to 2026-11-20 (UTC)",
        "routine",
        "content is deleted quickly",
        "Non-disclosure request",
        "Preservation reference",
        plaintexts["associates[0].handles[0].handle"],
        canonical("phone", plaintexts["associates[0].phones[0]"])[0],
        plaintexts["associates[0].emails[0]"],
    ):
        assert expected in text, expected
    # Data minimisation: the child's identifiers and everyone's names stay sealed.
    for path in ("subject.given_name", "subject.phones[0]", "associates[0].given_name"):
        assert plaintexts[path] not in text


def test_json_twin_matches_and_rendering_is_deterministic(
    broker: Broker, make_report: ReportFactory
) -> None:
    request_id, plaintexts = _approved(broker, make_report)
    document = json.loads(broker.sink.files[f"{request_id}.json"])
    assert document["format"] == "threadline.data-request/1"
    assert document["non_disclosure_request"] == NON_DISCLOSURE
    assert sorted(i["value"] for i in document["identifiers"]) == sorted(
        canonical(kind, plaintexts[p])[0]
        for kind, p in (
            ("phone", "associates[0].phones[0]"),
            ("email", "associates[0].emails[0]"),
            ("username", "associates[0].handles[0].handle"),
        )
    )
    again = render(document)
    assert again.pdf == broker.sink.files[f"{request_id}.pdf"]
    assert again.json == broker.sink.files[f"{request_id}.json"]
    ref = broker.processor.requests[request_id].document
    assert ref is not None and ref.pdf_file == f"{request_id}.pdf"


def test_text_outside_latin1_is_escaped_not_lost(
    broker: Broker, make_report: ReportFactory
) -> None:
    request_id, _ = _approved(broker, make_report)
    document = json.loads(broker.sink.files[f"{request_id}.json"])
    document["identifiers"][0]["value"] = "катя_2012"
    text = _text(render(document).pdf)
    assert "\\u043a\\u0430\\u0442\\u044f_2012" in text
