"""The session: who is using the window, in which workspace, and the core's change feed."""

from __future__ import annotations

import asyncio

from PySide6.QtCore import QObject, Signal

from app.bootstrap import Core
from app.domain import Actor, Workspace
from app.domain.changes import ChangeAction, ChangeEvent
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
    """

    workspaces_changed = Signal(list)
    workspace_switched = Signal(object)
    changed = Signal(object)
    reload_requested = Signal()

    def __init__(
        self, core: Core, actor: Actor, tasks: UiTaskRunner, parent: QObject | None = None
    ) -> None:
        super().__init__(tasks, parent)
        self.core = core
        self.actor = actor
        self.workspaces: list[Workspace] = []
        self._following = asyncio.Event()

    def start(self) -> None:
        """Load the workspaces and follow the change feed (call once the loop runs)."""
        self.refresh_workspaces()
        self._follow()

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
        self.workspace_switched.emit(self.actor)

    async def following(self) -> None:
        """Wait until the feed of the current workspace is followed (tests, first paint)."""
        await self._following.wait()

    def _on_workspaces(self, workspaces: list[Workspace]) -> None:
        self.workspaces = workspaces
        self.workspaces_changed.emit(workspaces)

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
