"""One logging set-up for every threadline service: JSON lines, scrubbed of personal data.

Why JSON lines: operators search and aggregate logs (Loki, Elastic, ``jq``) by field, and
correlation ids (``event_id``, ``request_id``, ``command_id``) let them follow one report or one
data request across the correlator, the broker and the CLI without ever logging its content.

Why a filter on the *handler*: every record that reaches the output - ours, faust's,
kafka-python's - passes through :class:`PiiFilter`, which formats the message, runs it and every
extra value through :func:`threadline.observability.pii.scrub`, and lists what it blanked in a
``redacted`` field. A line with ``redacted`` is a bug to fix at its source (the code that logged
a value); the filter only stops it reaching disk. Exception tracebacks are scrubbed the same way
(third-party messages can quote a record).

Correlation ids must be well-formed (a canonical UUID for ``event_id`` and ``command_id``,
``RQ-`` plus ten hex digits for ``request_id``); anything else in those fields is replaced, so
an id field cannot be used to smuggle a value past the scrubber.

Usage::

    configure_logging("correlator", "INFO")
    log.info("report dead-lettered", extra={"event_id": event_id, "reason": "bad_signature"})
"""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import IO, Any

from threadline.errors import ConfigError
from threadline.observability.pii import REDACTED, scrub

__all__ = ["CORRELATION_IDS", "JsonFormatter", "PiiFilter", "configure_logging"]

CORRELATION_IDS: dict[str, re.Pattern[str]] = {
    "event_id": re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"),
    "command_id": re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"),
    "request_id": re.compile(r"RQ-[0-9A-F]{10}"),
}
"""Correlation-id fields and the exact shape each must have to be logged as given."""

# Attributes every LogRecord has; anything else on a record came from ``extra=``.
_STANDARD = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "redacted",
    "taskName",
}
_HANDLER_NAME = "threadline-json"
_CHATTY = ("kafka", "aiokafka")


class PiiFilter(logging.Filter):
    """Blank suspected personal data in the message, the extras and the traceback.

    Never drops a record (a missing log line hides an incident); instead it rewrites the record
    in place and sets ``record.redacted`` to the sorted kinds it blanked.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        found: set[str] = set()
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a bad %-format must not kill the line
            message = f"{record.msg!s} (unformattable arguments)"
        record.msg, kinds = scrub(message)
        record.args = None
        found |= kinds
        for key, value in list(vars(record).items()):
            if key in _STANDARD:
                continue
            setattr(record, key, self._clean_extra(key, value, found))
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text, kinds = scrub(record.exc_text)
            found |= kinds
        record.exc_info = None  # formatted (and scrubbed) above; never re-rendered raw
        if record.stack_info:
            record.stack_info, kinds = scrub(record.stack_info)
            found |= kinds
        record.redacted = sorted(found | set(getattr(record, "redacted", ())))
        return True

    @staticmethod
    def _clean_extra(key: str, value: Any, found: set[str]) -> Any:
        shape = CORRELATION_IDS.get(key)
        if shape is not None:
            if isinstance(value, str) and shape.fullmatch(value):
                return value
            found.add("malformed_id")
            return REDACTED.format(kind="malformed_id")
        if value is None or isinstance(value, bool | int | float):
            return value
        text, kinds = scrub(value if isinstance(value, str) else repr(value))
        found |= kinds
        return text


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, service, logger, msg, then ids and extras."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "service": self.service,
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key in CORRELATION_IDS:
            if hasattr(record, key):
                line[key] = getattr(record, key)
        for key, value in vars(record).items():
            if key not in _STANDARD and key not in line:
                line[key] = value
        if record.exc_text:
            line["exc"] = record.exc_text
        if record.stack_info:
            line["stack"] = record.stack_info
        redacted = getattr(record, "redacted", None)
        if redacted:
            line["redacted"] = redacted
        return json.dumps(line, default=str, ensure_ascii=False)


def configure_logging(
    service: str, level: int | str = "INFO", *, stream: IO[str] | None = None
) -> logging.Handler:
    """Send every log record of this process to ``stream`` (stderr) as scrubbed JSON lines.

    Idempotent: calling it again replaces threadline's handler instead of adding a second one,
    so a service and its CLI wrapper can both call it. Handlers someone else installed on the
    root logger are removed too: an unscrubbed plain-text handler would defeat the filter. The
    Kafka clients' loggers are held at WARNING unless ``level`` is DEBUG (they log every
    connection at INFO). Returns the handler (tests read from the stream they pass).
    """
    numeric = level if isinstance(level, int) else logging.getLevelNamesMapping().get(level.upper())
    if numeric is None:
        raise ConfigError(f"unknown log level {level!r}: use DEBUG, INFO, WARNING or ERROR")
    handler = logging.StreamHandler(stream if stream is not None else sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(JsonFormatter(service))
    handler.addFilter(PiiFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
        if old.get_name() == _HANDLER_NAME:
            old.close()
    root.addHandler(handler)
    root.setLevel(numeric)
    for chatty in _CHATTY:  # connection-level INFO from the Kafka clients, every few seconds
        logging.getLogger(chatty).setLevel(
            logging.NOTSET if numeric <= logging.DEBUG else "WARNING"
        )
    logging.captureWarnings(True)
    return handler
