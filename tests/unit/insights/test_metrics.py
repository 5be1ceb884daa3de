"""This week's gauges: bounded labels, nothing per child, and a fresh start every week."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from prometheus_client import CollectorRegistry, generate_latest

from threadline.insights.metrics import InsightsMetrics
from threadline.insights.observations import Observation

MONDAY = datetime(2025, 6, 2, 9, tzinfo=UTC)  # 2025-W23


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def obs(stage: str = "UNKNOWN", kind: str = "CONCERN", **platforms: list[str]) -> Observation:
    return Observation.from_record(
        {
            "week": "2025-W20",  # when it happened; the gauges count when it arrived
            "kind": kind,
            "agency_type": "police",
            "region": "london",
            "stage": stage,
            "platforms": platforms,
        }
    )


def sample(metrics: InsightsMetrics, name: str, **labels: str) -> float | None:
    return metrics.registry.get_sample_value(name, labels)


def test_concern_reports_this_week_by_stage_and_platform() -> None:
    metrics = InsightsMetrics(CollectorRegistry(), clock=Clock(MONDAY))
    arrived = MONDAY + timedelta(hours=1)
    metrics.observe(obs("TARGETING", snapchat=["FIRST_CONTACT"], roblox=["GROOMING"]), arrived)
    metrics.observe(obs("TARGETING", snapchat=["GROOMING"]), arrived)
    metrics.observe(obs("CONTROL", whatsapp=["CONTROL"]), arrived)
    metrics.observe(obs(kind="MISSING_EPISODE"), arrived)
    metrics.observe(obs("CONTROL", whatsapp=["CONTROL"]), MONDAY - timedelta(days=2))  # last week
    name = "threadline_insights_reports_this_week"
    assert sample(metrics, name, stage="TARGETING") == 2
    assert sample(metrics, name, stage="CONTROL") == 1
    assert sample(metrics, name, stage="MEETING_COERCION") == 0  # present as zero, not absent
    platform = "threadline_insights_platform_reports_this_week"
    assert sample(metrics, platform, platform="snapchat", stage="TARGETING") == 2
    assert sample(metrics, platform, platform="roblox", stage="TARGETING") == 1
    assert sample(metrics, "threadline_insights_observations_total", kind="CONCERN") == 4
    assert sample(metrics, "threadline_insights_observations_total", kind="MISSING_EPISODE") == 1


def test_a_new_week_starts_from_zero() -> None:
    clock = Clock(MONDAY)
    metrics = InsightsMetrics(CollectorRegistry(), clock=clock)
    metrics.observe(obs("TARGETING", snapchat=["GROOMING"]), MONDAY)
    started = sample(metrics, "threadline_insights_week_start_timestamp_seconds")
    clock.now = MONDAY + timedelta(days=7)
    metrics.roll()
    assert sample(metrics, "threadline_insights_reports_this_week", stage="TARGETING") == 0
    assert sample(metrics, "threadline_insights_platform_reports_this_week",
                  platform="snapchat", stage="TARGETING") is None  # fmt: skip
    assert (
        sample(metrics, "threadline_insights_week_start_timestamp_seconds") == started + 7 * 86400
    )


def test_labels_are_a_closed_set_and_never_name_anything_local() -> None:
    metrics = InsightsMetrics(CollectorRegistry(), clock=Clock(MONDAY), platforms=["snapchat"])
    for platform in ("instagram", "tiktok", "kick", "some-typo-aisha"):
        metrics.observe(obs("TRUST_DECEPTION", **{platform: ["GROOMING"]}), MONDAY)
    text = generate_latest(metrics.registry).decode()
    assert 'platform="other",stage="TRUST_DECEPTION"} 4.0' in text
    assert "aisha" not in text and "london" not in text and "police" not in text
    label_sets = {
        tuple(sorted(s.labels)) for family in metrics.registry.collect() for s in family.samples
    }
    assert label_sets <= {(), ("stage",), ("platform", "stage"), ("kind",)}


def test_registries_are_not_shared() -> None:
    first = InsightsMetrics(CollectorRegistry(), clock=Clock(MONDAY))
    second = InsightsMetrics(CollectorRegistry(), clock=Clock(MONDAY))
    first.observe(obs("CONTROL"), MONDAY)
    assert sample(second, "threadline_insights_reports_this_week", stage="CONTROL") == 0
