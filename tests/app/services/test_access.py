"""AccessControl: trusted roles when embedded, stored memberships on a team database."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.domain import Actor, Role
from app.domain.errors import InvalidInput, PermissionDenied
from app.ports.clock import SystemClock
from app.ports.repositories import Store
from app.services.access import AccessControl
from tests import factories
from tests.conftest import open_store


@pytest.fixture(params=["sqlite", "mongo-fake"])
async def members_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    async for store in open_store(request.param, tmp_path):
        yield store


@pytest.mark.parametrize(
    ("held", "needed", "allowed"),
    [
        ({Role.VIEWER}, Role.EDITOR, False),
        ({Role.EDITOR}, Role.EDITOR, True),
        ({Role.APPROVER}, Role.EDITOR, True),
        ({Role.EDITOR}, Role.APPROVER, False),
        ({Role.EDITOR, Role.APPROVER}, Role.APPROVER, True),
        ({Role.APPROVER}, Role.ADMIN, False),
        ({Role.ADMIN}, Role.APPROVER, True),
    ],
)
async def test_embedded_trusts_the_actors_roles(
    members_store: Store, held: set[Role], needed: Role, allowed: bool
) -> None:
    access = AccessControl(members_store.members, SystemClock(), stored_roles=False)
    actor = Actor(tenant_id="acme", user_id="ana", roles=held)
    if allowed:
        await access.require(actor, needed, "do it")
    else:
        with pytest.raises(PermissionDenied, match=f"ana cannot do it: that needs the {needed}"):
            await access.require(actor, needed, "do it")
    [founder] = await members_store.members.list("acme")
    assert (founder.user_id, founder.roles) == ("ana", {Role.ADMIN})


async def test_embedded_records_the_first_user_and_their_workspace(members_store: Store) -> None:
    access = AccessControl(
        members_store.members,
        SystemClock(),
        stored_roles=False,
        workspaces=members_store.workspaces,
    )
    await access.require(Actor(tenant_id="acme", user_id="ana"), Role.VIEWER, "look")
    await access.require(Actor(tenant_id="acme", user_id="bob"), Role.VIEWER, "look")
    assert [m.user_id for m in await members_store.members.list("acme")] == ["ana"]
    assert (await members_store.workspaces.get("acme", "acme")).name == "acme"


async def test_nobody_becomes_admin_of_a_team_workspace_by_acting_first(
    members_store: Store,
) -> None:
    access = AccessControl(members_store.members, SystemClock(), stored_roles=True)
    first = Actor(tenant_id="acme", user_id="ana", roles={Role.ADMIN})
    with pytest.raises(PermissionDenied, match="no members yet: give it its first admin with"):
        await access.require(first, Role.VIEWER, "look")
    assert await members_store.members.list("acme") == []


async def test_a_team_workspace_checks_stored_roles_not_claimed_ones(members_store: Store) -> None:
    await members_store.members.add(factories.member(user_id="ana", roles={"admin"}))
    await members_store.members.add(factories.member(user_id="bob", roles={"viewer"}))
    access = AccessControl(members_store.members, SystemClock(), stored_roles=True)
    claims_admin = Actor(tenant_id="acme", user_id="bob", roles={Role.ADMIN})
    with pytest.raises(PermissionDenied, match="needs the editor role"):
        await access.require(claims_admin, Role.EDITOR, "upload")
    stranger = Actor(tenant_id="acme", user_id="eve", roles={Role.ADMIN})
    with pytest.raises(PermissionDenied, match="eve is not a member of the workspace acme"):
        await access.require(stranger, Role.VIEWER, "look")
    assert await members_store.members.find("acme", "eve") is None


async def test_a_call_without_an_actor_is_refused(members_store: Store) -> None:
    access = AccessControl(members_store.members, SystemClock(), stored_roles=False)
    with pytest.raises(InvalidInput, match="acting user"):
        await access.require("ana", Role.VIEWER, "look")  # type: ignore[arg-type]
