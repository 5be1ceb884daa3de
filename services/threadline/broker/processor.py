"""The broker's core loop body, without Kafka: wire bytes in, wire records out.

:class:`RequestProcessor` verifies a command's signature, asks the pure workflow what it does,
performs the one side effect an approval needs (audited decryption, then the document), chains the
audit entries, and returns the records to publish. The service (``service``) only moves bytes
between Kafka and this object, inside one transaction per batch; unit tests and the benchmark
drive it directly with an in-memory keyring and document sink.

A bad command never raises out of :meth:`handle_command`: every refusal, and any unexpected error,
becomes a ``CommandRejected`` record and a ``command_refused`` audit entry, and processing goes on.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from threadline.broker.audit import AuditChain, AuditEntry
from threadline.broker.cases import Alert, CaseIndex
from threadline.broker.disclosure import disclose
from threadline.broker.documents import render, request_document
from threadline.broker.drafting import Context
from threadline.broker.errors import RequestRefused, Violation
from threadline.broker.messages import (
    COMMAND_REJECTED,
    LIAISON_COMMAND,
    REQUEST_RECORD,
    BrokerCodec,
    default_codec,
)
from threadline.broker.model import DataRequest, DocumentRef, LiaisonCommand
from threadline.broker.officers import OfficerRegistry
from threadline.broker.protocols import Protocol
from threadline.broker.signing import open_command
from threadline.broker.sinks import DocumentSink
from threadline.broker.timers import Timers, due
from threadline.broker.triggers import AUTO_SEVERITIES, preservation_drafts
from threadline.broker.workflow import Decision, decide, purpose_of
from threadline.crypto.keyring import DisclosureKeyring
from threadline.crypto.signatures import AgencyRegistry
from threadline.errors import ThreadlineError

__all__ = ["AUDIT", "REQUESTS", "Outgoing", "RequestProcessor"]

REQUESTS = "platform.requests.v1"
AUDIT = "audit.v1"
_RETRY_AFTER_REFRESH = frozenset({"unknown_report", "unknown_alert", "unknown_subject"})
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One record to publish: a logical topic name (the service adds its namespace)."""

    topic: str
    key: bytes
    value: bytes


class RequestProcessor:
    """Holds the request state, the audit head and the ports (keyring, sink, clock)."""

    def __init__(
        self,
        *,
        officers: OfficerRegistry,
        protocols: Mapping[str, Protocol],
        cases: CaseIndex,
        keyring: DisclosureKeyring,
        officer_keys: AgencyRegistry,
        sink: DocumentSink,
        codec: BrokerCodec | None = None,
        timers: Timers | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        refresh_cases: Callable[[], None] | None = None,
    ) -> None:
        self.officers, self.protocols, self.cases = officers, protocols, cases
        self._keyring, self.officer_keys, self._sink = keyring, officer_keys, sink
        self.codec = codec or default_codec()
        self.timers = timers or Timers()
        self.clock, self.refresh_cases = clock, refresh_cases
        self.audit = AuditChain(self.codec)
        self.requests: dict[str, DataRequest] = {}

    def __repr__(self) -> str:
        return f"RequestProcessor(requests={len(self.requests)}, audit_seq={self.audit.next_seq})"

    def now(self) -> datetime:
        """The clock, to the millisecond: what Avro keeps, so a rebuilt state equals this one."""
        moment = self.clock()
        return moment.replace(microsecond=moment.microsecond // 1000 * 1000)

    def _context(self, now: datetime) -> Context:
        return Context(self.officers, self.protocols, self.cases, now, self.timers)

    # -- state ------------------------------------------------------------------------------
    def restore(self, value: bytes) -> None:
        """Fold one record of the requests topic into state (rebuild after a restart)."""
        name, record = self.codec.decode(value)
        if name != REQUEST_RECORD:
            return
        request = DataRequest.from_record(record)
        known = self.requests.get(request.request_id)
        if known is None or request.version >= known.version:
            self.requests[request.request_id] = request

    # -- inputs -----------------------------------------------------------------------------
    def handle_command(self, data: bytes) -> list[Outgoing]:
        now = self.now()
        command: LiaisonCommand | None = None
        try:
            command = open_command(data, self.codec, self.officer_keys)
            return self._apply(self._decide(command, now), command, now)
        except RequestRefused as exc:
            return self._refuse(data, command, exc.violations, now)
        except ThreadlineError as exc:
            return self._refuse(data, command, [Violation(exc.code, "", exc.message)], now)
        except Exception as exc:  # noqa: BLE001 - a bad command must never stop the broker
            log.error("command failed unexpectedly: %s", type(exc).__name__)
            problem = Violation("internal_error", "", "the broker could not process the command")
            return self._refuse(data, command, [problem], now)

    def handle_alert(self, alert: Mapping[str, Any]) -> list[Outgoing]:
        """Remember the alert's case and auto-draft preservations for a severe one.

        The alert can arrive before the reports it names have been read (the two topics are
        read by separate consumers, and the correlator publishes an alert moments after the
        report): a severe alert naming a report the index does not know yet first catches the
        reports up, or its drafts would be lost for good (an alert is read only once).
        """
        now = self.now()
        try:
            parsed = Alert.from_mapping(alert)
            if (
                self.refresh_cases is not None
                and parsed.severity in AUTO_SEVERITIES
                and not all(self.cases.knows(ref) for ref in parsed.report_refs)
            ):
                self.refresh_cases()
            decision = preservation_drafts(parsed, self.requests, self._context(now))
        except RequestRefused:
            return []
        return self._apply(decision, None, now)

    def tick(self) -> list[Outgoing]:
        """Fire due SLA timers and preservation reminders."""
        now = self.now()
        out: list[Outgoing] = []
        for snapshot in due(self.requests.values(), self.protocols, now, self.timers):
            out.append(self._publish(snapshot))
            if snapshot.final:
                entry = AuditEntry(
                    "broker",
                    f"request_{snapshot.status.value}",
                    snapshot.request_id,
                    None,
                    snapshot.event.note,
                )
                out.append(self._chain(entry, now))
        return out

    # -- internals --------------------------------------------------------------------------
    def _decide(self, command: LiaisonCommand, now: datetime) -> Decision:
        try:
            return decide(self.requests, command, self._context(now))
        except RequestRefused as exc:
            if exc.rule not in _RETRY_AFTER_REFRESH or self.refresh_cases is None:
                raise
            self.refresh_cases()  # the report may be newer than our last catch-up
            return decide(self.requests, command, self._context(now))

    def _publish(self, request: DataRequest) -> Outgoing:
        self.requests[request.request_id] = request
        value = self.codec.encode(REQUEST_RECORD, request.to_record())
        return Outgoing(REQUESTS, request.request_id.encode(), value)

    def _chain(self, entry: AuditEntry, now: datetime) -> Outgoing:
        _, data = self.audit.append(entry, now)
        return Outgoing(AUDIT, b"audit", data)

    def _apply(
        self, decision: Decision, command: LiaisonCommand | None, now: datetime
    ) -> list[Outgoing]:
        if decision.duplicate:
            return []
        out = [self._chain(entry, now) for entry in decision.audit]
        out += [self._publish(request) for request in decision.requests]
        if decision.disclose is not None and command is not None:
            out += self._disclose(decision.disclose, command, now)
        return out

    def _disclose(
        self, approved: DataRequest, command: LiaisonCommand, now: datetime
    ) -> list[Outgoing]:
        outcome = disclose(approved, self.cases, self._keyring)
        out = [self._chain(entry, now) for entry in outcome.audit]
        if outcome.failure is not None:
            # The approval entry is already chained; the refusal says the approval did not
            # take effect and the request stays drafted.
            return out + self._refuse(b"", command, [outcome.failure], now)
        protocol = self.protocols[approved.protocol_id]
        related = self.requests.get(approved.related_request_id or "")
        document = request_document(
            approved,
            outcome.values,
            protocol=protocol,
            officers=self.officers,
            related=related,
            issued_at=now,
            audit_anchor=(self.audit.next_seq - 1, self.audit.head.hex()),
        )
        rendered = render(document)
        self._sink.write(rendered.pdf_file, rendered.pdf)
        self._sink.write(rendered.json_file, rendered.json)
        pdf_sha = hashlib.sha256(rendered.pdf).hexdigest()
        issued = AuditEntry(
            command.officer,
            "document_issued",
            approved.request_id,
            command.command_id,
            purpose_of(approved),
            document_sha256=pdf_sha,
        )
        seq, data = self.audit.append(issued, now)
        out.append(Outgoing(AUDIT, b"audit", data))
        ref = DocumentRef(
            rendered.pdf_file,
            rendered.json_file,
            pdf_sha,
            hashlib.sha256(rendered.json).hexdigest(),
            seq,
            now,
        )
        out.append(self._publish(dataclasses.replace(approved, document=ref)))
        return out

    def _refuse(
        self,
        data: bytes,
        command: LiaisonCommand | None,
        violations: list[Violation] | tuple[Violation, ...],
        now: datetime,
    ) -> list[Outgoing]:
        command_id, officer, request_id = _identify(self.codec, data, command)
        first = violations[0]
        record = {
            "command_id": command_id,
            "officer": officer,
            "request_id": request_id,
            "rejected_at": now,
            "code": first.rule,
            "reason": first.message,
            "violations": [dataclasses.asdict(v) for v in violations],
        }
        actor = officer if command is not None and officer else f"unverified:{officer or '?'}"
        entry = AuditEntry(
            actor,
            "command_refused",
            request_id,
            command_id,
            f"[{first.rule}] {first.message}"[:300],
        )
        rejected = self.codec.encode(COMMAND_REJECTED, record)
        return [self._chain(entry, now), Outgoing(REQUESTS, f"cmd:{command_id}".encode(), rejected)]


def _identify(
    codec: BrokerCodec, data: bytes, command: LiaisonCommand | None
) -> tuple[str, str | None, str | None]:
    """Command id, officer and request id of a command, even of one that failed to verify."""
    if command is not None:
        return command.command_id, command.officer, command.request_id
    try:
        name, record = codec.decode(data)
        if name == LIAISON_COMMAND:
            return str(record["command_id"])[:64], str(record["officer"])[:64], record["request_id"]
    except ThreadlineError:
        pass
    return f"undecodable-{hashlib.sha256(data).hexdigest()[:16]}", None, None
