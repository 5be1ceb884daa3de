"""Insights: privacy-safe statistics on platforms, exploitation stages and warning signs.

The correlator reduces each original report to a de-identified :class:`Observation` (no ids, no
free text, no dates finer than a week) and writes it to ``safeguarding.observations.v1``, the
only topic the ``insights`` principal may read. From there this package counts two-way tables,
withholds small cells and every cell that would reveal one (with a proof by integer programming
that none can be worked out from what is published), and renders CSV, charts, HTML and PDF.
Nothing here but :mod:`~threadline.insights.sources` knows about Kafka. Modules, one job each:

* ``observations`` - the observation and the pure ``observation_from_event``;
* ``vocabulary``   - the closed lists an observation may use, and their labels;
* ``agencies``     - agency id to type and region (``infra/agencies.yaml``);
* ``codec``        - Avro on the topic, JSON Lines on disk;
* ``tables``       - two-way tables with totals, and the facts that link them;
* ``aggregation``  - the seven tables of a release, counted and protected;
* ``disclosure``   - primary and secondary suppression with an exact audit;
* ``charts``, ``narrative``, ``report_html``, ``report_pdf``, ``release`` - the output;
* ``sources``      - reading the topic as ``insights``; ``simulated`` - observations offline;
* ``metrics``      - this week's headline gauges for Prometheus.
"""

from __future__ import annotations

from threadline.insights.agencies import AgencyDirectory, AgencyProfile
from threadline.insights.aggregation import Period, Statistics, compile_statistics
from threadline.insights.codec import ObservationCodec, default_codec, read_jsonl, write_jsonl
from threadline.insights.disclosure import Protection, Relation, feasible_ranges, protect
from threadline.insights.metrics import InsightsMetrics
from threadline.insights.observations import (
    OBSERVATIONS_TOPIC,
    Observation,
    ObservationKind,
    observation_from_event,
)
from threadline.insights.release import ReleaseFiles, write_release

__all__ = [
    "OBSERVATIONS_TOPIC",
    "AgencyDirectory",
    "AgencyProfile",
    "InsightsMetrics",
    "Observation",
    "ObservationCodec",
    "ObservationKind",
    "Period",
    "Protection",
    "Relation",
    "ReleaseFiles",
    "Statistics",
    "compile_statistics",
    "default_codec",
    "feasible_ranges",
    "observation_from_event",
    "protect",
    "read_jsonl",
    "write_jsonl",
    "write_release",
]
