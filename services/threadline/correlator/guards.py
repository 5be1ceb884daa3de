"""What faust-streaming 0.15.3 does not do for exactly-once state on its own, done here.

**Whole steps per transaction.** With ``processing_guarantee="exactly_once"`` faust writes each
table change to its changelog inside the Kafka transaction of the source partition, and commits
on a timer. But changelog messages reach the transactional producer through an asynchronous
buffer, and the timer does not wait for an agent to finish a step, so a commit could land
between two writes of one step and a crash after it would restore half a step. Hence:

* the linking agent runs each step's table writes under :data:`STEP_LOCK` and ends them with
  :func:`changelog_barrier` (a last write whose delivery it awaits: the buffer is FIFO, so every
  earlier write of the step is then in the transaction);
* :func:`install_guards` makes faust's commit take the same lock.

A step whose writes were committed but whose offset was not (the crash fell between the two) is
processed again on restart; both stages make that harmless (stage 1 recognises its own origin
offset, stage 2 re-sends the outputs it recorded for its last step).

**Seek before resume.** After a rebalance faust resumes the stream partitions and only then
seeks them back to their committed offsets. Records fetched in between reach the agents and the
seek then resets the fetch position under them, which in testing skipped records for good (a
known class of faust bug, cf. faust-streaming#216). :func:`install_guards` defers resuming
stream partitions until the seek has finished, the order the upstream fix intended.

**Unclean shutdown.** Faust writes RocksDB locally as it goes and does not roll it back when a
transaction aborts, so after a crash the local stores can hold writes the changelog does not.
:func:`prepare_datadir` wipes them unless the last run left the clean-shutdown marker, and faust
restores them from the committed changelogs, as Kafka Streams does under exactly-once.
"""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Awaitable, Iterable
from pathlib import Path
from typing import Any, cast

from faust.streams import current_event

__all__ = [
    "STEP_LOCK",
    "changelog_barrier",
    "install_guards",
    "mark_clean_shutdown",
    "prepare_datadir",
]

STEP_LOCK = asyncio.Lock()
"""Held by an agent for a step's table writes, and by faust's commit."""

_CLEAN_MARKER = "CLEAN_SHUTDOWN"


def changelog_barrier(table: Any, key: bytes, value: bytes) -> Awaitable[Any]:
    """``table[key] = value``, returning an awaitable that resolves when that changelog message is
    delivered, and with it every table write made before it."""
    event = current_event()
    if event is None:
        raise RuntimeError("changelog_barrier must be called while processing an event")
    future = table.send_changelog(event.message.partition, key, value)
    table.data[key] = value
    return cast(Awaitable[Any], future)


def install_guards(app: Any) -> None:
    """Commit under :data:`STEP_LOCK`; seek stream partitions before resuming them (idempotent).

    Call it from the agents before they iterate: they start before the first assignment.
    """
    consumer = app.consumer
    if getattr(consumer, "_threadline_guarded", False):
        return
    transactions = consumer.transactions
    commit = transactions.commit

    async def guarded_commit(*args: Any, **kwargs: Any) -> bool:
        async with STEP_LOCK:
            return bool(await commit(*args, **kwargs))

    resume, seek = consumer.resume_partitions, consumer.perform_seek
    deferred: set[Any] = set()

    def resume_partitions(tps: Iterable[Any]) -> None:
        tps = set(tps)
        streams = {tp for tp in tps if not tp.topic.endswith("-changelog")}
        deferred.update(streams)
        if tps - streams:
            resume(tps - streams)

    async def perform_seek() -> None:
        try:
            await seek()
        finally:
            if deferred:
                ready = set(deferred)
                deferred.clear()
                resume(ready)

    transactions.commit = guarded_commit
    consumer.resume_partitions = resume_partitions
    consumer.perform_seek = perform_seek
    consumer._threadline_guarded = True


def prepare_datadir(datadir: Path) -> bool:
    """Wipe local table stores unless the previous run shut down cleanly; True if wiped."""
    marker = datadir / _CLEAN_MARKER
    wiped = False
    if datadir.exists() and not marker.exists() and any(datadir.iterdir()):
        shutil.rmtree(datadir)
        wiped = True
    datadir.mkdir(parents=True, exist_ok=True)
    marker.unlink(missing_ok=True)  # from now on, only a clean stop puts it back
    return wiped


def mark_clean_shutdown(datadir: Path) -> None:
    (datadir / _CLEAN_MARKER).write_text("the worker stopped cleanly; local stores are valid\n")
