"""Simulated reports turned into what each side of the linkage comparison sees.

The token side gets exactly what the correlator gets: each report is built by the real SDK
(validate, redact, encrypt, tokenise, sign) and decoded again, and only the subject's
``PersonTokens`` are kept. The cleartext side gets the same subjects' plain fields, as a
baseline that could read everything would. Both share record ids (``agency/report_id``, the
correlator's unit: an update replaces its report's record, a withdrawal removes it) and truth.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from threadline.contracts import decode
from threadline.correlator import PersonTokens
from threadline.crypto import init_dev_keys
from threadline.sdk.client import AgencyClient
from threadline.sdk.sink import MemorySink
from threadline.simulate import SimulationConfig, simulate


@dataclass(frozen=True, slots=True)
class Operation:
    """One report in arrival order: add/replace a record, or withdraw it."""

    kind: str  # "add" | "withdraw"
    record_id: str
    child_id: str
    tokens: PersonTokens | None
    clear: dict[str, Any] | None


def operations(seed: int, children: int, reports: int) -> Iterator[Operation]:
    sim = simulate(SimulationConfig(seed=seed, children=children, reports=reports))
    agencies = sorted({agency for agency, _ in sim.reports})
    with tempfile.TemporaryDirectory() as tmp:
        keys = init_dev_keys(Path(tmp) / "keys", agencies)
        clients = {a: AgencyClient(a, keys=keys, sink=MemorySink(), strict=False) for a in agencies}
        for (agency, raw), truth in zip(sim.reports, sim.truth.reports, strict=True):
            record_id = f"{agency}/{raw['report_id']}"
            if raw["event_type"] == "report_withdrawn":
                yield Operation("withdraw", record_id, truth.child_id, None, None)
                continue
            _, record = decode(clients[agency].prepare(raw).payload)
            tokens = PersonTokens.from_mapping(record["subject"]["tokens"])
            yield Operation("add", record_id, truth.child_id, tokens, dict(raw["subject"]))
