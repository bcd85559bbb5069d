"""Contract: every repository stores, reads and updates records the same way on every store."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from app.domain import Record
from app.domain.errors import Conflict, NotFound
from app.ports.repositories import Store
from tests import factories

REPOSITORIES: dict[str, Callable[..., Record]] = {
    "workspaces": factories.workspace,
    "members": factories.member,
    "campaigns": factories.campaign,
    "strategies": factories.strategy,
    "approvals": factories.approval,
    "creatives": factories.creative,
    "posts": factories.post,
    "ad_plans": factories.ad_plan,
    "render_jobs": factories.render_job,
    "assets": factories.asset,
    "activity": factories.activity,
}

# A field of each record type that an update may change.
CHANGES: dict[str, dict[str, Any]] = {
    "workspaces": {"name": "Acme Europe"},
    "members": {"display_name": "Ana P."},
    "campaigns": {"name": "Summer launch"},
    "strategies": {"status": "invalidated", "invalidation_reason": "new audience"},
    "approvals": {"required_approvals": 2},
    "creatives": {"stale": True},
    "posts": {"channel": "tiktok"},
    "ad_plans": {"audience": "students"},
    "render_jobs": {"status": "running", "provider_job_id": "p-1"},
    "assets": {"archived": True, "tags": ("spring", "hero")},
    "activity": {"details": {"note": "edited"}},
}

# Fields that give a second record of each type an identity of its own (unique keys).
DISTINCT: dict[str, dict[str, Any]] = {
    "members": {"user_id": "bob"},
    "strategies": {"version": 2},
    "approvals": {"scope": "ads"},
    "assets": {"content": "other bytes"},
}

pytestmark = pytest.mark.parametrize("name", sorted(REPOSITORIES))


def _repo(store: Store, name: str) -> Any:
    return getattr(store, name)


async def test_add_then_get_returns_the_same_record_at_revision_1(store: Store, name: str) -> None:
    record = REPOSITORIES[name]()
    added = await _repo(store, name).add(record)
    assert added.revision == 1
    assert await _repo(store, name).get(record.tenant_id, record.id) == added
    assert added.model_copy(update={"revision": 0}) == record


async def test_update_bumps_the_revision_and_persists(store: Store, name: str) -> None:
    repo = _repo(store, name)
    added = await repo.add(REPOSITORIES[name]())
    updated = await repo.update(added.model_copy(update=CHANGES[name]))
    assert updated.revision == 2
    assert await repo.get(added.tenant_id, added.id) == updated


async def test_a_stale_write_raises_conflict_and_changes_nothing(store: Store, name: str) -> None:
    repo = _repo(store, name)
    added = await repo.add(REPOSITORIES[name]())
    current = await repo.update(added.model_copy(update=CHANGES[name]))
    with pytest.raises(Conflict, match="changed by someone else"):
        await repo.update(added)
    assert await repo.get(added.tenant_id, added.id) == current


async def test_another_tenants_record_reads_as_missing(store: Store, name: str) -> None:
    repo = _repo(store, name)
    added = await repo.add(REPOSITORIES[name]())
    with pytest.raises(NotFound, match="not found"):
        await repo.get("globex", added.id)


async def test_another_tenant_cannot_change_a_record(store: Store, name: str) -> None:
    repo = _repo(store, name)
    added = await repo.add(REPOSITORIES[name]())
    forged = added.model_copy(update={"tenant_id": "globex", **CHANGES[name]})
    with pytest.raises(NotFound):
        await repo.update(forged)
    assert await repo.get(added.tenant_id, added.id) == added


async def test_updating_a_missing_record_raises_not_found(store: Store, name: str) -> None:
    record = REPOSITORIES[name]().model_copy(update={"revision": 1})
    with pytest.raises(NotFound):
        await _repo(store, name).update(record)


async def test_adding_an_existing_id_raises_conflict(store: Store, name: str) -> None:
    repo = _repo(store, name)
    added = await repo.add(REPOSITORIES[name]())
    with pytest.raises(Conflict):
        await repo.add(added.model_copy(update=CHANGES[name]))
    assert await repo.get(added.tenant_id, added.id) == added


async def test_add_many_is_all_or_nothing(store: Store, name: str) -> None:
    repo = _repo(store, name)
    existing = await repo.add(REPOSITORIES[name]())
    fresh = REPOSITORIES[name](**DISTINCT.get(name, {})).model_copy(update={"id": "fresh-record"})
    with pytest.raises(Conflict):
        await repo.add_many([fresh, existing.model_copy(update={"revision": 0})])
    with pytest.raises(NotFound):
        await repo.get(fresh.tenant_id, fresh.id)


async def test_delete_removes_only_that_tenants_record(store: Store, name: str) -> None:
    repo = _repo(store, name)
    added = await repo.add(REPOSITORIES[name]())
    other = await repo.add(
        REPOSITORIES[name](**DISTINCT.get(name, {})).model_copy(update={"id": "kept"})
    )
    with pytest.raises(NotFound):
        await repo.delete("globex", added.id)
    assert await repo.get(added.tenant_id, added.id) == added
    await repo.delete(added.tenant_id, added.id)
    with pytest.raises(NotFound):
        await repo.get(added.tenant_id, added.id)
    with pytest.raises(NotFound, match="not found"):
        await repo.delete(added.tenant_id, added.id)
    assert await repo.get(other.tenant_id, other.id) == other
