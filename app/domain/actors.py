"""Who acts: the actor of every call, workspaces (tenants) and their members."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field, field_validator

from app.domain.common import Id, NonEmptyStr, Record, Text
from app.domain.enums import Role
from app.domain.validation import InputModel


class Actor(InputModel):
    """The user on whose behalf a call runs; every service call takes one first.

    Roles are ordered (viewer < editor < approver < admin): holding a role grants every lower one.
    """

    tenant_id: Id
    user_id: Id
    roles: frozenset[Role] = Field(default_factory=lambda: frozenset({Role.VIEWER}))

    @field_validator("roles", mode="before")
    @classmethod
    def _coerce_roles(cls, value: object) -> object:
        if isinstance(value, str):
            return frozenset({value})
        return value

    @property
    def highest_role(self) -> Role:
        return max(self.roles, key=lambda role: role.rank, default=Role.VIEWER)

    def has_role(self, role: Role | str) -> bool:
        """Whether the actor holds ``role`` or a higher one."""
        return self.highest_role.rank >= Role(role).rank


class Workspace(Record):
    """A tenant: the team's shared space. ``id`` equals the ``tenant_id`` of everything in it."""

    name: NonEmptyStr

    @classmethod
    def named_by_id(cls, workspace_id: str, at: datetime, name: str = "") -> Workspace:
        """The record of a workspace used before it had one (named by its id unless ``name``)."""
        return cls(
            id=workspace_id,
            tenant_id=workspace_id,
            name=name or workspace_id,
            created_at=at,
            updated_at=at,
        )


class Member(Record):
    """A user's membership of a workspace, with the roles checked on every call."""

    user_id: Id
    display_name: Text = ""
    roles: frozenset[Role] = Field(default_factory=lambda: frozenset({Role.VIEWER}))
