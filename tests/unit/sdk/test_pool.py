"""Building in worker processes changes where the work runs, never what is published."""

from __future__ import annotations

import copy
import os
import signal
from collections.abc import Iterator
from typing import Any

import pytest
from tests.unit.sdk.conftest import AGENCY, REPORT

from threadline.contracts import decode, split_signature
from threadline.crypto import Keystore
from threadline.errors import PublishError, RedactionError, ValidationError
from threadline.sdk.client import AgencyClient
from threadline.sdk.pool import BuildPool, default_workers
from threadline.sdk.sink import MemorySink


@pytest.fixture(scope="module")
def pool(keys: Keystore) -> Iterator[BuildPool]:
    with BuildPool(keys, workers=1) as started:
        started.warm([AGENCY])
        yield started


def _batch(count: int) -> list[dict[str, Any]]:
    records = []
    for i in range(count):
        record = copy.deepcopy(REPORT)
        record["report_id"] = f"MPS-2026-{i:06d}"
        records.append(record)
    records[3]["event_type"] = "not_an_event"  # a bad line early
    records[70]["concern"]["narrative"] = "Aisha's friend Aishaa was there."  # residual PII
    return records


def test_outcomes_match_building_in_process(keys: Keystore, pool: BuildPool) -> None:
    records = _batch(AgencyClient.pool_minimum + 10)
    results = {}
    for name, chosen in (("here", None), ("pool", pool)):
        sink = MemorySink()
        client = AgencyClient(AGENCY, keys=keys, sink=sink, pool=chosen)
        result = client.publish_batch(records)
        results[name] = (result, sink)
    (here, here_sink), (pooled, pooled_sink) = results["here"], results["pool"]
    assert [o.index for o in pooled.outcomes] == list(range(len(records)))
    assert [(o.index, type(o.error)) for o in pooled.failed] == [
        (3, ValidationError),
        (70, RedactionError),
    ]
    assert [(o.index, type(o.error), str(o.error)) for o in pooled.failed] == [
        (o.index, type(o.error), str(o.error)) for o in here.failed
    ]
    failed = pooled.failed[0].error
    assert isinstance(failed, ValidationError) and failed.path == "event_type"
    assert [key for _, key, _ in pooled_sink.records] == [key for _, key, _ in here_sink.records]
    registry = keys.registry()
    for outcome, (_, _, payload) in zip(pooled.published, pooled_sink.records, strict=True):
        _, record = decode(payload)
        assert record["event_id"] == outcome.event_id
        body, signature = split_signature(payload)
        registry.verify(AGENCY, record["signing_key_id"], body, signature, record["recorded_at"])
        assert "[CHILD_1]" in record["concern"]["narrative"]


def test_the_pool_must_share_the_clients_keys(
    pool: BuildPool, tmp_path_factory: pytest.TempPathFactory
) -> None:
    other = Keystore(tmp_path_factory.mktemp("other"))
    with pytest.raises(ValueError, match="keys directory"):
        AgencyClient(AGENCY, keys=other, sink=MemorySink(), pool=pool)


def test_worker_count(keys: Keystore) -> None:
    assert default_workers() >= 1
    with pytest.raises(ValueError, match="at least one worker"):
        BuildPool(keys, workers=0)


def test_a_dead_worker_loses_no_outcome(keys: Keystore) -> None:
    records = _batch(AgencyClient.pool_minimum)
    with BuildPool(keys, workers=1) as doomed:
        doomed.warm([AGENCY])
        for process in list(doomed._executor._processes.values()):  # a worker is killed
            os.kill(process.pid, signal.SIGKILL)
            process.join(10)
        sink = MemorySink()
        result = AgencyClient(AGENCY, keys=keys, sink=sink, pool=doomed).publish_batch(records)
    assert [o.index for o in result.outcomes] == list(range(len(records)))
    assert sink.records == [] and not result.published
    assert all(isinstance(o.error, PublishError) and o.error.retriable for o in result.failed)
