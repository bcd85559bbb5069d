"""open_core(): builds the store from settings, opens it, closes it; the data folder check."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from app.adapters.mongo import MongoStore
from app.adapters.sqlite import SqliteStore
from app.bootstrap import YOUNG_GC_THRESHOLD, build_store, open_core
from app.config import AppSettings
from app.domain.errors import ConfigurationError, StorageError
from app.ports.repositories import Store
from tests import factories


async def test_the_embedded_default_needs_nothing_but_a_folder(tmp_path: Path) -> None:
    settings = AppSettings(data_dir=tmp_path / "data")
    async with open_core(settings) as core:
        assert isinstance(core.store, SqliteStore)
        campaign = await core.store.campaigns.add(factories.campaign())
    assert (tmp_path / "data" / "campaign-studio.sqlite3").exists()
    async with open_core(settings) as core:
        assert await core.store.campaigns.get("acme", campaign.id) == campaign


async def test_the_store_is_closed_when_the_block_fails(tmp_path: Path) -> None:
    settings = AppSettings(data_dir=tmp_path)

    async def fail_inside() -> Store:
        async with open_core(settings) as core:
            stores.append(core.store)
            raise RuntimeError("boom")

    stores: list[Store] = []
    with pytest.raises(RuntimeError, match="boom"):
        await fail_inside()
    store = stores[0]
    with pytest.raises(StorageError, match="closed"):
        await store.campaigns.list("acme")


async def test_an_unwritable_data_folder_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(ConfigurationError, match="is not writable"):
        async with open_core(AppSettings(data_dir=blocker / "data")):
            pass


async def test_a_mongodb_uri_selects_the_team_database(tmp_path: Path) -> None:
    settings = AppSettings(
        data_dir=tmp_path, mongodb_uri="mongodb://127.0.0.1:9/", mongodb_database="team"
    )
    store = build_store(settings)
    assert isinstance(store, MongoStore)
    await store.close()


async def test_secrets_in_force_never_reach_the_data_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    secrets = {
        "CAMPAIGN_STUDIO_REPLICATE_API_TOKEN": "r8_secret_token_value",
        "CAMPAIGN_STUDIO_POE_API_KEY": "poe_secret_key_value",
        "CAMPAIGN_STUDIO_R2_SECRET_ACCESS_KEY": "r2_secret_key_value",
    }
    for name, value in secrets.items():
        monkeypatch.setenv(name, value)
    async with open_core(AppSettings(data_dir=tmp_path)) as core:
        await core.store.campaigns.add(factories.campaign())
        await core.store.activity.add(factories.activity(details={"settings": "changed"}))
    written = b"".join(path.read_bytes() for path in tmp_path.rglob("*") if path.is_file())
    assert written  # the database really was written
    for value in secrets.values():
        assert value.encode() not in written


async def test_an_open_core_leaves_startup_objects_out_of_full_collections(
    tmp_path: Path,
) -> None:
    """A full garbage collection walks every tracked object while the event loop waits; the
    objects that exist once a core is open (modules, classes, validators) are frozen so that
    it does not walk them (one such pass took 50 ms during a render burst before)."""
    async with open_core(AppSettings(data_dir=tmp_path, render_worker=False)):
        frozen = gc.get_freeze_count()
        young_threshold = gc.get_threshold()[0]
    assert frozen > 10_000  # the modules, classes and validators at least
    assert young_threshold == YOUNG_GC_THRESHOLD
