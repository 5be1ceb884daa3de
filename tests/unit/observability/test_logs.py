"""JSON lines with correlation ids, and planted personal data never reaches the output."""

from __future__ import annotations

import io
import json
import logging
import secrets
from collections.abc import Iterator
from typing import Any

import pytest

from threadline.observability.logs import configure_logging

EVENT_ID = "0190f5a2-7c1e-7abc-8def-0123456789ab"


@pytest.fixture
def output() -> Iterator[io.StringIO]:
    """Configure logging into a buffer; put the root logger back as it was afterwards."""
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level
    chatty = {name: logging.getLogger(name).level for name in ("kafka", "aiokafka")}
    stream = io.StringIO()
    handler = configure_logging("correlator", "DEBUG", stream=stream)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        for old in saved_handlers:
            root.addHandler(old)
        root.setLevel(saved_level)
        for name, level in chatty.items():
            logging.getLogger(name).setLevel(level)
        logging.captureWarnings(False)


def lines(stream: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_line_has_the_fields_and_the_correlation_ids(output: io.StringIO) -> None:
    logging.getLogger("threadline.correlator.app").info(
        "report %s dead-lettered",
        "MPS-2026-000123",
        extra={"event_id": EVENT_ID, "request_id": "RQ-0A1B2C3D4E", "reason": "bad_signature"},
    )
    (line,) = lines(output)
    assert line["level"] == "INFO"
    assert line["service"] == "correlator"
    assert line["logger"] == "threadline.correlator.app"
    assert line["msg"] == "report MPS-2026-000123 dead-lettered"
    assert line["event_id"] == EVENT_ID
    assert line["request_id"] == "RQ-0A1B2C3D4E"
    assert line["reason"] == "bad_signature"
    assert line["ts"].endswith("+00:00")
    assert "redacted" not in line


def test_planted_pii_in_message_args_and_extras_is_blanked(output: io.StringIO) -> None:
    token = secrets.token_hex(16)
    planted = ["amira.khan@example.co.uk", "07700 900123", "SW1A 1AA", "12/03/2011", token]
    logging.getLogger("threadline.sdk").warning(
        "could not match %s or %s",
        planted[0],
        planted[1],
        extra={"postcode": planted[2], "detail": {"dob": planted[3]}, "token": token},
    )
    raw = output.getvalue()
    for value in planted:
        assert value not in raw
    (line,) = lines(output)
    assert line["msg"] == "could not match [REDACTED:email] or [REDACTED:phone]"
    assert line["postcode"] == "[REDACTED:postcode]"
    assert "[REDACTED:date]" in line["detail"]
    assert line["redacted"] == ["date", "email", "phone", "postcode", "token"]


def test_a_malformed_correlation_id_is_replaced(output: io.StringIO) -> None:
    logging.getLogger("threadline.broker").info(
        "x", extra={"event_id": "amira.khan@example.co.uk", "command_id": EVENT_ID.upper()}
    )
    (line,) = lines(output)
    assert line["event_id"] == line["command_id"] == "[REDACTED:malformed_id]"
    assert line["redacted"] == ["malformed_id"]


def test_tracebacks_are_scrubbed(output: io.StringIO) -> None:
    try:
        raise ValueError("record {'phone': '+44 7700 900123'} does not match")
    except ValueError:
        logging.getLogger("faust").exception("agent crashed")
    (line,) = lines(output)
    assert "ValueError" in line["exc"]
    assert "7700" not in line["exc"]
    assert "phone" in line["redacted"]


def test_third_party_loggers_pass_through_the_same_filter(output: io.StringIO) -> None:
    logging.getLogger("kafka.conn").error("peer said %s", "tl@example.org")
    (line,) = lines(output)
    assert line["msg"] == "peer said [REDACTED:email]"


def test_configuring_twice_keeps_one_handler(output: io.StringIO) -> None:
    configure_logging("broker", "INFO", stream=output)
    logging.getLogger("threadline").info("once")
    assert [line["service"] for line in lines(output)] == ["broker"]
    assert len(logging.getLogger().handlers) == 1


def test_bad_format_arguments_do_not_lose_the_line(output: io.StringIO) -> None:
    logging.getLogger("threadline").info("%d items", "not a number")
    (line,) = lines(output)
    assert "unformattable" in line["msg"]


def test_an_unknown_level_is_a_config_error() -> None:
    from threadline.errors import ConfigError

    with pytest.raises(ConfigError, match="unknown log level"):
        configure_logging("broker", "LOUD", stream=io.StringIO())


def test_kafka_clients_are_quiet_unless_debugging(output: io.StringIO) -> None:
    configure_logging("broker", "INFO", stream=output)
    logging.getLogger("kafka.conn").info("connected to 127.0.0.1:19092")
    assert output.getvalue() == ""
    configure_logging("broker", logging.DEBUG, stream=output)
    logging.getLogger("kafka.conn").info("connected")
    assert lines(output)[0]["msg"] == "connected"
