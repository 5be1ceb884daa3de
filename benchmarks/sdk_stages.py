"""Where an SDK build spends its time: ``benchmarks/sdk.py --stages``.

Wraps each stage of :meth:`AgencyClient.prepare` in a ``perf_counter_ns`` timer for the length
of the measurement (and restores it afterwards), builds the whole corpus ``runs`` times and
reports the fastest run, in microseconds per report. The stages are the library calls and the
SDK modules the path is made of; "rest" is the builder's own glue (record dicts, event id,
clock, age bands, signature framing). The timers add well under 1 us per stage call.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import threadline.sdk.builder as builder_module
import threadline.sdk.client as client_module
from threadline.contracts.codec import Codec
from threadline.crypto import fields
from threadline.crypto.signatures import AgencySigner
from threadline.crypto.tokens import LinkageTokeniser
from threadline.sdk.client import AgencyClient
from threadline.sdk.known_values import KnownValues

_clock = time.perf_counter_ns


class _TimedSuite:
    """Stands in for the HPKE suite so that the encapsulation is timed on its own."""

    def __init__(self, suite: Any, spent: dict[str, int]) -> None:
        self._suite = suite
        self._spent = spent

    def encrypt(self, *args: Any, **kwargs: Any) -> bytes:
        started = _clock()
        try:
            result: bytes = self._suite.encrypt(*args, **kwargs)
            return result
        finally:
            self._spent["hpke"] = self._spent.get("hpke", 0) + _clock() - started


@contextmanager
def _timed(spent: dict[str, int]) -> Iterator[None]:
    patched: list[tuple[Any, str, Any]] = []

    def wrap(owner: Any, name: str, stage: str) -> None:
        original = getattr(owner, name)

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = _clock()
            try:
                return original(*args, **kwargs)
            finally:
                spent[stage] = spent.get(stage, 0) + _clock() - started

        patched.append((owner, name, original))
        setattr(owner, name, timed)

    wrap(client_module, "parse_report", "validate (pydantic + domain rules)")
    wrap(KnownValues, "from_report", "known-value index")
    wrap(builder_module, "redact", "redaction (detectors + residual scan)")
    wrap(LinkageTokeniser, "person_tokens", "linkage tokens + name CLK")
    wrap(fields.EventSealer, "seal", "sealing")
    wrap(Codec, "encode", "Avro encode (fastavro)")
    wrap(AgencySigner, "sign", "Ed25519 signature")
    patched.append((fields, "_SUITE", fields._SUITE))
    fields._SUITE = _TimedSuite(fields._SUITE, spent)  # type: ignore[assignment]
    try:
        yield
    finally:
        for owner, name, original in reversed(patched):
            setattr(owner, name, original)


def stage_breakdown(
    clients: dict[str, AgencyClient], batch: list[tuple[str, dict[str, Any]]], runs: int
) -> dict[str, float]:
    """Microseconds per report by stage (fastest of ``runs``), ``total`` and ``rest`` included."""
    best: tuple[int, dict[str, int]] | None = None
    for _ in range(runs):
        spent: dict[str, int] = {}
        with _timed(spent):
            started = _clock()
            for agency, record in batch:
                clients[agency].prepare(record)
            elapsed = _clock() - started
        if best is None or elapsed < best[0]:
            best = (elapsed, spent)
    assert best is not None
    elapsed, spent = best
    per: Callable[[int], float] = lambda ns: round(ns / len(batch) / 1000, 1)  # noqa: E731
    hpke = spent.pop("hpke", 0)
    out = {"one HPKE encapsulation (X25519 + HKDF + seal of the data key)": per(hpke)}
    for stage, ns in spent.items():
        out[stage if stage != "sealing" else "AES-GCM fields (sealing less HPKE)"] = per(
            ns - hpke if stage == "sealing" else ns
        )
    out["rest (builder glue)"] = round(per(elapsed) - sum(out.values()), 1)
    out["total"] = per(elapsed)
    return out
