"""Settings, from environment variables or a file, with errors a person can act on.

Every setting is ``THREADLINE_<SECTION>_<NAME>`` in the environment (e.g.
``THREADLINE_KAFKA_BOOTSTRAP_SERVERS``) or a key in the YAML file named by
``THREADLINE_CONFIG``. Secrets are ``SecretStr`` so they never appear in a repr, a log line or a
traceback. Settings objects are frozen: a service reads them once at start-up.

For local development the broker's SCRAM passwords live in ``<state>/kafka/credentials.json``
(written by ``threadline kafka up``, mode 0600, never in the repository); ``kafka_settings(as_=
"correlator")`` picks a principal's credentials from there when the environment names none.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path
from typing import Any, Literal, TypeVar

import yaml
from pydantic import Field, SecretStr
from pydantic import ValidationError as PydanticValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from threadline.errors import ConfigError

__all__ = [
    "KafkaSettings",
    "LocalKafkaSettings",
    "kafka_settings",
    "load_settings",
    "project_root",
    "state_dir",
]


@cache
def project_root() -> Path:
    """The checkout threadline runs from (where ``infra/`` and ``schemas/`` live).

    ``THREADLINE_ROOT`` wins; otherwise walk up from this file (editable installs) and then from
    the working directory until a folder with ``infra/topology.yaml`` is found.
    """
    override = os.environ.get("THREADLINE_ROOT")
    if override:
        return Path(override).resolve()
    for start in (Path(__file__).resolve(), Path.cwd().resolve()):
        for folder in (start, *start.parents):
            if (folder / "infra" / "topology.yaml").is_file():
                return folder
    raise ConfigError(
        "cannot find the threadline checkout (a folder with infra/topology.yaml): "
        "run from inside it or set THREADLINE_ROOT"
    )


def state_dir() -> Path:
    """Where local runtime state goes (broker data, logs, dev keys): ``THREADLINE_STATE_DIR``
    or ``<checkout>/var``, which git ignores."""
    override = os.environ.get("THREADLINE_STATE_DIR")
    return Path(override).resolve() if override else project_root() / "var"


S = TypeVar("S", bound=BaseSettings)


class KafkaSettings(BaseSettings):
    """How a client reaches the cluster and as whom."""

    model_config = SettingsConfigDict(env_prefix="THREADLINE_KAFKA_", frozen=True, extra="ignore")

    bootstrap_servers: str = "127.0.0.1:19092"
    security_protocol: Literal["SASL_PLAINTEXT", "SASL_SSL"] = "SASL_PLAINTEXT"
    sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256"] = "SCRAM-SHA-512"
    username: str | None = None
    password: SecretStr | None = None
    ssl_cafile: Path | None = None
    topic_prefix: str = ""
    client_id: str = "threadline"

    def client_config(self) -> dict[str, Any]:
        """Keyword arguments shared by kafka-python's producer, consumer and admin client."""
        if not self.username or self.password is None:
            raise ConfigError(
                "no Kafka credentials: set THREADLINE_KAFKA_USERNAME and "
                "THREADLINE_KAFKA_PASSWORD, or pass --as PRINCIPAL with a local broker running"
            )
        config: dict[str, Any] = {
            "bootstrap_servers": self.bootstrap_servers.split(","),
            "security_protocol": self.security_protocol,
            "sasl_mechanism": self.sasl_mechanism,
            "sasl_plain_username": self.username,
            "sasl_plain_password": self.password.get_secret_value(),
            "client_id": self.client_id,
        }
        if self.ssl_cafile is not None:
            config["ssl_cafile"] = str(self.ssl_cafile)
        return config


class LocalKafkaSettings(BaseSettings):
    """The development broker that ``threadline kafka up`` runs from Maven Central jars."""

    model_config = SettingsConfigDict(
        env_prefix="THREADLINE_LOCAL_KAFKA_", frozen=True, extra="ignore"
    )

    port: int = Field(default=19092, ge=1024, le=65535)
    controller_port: int = Field(default=19093, ge=1024, le=65535)
    heap: str = Field(default="512m", pattern=r"^\d+[mMgG]$")
    ready_timeout_s: float = Field(default=90.0, gt=0)
    cache_dir: Path = Path.home() / ".cache" / "threadline"


def load_settings(cls: type[S], **overrides: Any) -> S:
    """Build ``cls`` from the config file, the environment and ``overrides`` (in rising order),
    turning pydantic's report into one ConfigError that names each bad setting."""
    prefix = str(cls.model_config.get("env_prefix", ""))
    file_values = {
        key: value
        for key, value in _file_section(cls).items()
        if f"{prefix}{key}".upper() not in os.environ
    }
    try:
        return cls(**{**file_values, **overrides})
    except PydanticValidationError as exc:
        problems = "; ".join(
            f"{prefix}{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigError(f"invalid settings: {problems}") from None


def _file_section(cls: type[BaseSettings]) -> dict[str, Any]:
    path = os.environ.get("THREADLINE_CONFIG")
    if not path:
        return {}
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise ConfigError(f"THREADLINE_CONFIG={path}: cannot read it ({exc.strerror})") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"THREADLINE_CONFIG={path}: not valid YAML ({exc})") from exc
    section = {"KafkaSettings": "kafka", "LocalKafkaSettings": "local_kafka"}.get(cls.__name__)
    values = data.get(section, {}) if isinstance(data, dict) and section else {}
    if not isinstance(values, dict):
        raise ConfigError(f"THREADLINE_CONFIG={path}: section {section!r} must be a mapping")
    return values


def credentials_path() -> Path:
    return state_dir() / "kafka" / "credentials.json"


def _local_broker_file() -> dict[str, Any]:
    path = credentials_path()
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else {}


def local_credentials() -> dict[str, str]:
    """Principal → password for the development broker (empty if it was never started)."""
    return {str(k): str(v) for k, v in _local_broker_file().get("users", {}).items()}


def kafka_settings(as_: str | None = None, **overrides: Any) -> KafkaSettings:
    """Client settings for principal ``as_`` (or whoever the environment names).

    With ``as_`` and no password in the environment, the development credentials file is used,
    which is how the CLI and the demo act as several principals on one machine.
    """
    local = _local_broker_file()
    if "bootstrap" in local and "THREADLINE_KAFKA_BOOTSTRAP_SERVERS" not in os.environ:
        # the development broker may run on other ports (THREADLINE_LOCAL_KAFKA_PORT)
        overrides.setdefault("bootstrap_servers", local["bootstrap"])
    if as_ is not None:
        overrides.setdefault("username", as_)
        if "password" not in overrides and not os.environ.get("THREADLINE_KAFKA_PASSWORD"):
            password = local.get("users", {}).get(as_)
            if password is None:
                raise ConfigError(
                    f"no password for principal {as_!r}: it is not in the topology, or the local "
                    "broker was never started (run `threadline kafka up`)"
                )
            overrides["password"] = SecretStr(password)
    return load_settings(KafkaSettings, **overrides)
