"""Live headline gauges for dashboards: this week's concern reports by stage and platform.

Why gauges for "this week" and not ever-growing counters per platform: the question a hub lead
asks of a dashboard is "what are we seeing now", and a counter's rate would mix the history
replayed on start-up with what is arriving. The week is the ISO week in which the correlator
*wrote* the observation (the Kafka record time), so a report about last month that arrives
today counts today; at the turn of the week the gauges start again from zero.

Why the labels are what they are: ``stage`` (five values) and ``platform`` from a short,
configured list with everything else as ``other``, so the number of series is bounded (a
platform an agency mistyped cannot create one) and no label can ever name a child, an agency,
a report or a token. Built on an injected :class:`CollectorRegistry` like every threadline
service's metrics.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime

from prometheus_client import CollectorRegistry, Counter, Gauge

from threadline.insights.observations import Observation, ObservationKind, iso_week, week_start
from threadline.insights.vocabulary import OTHER_PLATFORM, stages

__all__ = ["DEFAULT_PLATFORM_LABELS", "InsightsMetrics"]

DEFAULT_PLATFORM_LABELS = (
    "snapchat",
    "instagram",
    "whatsapp",
    "tiktok",
    "facebook",
    "youtube",
    "x",
    "discord",
    "roblox",
    "telegram",
)


class InsightsMetrics:
    """Feed it observations with their write time; scrape ``registry``."""

    def __init__(
        self,
        registry: CollectorRegistry | None = None,
        *,
        platforms: Iterable[str] = DEFAULT_PLATFORM_LABELS,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.registry = registry or CollectorRegistry()
        self.platforms = frozenset(platforms)
        self.clock = clock
        self.week = iso_week(clock())
        self.by_stage = Gauge(
            "threadline_insights_reports_this_week",
            "Concern reports received this ISO week, by stage of exploitation",
            ["stage"],
            registry=self.registry,
        )
        self.by_platform = Gauge(
            "threadline_insights_platform_reports_this_week",
            "Concern reports received this ISO week naming a platform, by platform and stage",
            ["platform", "stage"],
            registry=self.registry,
        )
        self.week_started = Gauge(
            "threadline_insights_week_start_timestamp_seconds",
            "Start (Monday 00:00 UTC) of the ISO week the gauges count",
            registry=self.registry,
        )
        self.observations = Counter(
            "threadline_insights_observations",
            "Observations read since start-up, by kind of report",
            ["kind"],
            registry=self.registry,
        )
        self.undecodable = Counter(
            "threadline_insights_undecodable_records",
            "Records on the observations topic that were not readable observations",
            registry=self.registry,
        )
        self._reset()

    def _reset(self) -> None:
        """Zero every series of the current week so dashboards show 0, not "no data"."""
        self.by_stage.clear()
        self.by_platform.clear()
        for stage in stages():
            self.by_stage.labels(stage=stage).set(0)
        start = week_start(self.week)
        self.week_started.set(datetime(start.year, start.month, start.day, tzinfo=UTC).timestamp())

    def roll(self) -> None:
        """Start a new week if the clock has moved into one (call it periodically too)."""
        now = iso_week(self.clock())
        if now != self.week:
            self.week = now
            self._reset()

    def observe(self, observation: Observation, written_at: datetime) -> None:
        """Count one observation the correlator wrote at ``written_at``."""
        self.observations.labels(kind=observation.kind.value).inc()
        self.roll()
        if observation.kind is ObservationKind.MISSING_EPISODE:
            return
        if iso_week(written_at) != self.week:
            return
        self.by_stage.labels(stage=observation.stage).inc()
        for platform in {self._platform(p) for p in observation.platform_names}:
            self.by_platform.labels(platform=platform, stage=observation.stage).inc()

    def _platform(self, name: str) -> str:
        return name if name in self.platforms else OTHER_PLATFORM
