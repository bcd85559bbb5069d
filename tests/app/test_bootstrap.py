"""open_core(): builds the store from settings, opens it, closes it; the data folder check."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from app import runtime
from app.adapter_factory import build_providers, build_store
from app.adapters.mongo import MongoStore
from app.adapters.providers import pika_provider, replicate_provider, runway_provider
from app.adapters.sqlite import SqliteStore
from app.adapters.storage.file_threads import FILE_THREAD_PREFIX
from app.bootstrap import open_core
from app.config import AppSettings
from app.domain.errors import ConfigurationError, StorageError
from app.ports.repositories import Store
from app.runtime import YOUNG_GC_THRESHOLD, tune_garbage_collector
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


async def test_opening_a_core_leaves_the_garbage_collector_as_it_was(tmp_path: Path) -> None:
    """The core is a library: the app that embeds it decides how its process collects."""
    before = (gc.get_threshold(), gc.get_freeze_count())
    async with open_core(AppSettings(data_dir=tmp_path, render_worker=False)):
        assert (gc.get_threshold(), gc.get_freeze_count()) == before
    assert (gc.get_threshold(), gc.get_freeze_count()) == before


@pytest.fixture
def untuned_collector(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The collector as CPython starts it, put back afterwards (it belongs to the test run)."""
    threshold = gc.get_threshold()
    monkeypatch.setattr(runtime, "_tuned", False)
    gc.unfreeze()
    yield
    gc.unfreeze()
    gc.set_threshold(*threshold)


@pytest.mark.usefixtures("untuned_collector")
async def test_the_opt_in_freezes_startup_objects_and_widens_the_young_generation(
    tmp_path: Path,
) -> None:
    """A full collection walks every tracked object while the event loop waits; the objects
    that exist once a core is open (modules, classes, validators) are frozen so that it does
    not walk them (one such pass took 50 ms during a render burst before)."""
    async with open_core(AppSettings(data_dir=tmp_path, render_worker=False)):
        assert tune_garbage_collector() is True
        frozen = gc.get_freeze_count()
        assert tune_garbage_collector() is False  # once per process: never freeze garbage
        # Not "==": a frozen object that another thread frees leaves the frozen generation.
        assert gc.get_freeze_count() <= frozen
    assert frozen > 10_000  # the modules, classes and validators at least
    assert gc.get_threshold()[0] == YOUNG_GC_THRESHOLD


def file_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name.startswith(FILE_THREAD_PREFIX)}


async def test_each_core_owns_its_file_threads_and_ends_them_on_close(tmp_path: Path) -> None:
    settings = AppSettings(data_dir=tmp_path / "one", render_worker=False)
    other_settings = AppSettings(data_dir=tmp_path / "two", render_worker=False)
    before = file_threads()
    async with open_core(settings) as first:
        await first.blobs.put_bytes("a/one.txt", b"1", content_type="text/plain")
        firsts = file_threads() - before
        assert firsts  # the store's own threads did the work
        async with open_core(other_settings) as second:
            await second.blobs.put_bytes("a/two.txt", b"2", content_type="text/plain")
            seconds = file_threads() - before - firsts
            assert seconds  # not the first core's
        assert not any(thread.is_alive() for thread in seconds)
        # Closing the second core left the first one's threads working.
        assert await first.blobs.read_bytes("a/one.txt") == b"1"
    assert not any(thread.is_alive() for thread in firsts)
    assert file_threads() == before
    with pytest.raises(StorageError, match="closed"):
        await first.blobs.read_bytes("a/one.txt")


@pytest.mark.parametrize("poll", [None, 7.0])
def test_provider_defaults_live_in_the_providers(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, poll: float | None
) -> None:
    """The core passes a poll interval only when ``provider_poll_seconds`` overrides it."""
    built: dict[str, dict[str, object]] = {}
    # The core imports a cloud provider only when its key is set: patch it where it lives.
    for module, name in (
        (replicate_provider, "ReplicateProvider"),
        (runway_provider, "RunwayProvider"),
        (pika_provider, "PikaProvider"),
    ):
        real = getattr(module, name)

        def record(real: type = real, **options: object) -> object:
            built[real.__name__] = options
            return real(**options)

        monkeypatch.setattr(module, name, record)
    settings = AppSettings(
        data_dir=tmp_path,
        replicate_api_token="r8_token",
        runway_api_key="key_" + "0" * 128,
        fal_key="fal-key",
        provider_poll_seconds=poll,
    )
    providers = build_providers(settings)
    assert sorted(built) == ["PikaProvider", "ReplicateProvider", "RunwayProvider"]
    for options in built.values():
        assert options.get("poll_interval") == poll
    if poll is None:
        assert (providers["replicate"].poll_interval, providers["pika"].poll_interval) == (2, 3)
        assert providers["runway"].poll_interval == 5
    else:
        assert {p.poll_interval for n, p in providers.items() if not n.startswith("local")} == {7}
