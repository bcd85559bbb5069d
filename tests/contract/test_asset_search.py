"""Contract: the asset search in the seed's order — tenant → not archived → type → all tags →
filename (case-insensitive, literal) → newest upload first → limit/offset, with the total."""

from __future__ import annotations

import pytest

from app.domain import Asset, AssetQuery, AssetType
from app.domain.errors import Conflict
from app.ports.repositories import Store
from tests import factories
from tests.factories import at


@pytest.fixture
async def library(store: Store) -> dict[str, Asset]:
    """Eight assets of tenant acme (uploaded one minute apart) and two of globex."""
    specs = {
        "hero": ("Hero-Banner.PNG", AssetType.IMAGE, ("spring", "hero"), False),
        "teaser": ("teaser.mp4", AssetType.VIDEO, ("spring", "video"), False),
        "logo": ("logo.svg", AssetType.OTHER, ("brand",), False),
        "copy": ("headline.txt", AssetType.TEXT, ("spring",), False),
        "old": ("hero-2019.png", AssetType.IMAGE, ("spring", "hero"), True),
        "regex": ("a.b(c)*[x]+?.png", AssetType.IMAGE, ("odd",), False),
        "dotty": ("aXb(c)[x].png", AssetType.IMAGE, ("odd",), False),
        "percent": ("100%_off.png", AssetType.IMAGE, ("sale", "spring", "hero"), False),
    }
    assets = {}
    for minute, (key, (name, kind, tags, archived)) in enumerate(specs.items()):
        assets[key] = factories.asset(
            name=name, type=kind, tags=tags, archived=archived, uploaded_at=at(60 * minute)
        )
    assets["globex_hero"] = factories.asset(
        "globex", "hero.png", tags=("spring", "hero"), uploaded_at=at(9999)
    )
    assets["globex_old"] = factories.asset("globex", "zzz.png", archived=True)
    await store.assets.add_many(list(assets.values()))
    return {key: asset.model_copy(update={"revision": 1}) for key, asset in assets.items()}


async def _names(store: Store, **query: object) -> list[str]:
    page = await store.assets.search("acme", AssetQuery.model_validate(query))
    return [asset.filename for asset in page.items]


async def test_default_search_is_the_tenants_unarchived_assets_newest_first(
    store: Store, library: dict[str, Asset]
) -> None:
    page = await store.assets.search("acme", AssetQuery())
    assert [a.filename for a in page.items] == [
        "100%_off.png",
        "aXb(c)[x].png",
        "a.b(c)*[x]+?.png",
        "headline.txt",
        "logo.svg",
        "teaser.mp4",
        "Hero-Banner.PNG",
    ]
    assert (page.total, page.limit, page.offset) == (7, 50, 0)
    assert page.items[-1] == library["hero"]


async def test_archived_assets_only_when_asked(store: Store, library: dict[str, Asset]) -> None:
    names = await _names(store, include_archived=True)
    assert "hero-2019.png" in names
    assert len(names) == 8
    assert "zzz.png" not in names


async def test_type_filter(store: Store, library: dict[str, Asset]) -> None:
    assert await _names(store, types={"video", "text"}) == ["headline.txt", "teaser.mp4"]
    assert await _names(store, types={AssetType.OTHER}) == ["logo.svg"]


async def test_tags_must_all_be_present(store: Store, library: dict[str, Asset]) -> None:
    assert await _names(store, tags={"spring", "hero"}) == ["100%_off.png", "Hero-Banner.PNG"]
    assert await _names(store, tags={"spring"}) == [
        "100%_off.png",
        "headline.txt",
        "teaser.mp4",
        "Hero-Banner.PNG",
    ]
    assert await _names(store, tags={" Spring ", "HERO", "sale"}) == ["100%_off.png"]
    assert await _names(store, tags={"spring", "nothing"}) == []


async def test_filename_is_matched_case_insensitively(
    store: Store, library: dict[str, Asset]
) -> None:
    assert await _names(store, filename="HERO") == ["Hero-Banner.PNG"]
    assert await _names(store, filename="hero", include_archived=True) == [
        "hero-2019.png",
        "Hero-Banner.PNG",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (".*", []),
        ("(c)*[x]+?", ["a.b(c)*[x]+?.png"]),
        ("a.b", ["a.b(c)*[x]+?.png"]),
        ("[x]", ["aXb(c)[x].png", "a.b(c)*[x]+?.png"]),
        ("%", ["100%_off.png"]),
        ("_", ["100%_off.png"]),
        ("^a", []),
        ("\\", []),
    ],
)
async def test_filename_text_is_literal_never_a_pattern(
    store: Store, library: dict[str, Asset], text: str, expected: list[str]
) -> None:
    assert await _names(store, filename=text) == expected


async def test_filters_combine_in_order(store: Store, library: dict[str, Asset]) -> None:
    names = await _names(
        store, types={"image"}, tags={"hero"}, filename="png", include_archived=True
    )
    assert names == ["100%_off.png", "hero-2019.png", "Hero-Banner.PNG"]


async def test_pages_and_total(store: Store, library: dict[str, Asset]) -> None:
    pages = []
    for offset in (0, 3, 6, 9):
        page = await store.assets.search("acme", AssetQuery(limit=3, offset=offset))
        assert page.total == 7
        pages.append([a.filename for a in page.items])
    assert [len(p) for p in pages] == [3, 3, 1, 0]
    assert [name for page in pages for name in page] == await _names(store)


async def test_equal_upload_times_page_in_a_stable_order(store: Store) -> None:
    same = [factories.asset(name=f"f{n}.png", uploaded_at=at(0)) for n in range(6)]
    await store.assets.add_many(same)
    first = await store.assets.search("acme", AssetQuery(limit=3))
    second = await store.assets.search("acme", AssetQuery(limit=3, offset=3))
    ids = [a.id for a in first.items + second.items]
    assert sorted(ids) == sorted(a.id for a in same)


async def test_other_tenants_see_only_their_own(store: Store, library: dict[str, Asset]) -> None:
    page = await store.assets.search("globex", AssetQuery(include_archived=True))
    assert sorted(a.filename for a in page.items) == ["hero.png", "zzz.png"]
    assert (await store.assets.search("initech", AssetQuery())).total == 0


async def test_tag_and_archive_updates_are_searchable(
    store: Store, library: dict[str, Asset]
) -> None:
    logo = library["logo"]
    await store.assets.update(logo.model_copy(update={"tags": ("brand", "hero", "spring")}))
    assert "logo.svg" in await _names(store, tags={"hero", "spring"})
    hero = library["hero"]
    await store.assets.update(hero.model_copy(update={"archived": True, "tags": ()}))
    assert "Hero-Banner.PNG" not in await _names(store)
    assert "Hero-Banner.PNG" not in await _names(store, tags={"hero"}, include_archived=True)


async def test_the_same_content_is_one_asset_per_tenant(
    store: Store, library: dict[str, Asset]
) -> None:
    hero = library["hero"]
    assert await store.assets.find_by_sha256("acme", hero.sha256) == hero
    assert await store.assets.find_by_sha256("globex", hero.sha256) is None
    with pytest.raises(Conflict, match="same content"):
        await store.assets.add(
            factories.asset(name="copy.png", content="x").model_copy(update={"sha256": hero.sha256})
        )
    await store.assets.add(
        factories.asset("globex", name="copy.png").model_copy(update={"sha256": hero.sha256})
    )


async def test_category_filter_and_counts(store: Store, library: dict[str, Asset]) -> None:
    await store.assets.update(library["hero"].model_copy(update={"category": "Key visuals"}))
    await store.assets.update(library["percent"].model_copy(update={"category": "Key visuals"}))
    await store.assets.update(library["logo"].model_copy(update={"category": "Brand"}))
    await store.assets.update(library["old"].model_copy(update={"category": "Brand"}))  # archived
    assert await _names(store, category="Key visuals") == ["100%_off.png", "Hero-Banner.PNG"]
    assert await _names(store, category="key visuals") == []  # exact match
    assert await _names(store, category="Brand", include_archived=True) == [
        "hero-2019.png",
        "logo.svg",
    ]
    assert await store.assets.categories("acme") == {"Brand": 1, "Key visuals": 2}
    assert await store.assets.categories("globex") == {}


async def test_tags_counts_each_tag_over_the_tenants_unarchived_assets(
    store: Store, library: dict[str, Asset]
) -> None:
    tags = await store.assets.tags("acme")
    assert tags == {"brand": 1, "hero": 2, "odd": 2, "sale": 1, "spring": 4, "video": 1}
    assert list(tags) == sorted(tags)
    await store.assets.update(library["logo"].model_copy(update={"archived": True}))
    assert "brand" not in await store.assets.tags("acme")
    assert await store.assets.tags("nobody") == {}
