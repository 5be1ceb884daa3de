"""Whatever bytes arrive, decoding either succeeds or raises a ContractError: nothing else.

The correlator routes ContractError to the dead-letter topic; any other exception would crash
a consumer on a poison message. Random bytes rarely get past the header, so the strategies
also aim past it: a valid header before random bytes, and valid events with bytes flipped,
cut or appended.
"""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from threadline.contracts import Codec, EventType, default_registry, examples
from threadline.errors import ContractError

CODEC = Codec(default_registry())
HEADERS = [schema.prefix for schema in default_registry().writers.values()]
VALID = [CODEC.encode(t, examples.full_event(t)) for t in EventType] + [
    CODEC.encode(t, examples.minimal_event(t)) for t in EventType
]
SETTINGS = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _decodes_or_refuses(data: bytes) -> None:
    try:
        event_type, record = CODEC.decode(data)
    except ContractError:
        pass
    else:
        assert isinstance(event_type, EventType)
        assert isinstance(record, dict)
    with contextlib.suppress(ContractError):
        CODEC.split_signature(data)


@SETTINGS
@given(st.binary(max_size=512))
def test_random_bytes(data: bytes) -> None:
    _decodes_or_refuses(data)


@SETTINGS
@given(st.sampled_from(HEADERS), st.binary(max_size=2048))
def test_a_valid_header_before_random_bytes(header: bytes, body: bytes) -> None:
    _decodes_or_refuses(header + body)


@SETTINGS
@given(
    st.sampled_from(VALID),
    st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), max_size=8),
    st.integers(min_value=0),
    st.binary(max_size=16),
)
def test_valid_events_mutated(
    data: bytes, flips: list[tuple[int, int]], cut: int, tail: bytes
) -> None:
    mutated = bytearray(data)
    for position, value in flips:
        mutated[position % len(mutated)] = value
    _decodes_or_refuses(bytes(mutated[: max(cut % (len(mutated) + 1), 0)]) + tail)


@SETTINGS
@given(
    report_id=st.text(max_size=40),
    reason=st.text(max_size=200),
    signature=st.binary(max_size=128),
    occurred=st.integers(min_value=0, max_value=10**13),
    tlp=st.sampled_from(["CLEAR", "GREEN", "AMBER", "AMBER_STRICT", "RED"]),
)
def test_any_valid_withdrawal_round_trips(
    report_id: str, reason: str, signature: bytes, occurred: int, tlp: str
) -> None:
    # Lone surrogates cannot be UTF-8; the codec must refuse them as a ContractError too.
    record = examples.full_event(
        "report_withdrawn",
        report_id=report_id,
        reason=reason,
        signature=signature,
        occurred_at=datetime(1970, 1, 1, tzinfo=UTC) + timedelta(milliseconds=occurred),
        tlp=tlp,
    )
    try:
        data = CODEC.encode("report_withdrawn", record)
    except ContractError:
        assert any(0xD800 <= ord(c) <= 0xDFFF for c in report_id + reason)
        return
    assert CODEC.decode(data) == (EventType.REPORT_WITHDRAWN, record)
    assert CODEC.split_signature(data) == (
        CODEC.encode_for_signing("report_withdrawn", record),
        signature,
    )
