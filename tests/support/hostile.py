"""Hostile records for the correlator: what each one is, and what the correlator must do with it.

:func:`corpus` builds a seeded mix (``seed``) of records an attacker, a broken agency
system or a damaged disk could put on ``safeguarding.reports.v1``: random bytes, valid events
with bytes flipped, cut or appended, unknown fingerprints and bad magic, oversized records,
Kafka tombstones, events re-signed by the wrong agency or with a forged signature, tampered
content under the original signature, events signed by a **revoked** key or an unregistered
agency, events whose event id is older than the replay window, stale and future events, reports
that break a rule (a subject who is not a child, an event id that is not a UUIDv7), and exact
replays and re-sends of good events. The byte-level mutations are drawn by hypothesis (so its
bias toward edge cases - empty, all zeros, boundaries - applies) from a fixed seed.

Each :class:`Hostile` carries the outcome that is correct for it: a dead-letter reason, or
``duplicate`` for replays and re-sends (counted and dropped, never linked twice). Expectations
come from the pure stage 1 (:class:`ReportScreen` over in-memory tables, :func:`predict`), so a
mutation is expected as what it really became (a flip that writes the byte already there leaves
``same_event``), and the unit tests pin what each crafted kind must get. :func:`judge` then
compares what a running worker did.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from tests.support.reports import AGENCIES, Desk, child, report, suspect
from threadline.contracts import Codec, default_registry, new_event_id
from threadline.correlator.screening import DeadLetter, Duplicate, ReportScreen
from threadline.correlator.state import MemoryTable
from threadline.correlator.verify import EventVerifier
from threadline.crypto import AgencyRegistry, Keystore, init_dev_keys
from threadline.crypto.keyfiles import write_json
from threadline.crypto.keystore import add_agency
from threadline.crypto.signatures import AgencyKey, AgencySigner

__all__ = [
    "DLQ_REASONS",
    "Good",
    "Hostile",
    "HostileKeys",
    "Verdict",
    "corpus",
    "good_reports",
    "hostile_keys",
    "judge",
    "predict",
]

REVOKED, UNREGISTERED = "revoked-agency", "unregistered-agency"
DLQ_REASONS = frozenset(
    {
        "oversized_event",
        "malformed_event",
        "unknown_fingerprint",
        "invalid_report",
        "unknown_agency",
        "bad_signature",
        "future_event",
        "stale_event",
        "replay_of_old_event",
    }
)
"""Every reason a hostile record may legitimately get; ``internal_error`` is never one."""

CODEC = Codec(default_registry())
_HEADERS = [schema.prefix for schema in default_registry().writers.values()]


@dataclass(frozen=True)
class Hostile:
    """One record to produce, and the outcomes that would be correct for it."""

    kind: str
    key: bytes
    value: bytes | None
    expected: frozenset[str]
    timestamp_ms: int | None = None

    def record(self) -> dict[str, Any]:
        """Keyword arguments for ``KafkaProducer.send``."""
        found: dict[str, Any] = {"key": self.key, "value": self.value}
        if self.timestamp_ms is not None:
            found["timestamp_ms"] = self.timestamp_ms
        return found


@dataclass(frozen=True)
class Good:
    """A good event and the reference it must be linked under."""

    ref: str
    key: bytes
    value: bytes

    def record(self) -> dict[str, Any]:
        return {"key": self.key, "value": self.value}


@dataclass(frozen=True)
class HostileKeys:
    """A development keys directory whose registry also knows a revoked agency key."""

    keys: Keystore
    revoked: AgencySigner
    unregistered: AgencySigner


def hostile_keys(root: Path) -> HostileKeys:
    """Dev keys for the three test agencies (valid from 60 days ago, so that stale events are
    judged stale rather than signed before the key existed), plus one agency whose key is
    revoked in the registry and one that signs but was never registered."""
    since = datetime.now(UTC) - timedelta(days=60)
    keys = init_dev_keys(root / "keys", agencies=AGENCIES, now=since)
    revoked = add_agency(keys.root, REVOKED, now=since)
    registry = keys.registry()
    (key,) = registry.keys(REVOKED)
    registry.add(REVOKED, AgencyKey(key.key_id, key.public_key, key.valid_from, None, True))
    write_json(keys.registry_path, registry.to_mapping(), private=False)
    elsewhere = init_dev_keys(root / "elsewhere", agencies=(UNREGISTERED,), now=since)
    return HostileKeys(keys, revoked, elsewhere.agency_signer(UNREGISTERED))


def good_reports(
    desk: Desk, children: int, first: int = 700, base: datetime | None = None
) -> list[Good]:
    """Two reports per child from two different agencies (cross-agency links), built and
    signed by the SDK; children in threes share a suspect. Building the same children again
    with the same ``base`` gives the same content under new event ids (re-sends)."""
    base = base or datetime.now(UTC) - timedelta(days=3)
    out: list[Good] = []
    for i in range(children):
        person = child(first + i)
        for k in range(2):
            agency = AGENCIES[(i + k) % len(AGENCIES)]
            report_id = f"G{first + i}-{k}"
            associates = [suspect(first + i // 3)] if i % 3 != 2 else []
            raw = report(report_id, person, associates=associates, occurred_at=base)
            built = desk.build(agency, raw)
            out.append(Good(f"{agency}/{report_id}", report_id.encode(), built.payload))
    return out


# -- building hostile records --------------------------------------------------------------------


def _resign(data: bytes, signer: AgencySigner, **changes: Any) -> bytes:
    """Decode a signed event, change fields, and sign it again with ``signer`` (whose agency
    and key id it claims unless ``changes`` say otherwise)."""
    event_type, record = CODEC.decode(data)
    record.update(agency_id=signer.agency_id, signing_key_id=signer.key_id)
    for name, value in changes.items():
        if callable(value):
            value(record)
        else:
            record[name] = value
    body = CODEC.encode_for_signing(event_type, record)
    return CODEC.attach_signature(body, signer.sign(body))


def _draw(strategy: st.SearchStrategy[Any], n: int, seed: int) -> list[Any]:
    """Up to ``n`` examples of ``strategy``, the same ones for the same seed."""
    found: list[Any] = []

    @hypothesis_seed(seed)
    @settings(
        max_examples=max(n, 1),
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(example: Any) -> None:
        found.append(example)

    if n > 0:
        collect()
    return found[:n]


def _fuzz(valid: Sequence[bytes]) -> st.SearchStrategy[tuple[str, bytes]]:
    """Random bytes, a valid header before random bytes, and valid events with bytes flipped,
    cut short or run on (tests/unit/contracts/test_properties.py does the same to the codec
    alone; here the result must get through a whole running worker)."""
    events = st.sampled_from(list(valid))
    flips = st.lists(
        st.tuples(st.integers(min_value=0), st.integers(0, 255)), min_size=1, max_size=6
    )

    def flipped(data: bytes, changes: list[tuple[int, int]]) -> tuple[str, bytes]:
        out = bytearray(data)
        for position, value in changes:
            out[position % len(out)] = value
        return "flipped_bytes", bytes(out)

    return st.one_of(
        st.binary(max_size=600).map(lambda b: ("random_bytes", b)),
        st.tuples(st.sampled_from(_HEADERS), st.binary(max_size=2000)).map(
            lambda hb: ("valid_header_random_body", hb[0] + hb[1])
        ),
        st.builds(flipped, events, flips),
        st.builds(lambda d, at: ("truncated", d[: at % len(d)]), events, st.integers(0)),
        st.builds(
            lambda d, tail: ("trailing_bytes", d + tail), events, st.binary(min_size=1, max_size=64)
        ),
    )


def _crafted(hk: HostileKeys, v: bytes, now: datetime, rng: random.Random) -> list[_Made]:
    """One of each hand-made attack on the valid event ``v``."""
    met, csc = hk.keys.agency_signer("met-police"), hk.keys.agency_signer("lbx-csc")
    forger = AgencySigner(met.agency_id, met.key_id, Ed25519PrivateKey.generate())
    old = now - timedelta(days=4)
    past_ms = int((now - timedelta(hours=2)).timestamp() * 1000)

    def not_a_child(record: dict[str, Any]) -> None:
        record["subject"]["role"] = "SUSPECT"

    return [
        ("resigned_by_other_agency", _resign(v, csc, agency_id="met-police"), None),
        ("forged_signature", _resign(v, forger, report_id="FORGED-1"), None),
        ("tampered_content", _tamper(v), None),
        ("revoked_key", _resign(v, hk.revoked), None),
        ("unregistered_agency", _resign(v, hk.unregistered), None),
        (
            "event_id_beyond_replay_window",
            _resign(v, met, event_id=_event_id(now - timedelta(days=40))),
            None,
        ),
        (
            "stale_event",
            _resign(
                v,
                met,
                event_id=_event_id(old),
                occurred_at=old,
                recorded_at=old + timedelta(hours=1),
            ),
            None,
        ),
        ("future_event", v, past_ms),  # the broker "received" it two hours before it was made
        ("subject_not_a_child", _resign(v, met, subject=not_a_child), None),
        ("event_id_not_uuid7", _resign(v, met, event_id="0" * 8 + "-not-a-uuid"), None),
        ("wrong_fingerprint", v[:2] + rng.randbytes(8) + v[10:], None),
        ("bad_magic", b"\xc3\x02" + v[2:], None),
        ("oversized", v[:10] + rng.randbytes(300 * 1024), None),
    ]


_Made = tuple[str, bytes | None, int | None]


def corpus(
    hk: HostileKeys, desk: Desk, *, n: int = 400, seed: int = 8, now: datetime | None = None
) -> list[Hostile]:
    """About ``n`` hostile records, each with its expected outcome (see the module docstring),
    after the good events they were made from (expected ``linked``). Keys are ``hostile-<n>``
    except for replays and re-sends, which keep the report id so that they land on the
    original's partition, as a real replay does."""
    now = now or datetime.now(UTC)
    rng = random.Random(seed)
    base = now - timedelta(days=3)
    victims = good_reports(desk, 4, first=900, base=base)
    made: list[_Made] = []
    for g in victims:
        made += _crafted(hk, g.value, now, rng)
    made += [("tombstone", None, None), ("empty", b"", None)]
    fuzzed = max(0, n - len(made) - 2 * len(victims))
    made += [
        (kind, value, None)
        for kind, value in _draw(_fuzz([g.value for g in victims]), fuzzed, seed)
    ]

    screen = _screen(hk.keys.registry())
    found = [Hostile("original", g.key, g.value, frozenset({"linked"})) for g in victims]
    for i, g in enumerate(victims):
        predict(screen, g.value, now, (0, i))  # the originals are in the dedupe tables first
    for i, (kind, value, ts) in enumerate(made):
        received = now if ts is None else datetime.fromtimestamp(ts / 1000, UTC)
        expected = predict(screen, value, received, (1, i))
        found.append(Hostile(kind, f"hostile-{i:05d}".encode(), value, expected, ts))
    found += [Hostile("exact_replay", g.key, g.value, frozenset({"duplicate"})) for g in victims]
    resends = good_reports(desk, 4, first=900, base=base)  # built again: new event ids
    found += [
        Hostile("resend_new_event_id", g.key, g.value, frozenset({"duplicate"})) for g in resends
    ]
    return found


def _screen(registry: AgencyRegistry) -> ReportScreen:
    return ReportScreen(EventVerifier(registry), MemoryTable(), MemoryTable())


def _event_id(at: datetime) -> str:
    return new_event_id(int(at.timestamp() * 1000))


def _tamper(data: bytes) -> bytes:
    """The risk level raised, under the original signature."""
    event_type, record = CODEC.decode(data)
    record["concern"]["risk_level"] = "CRITICAL"
    return CODEC.encode(event_type, record)


def predict(
    screen: ReportScreen, value: bytes | None, received: datetime, source: tuple[int, int]
) -> frozenset[str]:
    """The correct outcome for one record, by the pure stage 1 (no Kafka): a dead-letter
    reason, ``duplicate``, or ``same_event`` for a mutation that left a victim's exact bytes."""
    outcome = screen.screen(value, received_at=received, source=source)  # type: ignore[arg-type]
    if isinstance(outcome, DeadLetter):
        return frozenset({outcome.reason})
    if isinstance(outcome, Duplicate):
        return frozenset({"same_event"})
    return frozenset({"linked"})


# -- judging what a worker did -------------------------------------------------------------------


@dataclass
class Verdict:
    """What happened to the corpus: counts, and a line per mishandled record."""

    tried: int = 0
    dead_lettered: int = 0
    duplicates: int = 0
    mishandled: list[str] = field(default_factory=list)
    by_kind: Counter[str] = field(default_factory=Counter)
    by_reason: Counter[str] = field(default_factory=Counter)

    def as_dict(self) -> dict[str, Any]:
        return {
            "hostile_tried": self.tried,
            "hostile_mishandled": len(self.mishandled),
            "dead_lettered": self.dead_lettered,
            "duplicates_dropped": self.duplicates,
            "by_reason": dict(sorted(self.by_reason.items())),
            "kinds": len(self.by_kind),
            "first_problems": self.mishandled[:5],
        }


def judge(
    hostile: Iterable[Hostile],
    dlq: Iterable[Any],
    linked_refs: Counter[str],
    dedup_hits: float,
) -> Verdict:
    """Compare a worker's dead letters and subjects with what each record deserved.

    ``dlq`` holds the dead-letter topic's records; ``linked_refs`` counts how many active
    subjects list each ``agency/report`` reference; ``dedup_hits`` is the worker's counter of
    replays and re-sends dropped.
    """
    letters: dict[bytes | None, list[Any]] = {}
    for record in dlq:
        letters.setdefault(record.key, []).append(record)
    verdict = Verdict()
    replays = 0
    for h in hostile:
        if h.expected == {"linked"}:
            continue
        verdict.tried += 1
        verdict.by_kind[h.kind] += 1
        if h.expected <= {"duplicate", "same_event"}:
            replays += h.expected == {"duplicate"}
            if any(r.value == h.value for r in letters.get(h.key, [])):
                verdict.mishandled.append(f"{h.kind} {h.key!r}: dead-lettered, not deduplicated")
            continue
        got = [r for r in letters.get(h.key, []) if r.value == h.value]
        if not got:
            verdict.mishandled.append(f"{h.kind} {h.key!r}: not in the DLQ with its bytes")
            continue
        headers = dict(got[0].headers)
        reason = headers.get("threadline.reason", b"").decode()
        verdict.dead_lettered += 1
        verdict.by_reason[reason] += 1
        if reason not in h.expected or not headers.get("threadline.error"):
            verdict.mishandled.append(
                f"{h.kind} {h.key!r}: reason {reason or '(none)'}, expected {sorted(h.expected)}"
            )
        elif len(got) > 1:
            verdict.mishandled.append(f"{h.kind} {h.key!r}: dead-lettered {len(got)} times")
    verdict.duplicates = int(dedup_hits)
    if dedup_hits < replays:
        verdict.mishandled.append(
            f"{replays} replays and re-sends, but the worker dropped {dedup_hits:.0f}"
        )
    doubled = sorted(ref for ref, n in linked_refs.items() if n > 1)
    if doubled:
        verdict.mishandled.append(f"{len(doubled)} reports in more than one subject: {doubled[:3]}")
    return verdict


def dump(verdict: Verdict) -> str:
    return json.dumps(verdict.as_dict(), sort_keys=True)
