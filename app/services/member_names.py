"""Display names for the user ids that approvals and the activity log record."""

from __future__ import annotations

from app.domain import ActivityEntry, Approval, ApprovalScope
from app.ports.repositories import MemberRepository


class MemberNames:
    """Shows who did what by display name, read from the workspace's members when a list is read.

    The names are resolved at read time rather than stored with each vote, timeline line and
    activity entry: a user who renames themselves is shown by the new name everywhere at once,
    and nothing written earlier (nor any record older than display names) needs rewriting. The
    cost is one read of the workspace's members per list. A user without a display name, or no
    longer a member, is shown by their user id.

    Args:
        members: where the workspaces' members (and their display names) are stored.
    """

    def __init__(self, members: MemberRepository) -> None:
        self._members = members

    async def of(self, tenant_id: str) -> dict[str, str]:
        """The display names of the workspace's members who set one, by user id."""
        return {
            member.user_id: member.display_name
            for member in await self._members.list(tenant_id)
            if member.display_name
        }

    async def approval(self, approval: Approval) -> Approval:
        """``approval`` with its voters' and timeline actors' display names."""
        return approval.named(await self.of(approval.tenant_id))

    async def approvals(
        self, tenant_id: str, approvals: dict[ApprovalScope, Approval]
    ) -> dict[ApprovalScope, Approval]:
        """A campaign's approvals with display names (one read of the members for all)."""
        names = await self.of(tenant_id)
        return {scope: approval.named(names) for scope, approval in approvals.items()}

    async def entries(self, tenant_id: str, entries: list[ActivityEntry]) -> list[ActivityEntry]:
        """Activity entries with their actors' display names."""
        if not entries:
            return entries
        names = await self.of(tenant_id)
        return [entry.named(names) for entry in entries]
