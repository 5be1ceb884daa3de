"""The correlator worker's settings (``THREADLINE_CORRELATOR_*``), frozen and read once.

Paths default to the development layout: stores under the git-ignored state directory, the
agency registry (``agencies.json``, public keys only: the correlator holds no secret) in the
keys directory, the alert rules in ``infra/alert-rules.yaml``, the newest model in ``models/``,
agency types and regions for insights observations in ``infra/agencies.yaml``.
Timeouts are shorter than faust's defaults so that a restarted or added worker takes over in
seconds, not a minute; ``instance_id`` turns on static group membership, with which a worker
restarted under the same id gets its partitions back without a rebalance.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from threadline.config import load_settings, project_root, state_dir
from threadline.correlator.verify import VerificationPolicy

__all__ = ["CorrelatorSettings", "correlator_settings"]


class CorrelatorSettings(BaseSettings):
    """Where the worker keeps state and finds its inputs, and how it talks to the group."""

    model_config = SettingsConfigDict(
        env_prefix="THREADLINE_CORRELATOR_", frozen=True, extra="ignore"
    )

    data_dir: Path | None = None
    registry_file: Path | None = None
    rules_file: Path | None = None
    models_dir: Path | None = None
    agencies_file: Path | None = None
    metrics_port: int | None = Field(default=None, ge=0, le=65535)
    metrics_host: str = "127.0.0.1"
    """Where /metrics, /health and /ready listen: loopback by default; a container sets
    0.0.0.0 (THREADLINE_CORRELATOR_METRICS_HOST) so Prometheus beside it can scrape."""
    reports_partitions: int | None = Field(default=None, ge=1)
    instance_id: str | None = Field(default=None, pattern=r"^[A-Za-z0-9._-]{1,64}$")
    commit_interval_s: float = Field(default=1.0, gt=0)
    session_timeout_s: float = Field(default=10.0, ge=6)
    standby_replicas: int = Field(default=1, ge=0)
    max_event_bytes: int = Field(default=256 * 1024, ge=1024)
    clock_skew_s: float = Field(default=300, ge=0)
    max_publish_delay_s: float = Field(default=2 * 86400, gt=0)
    replay_window_s: float = Field(default=30 * 86400, gt=0)
    log_level: str = Field(default="warning", pattern=r"^(debug|info|warning|error)$")

    def data(self) -> Path:
        return self.data_dir or state_dir() / "correlator" / "worker"

    def registry(self) -> Path:
        if self.registry_file is not None:
            return self.registry_file
        from threadline.crypto import Keystore

        return Keystore().registry_path

    def models(self) -> Path:
        return self.models_dir or project_root() / "models"

    def policy(self) -> VerificationPolicy:
        return VerificationPolicy(
            max_event_bytes=self.max_event_bytes,
            clock_skew=timedelta(seconds=self.clock_skew_s),
            max_publish_delay=timedelta(seconds=self.max_publish_delay_s),
            replay_window=timedelta(seconds=self.replay_window_s),
        )


def correlator_settings(**overrides: object) -> CorrelatorSettings:
    """Settings from the environment (and ``THREADLINE_CONFIG``) with ``overrides`` on top."""
    return load_settings(CorrelatorSettings, **overrides)
