"""Realistic observations without a broker: simulate, build real events, derive observations.

Why through the SDK and not straight from the simulator's dicts: an observation is derived from
a *decoded event*, exactly as the correlator derives it, so this exercises the same path (agency
input, validation, redaction, encryption, signing, Avro, decode, :func:`observation_from_event`)
and a change anywhere along it shows up in the statistics tests and demos.

"Known to other agencies" is what the correlator would know at that moment: that an earlier
report about the same child came from a different agency. The simulator's ground truth stands
in for the correlator's linkage here; with perfect linkage the two agree.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

from threadline.contracts import decode
from threadline.crypto import init_dev_keys
from threadline.insights.agencies import AgencyDirectory
from threadline.insights.observations import Observation, observation_from_event
from threadline.sdk.client import AgencyClient
from threadline.sdk.sink import MemorySink
from threadline.simulate import SimulationConfig, simulate

__all__ = ["simulated_observations"]


def simulated_observations(
    config: SimulationConfig, *, agencies: AgencyDirectory | None = None
) -> Iterator[Observation]:
    """Observations for every original report of a seeded simulation, in time order.

    Development keys are made in a temporary directory and destroyed afterwards: nothing here
    is ever published, and no key outlives the call.
    """
    directory = agencies or AgencyDirectory.load()
    sim = simulate(config)
    agency_ids = sorted({agency for agency, _ in sim.reports})
    with tempfile.TemporaryDirectory(prefix="threadline-insights-") as scratch:
        keys = init_dev_keys(Path(scratch) / "keys", agency_ids)
        # lenient redaction: a narrative never reaches an observation, so a residual finding
        # there must not stop a statistics demo (the SDK's own tests hold redaction to strict)
        clients = {
            a: AgencyClient(a, keys=keys, sink=MemorySink(), strict=False) for a in agency_ids
        }
        seen_by: dict[str, set[str]] = {}
        for (agency_id, raw), truth in zip(sim.reports, sim.truth.reports, strict=True):
            reporters = seen_by.setdefault(truth.child_id, set())
            known = bool(reporters - {agency_id})
            reporters.add(agency_id)
            event_type, record = decode(clients[agency_id].prepare(raw).payload)
            profile = directory.profile(agency_id)
            observation = observation_from_event(
                event_type,
                record,
                agency_type=profile.agency_type,
                region=profile.region,
                known_to_other_agencies=known,
            )
            if observation is not None:
                yield observation
