"""Who may do what: the role check every service call starts with."""

from __future__ import annotations

from app.domain import Actor, Member, Role
from app.domain.errors import InvalidInput, PermissionDenied
from app.ports.clock import Clock
from app.ports.repositories import MemberRepository


class AccessControl:
    """Checks the acting user's role before a call touches anything.

    Embedded (single user), the actor's own roles are taken as given. With a team database
    (``stored_roles``), roles come from the workspace's stored members; the first user to act
    in a workspace that has no members yet becomes its admin.

    Args:
        members: where members are stored.
        clock: the time for a new membership.
        stored_roles: check stored memberships instead of trusting the actor's roles.
    """

    def __init__(self, members: MemberRepository, clock: Clock, *, stored_roles: bool) -> None:
        self._members = members
        self._clock = clock
        self._stored_roles = stored_roles

    async def require(self, actor: Actor, role: Role, action: str) -> None:
        """Raise :class:`PermissionDenied` unless ``actor`` holds ``role`` (or a higher one).

        Args:
            actor: the acting user.
            role: the lowest role allowed to do ``action``.
            action: what the user tried, for the message ("upload to the library").
        """
        if not isinstance(actor, Actor):
            raise InvalidInput("every call needs the acting user (an Actor) first")
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
        now = self._clock.now()
        founder = Member(
            tenant_id=actor.tenant_id,
            user_id=actor.user_id,
            roles=actor.roles | {Role.ADMIN},
            created_at=now,
            updated_at=now,
        )
        await self._members.add(founder)
        return founder.roles
