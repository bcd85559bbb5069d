"""The session: who is using the window, in which workspace, and the core's change feed."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QObject, Signal

from app.bootstrap import Core
from app.domain import Actor, Member, Role, Workspace
from app.domain.changes import ChangeAction, ChangeEvent, RecordKind
from app.domain.errors import AppError
from app.sample_workspace import create_sample_workspace
from ui.tasks import UiTaskRunner
from ui.viewmodels.base import ViewModel

FEED_TASK = "change-feed"


class SessionViewModel(ViewModel):
    """The open core, the acting user and the workspace the window shows; relays the change
    feed of that workspace as Qt signals for every panel.

    Signals:
        workspaces_changed(list): the workspaces the user belongs to (``Workspace``s).
        workspace_switched(object): the ``Actor`` now acting, in the newly chosen workspace.
        changed(object): a ``ChangeEvent`` of the current workspace (from any process).
        reload_requested(): the feed missed changes; every panel reads its data again.
        sample_created(object): the sample workspace was made (``Workspace``) and is shown.
        sample_failed(str): making the sample workspace failed; the core's message.
        roles_changed(): :attr:`roles` were read again (the workspace, or a member, changed).
    """

    workspaces_changed = Signal(list)
    workspace_switched = Signal(object)
    changed = Signal(object)
    reload_requested = Signal()
    sample_created = Signal(object)
    sample_failed = Signal(str)
    roles_changed = Signal()

    def __init__(
        self, core: Core, actor: Actor, tasks: UiTaskRunner, parent: QObject | None = None
    ) -> None:
        super().__init__(tasks, parent)
        self.core = core
        self.actor = actor
        self.workspaces: list[Workspace] = []
        self.roles: frozenset[Role] = frozenset(actor.roles)
        """The user's roles in the workspace, as the core checks them: their stored membership
        on a team database, the roles they act with in an embedded file."""
        self._following = asyncio.Event()
        self.changed.connect(self._on_self_changed)

    def start(self) -> None:
        """Load the workspaces and follow the change feed (call once the loop runs)."""
        self.refresh_workspaces()
        self._follow()
        self._read_roles()

    def may(self, role: Role) -> bool:
        """Whether the user's roles reach ``role`` (viewer < editor < approver < admin)."""
        return any(held.rank >= role.rank for held in self.roles)

    def refresh_workspaces(self) -> None:
        workspaces = self.core.workspaces.list_workspaces(self.actor)
        self.run("workspaces", workspaces, self._on_workspaces)

    def switch_workspace(self, workspace_id: str) -> None:
        """Act in another workspace the user belongs to (their roles there are checked by the
        core on every call)."""
        if workspace_id == self.actor.tenant_id:
            return
        self.actor = self.actor.model_copy(update={"tenant_id": workspace_id})
        self._follow()
        self._read_roles()
        self.workspace_switched.emit(self.actor)

    def create_sample_workspace(self) -> None:
        """Make the sample workspace (the seed's campaign mid-flow) and switch to it."""
        call = create_sample_workspace(self.core, self.actor)
        self.run("sample", call, self._on_sample_created, self._on_sample_refused)

    def data_location(self) -> str:
        """Where this workstation's campaigns are kept, in words for the welcome."""
        settings = self.core.settings
        if settings.uses_mongodb:
            return (
                f"on the team database ({settings.mongodb_database}); media in "
                f"{'Cloudflare R2' if settings.blob_store == 'r2' else settings.data_dir}"
            )
        return f"in the folder {settings.data_dir}"

    async def following(self) -> None:
        """Wait until the feed of the current workspace is followed (tests, first paint)."""
        await self._following.wait()

    def _on_workspaces(self, workspaces: list[Workspace]) -> None:
        self.workspaces = workspaces
        self.workspaces_changed.emit(workspaces)

    def _on_sample_created(self, workspace: Workspace) -> None:
        self.refresh_workspaces()
        self.switch_workspace(workspace.id)
        self.sample_created.emit(workspace)

    def _on_sample_refused(self, error: AppError) -> None:
        self.sample_failed.emit(error.message)

    def _read_roles(self) -> None:
        if not self.core.access.stored_roles:
            self._set_roles(frozenset(self.actor.roles))
            return
        actor = self.actor
        call = self.core.workspaces.list_members(actor)
        self.run("roles", call, lambda members: self._on_members(actor, members))

    def _on_members(self, actor: Actor, members: list[Member]) -> None:
        if actor.tenant_id != self.actor.tenant_id:
            return  # read for a workspace no longer shown
        mine = next((m for m in members if m.user_id == actor.user_id), None)
        self._set_roles(frozenset(mine.roles) if mine is not None else frozenset())

    def _set_roles(self, roles: frozenset[Role]) -> None:
        if roles != self.roles:
            self.roles = roles
            self.roles_changed.emit()

    def _on_self_changed(self, event: ChangeEvent) -> None:
        if event.record is RecordKind.MEMBER:
            self._read_roles()

    def _follow(self) -> None:
        self._following.clear()
        self._tasks.start(FEED_TASK, self._relay(self.actor))

    async def _relay(self, actor: Actor) -> None:
        async with self.core.events.subscribe(actor) as events:
            self._following.set()
            while True:
                event: ChangeEvent = await events.get()
                if event.action is ChangeAction.RELOAD:
                    self.reload_requested.emit()
                else:
                    self.changed.emit(event)
