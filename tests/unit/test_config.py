"""Settings errors name the variable and never echo a secret."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from threadline.config import KafkaSettings, LocalKafkaSettings, kafka_settings, load_settings
from threadline.errors import ConfigError


def test_bad_port_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("THREADLINE_LOCAL_KAFKA_PORT", "eighty")
    with pytest.raises(ConfigError, match="THREADLINE_LOCAL_KAFKA_PORT"):
        load_settings(LocalKafkaSettings)


def test_missing_credentials_say_how_to_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("THREADLINE_KAFKA_USERNAME", raising=False)
    with pytest.raises(ConfigError, match="THREADLINE_KAFKA_USERNAME"):
        load_settings(KafkaSettings).client_config()


def test_unknown_principal_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("THREADLINE_STATE_DIR", str(tmp_path))
    monkeypatch.delenv("THREADLINE_KAFKA_PASSWORD", raising=False)
    with pytest.raises(ConfigError, match="no password for principal 'ghost'"):
        kafka_settings(as_="ghost")


def test_secrets_never_print() -> None:
    settings = load_settings(KafkaSettings, username="u", password=SecretStr("hunter2-secret"))
    assert "hunter2-secret" not in repr(settings) and "hunter2-secret" not in str(settings)
    assert settings.client_config()["sasl_plain_password"] == "hunter2-secret"


def test_config_file_is_read_and_env_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    config = tmp_path / "threadline.yaml"
    config.write_text("kafka:\n  bootstrap_servers: kafka.example:9093\n  client_id: from-file\n")
    monkeypatch.setenv("THREADLINE_CONFIG", str(config))
    monkeypatch.setenv("THREADLINE_KAFKA_CLIENT_ID", "from-env")
    settings = load_settings(KafkaSettings)
    assert settings.bootstrap_servers == "kafka.example:9093"
    assert settings.client_id == "from-env"


def test_unreadable_config_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("THREADLINE_CONFIG", str(tmp_path / "missing.yaml"))
    with pytest.raises(ConfigError, match="cannot read"):
        load_settings(KafkaSettings)
