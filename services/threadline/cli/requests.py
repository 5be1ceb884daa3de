"""``threadline requests``: liaison officers draft, approve and track data requests to platforms.

Each sub-command acts as the officer named by the global ``--as`` (their Kafka principal), signs a
command with that officer's key and waits for the broker's answer; ``list`` and ``show`` only read.
A refusal prints every rule broken and exits with status 2.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from typing import Any

import click

from threadline.broker.client import LiaisonClient
from threadline.broker.model import (
    CommandKind,
    DraftSpec,
    OriginKind,
    Outcome,
    PlatformResponse,
    Urgency,
)
from threadline.broker.protocols import LegalBasis, RequestType
from threadline.broker.settings import broker_settings
from threadline.cli.output import console, emit_json, err_console, table
from threadline.cli.requests_view import answer, plain, show_request
from threadline.config import kafka_settings
from threadline.errors import ConfigError

__all__ = ["requests"]

_JSON = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
_TIMEOUT = click.option("--timeout", type=float, default=None, help="Seconds to wait for a reply.")


def _client(ctx: click.Context, timeout: float | None = None) -> LiaisonClient:
    principal = (ctx.obj or {}).get("as")
    if not principal:
        raise ConfigError("say which officer you are: threadline --as liaison-<id> requests ...")
    settings = broker_settings()
    return LiaisonClient(
        kafka_settings(as_=principal),
        settings.keys(),
        timeout_s=timeout or settings.reply_timeout_s,
    )


@click.group()
def requests() -> None:
    """Draft, approve, submit and track formal data requests to platforms.

    \b
    threadline --as liaison-spoc1 requests draft --report agency-met-police/MPS-1 \\
        --platform snapchat-gb --type preservation \\
        --legal-basis voluntary_preservation_request --justification "..." \\
        --from 2026-10-01 --to 2026-11-21 --person SUSPECT_1
    threadline --as liaison-spoc2 requests approve RQ-...
    """


@requests.command()
@click.option("--report", help="AGENCY_ID/REPORT_ID (or a report id only one agency uses).")
@click.option("--alert", help="A correlator alert id.")
@click.option("--subject", help="A subject pseudonym from an alert.")
@click.option("--platform", "protocol_id", required=True, help="Protocol id or platform name.")
@click.option(
    "--type", "request_type", required=True, type=click.Choice([t.value for t in RequestType])
)
@click.option("--legal-basis", type=click.Choice([b.value for b in LegalBasis]), default=None)
@click.option("--justification", required=True, help="Why it is necessary and proportionate.")
@click.option("--from", "date_from", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--to", "date_to", type=click.DateTime(["%Y-%m-%d"]), default=None)
@click.option("--urgency", type=click.Choice([u.value for u in Urgency]), default="routine")
@click.option("--person", "persons", multiple=True, help="Only this person ref (SUSPECT_1).")
@click.option("--identifier-type", "identifier_types", multiple=True, help="Only this type.")
@click.option(
    "--detail",
    "details",
    multiple=True,
    metavar="FIELD=TEXT",
    help="A mandatory field the protocol asks for (data_categories=...).",
)
@click.option("--related", "related_request_id", help="An earlier preservation request.")
@click.option("--extension", is_flag=True, help="This preservation extends --related.")
@_TIMEOUT
@_JSON
@click.pass_context
def draft(
    ctx: click.Context,
    /,
    report: str | None,
    alert: str | None,
    subject: str | None,
    date_from: datetime | None,
    date_to: datetime | None,
    details: tuple[str, ...],
    timeout: float | None,
    as_json: bool,
    **spec: Any,
) -> None:
    """Draft a request; the broker proposes identifiers the case holds and the platform takes."""
    origins = [(k, v) for k, v in (("report", report), ("alert", alert), ("subject", subject)) if v]
    if len(origins) != 1:
        raise click.UsageError("give exactly one of --report, --alert or --subject")
    pairs = dict(_detail(d) for d in details)
    spec["persons"], spec["identifier_types"] = (
        tuple(spec["persons"]),
        tuple(spec["identifier_types"]),
    )
    draft_spec = DraftSpec(
        origin_kind=OriginKind(origins[0][0]),
        origin_id=origins[0][1],
        date_from=_day(date_from),
        date_to=_day(date_to),
        details=pairs,
        **{**spec, "urgency": Urgency(spec["urgency"])},
    )
    client = _client(ctx, timeout)
    answer(client.send(client.command(CommandKind.DRAFT, draft=draft_spec)), as_json)


def _detail(text: str) -> tuple[str, str]:
    field, sep, value = text.partition("=")
    if not sep or not field.strip():
        raise click.BadParameter(f"{text[:30]!r} is not FIELD=TEXT", param_hint="--detail")
    return field.strip(), value.strip()


def _day(moment: datetime | None) -> date | None:
    return moment.date() if moment is not None else None


def _simple(kind: CommandKind, help_text: str, note_name: str, required: bool) -> None:
    @requests.command(name=kind.value.replace("_", "-"), help=help_text)
    @click.argument("request_id")
    @click.option(f"--{note_name}", "note", required=required, default=None)
    @_TIMEOUT
    @_JSON
    @click.pass_context
    def command(
        ctx: click.Context, request_id: str, note: str | None, timeout: float | None, as_json: bool
    ) -> None:
        client = _client(ctx, timeout)
        answer(client.send(client.command(kind, request_id=request_id, note=note)), as_json)


_simple(
    CommandKind.APPROVE,
    "Approve a drafted request (four eyes: not its drafter; rank per "
    "protocol). The broker then decrypts its identifiers and issues the document.",
    "note",
    False,
)
_simple(CommandKind.REJECT, "Reject a drafted or approved request, with a reason.", "reason", True)
_simple(
    CommandKind.SUBMIT,
    "Record that the approved document was sent to the platform.",
    "channel",
    False,
)


@requests.command(name="record-response")
@click.argument("request_id")
@click.option(
    "--outcome", required=True, type=click.Choice([o.value.replace("_", "-") for o in Outcome])
)
@click.option("--platform-reference", default=None, help="The platform's case reference.")
@click.option("--note", default=None, help="What the platform said (no personal data).")
@click.option("--received-at", type=click.DateTime(), default=None, help="Default: now (UTC).")
@_TIMEOUT
@_JSON
@click.pass_context
def record_response(
    ctx: click.Context,
    request_id: str,
    outcome: str,
    platform_reference: str | None,
    note: str | None,
    received_at: datetime | None,
    timeout: float | None,
    as_json: bool,
) -> None:
    """Record a platform's answer: acknowledged, fulfilled, partially-fulfilled or rejected."""
    when = received_at or datetime.now(UTC)
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # a time typed without an offset is taken as UTC
    response = PlatformResponse(Outcome(outcome.replace("-", "_")), when, platform_reference, note)
    client = _client(ctx, timeout)
    command = client.command(CommandKind.RECORD_RESPONSE, request_id=request_id, response=response)
    answer(client.send(command), as_json)


@requests.command(name="list")
@click.option("--status", default=None, help="Only requests in this status.")
@_JSON
@click.pass_context
def list_(ctx: click.Context, status: str | None, as_json: bool) -> None:
    """Every request and where it stands."""
    found = sorted(_client(ctx).requests().values(), key=lambda r: r.drafted_at)
    found = [r for r in found if status is None or r.status.value == status]
    if as_json:
        emit_json([plain(r) for r in found])
        return
    table(
        "Data requests",
        [
            "request",
            "status",
            "platform",
            "type",
            "urgency",
            "drafted by",
            "approved by",
            "last event",
        ],
        [
            (
                r.request_id,
                r.status.value,
                r.platform,
                r.request_type,
                r.urgency.value,
                r.drafted_by,
                r.approved_by or "-",
                f"{r.event.kind.value} {r.event.at:%Y-%m-%d %H:%M}",
            )
            for r in found
        ],
    )


@requests.command()
@click.argument("request_id")
@_JSON
@click.pass_context
def show(ctx: click.Context, request_id: str, as_json: bool) -> None:
    """One request in full, with the events still on the topic."""
    versions = [s for s in _client(ctx).snapshots() if s.request_id == request_id]
    if not versions:
        raise ConfigError(f"no request {request_id[:40]!r} on the requests topic")
    newest = max(versions, key=lambda r: r.version)
    if as_json:
        emit_json(
            {"request": plain(newest), "events": [dataclasses.asdict(v.event) for v in versions]}
        )
        return
    show_request(newest)
    table(
        "Events",
        ["version", "event", "by", "at", "note"],
        [
            (
                v.version,
                v.event.kind.value,
                v.event.by,
                f"{v.event.at:%Y-%m-%d %H:%M:%S}",
                v.event.note or "",
            )
            for v in sorted(versions, key=lambda r: r.version)
        ],
    )
    if newest.status.value == "drafted":
        err_console.print("awaiting approval by a different officer of the required rank")
    console.print()
