"""Editing the settings: the config file (atomic, no secrets, unknown keys kept), the keyring,
and the settings dialog's connection tests."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import tomllib
import warnings
from pathlib import Path

import keyring.errors
import pytest

from app import config_store
from app.config import KEYRING_SERVICE, AppSettings, config_file_path
from app.domain.errors import ConfigurationError
from tests.fakes.memory_keyring import MemoryKeyring
from tests.fakes.moto_s3 import FakeS3Server, free_port

SECRET = "s3cr3t-value-never-in-files"


def collect_refused_sockets() -> None:
    """PyMongo may leave the refused connection's socket for the garbage collector when a
    client closes during server selection (see the doctor's CLI test); collect it quietly."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


def _file_values() -> dict[str, object]:
    return tomllib.loads(config_file_path().read_text(encoding="utf-8"))


def test_write_keeps_unknown_keys_and_reads_back_as_settings() -> None:
    path = config_file_path()
    path.write_text('future_option = "kept"\nrender_concurrency = 2\n', encoding="utf-8")

    changed = config_store.write_config(
        {"render_concurrency": 8, "webhook_port": 8123, "public_webhook_url": 'https://x/"q"'}
    )

    assert changed == ["render_concurrency", "webhook_port", "public_webhook_url"]
    assert _file_values() == {
        "future_option": "kept",
        "render_concurrency": 8,
        "webhook_port": 8123,
        "public_webhook_url": 'https://x/"q"',
    }
    path.write_text(path.read_text().replace('future_option = "kept"\n', ""))
    settings = AppSettings()
    assert (settings.render_concurrency, settings.webhook_port) == (8, 8123)


def test_write_is_atomic_and_none_removes_a_key(monkeypatch: pytest.MonkeyPatch) -> None:
    config_store.write_config({"webhook_port": 9000, "r2_bucket": "media"})
    replaced: list[tuple[str, str]] = []
    real_replace = os.replace

    def spy(source: str, target: str) -> None:
        replaced.append((str(source), str(target)))
        real_replace(source, target)

    monkeypatch.setattr(os, "replace", spy)
    assert config_store.write_config({"r2_bucket": None, "webhook_port": 9000}) == ["r2_bucket"]

    assert _file_values() == {"webhook_port": 9000}
    [(source, target)] = replaced
    assert target == str(config_file_path())
    assert Path(source).parent == config_file_path().parent
    assert not Path(source).exists()
    assert config_store.write_config({"webhook_port": 9000}) == []  # unchanged: no rewrite
    assert len(replaced) == 1


def test_secrets_go_to_the_keyring_never_to_the_file(
    isolated_settings: MemoryKeyring, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ConfigurationError, match="keyring"):
        config_store.write_config({"runway_api_key": SECRET})
    with pytest.raises(ConfigurationError):
        config_store.write_config({"mongodb_uri": f"mongodb://ana:{SECRET}@db.example"})

    config_store.save_secret("runway_api_key", SECRET)
    config_store.save_mongodb_uri(f"mongodb://ana:{SECRET}@db.example/")

    assert isolated_settings.entries[(KEYRING_SERVICE, "runway_api_key")] == SECRET
    assert config_store.has_secret("runway_api_key")
    assert config_store.has_secret("mongodb_uri")
    text = config_file_path().read_text() if config_file_path().exists() else ""
    assert SECRET not in text
    assert SECRET not in caplog.text
    settings = AppSettings()
    assert settings.runway_api_key is not None
    assert settings.runway_api_key.get_secret_value() == SECRET


def test_a_uri_without_password_goes_to_the_file_and_clears_the_keyring(
    isolated_settings: MemoryKeyring,
) -> None:
    config_store.save_mongodb_uri("mongodb://ana:pw@old.example/")
    config_store.save_mongodb_uri("mongodb://db.example:27017/")

    assert _file_values() == {"mongodb_uri": "mongodb://db.example:27017/"}
    assert (KEYRING_SERVICE, "mongodb_uri") not in isolated_settings.entries
    config_store.save_secret("runway_api_key", SECRET)
    config_store.save_secret("runway_api_key", "")
    assert not config_store.has_secret("runway_api_key")


def test_no_keyring_says_which_variable_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object) -> None:
        raise keyring.errors.NoKeyringError("none")

    monkeypatch.setattr(keyring, "set_password", refuse)
    with pytest.raises(config_store.KeyringUnavailableError) as caught:
        config_store.save_secret("fal_key", SECRET)
    assert caught.value.message == (
        "no OS keyring on this machine: set CAMPAIGN_STUDIO_FAL_KEY instead"
    )


async def test_database_probe_on_a_closed_port_fails_in_plain_words(tmp_path: Path) -> None:
    port = free_port()
    check = await config_store.probe_database(
        f"mongodb://ana:{SECRET}@127.0.0.1:{port}/?serverSelectionTimeoutMS=300", tmp_path
    )
    assert not check.ok
    assert check.detail.startswith(f"cannot reach mongodb://ana:****@127.0.0.1:{port}/")
    assert SECRET not in check.detail
    await asyncio.sleep(0)  # the closed client's last callbacks
    collect_refused_sockets()


async def test_database_probe_refuses_a_malformed_uri(tmp_path: Path) -> None:
    check = await config_store.probe_database("postgres://db.example", tmp_path)
    assert not check.ok
    assert "mongodb://" in check.detail


async def test_database_probe_of_the_embedded_file(tmp_path: Path) -> None:
    check = await config_store.probe_database("", tmp_path)
    assert check.ok, check.detail


async def test_database_probe_of_a_real_server(tmp_path: Path) -> None:
    uri = os.environ.get("CAMPAIGN_STUDIO_TEST_MONGODB_URI")
    if not uri:
        pytest.skip("no real MongoDB server: set CAMPAIGN_STUDIO_TEST_MONGODB_URI")
    check = await config_store.probe_database(uri, tmp_path)
    assert check.ok, check.detail


async def test_storage_probe_against_fake_r2(tmp_path: Path) -> None:
    server = FakeS3Server()
    server.start()
    try:
        server.create_bucket(server.client(), "media")
        values = {
            "data_dir": tmp_path,
            "blob_store": "r2",
            "r2_endpoint_url": server.endpoint_url,
            "r2_access_key_id": server.access_key_id,
            "r2_secret_access_key": server.secret_access_key,
        }
        found = await config_store.probe_storage({**values, "r2_bucket": "media"})
        missing = await config_store.probe_storage({**values, "r2_bucket": "absent"})
    finally:
        server.stop()
    assert found.ok, found.detail
    assert not missing.ok
    assert server.secret_access_key not in missing.detail
