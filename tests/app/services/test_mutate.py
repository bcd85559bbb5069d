"""mutate(): optimistic read-modify-write, with and without a copy the caller already holds."""

from __future__ import annotations

from pathlib import Path

from app.adapters.sqlite import SqliteStore
from app.domain import Campaign
from app.services.concurrency import mutate
from tests import factories


def _rename(name: str):  # type: ignore[no-untyped-def]
    def change(campaign: Campaign) -> Campaign:
        return campaign.model_copy(update={"name": name})

    return change


async def test_a_known_fresh_copy_is_written_and_a_stale_one_is_read_again(
    tmp_path: Path,
) -> None:
    store = SqliteStore(tmp_path / "db.sqlite3")
    await store.open()
    added = await store.campaigns.add(factories.campaign())
    fresh = await mutate(store.campaigns, "acme", added.id, _rename("One"), known=added)
    assert (fresh.name, fresh.revision) == ("One", 2)
    # ``added`` is now stale: the first write conflicts, the record is read and changed again.
    again = await mutate(store.campaigns, "acme", added.id, _rename("Two"), known=added)
    assert (again.name, again.revision) == ("Two", 3)
    assert await store.campaigns.get("acme", added.id) == again
    unchanged = await mutate(store.campaigns, "acme", added.id, lambda c: c, known=again)
    assert unchanged.revision == 3
    await store.close()
