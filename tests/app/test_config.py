"""Settings: sources and their precedence, secrets kept out of the config file, masking."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from app.config import AppSettings, config_file_path, default_data_dir, mask_uri
from app.domain.errors import ConfigurationError
from tests.fakes.memory_keyring import MemoryKeyring


def _config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    monkeypatch.setenv("CAMPAIGN_STUDIO_CONFIG_FILE", str(path))
    return path


def test_defaults_need_no_configuration() -> None:
    settings = AppSettings()
    assert settings.data_dir == default_data_dir()
    assert settings.mongodb_uri is None
    assert not settings.uses_mongodb
    assert settings.blob_store == "local"
    assert settings.render_worker is True
    assert settings.webhook_host == "127.0.0.1"
    assert settings.replicate_base_url == "https://api.replicate.com/v1"


def test_the_config_file_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _config(monkeypatch, tmp_path, 'render_concurrency = 7\ndata_dir = "~/studio"\n')
    settings = AppSettings()
    assert settings.render_concurrency == 7
    assert settings.data_dir == Path("~/studio").expanduser()


def test_environment_beats_the_file_and_arguments_beat_both(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _config(monkeypatch, tmp_path, "render_concurrency = 7\n")
    monkeypatch.setenv("CAMPAIGN_STUDIO_RENDER_CONCURRENCY", "9")
    assert AppSettings().render_concurrency == 9
    assert AppSettings(render_concurrency=2).render_concurrency == 2


def test_secrets_come_from_the_keyring_and_the_environment_wins(
    monkeypatch: pytest.MonkeyPatch, isolated_settings: MemoryKeyring
) -> None:
    isolated_settings.set_password("campaign-studio", "replicate_api_token", "r8_from_keyring")
    settings = AppSettings()
    assert settings.replicate_api_token is not None
    assert settings.replicate_api_token.get_secret_value() == "r8_from_keyring"
    monkeypatch.setenv("CAMPAIGN_STUDIO_REPLICATE_API_TOKEN", "r8_from_env")
    token = AppSettings().replicate_api_token
    assert token is not None
    assert token.get_secret_value() == "r8_from_env"


def test_secrets_never_show_in_repr_or_dumps(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAMPAIGN_STUDIO_POE_API_KEY", "poe-very-secret")
    settings = AppSettings()
    assert "poe-very-secret" not in repr(settings)
    assert "poe-very-secret" not in settings.model_dump_json()


@pytest.mark.parametrize(
    ("text", "named"),
    [
        ('fal_key = "abc"\n', "fal_key"),
        ('r2_secret_access_key = "abc"\nreplicate_api_token = "r8"\n', "r2_secret_access_key"),
        ('mongodb_uri = "mongodb://ana:pw@db.example/x"\n', "mongodb_uri (it holds a password)"),
    ],
)
def test_a_secret_in_the_config_file_is_refused(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, text: str, named: str
) -> None:
    path = _config(monkeypatch, tmp_path, text)
    with pytest.raises(ConfigurationError, match="holds secrets") as raised:
        AppSettings()
    assert named in raised.value.message
    assert str(path) in raised.value.message
    assert "abc" not in raised.value.message
    assert "pw" not in raised.value.message.replace(str(path), "")


def test_a_mongodb_uri_without_password_may_live_in_the_file(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    _config(monkeypatch, tmp_path, 'mongodb_uri = "mongodb://db.example:27017/?replicaSet=rs0"\n')
    settings = AppSettings()
    assert settings.uses_mongodb


def test_a_broken_config_file_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = _config(monkeypatch, tmp_path, "render_concurrency = = 3\n")
    with pytest.raises(ConfigurationError, match="cannot read the config file") as raised:
        AppSettings()
    assert str(path) in raised.value.message


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("render_concurrency", 0),
        ("blob_store", "ftp"),
        ("webhook_port", 70000),
        ("mongodb_uri", "postgres://x"),
        ("mongodb_database", "bad name!"),
    ],
)
def test_invalid_values_are_refused_naming_the_field(field: str, value: object) -> None:
    with pytest.raises(ValidationError) as raised:
        AppSettings(**{field: value})
    assert field in str(raised.value)


def test_unknown_settings_are_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _config(monkeypatch, tmp_path, "render_concurency = 3\n")
    with pytest.raises(ValidationError, match="render_concurency"):
        AppSettings()


def test_config_file_location(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CAMPAIGN_STUDIO_CONFIG_FILE")
    assert config_file_path().name == "config.toml"
    assert "campaign-studio" in str(config_file_path())


@pytest.mark.parametrize(
    ("uri", "shown"),
    [
        ("mongodb://ana:s3cret@h:27017/db?x=1", "mongodb://ana:****@h:27017/db?x=1"),
        ("mongodb+srv://h.example/db", "mongodb+srv://h.example/db"),
    ],
)
def test_uris_are_masked(uri: str, shown: str) -> None:
    assert mask_uri(uri) == shown
