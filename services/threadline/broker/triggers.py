"""Automatic preservation drafts from high-severity correlator alerts.

Content on most platforms is deleted quickly (Snap deletes most messages once opened), so the
cheapest protective step, asking the platform to *preserve* an account's records, should not wait
for an officer to notice an alert. When an alert of severity ``high`` or ``critical`` arrives, the
broker drafts one preservation request per platform on which the case holds a handle, naming the
suspects' handles when there are any and otherwise every handle on that platform. The draft is an
ordinary ``drafted`` request: nothing is decrypted and nothing is sent until an officer approves it
(any registered approver of the protocol's rank; the drafter is the broker, so four eyes become
one officer's plus the rule-bound machine's).

The trigger takes a plain alert dict (``alert_id, type, severity, subject_id, report_refs``) so it
can be wired to whichever wire format the correlator settles on; ids are derived from the alert
and platform, so an alert re-read after a restart or updated by the correlator drafts nothing new.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from threadline.broker.audit import AuditEntry
from threadline.broker.cases import Alert
from threadline.broker.drafting import BROKER, Context, build_draft, request_id_for
from threadline.broker.errors import RequestRefused
from threadline.broker.identifiers import held_identifiers, platform_names
from threadline.broker.model import DataRequest, DraftSpec, OriginKind, Urgency
from threadline.broker.protocols import LegalBasis, RequestType
from threadline.broker.workflow import Decision, purpose_of

__all__ = ["AUTO_SEVERITIES", "PRESERVATION_CATEGORIES", "preservation_drafts"]

AUTO_SEVERITIES = frozenset({"high", "critical"})
PRESERVATION_CATEGORIES = (
    "All records held for the account(s): subscriber and registration details, login and IP "
    "logs, messages, media and other content, contacts and connections."
)
LOOKBACK_DAYS = 90


def preservation_drafts(
    alert: Mapping[str, Any] | Alert, requests: Mapping[str, DataRequest], ctx: Context
) -> Decision:
    """Drafts for a severe alert (none for others); the alert is remembered by the case index."""
    parsed = ctx.cases.add_alert(alert)
    if parsed.severity not in AUTO_SEVERITIES:
        return Decision()
    try:
        entries = ctx.cases.entries(parsed.report_refs)
    except RequestRefused:
        return Decision()
    held = [h for entry in entries for h in held_identifiers(entry) if h.platform]
    drafts: list[DataRequest] = []
    audit: list[AuditEntry] = []
    start = min(e.occurred_at for e in entries).date() - timedelta(days=LOOKBACK_DAYS)
    for protocol in sorted(ctx.protocols.values(), key=lambda p: p.protocol_id):
        here = [h for h in held if h.platform in platform_names(protocol)]
        if not here:
            continue
        request_id = request_id_for(f"auto|{parsed.alert_id}|{protocol.protocol_id}")
        if request_id in requests:
            continue
        suspects = sorted({h.person_ref for h in here if h.person_role == "SUSPECT"})
        spec = DraftSpec(
            origin_kind=OriginKind.ALERT,
            origin_id=parsed.alert_id,
            protocol_id=protocol.protocol_id,
            request_type=RequestType.PRESERVATION.value,
            legal_basis=LegalBasis.VOLUNTARY_PRESERVATION_REQUEST.value,
            justification=(
                f"Automatic preservation draft for {parsed.severity} alert {parsed.alert_id} "
                f"({parsed.type}). Preservation only: no data is disclosed. The approving "
                "officer must confirm that preserving these accounts is necessary and "
                "proportionate before approval."
            ),
            date_from=start,
            date_to=ctx.now.date(),
            urgency=Urgency.URGENT,
            persons=tuple(suspects),
            identifier_types=("username",),
            details={"data_categories": PRESERVATION_CATEGORIES},
        )
        try:
            draft = build_draft(
                spec,
                drafted_by=BROKER,
                request_id=request_id,
                command_id=None,
                ctx=ctx,
                existing=requests,
                auto=True,
            )
        except RequestRefused:
            continue  # this platform cannot take it (unknown identifiers, no preservation...)
        drafts.append(draft)
        audit.append(
            AuditEntry(
                actor=BROKER,
                action="request_drafted",
                request_id=draft.request_id,
                purpose=f"automatic: {purpose_of(draft)} for alert {parsed.alert_id}",
            )
        )
    return Decision(tuple(drafts), tuple(audit))
