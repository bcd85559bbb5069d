"""WorkspaceService: the workspaces a user belongs to, their members and roles, the user's name."""

from __future__ import annotations

import contextlib
import getpass
from collections.abc import Awaitable, Callable, Iterable

from app.domain import Actor, Member, Role, Workspace, new_id
from app.domain.errors import Conflict, InvalidInput, NotFound
from app.domain.validation import build
from app.ports.repositories import MemberRepository, WorkspaceRepository
from app.services.context import ServiceContext
from app.services.operations import public_calls


def parse_roles(roles: Iterable[Role | str] | Role | str) -> frozenset[Role]:
    """The roles named by ``roles`` (one or many, enum members or their plain strings).

    Raises:
        InvalidInput: no role, or a name that is not a role.
    """
    names = [roles] if isinstance(roles, str) else list(roles)
    known = ", ".join(role.value for role in Role)
    parsed = set()
    for name in names:
        try:
            parsed.add(Role(str(name).strip().lower()))
        except ValueError:
            raise InvalidInput(f"{name!r} is not a role: use {known}") from None
    if not parsed:
        raise InvalidInput(f"a member needs at least one role: {known}")
    return frozenset(parsed)


def _last_admin(member: Member, what: str) -> InvalidInput:
    return InvalidInput(
        f"{member.user_id} is the workspace's last admin and cannot be {what}: "
        "make another member an admin first"
    )


def _is_admin(member: Member) -> bool:
    return Role.ADMIN in member.roles


@public_calls
class WorkspaceService:
    """Workspaces and their members.

    A workspace is the tenant: ``actor.tenant_id`` is its id. Admins rename it and manage its
    members; any member sees the members. A workspace always keeps at least one admin.

    A display name belongs to the user, not to a workspace. It is kept on each of the user's
    memberships (all updated together, and copied onto a new one), because the memberships are
    the only record of a user the store has: ``list_members`` then shows the names without a
    second read, and no store needs a table of users.
    """

    def __init__(
        self,
        *,
        context: ServiceContext,
        workspaces: WorkspaceRepository,
        members: MemberRepository,
    ) -> None:
        self._workspaces = workspaces
        self._members = members
        self._access = context.access
        self._activity = context.activity
        self._clock = context.clock

    async def list_workspaces(self, actor: Actor) -> list[Workspace]:
        """The workspaces ``actor.user_id`` is a member of, by name (``tenant_id`` is ignored)."""
        await self._access.identify(actor)
        found = [
            await self._workspace(member)
            for member in await self._members.list_for_user(actor.user_id)
        ]
        return sorted(found, key=lambda workspace: (workspace.name.casefold(), workspace.id))

    async def create_workspace(self, actor: Actor, name: str) -> Workspace:
        """A new workspace with a generated id; ``actor.user_id`` becomes its admin."""
        await self._access.identify(actor)
        now = self._clock.now()
        workspace_id = new_id()
        workspace: Workspace = build(
            Workspace,
            id=workspace_id,
            tenant_id=workspace_id,
            name=name,
            created_at=now,
            updated_at=now,
        )
        founder = Member(
            tenant_id=workspace_id,
            user_id=actor.user_id,
            display_name=await self._display_name(actor.user_id),
            roles=frozenset({Role.ADMIN}),
            created_at=now,
            updated_at=now,
        )
        # The membership first: should the second write fail, the creator still lists the
        # workspace (named by its id) and may rename it, rather than it being nobody's.
        await self._members.add(founder)
        stored = await self._workspaces.add(workspace)
        creator = actor.model_copy(update={"tenant_id": workspace_id})
        await self._activity.record(
            creator, "workspace.created", object_type="workspace", object_id=workspace_id, name=name
        )
        return stored

    async def rename_workspace(self, actor: Actor, name: str) -> Workspace:
        """Rename the actor's workspace (admins)."""
        await self._access.require(actor, Role.ADMIN, "rename the workspace")
        tenant = actor.tenant_id
        now = self._clock.now()
        wanted = build(Workspace, id=tenant, tenant_id=tenant, name=name).name

        def change(workspace: Workspace) -> Workspace:
            if workspace.name == wanted:
                return workspace
            return workspace.model_copy(update={"name": wanted, "updated_at": now})

        try:
            renamed = await self._workspaces.modify(tenant, tenant, change)
        except NotFound:  # a workspace older than its record (or first used embedded)
            renamed = await self._workspaces.add(Workspace.named_by_id(tenant, now, wanted))
        await self._activity.record(
            actor, "workspace.renamed", object_type="workspace", object_id=tenant, name=wanted
        )
        return renamed

    async def list_members(self, actor: Actor) -> list[Member]:
        """The workspace's members by user id, with their display names (any member)."""
        await self._access.require(actor, Role.VIEWER, "see the members")
        return await self._members.list(actor.tenant_id)

    async def add_member(
        self, actor: Actor, user_id: str, roles: Iterable[Role | str] | Role | str
    ) -> Member:
        """Add ``user_id`` to the workspace with ``roles`` (admins).

        Raises:
            Conflict: the user is a member already (change their roles with :meth:`set_roles`).
        """
        await self._access.require(actor, Role.ADMIN, "add members")
        return await self._add(actor, user_id, roles)

    async def _add(
        self, by: Actor, user_id: str, roles: Iterable[Role | str] | Role | str
    ) -> Member:
        """Add ``user_id`` to ``by``'s workspace, its role already checked (or an operator's)."""
        wanted = parse_roles(roles)
        now = self._clock.now()
        member: Member = build(
            Member, tenant_id=by.tenant_id, user_id=user_id, roles=wanted, created_at=now
        )
        if await self._members.find(by.tenant_id, member.user_id) is not None:
            raise self._duplicate(member.user_id, by.tenant_id)
        member = member.model_copy(
            update={"display_name": await self._display_name(member.user_id), "updated_at": now}
        )
        try:
            stored = await self._members.add(member)
        except Conflict:  # added meanwhile: the unique (workspace, user) key refused it
            raise self._duplicate(member.user_id, by.tenant_id) from None
        await self._record(by, "member.added", stored)
        return stored

    async def set_roles(
        self, actor: Actor, user_id: str, roles: Iterable[Role | str] | Role | str
    ) -> Member:
        """Replace a member's roles (admins); the last admin keeps the admin role."""
        await self._access.require(actor, Role.ADMIN, "change members' roles")
        wanted = parse_roles(roles)
        member = await self._member(actor.tenant_id, user_id)
        if _is_admin(member) and Role.ADMIN not in wanted:
            await self._refuse_last_admin(member, "demoted")
        now = self._clock.now()

        def change(current: Member) -> Member:
            if current.roles == wanted:
                return current
            return current.model_copy(update={"roles": wanted, "updated_at": now})

        changed = await self._members.modify(actor.tenant_id, member.id, change, known=member)
        if _is_admin(member) and not _is_admin(changed):

            def undo(current: Member) -> Member:
                return current.model_copy(update={"roles": member.roles, "updated_at": now})

            await self._keep_an_admin(
                member, "demoted", lambda: self._members.modify(member.tenant_id, member.id, undo)
            )
        await self._record(actor, "member.roles_changed", changed)
        return changed

    async def remove_member(self, actor: Actor, user_id: str) -> None:
        """Remove a member from the workspace (admins); the last admin stays."""
        await self._access.require(actor, Role.ADMIN, "remove members")
        member = await self._member(actor.tenant_id, user_id)
        if _is_admin(member):
            await self._refuse_last_admin(member, "removed")
        if not await self._members.remove(actor.tenant_id, member.user_id):
            raise self._not_member(member.user_id, actor.tenant_id)
        if _is_admin(member):
            await self._keep_an_admin(member, "removed", lambda: self._members.add(member))
        await self._record(actor, "member.removed", member)

    async def set_display_name(self, actor: Actor, display_name: str) -> list[Member]:
        """Set the name ``actor.user_id`` is shown by, in every workspace they belong to.

        Returns:
            The user's memberships, each with the new name.

        Raises:
            NotFound: the user belongs to no workspace (the name lives on memberships).
        """
        await self._access.identify(actor)
        name = build(
            Member, tenant_id=actor.tenant_id, user_id=actor.user_id, display_name=display_name
        ).display_name.strip()
        memberships = await self._members.list_for_user(actor.user_id)
        if not memberships:
            raise NotFound(f"{actor.user_id} is not a member of any workspace yet")
        now = self._clock.now()

        def change(current: Member) -> Member:
            if current.display_name == name:
                return current
            return current.model_copy(update={"display_name": name, "updated_at": now})

        renamed = [
            await self._members.modify(member.tenant_id, member.id, change, known=member)
            for member in memberships
        ]
        for member in renamed:
            named_in = actor.model_copy(update={"tenant_id": member.tenant_id})
            await self._record(named_in, "member.display_name_set", member)
        return renamed

    # ------------------------------------------------------------------ helpers

    async def _workspace(self, member: Member) -> Workspace:
        tenant = member.tenant_id
        try:
            return await self._workspaces.get(tenant, tenant)
        except NotFound:  # members recorded before the workspace had a record: named by its id
            return Workspace.named_by_id(tenant, member.created_at)

    async def _display_name(self, user_id: str) -> str:
        for member in await self._members.list_for_user(user_id):
            if member.display_name:
                return member.display_name
        return ""

    async def _member(self, tenant: str, user_id: str) -> Member:
        member = await self._members.find(tenant, user_id)
        if member is None:
            raise self._not_member(user_id, tenant)
        return member

    async def _refuse_last_admin(self, member: Member, what: str) -> None:
        admins = [other for other in await self._members.list(member.tenant_id) if _is_admin(other)]
        if [admin.user_id for admin in admins] == [member.user_id]:
            raise _last_admin(member, what)

    async def _keep_an_admin(
        self, member: Member, what: str, undo: Callable[[], Awaitable[object]]
    ) -> None:
        """Undo a demotion or removal that left no admin after all.

        The check before it reads the other admins, which two admins demoting or removing each
        other at the same moment both see: the second look, after the change, catches that.
        """
        if any(_is_admin(other) for other in await self._members.list(member.tenant_id)):
            return
        await undo()
        raise _last_admin(member, what)

    async def _record(self, actor: Actor, action: str, member: Member) -> None:
        await self._activity.record(
            actor,
            action,
            object_type="member",
            object_id=member.id,
            user_id=member.user_id,
            roles=sorted(role.value for role in member.roles),
        )

    @staticmethod
    def _duplicate(user_id: str, tenant: str) -> Conflict:
        return Conflict(
            f"{user_id} is already a member of the workspace {tenant}: change their roles instead"
        )

    @staticmethod
    def _not_member(user_id: str, tenant: str) -> NotFound:
        return NotFound(f"{user_id} is not a member of the workspace {tenant}")


async def add_member_as_operator(
    workspaces: WorkspaceService, workspace_id: str, user_id: str, roles: Iterable[str]
) -> Member:
    """Add a member without a role check: the command line's way to give a workspace without
    members its first admin (whoever can run it on the database could write there anyway).

    The workspace gets a record (named by its id) if it has none. Recorded in the activity log
    as done by the operating system's user.

    Raises:
        Conflict: the user is a member already.
    """
    operator = Actor(tenant_id=workspace_id, user_id=f"operator:{getpass.getuser()}")
    stored = await workspaces._add(operator, user_id, roles)
    with contextlib.suppress(Conflict):  # it has a record already
        await workspaces._workspaces.add(Workspace.named_by_id(workspace_id, stored.created_at))
    return stored
