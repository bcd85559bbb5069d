"""Who may do what: the role check every service call starts with."""

from __future__ import annotations

import contextlib
import copy
import getpass

from app.domain import Actor, Member, Role, Workspace
from app.domain.errors import Conflict, InvalidInput, PermissionDenied, ReadOnlyDatabase
from app.ports.clock import Clock
from app.ports.repositories import MemberRepository, WorkspaceRepository
from app.services.member_names import MemberNames


class AccessControl:
    """Checks the acting user's role before a call touches anything.

    Embedded (one person's file), the actor's own roles are taken as given, and the first user
    to act in a workspace without members is recorded as its admin, so its member list is never
    empty. With a team database (``stored_roles``), the roles that count are the user's stored
    membership of the workspace; nobody becomes a member by acting: a workspace's creator is its
    admin, and a workspace without members gets its first admin from the command line.

    Who the user is: on a team server with authentication, the database user the workstation
    signed in as (``signed_in_as``), and an actor naming anyone else is refused, so nobody acts
    as someone else by editing a profile. Embedded, or on a server that does not authenticate,
    the actor's user id is trusted as given (``campaign-studio doctor`` warns about the latter).

    Args:
        members: where members are stored.
        clock: the time for a new membership.
        stored_roles: check stored memberships instead of trusting the actor's roles.
        workspaces: where workspaces are stored; given, the embedded first user's workspace is
            recorded too (named by its id) when it has no record yet.
        signed_in_as: the database user the server authenticated (``Store.authenticated_user``);
            None when nobody is (embedded, or a server without authentication).
    """

    def __init__(
        self,
        members: MemberRepository,
        clock: Clock,
        *,
        stored_roles: bool,
        workspaces: WorkspaceRepository | None = None,
        signed_in_as: str | None = None,
    ) -> None:
        self._members = members
        self._signed_in_as = signed_in_as
        self.names = MemberNames(members)
        """The members' display names, for the lists that show who did what."""
        self._workspaces = workspaces
        self._clock = clock
        self._stored_roles = stored_roles
        # Workspaces seen with members: they never lose their last admin, so the check that
        # records an embedded founder runs once per workspace and process, not on every call.
        self._founded: set[str] = set()

    @property
    def stored_roles(self) -> bool:
        """Whether the stored memberships decide (a team database) rather than the actor."""
        return self._stored_roles

    def identity(self, profile_user_id: str | None = None) -> str:
        """The user id to act as: the database user the server authenticated, else
        ``profile_user_id`` (the profile's), else the operating system's login name."""
        if self._signed_in_as is not None:
            return self._signed_in_as
        return profile_user_id or getpass.getuser()

    def acting_for_others(self) -> AccessControl:
        """These checks without the signed-in user's: for the core's own work on behalf of
        whoever asked for it (the render engine adds a finished render to the library as the
        user who queued it, whoever runs the worker). Roles are checked as before."""
        trusting = copy.copy(self)
        trusting._signed_in_as = None
        return trusting

    async def identify(self, actor: Actor) -> Actor:
        """Check that a call names its acting user, for calls about the user, not a workspace.

        Embedded, the actor's workspace gets its first member as :meth:`require` does.

        Raises:
            InvalidInput: ``actor`` is not an :class:`Actor`.
            PermissionDenied: the server authenticated another user than ``actor.user_id``.
        """
        if not isinstance(actor, Actor):
            raise InvalidInput("every call needs the acting user (an Actor) first")
        if self._signed_in_as is not None and actor.user_id != self._signed_in_as:
            raise PermissionDenied(
                f"you are signed in to the database as {self._signed_in_as}: "
                f"you cannot act as {actor.user_id}"
            )
        if not self._stored_roles:
            await self._record_founder(actor)
        return actor

    async def require(self, actor: Actor, role: Role, action: str) -> None:
        """Raise :class:`PermissionDenied` unless ``actor`` holds ``role`` (or a higher one).

        Args:
            actor: the acting user.
            role: the lowest role allowed to do ``action``.
            action: what the user tried, for the message ("upload to the library").
        """
        await self.identify(actor)
        roles = actor.roles if not self._stored_roles else await self._stored(actor)
        if not any(held.rank >= role.rank for held in roles):
            raise PermissionDenied(
                f"{actor.user_id} cannot {action}: that needs the {role.value} role"
            )

    async def _stored(self, actor: Actor) -> frozenset[Role]:
        member = await self._members.find(actor.tenant_id, actor.user_id)
        if member is not None:
            return member.roles
        if await self._members.list(actor.tenant_id):
            raise PermissionDenied(
                f"{actor.user_id} is not a member of the workspace {actor.tenant_id}"
            )
        raise PermissionDenied(
            f"{actor.user_id} is not a member of the workspace {actor.tenant_id}, which has no "
            "members yet: give it its first admin with `campaign-studio members add USER "
            f"--role admin --workspace {actor.tenant_id}`"
        )

    async def _record_founder(self, actor: Actor) -> None:
        tenant = actor.tenant_id
        if tenant in self._founded:
            return
        if not await self._members.list(tenant):
            now = self._clock.now()
            founder = Member(
                tenant_id=tenant,
                user_id=actor.user_id,
                roles=frozenset({Role.ADMIN}),
                created_at=now,
                updated_at=now,
            )
            try:
                await self._members.add(founder)
                if self._workspaces is not None:
                    await self._add_workspace(self._workspaces, tenant)
            except Conflict:
                pass  # a concurrent first call recorded it
            except ReadOnlyDatabase:
                return  # a file only read (a newer release's): the actor's roles still decide
        self._founded.add(tenant)

    async def _add_workspace(self, workspaces: WorkspaceRepository, tenant: str) -> None:
        workspace = Workspace.named_by_id(tenant, self._clock.now())
        with contextlib.suppress(Conflict):  # it has a record already
            await workspaces.add(workspace)
