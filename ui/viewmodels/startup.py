"""Who opens the window, in which workspace: the desktop app's first step on an open core."""

from __future__ import annotations

from dataclasses import dataclass

from app.bootstrap import Core
from app.domain import Actor, Role

DESKTOP_ROLES = frozenset({Role.ADMIN})
"""The roles the desktop user claims. In the embedded default (one person's file) they are
taken as given; on a team database the core uses the user's stored membership instead."""

FIRST_WORKSPACE = "My workspace"
PERSONAL_WORKSPACE = "personal"
"""The id of the workspace a user's first start opens in the embedded default (there, acting in
a workspace without members makes the user its admin, so the first call founds it)."""


@dataclass(frozen=True)
class Start:
    """The actor the window opens as, and whether to welcome the user (a first start here:
    no workspace remembered and no campaign yet)."""

    actor: Actor
    first_run: bool


async def choose_start(core: Core, last_workspace_id: str | None = None) -> Start:
    """The workspace to open: the last one used if the user still belongs to it, else their
    first; a user with none gets their own ("My workspace")."""
    user_id = core.identity()
    probe = Actor(
        tenant_id=last_workspace_id or PERSONAL_WORKSPACE, user_id=user_id, roles=DESKTOP_ROLES
    )
    workspaces = await core.workspaces.list_workspaces(probe)
    if workspaces:
        ids = [workspace.id for workspace in workspaces]
        preferred = next((i for i in (last_workspace_id, PERSONAL_WORKSPACE) if i in ids), ids[0])
        chosen = workspaces[ids.index(preferred)]
    else:  # a team database: a workspace gets its first admin by being created
        chosen = await core.workspaces.create_workspace(probe, FIRST_WORKSPACE)
    actor = probe.model_copy(update={"tenant_id": chosen.id})
    if chosen.name == chosen.id:  # founded by the first call, named by its id
        await core.workspaces.rename_workspace(actor, FIRST_WORKSPACE)
    first_run = last_workspace_id is None and not await core.campaigns.list_campaigns(actor)
    return Start(actor, first_run)
