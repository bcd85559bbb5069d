"""StorageService on the real embedded and Mongo(-shim) stores, the local blob store and the real
media tools: uploads, dedupe, search, tags, categories, archive, usage, isolation, bad input."""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

import pytest
from PIL import Image

from app.domain import AssetQuery, AssetSource, AssetType
from app.domain.errors import InvalidInput, NotFound, PermissionDenied
from app.ports.repositories import Store
from app.services.storage_service import StorageService
from tests import factories, samples
from tests.app.services.conftest import ANA, GLOBEX, VIC


def _stored_files(media_root: Path) -> list[Path]:
    if not media_root.exists():
        return []
    return sorted(p for p in media_root.rglob("*") if p.is_file())


async def test_an_image_upload_stores_bytes_thumbnail_and_facts(
    storage: StorageService, tmp_path: Path, media_root: Path
) -> None:
    path = samples.png(tmp_path / "Hero Banner.png", size=(1200, 600))
    asset = await storage.upload(
        ANA, path, tags=(" Spring ", "HERO", "spring"), category=" Key  visuals "
    )
    assert asset.type is AssetType.IMAGE
    assert asset.content_type == "image/png"
    assert (asset.width, asset.height) == (1200, 600)
    assert asset.size == path.stat().st_size
    assert asset.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    assert asset.tags == ("spring", "hero")
    assert asset.category == "Key visuals"
    assert asset.filename == "Hero Banner.png"
    assert (asset.source, asset.uploaded_by, asset.revision) == (AssetSource.UPLOAD, "ana", 1)
    stored = media_root / asset.storage_key
    assert stored.read_bytes() == path.read_bytes()
    assert await storage.url(ANA, asset.id) == stored.as_uri()
    thumbnail = await storage.thumbnail(ANA, asset.id)
    assert thumbnail is not None
    picture = Image.open(__import__("io").BytesIO(thumbnail))
    assert picture.size == (256, 128)
    assert await storage.get(ANA, asset.id) == asset


async def test_a_video_upload_has_duration_poster_and_thumbnail(
    storage: StorageService, tmp_path: Path, media_root: Path
) -> None:
    asset = await storage.upload(ANA, samples.mp4(tmp_path / "teaser.mp4", seconds=2.0))
    assert asset.type is AssetType.VIDEO
    assert (asset.width, asset.height) == (160, 120)
    assert asset.duration_seconds == pytest.approx(2.0, abs=0.2)
    assert asset.poster_key is not None
    assert (media_root / asset.poster_key).exists()
    assert await storage.thumbnail(ANA, asset.id) is not None


@pytest.mark.parametrize("damage", ["removed", "emptied", "cut short"])
async def test_a_thumbnail_lost_in_a_power_cut_is_made_again(
    storage: StorageService, tmp_path: Path, media_root: Path, damage: str
) -> None:
    """Thumbnails and posters are written without waiting for the disk: after a power cut
    one may be gone, empty or partly written; reading it makes them again from the file."""
    asset = await storage.upload(ANA, samples.mp4(tmp_path / "teaser.mp4", seconds=1.0))
    assert asset.thumbnail_key is not None
    assert asset.poster_key is not None
    thumbnail, poster = media_root / asset.thumbnail_key, media_root / asset.poster_key
    whole_thumbnail, whole_poster = thumbnail.read_bytes(), poster.read_bytes()
    if damage == "removed":
        thumbnail.unlink()
        poster.unlink()
    elif damage == "emptied":
        thumbnail.write_bytes(b"")
    else:
        thumbnail.write_bytes(whole_thumbnail[: len(whole_thumbnail) // 2])

    assert await storage.thumbnail(ANA, asset.id) == whole_thumbnail
    assert thumbnail.read_bytes() == whole_thumbnail
    assert poster.read_bytes() == whole_poster
    assert _stored_files(media_root) == sorted(
        media_root / key for key in (asset.storage_key, asset.thumbnail_key, asset.poster_key)
    )


async def test_text_and_content_based_types(storage: StorageService, tmp_path: Path) -> None:
    copy = await storage.upload(ANA, samples.text(tmp_path / "headline.txt"))
    assert (copy.type, await storage.thumbnail(ANA, copy.id)) == (AssetType.TEXT, None)
    disguised = samples.png(tmp_path / "notes.txt")
    assert (await storage.upload(ANA, disguised)).type is AssetType.IMAGE


async def test_a_text_is_read_back_for_its_preview(storage: StorageService, tmp_path: Path) -> None:
    copy = await storage.store_text(ANA, "Ride into spring — servicing included.", filename="a.txt")
    assert await storage.text(VIC, copy.id) == "Ride into spring — servicing included."
    assert await storage.text(ANA, copy.id, limit=16) == "Ride into spring"
    long = await storage.store_text(ANA, "é" * 5000, filename="long.txt")
    assert await storage.text(ANA, long.id) == "é" * 4000  # the default preview's length

    picture = await storage.upload(ANA, samples.png(tmp_path / "hero.png"))
    with pytest.raises(InvalidInput, match=r"hero\.png is not a text but an image"):
        await storage.text(ANA, picture.id)
    with pytest.raises(InvalidInput, match="limit must be a positive number"):
        await storage.text(ANA, copy.id, limit=0)
    with pytest.raises(NotFound):
        await storage.text(GLOBEX, copy.id)


async def test_usage_is_counted_for_the_librarys_used_by_column(
    storage: StorageService, library_store: Store, tmp_path: Path
) -> None:
    hero = await storage.upload(ANA, samples.png(tmp_path / "hero.png"))
    idle = await storage.upload(ANA, samples.png(tmp_path / "idle.png", color="#345"))
    for n in range(2):
        await library_store.creatives.add(
            factories.creative(created_at=factories.at(n), asset_ids=(hero.id,))
        )
    assert await storage.usage_counts(VIC, [hero.id, idle.id, hero.id]) == {hero.id: 2}
    assert await storage.usage_counts(GLOBEX, [hero.id]) == {}  # another workspace's: nothing
    with pytest.raises(InvalidInput, match="not one string"):
        await storage.usage_counts(ANA, hero.id)
    with pytest.raises(InvalidInput, match="non-empty strings"):
        await storage.usage_counts(ANA, [hero.id, ""])
    with pytest.raises(InvalidInput, match="at most 1,000 asset ids at a time, not 1,001"):
        await storage.usage_counts(ANA, [f"a{n}" for n in range(1001)])


async def test_the_same_bytes_are_one_asset_with_tags_merged(
    storage: StorageService, tmp_path: Path, media_root: Path
) -> None:
    first = await storage.upload(ANA, samples.png(tmp_path / "a.png"), tags=["spring"])
    copy = tmp_path / "copy-of-a.png"
    copy.write_bytes((tmp_path / "a.png").read_bytes())
    second = await storage.upload(ANA, copy, tags=["hero"], category="Brand")
    assert second.id == first.id
    assert second.tags == ("spring", "hero")
    assert second.category == "Brand"
    assert second.filename == "a.png"
    page = await storage.search(ANA, AssetQuery())
    assert page.total == 1
    assert len([p for p in _stored_files(media_root) if "/assets/" in p.as_posix()]) == 1


async def test_uploading_archived_bytes_again_restores_the_asset(
    storage: StorageService, tmp_path: Path
) -> None:
    asset = await storage.upload(ANA, samples.png(tmp_path / "a.png"))
    await storage.archive(ANA, asset.id)
    again = await storage.upload(ANA, tmp_path / "a.png")
    assert (again.id, again.archived, again.archived_at) == (asset.id, False, None)


async def test_two_concurrent_uploads_of_the_same_bytes_make_one_asset(
    storage: StorageService, tmp_path: Path, media_root: Path
) -> None:
    source = samples.png(tmp_path / "a.png")
    twin = tmp_path / "b.png"
    twin.write_bytes(source.read_bytes())
    first, second = await asyncio.gather(
        storage.upload(ANA, source, tags=["one"]), storage.upload(ANA, twin, tags=["two"])
    )
    assert first.id == second.id
    final = await storage.get(ANA, first.id)
    assert sorted(final.tags) == ["one", "two"]
    assert (await storage.search(ANA, AssetQuery())).total == 1
    assert not list((media_root / ".staging").iterdir())


async def test_each_tenant_has_its_own_copy(storage: StorageService, tmp_path: Path) -> None:
    path = samples.png(tmp_path / "a.png")
    mine = await storage.upload(ANA, path)
    theirs = await storage.upload(GLOBEX, path)
    assert mine.id != theirs.id
    assert mine.sha256 == theirs.sha256


@pytest.mark.parametrize(
    ("case", "message"),
    [
        ("missing", "does not exist"),
        ("folder", "is not a file"),
        ("empty", "is empty"),
        ("broken_image", "cannot be read"),
        ("unknown", "unknown file type"),
        ("oversize", "MB"),
        ("long_tag", "at most 64"),
        ("blank_tag", "must not be empty"),
    ],
)
async def test_bad_uploads_are_refused_and_leave_nothing_behind(
    storage_factory,
    tmp_path: Path,
    media_root: Path,
    library_store: Store,  # type: ignore[no-untyped-def]
    case: str,
    message: str,
) -> None:
    storage: StorageService = storage_factory(max_upload_bytes=100_000)
    tags: list[str] = []
    path = tmp_path / "input.png"
    if case == "folder":
        path.mkdir()
    elif case == "empty":
        path.write_bytes(b"")
    elif case == "broken_image":
        path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00garbage" * 200)
    elif case == "unknown":
        path.write_bytes(bytes(range(256)) * 8)
    elif case == "oversize":
        samples.png(path, size=(1000, 1000), color="#123")
        path.write_bytes(path.read_bytes() + bytes(200_000))
    elif case in ("long_tag", "blank_tag"):
        samples.png(path)
        tags = ["x" * 500] if case == "long_tag" else ["   "]
    with pytest.raises(InvalidInput, match=message):
        await storage.upload(ANA, path, tags=tags)
    assert _stored_files(media_root) == []
    assert (await storage.search(ANA, AssetQuery(include_archived=True))).total == 0
    assert await library_store.activity.list("acme") == []


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ({"offset": -1}, "offset"),
        ({"limit": 0}, "limit"),
        ({"limit": 501}, "limit"),
        ({"types": ["sound"]}, "types"),
        ({"colour": "red"}, "colour"),
    ],
)
async def test_bad_searches_name_the_problem(
    storage: StorageService, query: dict[str, object], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        await storage.search(ANA, query)


async def test_search_through_the_service(storage: StorageService, tmp_path: Path) -> None:
    hero = await storage.upload(
        ANA, samples.png(tmp_path / "hero (1).png", color="#f00"), tags=["hero"]
    )
    await storage.upload(ANA, samples.png(tmp_path / "other.png", color="#0f0"))
    page = await storage.search(ANA, {"filename": "(1)", "tags": ["HERO"], "types": ["image"]})
    assert [a.id for a in page.items] == [hero.id]
    assert (await storage.search(ANA, {"filename": ".*"})).total == 0


async def test_tags_are_added_and_removed(storage: StorageService, tmp_path: Path) -> None:
    asset = await storage.upload(ANA, samples.png(tmp_path / "a.png"), tags=["spring"])
    tagged = await storage.tag(ANA, asset.id, add=[" Summer ", "hero"], remove=["SPRING", "none"])
    assert tagged.tags == ("summer", "hero")
    with pytest.raises(InvalidInput, match="at most 64"):
        await storage.tag(ANA, asset.id, add=["y" * 500])
    assert (await storage.get(ANA, asset.id)).tags == ("summer", "hero")


async def test_concurrent_tagging_loses_no_tag(storage: StorageService, tmp_path: Path) -> None:
    asset = await storage.upload(ANA, samples.png(tmp_path / "a.png"))
    await asyncio.gather(*(storage.tag(ANA, asset.id, add=[f"t{n}"]) for n in range(20)))
    assert sorted((await storage.get(ANA, asset.id)).tags) == sorted(f"t{n}" for n in range(20))


async def test_categories(storage: StorageService, tmp_path: Path) -> None:
    a = await storage.upload(ANA, samples.png(tmp_path / "a.png", color="#100"), category="Brand")
    await storage.upload(ANA, samples.png(tmp_path / "b.png", color="#200"), category="Brand")
    await storage.set_category(ANA, a.id, "Key visuals")
    assert await storage.categories(ANA) == {"Brand": 1, "Key visuals": 1}
    assert (await storage.set_category(ANA, a.id, "  ")).category is None
    assert [x.filename for x in (await storage.search(ANA, {"category": "Brand"})).items] == [
        "b.png"
    ]


async def test_archive_says_which_creatives_still_use_the_asset(
    storage: StorageService, tmp_path: Path, library_store: Store
) -> None:
    asset = await storage.upload(ANA, samples.png(tmp_path / "a.png"))
    creative = await library_store.creatives.add(factories.creative(asset_ids=(asset.id,)))
    assert await storage.usage(ANA, asset.id) == [creative.id]
    result = await storage.archive(ANA, asset.id)
    assert result.in_use
    assert result.used_by == [creative.id]
    assert result.asset.archived
    assert result.asset.archived_at is not None
    assert (await storage.search(ANA, AssetQuery())).total == 0
    assert (await storage.search(ANA, AssetQuery(include_archived=True))).total == 1
    restored = await storage.unarchive(ANA, asset.id)
    assert (restored.archived, restored.archived_at) == (False, None)
    other = await storage.upload(ANA, samples.png(tmp_path / "b.png", color="#abc"))
    unused = await storage.archive(ANA, other.id)
    assert (unused.in_use, unused.used_by) == (False, [])


async def test_every_mutation_is_in_the_activity_log(
    storage: StorageService, tmp_path: Path, library_store: Store
) -> None:
    asset = await storage.upload(ANA, samples.png(tmp_path / "a.png"))
    await storage.tag(ANA, asset.id, add=["x"])
    await storage.set_category(ANA, asset.id, "Brand")
    await storage.archive(ANA, asset.id)
    await storage.unarchive(ANA, asset.id)
    actions = [entry.action for entry in await library_store.activity.list("acme")]
    assert actions == [
        "asset.unarchived",
        "asset.archived",
        "asset.categorised",
        "asset.tagged",
        "asset.added",
    ]
    assert await library_store.activity.list("globex") == []


async def test_another_tenant_sees_and_changes_nothing(
    storage: StorageService, tmp_path: Path
) -> None:
    asset = await storage.upload(ANA, samples.png(tmp_path / "a.png"), tags=["x"])
    calls = [
        storage.get(GLOBEX, asset.id),
        storage.tag(GLOBEX, asset.id, add=["y"]),
        storage.set_category(GLOBEX, asset.id, "Theirs"),
        storage.archive(GLOBEX, asset.id),
        storage.unarchive(GLOBEX, asset.id),
        storage.usage(GLOBEX, asset.id),
        storage.url(GLOBEX, asset.id),
        storage.thumbnail(GLOBEX, asset.id),
    ]
    for call in calls:
        with pytest.raises(NotFound):
            await call
    assert (await storage.search(GLOBEX, AssetQuery(include_archived=True))).total == 0
    assert await storage.categories(GLOBEX) == {}
    assert await storage.get(ANA, asset.id) == asset


async def test_viewers_read_but_cannot_change(storage: StorageService, tmp_path: Path) -> None:
    asset = await storage.upload(ANA, samples.png(tmp_path / "a.png"))
    assert (await storage.search(VIC, AssetQuery())).total == 1
    assert await storage.get(VIC, asset.id) == asset
    calls = [
        storage.upload(VIC, tmp_path / "a.png"),
        storage.tag(VIC, asset.id, add=["y"]),
        storage.set_category(VIC, asset.id, "Mine"),
        storage.archive(VIC, asset.id),
        storage.unarchive(VIC, asset.id),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied, match="needs the editor role"):
            await call
    assert await storage.get(ANA, asset.id) == asset


async def test_render_outputs_are_ingested_from_a_stream(
    storage: StorageService, tmp_path: Path
) -> None:
    data = samples.png(tmp_path / "out.png").read_bytes()

    async def chunks():  # type: ignore[no-untyped-def]
        for start in range(0, len(data), 1000):
            yield data[start : start + 1000]

    asset = await storage.ingest(
        ANA, chunks(), filename="render-1.png", render_job_id="job-1", tags=["generated"]
    )
    assert (asset.source, asset.render_job_id, asset.type) == (
        AssetSource.RENDER,
        "job-1",
        AssetType.IMAGE,
    )
    assert asset.sha256 == hashlib.sha256(data).hexdigest()
