"""Building reports in worker processes while the publishing process sends them.

Building an event (validate, redact, encrypt, tokenise, sign, encode) is pure CPU work in
Python, and so is kafka-python's producer: in one process they take turns on one core. A
:class:`BuildPool` moves the building to worker processes so a machine's other cores build
while the caller's process only sends. Each report is still built completely, in one worker,
before any of its bytes reach the producer: nothing is half-published, and each outcome keeps
its input index, so per-line error reports are unchanged.

What crosses the process boundary: the agency's raw records go to a worker over a local pipe
(the same user's processes on the same machine, as the records already were in this one), and
the built events (ciphertext, tokens, signature) come back. *Keys never cross it*: each worker
opens the keys directory itself (:class:`~threadline.crypto.Keystore`) and keeps one
:class:`~threadline.sdk.builder.EventBuilder` per agency for its lifetime, as an
:class:`~threadline.sdk.client.AgencyClient` would.

Workers are started with ``spawn`` (no fork of a process whose Kafka client already runs
threads), which costs about a second per worker: start the pool once per process, before the
stream of reports, and share it between clients of the same keys directory.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any

from threadline.crypto import Keystore, LinkageTokeniser
from threadline.errors import PublishError, ThreadlineError
from threadline.sdk.builder import BuiltEvent, EventBuilder
from threadline.sdk.report import parse_report

__all__ = ["BuildPool", "default_workers"]

_CHUNK = 64
"""Reports per task: enough to amortise the pipe and pickling, small enough that the sender
starts within milliseconds and a slow chunk never holds many reports back."""


def default_workers() -> int:
    """One worker per core: the sending process needs little CPU of its own (kafka-python
    with the C CRC32C spends ~30 us a report), and it mostly waits for the workers."""
    return max(1, os.cpu_count() or 1)


class BuildPool:
    """Worker processes that build reports for any agency whose keys are in ``keys``.

    ``build`` yields ``(index, BuiltEvent or ThreadlineError)`` in input order as workers
    finish, so the caller can send each report while later ones are still being built.
    """

    def __init__(self, keys: Keystore, workers: int | None = None) -> None:
        self.workers = workers if workers is not None else default_workers()
        self.keys_root = keys.root
        if self.workers < 1:
            raise ValueError("a build pool needs at least one worker")
        self._executor = ProcessPoolExecutor(
            max_workers=self.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_start_worker,
            initargs=(str(keys.root),),
        )

    def __enter__(self) -> BuildPool:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"BuildPool(workers={self.workers})"

    def warm(self, agency_ids: Sequence[str], *, strict: bool = True) -> None:
        """Start every worker and load each agency's builder, so the first batch pays nothing."""
        futures = [
            self._executor.submit(_warm, list(agency_ids), strict) for _ in range(self.workers)
        ]
        for future in futures:
            future.result()

    def build(
        self, agency_id: str, raws: Sequence[Any], *, strict: bool = True
    ) -> Iterator[tuple[int, BuiltEvent | ThreadlineError]]:
        """Build ``raws`` for ``agency_id``; outcomes in input order, errors as values.

        If a worker dies, the reports it had not returned come back as a retriable
        :class:`PublishError` (never sent); the pool is then unusable and must be replaced.
        """
        starts = range(0, len(raws), _CHUNK)
        futures: list[Future[list[BuiltEvent | ThreadlineError]]] = []
        try:
            for at in starts:
                chunk = list(raws[at : at + _CHUNK])
                futures.append(self._executor.submit(_build_chunk, agency_id, strict, chunk))
        except BrokenProcessPool:
            pass  # a worker had already died: the chunks not submitted count as lost below
        try:
            for number, at in enumerate(starts):
                try:
                    if number >= len(futures):
                        raise BrokenProcessPool("not submitted")
                    outcomes: list[BuiltEvent | ThreadlineError] = futures[number].result()
                except BrokenProcessPool:  # a worker died (killed, out of memory)
                    outcomes = [_worker_lost() for _ in raws[at : at + _CHUNK]]
                for offset, outcome in enumerate(outcomes):
                    yield at + offset, outcome
        finally:
            for future in futures:  # the caller stopped early (or failed): drop what is queued
                future.cancel()

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)


def _worker_lost() -> PublishError:
    return PublishError("a build worker stopped before building the report", retriable=True)


# -- in the worker process ------------------------------------------------------------------
_keys: Keystore | None = None
_builders: dict[tuple[str, bool], EventBuilder] = {}


def _start_worker(keys_root: str) -> None:
    global _keys  # noqa: PLW0603 - one keys directory per worker process, set once at start
    _keys = Keystore(Path(keys_root))


def _builder(agency_id: str, strict: bool) -> EventBuilder:
    builder = _builders.get((agency_id, strict))
    if builder is None:
        assert _keys is not None, "worker started without a keys directory"
        scheme, secret = _keys.linkage_secret()
        builder = EventBuilder(
            agency_id,
            signer=_keys.agency_signer(agency_id),
            disclosure=_keys.public_keyring(),
            tokeniser=LinkageTokeniser(secret, scheme),
            strict=strict,
        )
        _builders[agency_id, strict] = builder
    return builder


def _warm(agency_ids: list[str], strict: bool) -> None:
    for agency_id in agency_ids:
        _builder(agency_id, strict)


def _build_chunk(
    agency_id: str, strict: bool, raws: list[Any]
) -> list[BuiltEvent | ThreadlineError]:
    builder = _builder(agency_id, strict)
    out: list[BuiltEvent | ThreadlineError] = []
    for raw in raws:
        try:
            out.append(builder.build(parse_report(raw), raw))
        except ThreadlineError as exc:
            exc.__traceback__ = None  # the message and code travel; the worker's frames do not
            out.append(exc)
    return out
