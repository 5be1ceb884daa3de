"""The request broker's settings (``THREADLINE_BROKER_*``), frozen and read once at start-up.

Paths default to the development layout: the documents directory under the git-ignored state
directory, the keys directory of :func:`threadline.crypto.default_keys_dir`, the officer registry
in ``infra/officers.yaml``. In production the documents directory is an encrypted volume the
liaison unit can read and the disclosure keyring is a KMS (see runbooks/).
"""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from threadline.config import load_settings, state_dir

__all__ = ["BrokerSettings", "broker_settings"]


class BrokerSettings(BaseSettings):
    """Where the broker keeps documents and finds keys, and how often its timers run."""

    model_config = SettingsConfigDict(env_prefix="THREADLINE_BROKER_", frozen=True, extra="ignore")

    documents_dir: Path | None = None
    keys_dir: Path | None = None
    officers_file: Path | None = None
    protocols_dir: Path | None = None
    verify_report_signatures: bool = True
    tick_interval_s: float = Field(default=30.0, gt=0)
    poll_timeout_ms: int = Field(default=200, ge=10, le=10_000)
    reply_timeout_s: float = Field(default=30.0, gt=0)
    instance: str = Field(default="0", pattern=r"^[a-z0-9-]{1,20}$")

    def documents(self) -> Path:
        return self.documents_dir or state_dir() / "broker" / "documents"

    def keys(self) -> Path:
        from threadline.crypto import default_keys_dir

        return self.keys_dir or default_keys_dir()


def broker_settings(**overrides: object) -> BrokerSettings:
    """Settings from the environment (and ``THREADLINE_CONFIG``) with ``overrides`` on top."""
    return load_settings(BrokerSettings, **overrides)
