"""Hostile input at every edge that reads untrusted bytes, without a broker.

Why: whatever arrives, each reader either accepts it or refuses it with threadline's own error
naming a path or rule; any other exception is a crash (a dead worker, a stopped publish run, a
broker that will not start), and any refusal that repeats the input leaks personal data into
logs. Covered here:

* stage 1 of the correlator (verify + dedupe, pure): the hostile corpus of
  tests/support/hostile.py, each kind ending in its one correct dead-letter reason, and
  *structure-aware* fuzzing: valid events with a field replaced by random data and then
  **validly re-signed**, so the fuzz reaches past the signature into the rules and the link
  record that a running worker would build (the live version is test_hostile_worker.py);
* the SDK's input parsing: JSON Lines and CSV readers on random bytes, ``parse_report`` and the
  whole build (redact, encrypt, tokenise, sign) on random and mutated reports;
* the broker's protocol loader on undecodable files, alias bombs and self-referencing anchors
  (random and mutated documents are in tests/unit/broker/test_protocols.py).
"""

from __future__ import annotations

import copy
import itertools
import json
import string
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.hostile import (
    CODEC,
    DLQ_REASONS,
    HostileKeys,
    corpus,
    good_reports,
    hostile_keys,
)
from tests.support.reports import Desk
from threadline.broker.protocols import load_protocols
from threadline.broker.protocols.loader import parse_protocol
from threadline.correlator.linkrecords import decode_link_record
from threadline.correlator.screening import DeadLetter, Duplicate, Forward, ReportScreen
from threadline.correlator.state import MemoryTable
from threadline.correlator.verify import EventVerifier
from threadline.errors import ConfigError, ThreadlineError, ValidationError
from threadline.sdk.client import AgencyClient
from threadline.sdk.files import LineError, read_records
from threadline.sdk.report import parse_report
from threadline.sdk.sink import MemorySink

FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# -- the correlator's stage 1 ---------------------------------------------------------------------

EXPECTED_BY_KIND = {
    "resigned_by_other_agency": "unknown_agency",
    "forged_signature": "bad_signature",
    "tampered_content": "bad_signature",
    "revoked_key": "unknown_agency",
    "unregistered_agency": "unknown_agency",
    "event_id_beyond_replay_window": "replay_of_old_event",
    "stale_event": "stale_event",
    "future_event": "future_event",
    "subject_not_a_child": "invalid_report",
    "event_id_not_uuid7": "invalid_report",
    "wrong_fingerprint": "unknown_fingerprint",
    "bad_magic": "malformed_event",
    "oversized": "oversized_event",
    "tombstone": "malformed_event",
    "empty": "malformed_event",
    "exact_replay": "duplicate",
    "resend_new_event_id": "duplicate",
    "original": "linked",
}


@pytest.fixture(scope="module")
def hk(tmp_path_factory: pytest.TempPathFactory) -> HostileKeys:
    return hostile_keys(tmp_path_factory.mktemp("hostile"))


def test_each_crafted_attack_gets_its_one_correct_outcome(hk: HostileKeys) -> None:
    """corpus() predicts outcomes with the real stage 1; pin what each kind must get, so a
    regression in the verifier (say, a revoked key accepted) fails here, not only live."""
    found = corpus(hk, Desk(hk.keys), n=250, seed=3)
    crafted = [h for h in found if h.kind in EXPECTED_BY_KIND]
    assert {h.kind for h in crafted} == set(EXPECTED_BY_KIND)
    for h in crafted:
        assert h.expected == {EXPECTED_BY_KIND[h.kind]}, (h.kind, h.expected)
    fuzzed = Counter(next(iter(h.expected)) for h in found if h.kind not in EXPECTED_BY_KIND)
    assert set(fuzzed) <= DLQ_REASONS | {"same_event"}, fuzzed


def _leaves(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _leaves(v, (*path, k))] or [path]
    if isinstance(node, list) and node:
        return [p for i, v in enumerate(node) for p in _leaves(v, (*path, i))]
    return [path]


_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**63), max_value=2**63 - 1),
    st.floats(allow_nan=True),
    st.text(max_size=40),
    st.binary(max_size=80),
    st.datetimes(timezones=st.just(UTC)),
    st.lists(st.text(max_size=8), max_size=3),
    st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=3),
)


@pytest.fixture(scope="module")
def victims(hk: HostileKeys) -> list[bytes]:
    return [g.value for g in good_reports(Desk(hk.keys), 3, first=500)]


@FUZZ
@given(data=st.data())
def test_validly_resigned_random_fields_are_forwarded_or_dead_lettered(
    hk: HostileKeys, victims: list[bytes], data: st.DataObject
) -> None:
    """An agency key in the wrong hands (or a buggy agency system) signs anything: stage 1
    must still only forward a sound link record or dead-letter with a known reason."""
    event_type, record = CODEC.decode(data.draw(st.sampled_from(victims)))
    signer = hk.keys.agency_signer(record["agency_id"])  # the key its signing_key_id names
    paths = [p for p in _leaves(record) if p and p[0] not in ("signature", "signing_key_id")]
    for path in data.draw(st.lists(st.sampled_from(paths), min_size=1, max_size=3)):
        target = record
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = data.draw(_values)
    try:
        body = CODEC.encode_for_signing(event_type, record)
    except ThreadlineError:
        return  # not even encodable: an agency could not have sent it
    value = CODEC.attach_signature(body, signer.sign(body))
    screen = ReportScreen(EventVerifier(hk.keys.registry()), MemoryTable(), MemoryTable())
    outcome = screen.screen(value, received_at=datetime.now(UTC), source=(0, 0))
    if isinstance(outcome, DeadLetter):
        assert outcome.reason in DLQ_REASONS, outcome
        assert outcome.message
    else:
        assert isinstance(outcome, Forward | Duplicate)
        if isinstance(outcome, Forward):
            assert decode_link_record(outcome.payload).event_id == outcome.record.event_id


# -- the SDK's input parsing ----------------------------------------------------------------------


@FUZZ
@given(content=st.binary(max_size=2000), fmt=st.sampled_from(["jsonl", "csv"]))
def test_export_readers_account_for_every_line_of_random_bytes(
    tmp_path: Path, content: bytes, fmt: str
) -> None:
    path = tmp_path / f"export.{fmt}"
    path.write_bytes(content)
    numbers = []
    for number, item in read_records(path, fmt):
        numbers.append(number)
        assert isinstance(item, dict | LineError)
        if isinstance(item, LineError):
            assert item.line == number and item.reason
    assert numbers == sorted(numbers)
    if fmt == "jsonl":
        assert len(numbers) == sum(1 for line in content.split(b"\n") if line.strip())


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner),
    max_leaves=25,
)
_REPORT: dict[str, Any] = {
    "event_type": "concern_raised",
    "report_id": "FZ-1",
    "occurred_at": (datetime.now(UTC) - timedelta(days=1)).isoformat(),
    "grading": {"source": 2, "intelligence": "B", "handling": "P"},
    "tlp": "amber",
    "subject": {
        "given_name": "Zephyrine",
        "family_name": "Quarrington",
        "date_of_birth": "2011-04-03",
        "phones": ["07700 900777"],
        "handles": [{"platform": "snapchat", "handle": "zq_fuzz11"}],
    },
    "associates": [{"role": "suspect", "phones": ["07700 900888"]}],
    "concern": {
        "exploitation_types": ["cse"],
        "risk_level": "high",
        "narrative": "Zephyrine was seen with an older man; her number is 07700 900777.",
    },
}


@pytest.fixture(scope="module")
def agency(hk: HostileKeys) -> AgencyClient:
    return AgencyClient("met-police", keys=hk.keys, sink=MemorySink())


def _only_paths(message: str, raw: Any) -> None:
    """Refusals name paths and rules, never values: no distinctive input text reappears."""
    for text in _strings(raw):
        if len(text) >= 8 and any(c.isdigit() for c in text) and any(c.isalpha() for c in text):
            assert text not in message, "a refusal repeats an input value"


def _strings(node: Any) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [s for v in node.values() for s in _strings(v)]
    if isinstance(node, list):
        return [s for v in node for s in _strings(v)]
    return []


@FUZZ
@given(raw=_json)
def test_random_json_is_refused_with_a_validation_error(raw: Any) -> None:
    with pytest.raises(ValidationError) as refused:
        parse_report(raw)
    _only_paths(str(refused.value), raw)


_token = st.text(alphabet=string.ascii_letters + string.digits + " +-:@._", min_size=8, max_size=30)


@FUZZ
@given(data=st.data())
def test_mutated_reports_build_or_are_refused_by_path(
    agency: AgencyClient, data: st.DataObject
) -> None:
    """The whole SDK build on a valid report with leaves replaced: a signed event or a
    ValidationError naming a path, never another exception and never the value."""
    raw = copy.deepcopy(_REPORT)
    for path in data.draw(st.lists(st.sampled_from(_leaves(raw)), min_size=1, max_size=3)):
        target = raw
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = data.draw(_json | _token)
    try:
        built = agency.prepare(raw)
    except ThreadlineError as exc:
        _only_paths(str(exc), raw)
        return
    assert CODEC.decode(built.payload)[1]["report_id"] == built.report_id


# -- the broker's protocol loader -----------------------------------------------------------------


def _bomb(levels: int) -> str:
    names = [f"l{i}" for i in range(levels + 1)]
    lines = [f"{names[0]}: &{names[0]} [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for prev, name in itertools.pairwise(names):
        lines.append(f"{name}: &{name} [{', '.join([f'*{prev}'] * 9)}]")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    "text",
    [
        _bomb(9),  # a billion laughs by reference
        "protocol_id: &a [*a]\n",  # an anchor that contains itself
        "sources: &s\n  - *s\n",
        "[" * 3000 + "]" * 3000,
        "\x00\x01\x02binary",
        json.dumps({"protocol_id": "x" * 100_000}),
    ],
    ids=["alias-bomb", "self-anchor", "self-anchor-in-list", "deep", "binary", "huge-scalar"],
)
def test_hostile_protocol_documents_are_refused_quickly(text: str) -> None:
    started = time.monotonic()
    with pytest.raises(ConfigError) as refused:
        parse_protocol(text, "hostile.yaml")
    assert str(refused.value).startswith("hostile.yaml")
    assert time.monotonic() - started < 5


def test_an_undecodable_protocol_file_stops_the_directory(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_bytes(b"\xff\xfe not utf-8 \x80")
    with pytest.raises(ConfigError, match=r"a\.yaml: cannot read protocol file"):
        load_protocols(tmp_path)
