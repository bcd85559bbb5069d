"""The render providers per kind and the library's tags, as a team sees them."""

from __future__ import annotations

from pathlib import Path

from pydantic import SecretStr

from app.adapters.sqlite import SqliteStore
from app.adapters.storage import LocalBlobStore
from app.bootstrap import Core, build_core
from app.config import AppSettings
from app.domain.errors import NotFound, PermissionDenied
from tests import samples
from tests.app.services.whole_core import whole_core  # noqa: F401 (the core fixture)
from tests.app.workflow.conftest import ANA, GUS, VIC


async def test_the_local_providers_serve_each_kind_by_default(core: Core) -> None:
    assert await core.renderer.providers(VIC) == {
        "image": ["local-image"],
        "video": ["local-video"],
    }


async def test_configured_providers_come_after_the_default_of_their_kind(tmp_path: Path) -> None:
    settings = AppSettings(
        data_dir=tmp_path / "data",
        render_worker=False,
        replicate_api_token=SecretStr("r8_test"),
        runway_api_key=SecretStr("rw_test"),
        fal_key=SecretStr("fal_test"),
        default_video_provider="runway",
    )
    store = SqliteStore(tmp_path / "campaign-studio.sqlite3")
    await store.open()
    core = build_core(settings, store, LocalBlobStore(tmp_path / "media"))
    try:
        assert await core.renderer.providers(VIC) == {
            "image": ["local-image", "replicate"],
            "video": ["runway", "local-video", "pika"],
        }
    finally:
        await core.close()


async def test_tags_count_the_workspaces_unarchived_assets(core: Core, tmp_path: Path) -> None:
    hero = await core.storage.upload(ANA, samples.png(tmp_path / "hero.png"), tags=("Hero", "x"))
    await core.storage.upload(ANA, samples.png(tmp_path / "b.png", color="#a33"), tags=("hero",))
    assert await core.storage.tags(VIC) == {"hero": 2, "x": 1}
    await core.storage.archive(ANA, hero.id)
    assert await core.storage.tags(VIC) == {"hero": 1}
    assert await core.storage.tags(GUS) == {}


async def test_an_actor_without_a_role_is_refused(core: Core) -> None:
    nobody = VIC.model_copy(update={"roles": frozenset()})
    for call in (core.renderer.providers, core.storage.tags):
        try:
            await call(nobody)
        except (PermissionDenied, NotFound):
            continue
        raise AssertionError(f"{call.__name__} answered an actor without a role")
