"""core.workspaces: workspaces, members, roles and display names, on every store kind.

Most tests run with stored roles (a team database: the strict checks); the embedded rules,
where the actor's roles are taken as given, have their own tests at the end.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

import pytest

from app.adapters.storage import LocalBlobStore
from app.bootstrap import build_core
from app.config import AppSettings
from app.domain import Actor, Member, Role
from app.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.ports.clock import SystemClock
from app.ports.repositories import MemberRepository, Store
from app.services.access import AccessControl
from app.services.activity_log import ActivityLog
from app.services.context import ServiceContext
from app.services.workspace_service import WorkspaceService


def service(store: Store, *, stored_roles: bool = True) -> WorkspaceService:
    clock = SystemClock()
    access = AccessControl(
        store.members, clock, stored_roles=stored_roles, workspaces=store.workspaces
    )
    context = ServiceContext(
        access=access, activity=ActivityLog(store.activity, clock), clock=clock
    )
    return WorkspaceService(context=context, workspaces=store.workspaces, members=store.members)


def acting(user_id: str, tenant: str, role: Role = Role.VIEWER) -> Actor:
    return Actor(tenant_id=tenant, user_id=user_id, roles={role})


async def team(store: Store) -> tuple[WorkspaceService, str]:
    """A team workspace made by ana, with bea (editor), vic (viewer) and pat (approver)."""
    workspaces = service(store)
    created = await workspaces.create_workspace(acting("ana", "anywhere"), "Acme")
    ana = acting("ana", created.id)
    await workspaces.add_member(ana, "bea", ["editor"])
    await workspaces.add_member(ana, "vic", "viewer")
    await workspaces.add_member(ana, "pat", [Role.APPROVER])
    return workspaces, created.id


async def test_the_creator_of_a_workspace_is_its_admin(store: Store) -> None:
    workspaces = service(store)
    created = await workspaces.create_workspace(acting("ana", "anywhere"), "  Acme  ")
    assert created.name == "Acme"
    assert created.tenant_id == created.id != "anywhere"
    ana = acting("ana", created.id)
    [founder] = await workspaces.list_members(ana)
    assert (founder.user_id, founder.roles) == ("ana", {Role.ADMIN})
    [entry] = await store.activity.list(created.id)
    assert (entry.action, entry.actor_id, entry.object_id) == (
        "workspace.created",
        "ana",
        created.id,
    )


async def test_a_user_lists_only_the_workspaces_they_belong_to(store: Store) -> None:
    workspaces = service(store)
    zeta = await workspaces.create_workspace(acting("ana", "x"), "zeta")
    alpha = await workspaces.create_workspace(acting("ana", "x"), "Alpha")
    other = await workspaces.create_workspace(acting("gus", "x"), "Globex")
    await workspaces.add_member(acting("gus", other.id), "bea", "viewer")
    listed = await workspaces.list_workspaces(acting("ana", "whatever"))
    assert [w.id for w in listed] == [alpha.id, zeta.id]
    assert [w.name for w in await workspaces.list_workspaces(acting("bea", "x"))] == ["Globex"]
    assert await workspaces.list_workspaces(acting("nobody", "x")) == []


async def test_a_workspace_name_must_not_be_blank(store: Store) -> None:
    workspaces = service(store)
    with pytest.raises(InvalidInput, match="name"):
        await workspaces.create_workspace(acting("ana", "x"), "   ")
    assert await workspaces.list_workspaces(acting("ana", "x")) == []


async def test_admins_rename_the_workspace(store: Store) -> None:
    workspaces, acme = await team(store)
    renamed = await workspaces.rename_workspace(acting("ana", acme), "Acme Corp")
    assert renamed.name == "Acme Corp"
    assert [w.name for w in await workspaces.list_workspaces(acting("vic", acme))] == ["Acme Corp"]
    with pytest.raises(InvalidInput, match="name"):
        await workspaces.rename_workspace(acting("ana", acme), "")
    assert (await store.workspaces.get(acme, acme)).name == "Acme Corp"


@pytest.mark.parametrize("user_id", ["vic", "bea", "pat"])
async def test_only_admins_change_the_workspace_and_its_members(store: Store, user_id: str) -> None:
    workspaces, acme = await team(store)
    claims_admin = acting(user_id, acme, Role.ADMIN)  # stored roles count, not claimed ones
    before = await workspaces.list_members(claims_admin)
    for call in (
        workspaces.rename_workspace(claims_admin, "Mine"),
        workspaces.add_member(claims_admin, "eve", "admin"),
        workspaces.set_roles(claims_admin, "vic", "admin"),
        workspaces.remove_member(claims_admin, "ana"),
    ):
        with pytest.raises(PermissionDenied, match="needs the admin role"):
            await call
    assert await workspaces.list_members(claims_admin) == before
    assert (await store.workspaces.get(acme, acme)).name == "Acme"


async def test_an_outsider_from_another_workspace_sees_and_changes_nothing(store: Store) -> None:
    workspaces, acme = await team(store)
    globex = await workspaces.create_workspace(acting("gus", "x"), "Globex")
    gus = acting("gus", acme, Role.ADMIN)
    for call in (
        workspaces.list_members(gus),
        workspaces.rename_workspace(gus, "Mine"),
        workspaces.add_member(gus, "eve", "admin"),
        workspaces.set_roles(gus, "ana", "viewer"),
        workspaces.remove_member(gus, "ana"),
    ):
        with pytest.raises(PermissionDenied, match=f"gus is not a member of the workspace {acme}"):
            await call
    # ana, acme's admin, cannot manage globex's members either
    with pytest.raises(PermissionDenied):
        await workspaces.add_member(acting("ana", globex.id, Role.ADMIN), "ana", "admin")
    assert [m.user_id for m in await store.members.list(globex.id)] == ["gus"]


async def test_members_are_added_with_roles_given_as_strings(store: Store) -> None:
    workspaces, acme = await team(store)
    added = await workspaces.add_member(acting("ana", acme), " cal ", ["editor", "APPROVER"])
    assert (added.user_id, added.roles) == ("cal", {Role.EDITOR, Role.APPROVER})
    members = await workspaces.list_members(acting("vic", acme))
    assert [m.user_id for m in members] == ["ana", "bea", "cal", "pat", "vic"]
    assert "member.added" in [e.action for e in await store.activity.list(acme)]


async def test_a_member_is_added_once(store: Store) -> None:
    workspaces, acme = await team(store)
    with pytest.raises(Conflict, match=f"bea is already a member of the workspace {acme}"):
        await workspaces.add_member(acting("ana", acme), "bea", "admin")
    assert (await workspaces._member(acme, "bea")).roles == {Role.EDITOR}


@pytest.mark.parametrize("roles", [[], ["owner"], "", ["editor", "boss"]])
async def test_bad_roles_change_nothing(store: Store, roles: list[str] | str) -> None:
    workspaces, acme = await team(store)
    ana = acting("ana", acme)
    with pytest.raises(InvalidInput, match="role"):
        await workspaces.add_member(ana, "cal", roles)
    with pytest.raises(InvalidInput, match="role"):
        await workspaces.set_roles(ana, "bea", roles)
    assert await store.members.find(acme, "cal") is None
    assert (await workspaces._member(acme, "bea")).roles == {Role.EDITOR}


async def test_admins_change_roles(store: Store) -> None:
    workspaces, acme = await team(store)
    changed = await workspaces.set_roles(acting("ana", acme), "vic", ["approver"])
    assert changed.roles == {Role.APPROVER}
    # the stored role counts from the next call on
    await workspaces.set_roles(acting("ana", acme), "bea", "admin")
    await workspaces.set_roles(acting("bea", acme, Role.VIEWER), "pat", "viewer")
    with pytest.raises(NotFound, match=f"zoe is not a member of the workspace {acme}"):
        await workspaces.set_roles(acting("ana", acme), "zoe", "viewer")


async def test_the_last_admin_is_neither_demoted_nor_removed(store: Store) -> None:
    workspaces, acme = await team(store)
    ana = acting("ana", acme)
    with pytest.raises(
        InvalidInput, match="ana is the workspace's last admin and cannot be demoted"
    ):
        await workspaces.set_roles(ana, "ana", "editor")
    with pytest.raises(InvalidInput, match="last admin and cannot be removed"):
        await workspaces.remove_member(ana, "ana")
    assert (await workspaces._member(acme, "ana")).roles == {Role.ADMIN}
    # with a second admin, either may go
    await workspaces.set_roles(ana, "bea", ["admin", "editor"])
    await workspaces.set_roles(ana, "ana", "editor")
    await workspaces.remove_member(acting("bea", acme), "ana")
    assert [m.user_id for m in await workspaces.list_members(acting("bea", acme))] == [
        "bea",
        "pat",
        "vic",
    ]


async def test_admins_remove_members(store: Store) -> None:
    workspaces, acme = await team(store)
    await workspaces.remove_member(acting("ana", acme), "vic")
    assert await store.members.find(acme, "vic") is None
    with pytest.raises(PermissionDenied, match="vic is not a member"):
        await workspaces.list_members(acting("vic", acme))
    with pytest.raises(NotFound, match="vic is not a member"):
        await workspaces.remove_member(acting("ana", acme), "vic")
    assert "member.removed" in [e.action for e in await store.activity.list(acme)]


async def test_a_display_name_belongs_to_the_user_in_every_workspace(store: Store) -> None:
    workspaces, acme = await team(store)
    globex = await workspaces.create_workspace(acting("gus", "x"), "Globex")
    await workspaces.add_member(acting("gus", globex.id), "bea", "viewer")
    await workspaces.set_display_name(acting("bea", "ignored"), "Bea Park")
    for tenant in (acme, globex.id):
        names = {m.user_id: m.display_name for m in await store.members.list(tenant)}
        assert names["bea"] == "Bea Park"
    shown = await workspaces.list_members(acting("vic", acme))
    assert {m.user_id: m.display_name for m in shown}["bea"] == "Bea Park"
    # a new membership carries the name, and a new workspace of hers too
    await workspaces.add_member(acting("ana", acme), "gus", "viewer")
    await workspaces.set_display_name(acting("gus", "x"), "Gus")
    mine = await workspaces.create_workspace(acting("bea", "x"), "Bea's")
    [founder] = await store.members.list(mine.id)
    assert founder.display_name == "Bea Park"
    with pytest.raises(InvalidInput):
        await workspaces.set_display_name(acting("bea", "x"), "Bea\x00")
    with pytest.raises(NotFound, match="zoe is not a member of any workspace"):
        await workspaces.set_display_name(acting("zoe", "x"), "Zoe")


async def test_a_team_workspace_gets_no_admin_by_someone_acting_first(store: Store) -> None:
    workspaces = service(store)
    first = acting("ana", "old-team", Role.ADMIN)
    with pytest.raises(
        PermissionDenied, match="members add USER --role admin --workspace old-team"
    ):
        await workspaces.list_members(first)
    with pytest.raises(PermissionDenied):
        await workspaces.add_member(first, "ana", "admin")
    assert await store.members.list("old-team") == []
    assert await workspaces.list_workspaces(first) == []


async def test_embedded_records_the_first_user_as_admin_and_trusts_roles(store: Store) -> None:
    workspaces = service(store, stored_roles=False)
    ana = acting("ana", "acme", Role.EDITOR)
    [listed] = await workspaces.list_workspaces(ana)
    assert (listed.id, listed.name) == ("acme", "acme")
    [founder] = await workspaces.list_members(ana)
    assert (founder.user_id, founder.roles) == ("ana", {Role.ADMIN})
    with pytest.raises(PermissionDenied, match="needs the admin role"):  # her roles as given
        await workspaces.add_member(ana, "bea", "viewer")
    await workspaces.add_member(acting("ana", "acme", Role.ADMIN), "bea", "viewer")
    await workspaces.list_members(acting("bea", "acme", Role.VIEWER))
    assert [m.user_id for m in await store.members.list("acme")] == ["ana", "bea"]


async def test_the_core_exposes_the_service(store: Store, tmp_path: Path) -> None:
    settings = AppSettings(data_dir=tmp_path / "data", render_worker=False)
    core = build_core(settings, store, LocalBlobStore(settings.data_dir / "media"))
    try:
        created = await core.workspaces.create_workspace(acting("ana", "x"), "Acme")
        listed = await core.workspaces.list_workspaces(acting("ana", "x"))
        assert created.id in [w.id for w in listed]
    finally:
        await core.close()


class RacingMembers:
    """The members, but the first ``list`` still shows a second admin, as when two admins
    demote or remove each other at the same moment: each check sees the other admin."""

    def __init__(self, inner: MemberRepository) -> None:
        self._inner = inner
        self._stale_reads = 1

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def list(self, tenant_id: str) -> list[Member]:
        members = await self._inner.list(tenant_id)
        if self._stale_reads:
            self._stale_reads -= 1
            gone = Member(tenant_id=tenant_id, user_id="zed", roles=frozenset({Role.ADMIN}))
            return [*members, gone]
        return members


@pytest.mark.parametrize("what", ["demoted", "removed"])
async def test_a_race_between_admins_still_leaves_one(store: Store, what: str) -> None:
    _, acme = await team(store)
    clock = SystemClock()
    access = AccessControl(store.members, clock, stored_roles=True)
    context = ServiceContext(
        access=access, activity=ActivityLog(store.activity, clock), clock=clock
    )
    racing = WorkspaceService(
        context=context,
        workspaces=store.workspaces,
        members=cast(MemberRepository, RacingMembers(store.members)),
    )
    ana = acting("ana", acme)
    call = racing.set_roles(ana, "ana", "editor") if what == "demoted" else None
    call = call or racing.remove_member(ana, "ana")
    with pytest.raises(InvalidInput, match=f"last admin and cannot be {what}"):
        await call
    kept = await store.members.find(acme, "ana")
    assert kept is not None
    assert kept.roles == {Role.ADMIN}
