"""Contract: the reads and the undo a workspace archive needs (every entry, a batch's removal)."""

from __future__ import annotations

from app.domain import AssetQuery
from app.domain.errors import NotFound
from app.ports.repositories import Store
from tests import factories
from tests.factories import at


async def test_a_negative_activity_limit_lists_every_entry_newest_first(store: Store) -> None:
    entries = [factories.activity(at=at(second)) for second in range(120)]
    await store.activity.add_many(entries)
    await store.activity.add(factories.activity("globex"))
    listed = await store.activity.list("acme", limit=-1)
    assert [entry.id for entry in listed] == [entry.id for entry in reversed(entries)]
    assert len(await store.activity.list("acme")) == 100  # the default stays a page


async def test_delete_many_removes_only_the_tenants_named_records(store: Store) -> None:
    kept = await store.campaigns.add(factories.campaign(name="Kept"))
    gone = [await store.campaigns.add(factories.campaign(name=f"Gone {n}")) for n in range(3)]
    theirs = await store.campaigns.add(factories.campaign("globex"))
    deleted = await store.campaigns.delete_many("acme", [c.id for c in gone] + [theirs.id])
    assert deleted == 3
    assert [c.id for c in await store.campaigns.list("acme")] == [kept.id]
    assert await store.campaigns.get("globex", theirs.id) == theirs
    for campaign in gone:
        try:
            await store.campaigns.get("acme", campaign.id)
        except NotFound:
            continue
        raise AssertionError(f"{campaign.id} was not deleted")
    assert await store.campaigns.delete_many("acme", []) == 0


async def test_a_deleted_asset_takes_its_tags_with_it(store: Store) -> None:
    tagged = await store.assets.add(factories.asset(tags=("spring",)))
    assert await store.assets.delete_many("acme", [tagged.id]) == 1
    # Its id is free again, and the tag no longer counts it.
    await store.assets.add(factories.asset(id=tagged.id, name="other.png", tags=("spring",)))
    assert (await store.assets.get("acme", tagged.id)).filename == "other.png"
    found = await store.assets.search("acme", AssetQuery(tags=frozenset({"spring"})))
    assert [asset.filename for asset in found.items] == ["other.png"]
