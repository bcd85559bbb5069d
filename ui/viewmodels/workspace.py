"""What every view model of the open workspace shares: the session's core and actor, and the
user's right to change things, followed as their roles are read again."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal

from app.bootstrap import Core
from app.domain import Actor, Role
from ui.tasks import UiTaskRunner
from ui.viewmodels.base import ViewModel
from ui.viewmodels.session import SessionViewModel


class WorkspaceViewModel(ViewModel):
    """Base of the view models that act in the session's workspace (the campaign tabs, the
    library, the render monitor, the members).

    Signals:
        permissions_changed(): :attr:`may_edit` may have changed (the user's roles were read).
    """

    permissions_changed = Signal()

    def __init__(
        self, session: SessionViewModel, tasks: UiTaskRunner, parent: QObject | None = None
    ) -> None:
        super().__init__(tasks, parent)
        self._session = session
        session.roles_changed.connect(self.permissions_changed)

    @property
    def core(self) -> Core:
        return self._session.core

    @property
    def actor(self) -> Actor:
        return self._session.actor

    @property
    def may_edit(self) -> bool:
        """Whether the user's roles let them change things (editor or above)."""
        return self._session.may(Role.EDITOR)
