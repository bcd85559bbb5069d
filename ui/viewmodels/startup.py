"""Who opens the window, in which workspace: the desktop app's first step on an open core."""

from __future__ import annotations

from dataclasses import dataclass

from app.bootstrap import Core
from app.domain import Actor, Role

DESKTOP_ROLES = frozenset({Role.ADMIN})
"""The roles the desktop user claims. In the embedded default (one person's file) they are
taken as given; on a team database the core uses the user's stored membership instead."""

FIRST_WORKSPACE = "My workspace"


@dataclass(frozen=True)
class Start:
    """The actor the window opens as, and whether this user has never used the app here."""

    actor: Actor
    first_run: bool


async def choose_start(core: Core, last_workspace_id: str | None = None) -> Start:
    """The workspace to open: the last one used if the user still belongs to it, else their
    first; a user with none gets their own workspace (``first_run``: welcome them)."""
    user_id = core.identity()
    probe = Actor(tenant_id=last_workspace_id or "-", user_id=user_id, roles=DESKTOP_ROLES)
    workspaces = await core.workspaces.list_workspaces(probe)
    if not workspaces:
        created = await core.workspaces.create_workspace(probe, FIRST_WORKSPACE)
        return Start(_acting(probe, created.id), first_run=True)
    chosen = next((w for w in workspaces if w.id == last_workspace_id), workspaces[0])
    return Start(_acting(probe, chosen.id), first_run=False)


def _acting(actor: Actor, workspace_id: str) -> Actor:
    return actor.model_copy(update={"tenant_id": workspace_id})
