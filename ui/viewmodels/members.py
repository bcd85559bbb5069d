"""The workspace's members and their roles: listed for every member, changed by admins."""

from __future__ import annotations

from collections.abc import Coroutine, Iterable
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, Signal, SignalInstance

from app.domain import Member, Role
from app.domain.changes import ChangeEvent, RecordKind
from app.domain.errors import AppError
from ui.tasks import UiTaskRunner
from ui.viewmodels.campaign_page import RELOAD_DELAY_MS
from ui.viewmodels.session import SessionViewModel
from ui.viewmodels.table_model import RowTableModel
from ui.viewmodels.workspace import WorkspaceViewModel

UserIdRole = Qt.ItemDataRole.UserRole + 1
"""The member's user id."""

COLUMNS = ("Name", "User id", "Roles")

ROLES = tuple(sorted(Role, key=lambda role: role.rank))
"""The roles from the lowest to the highest, in the order the dialog offers them."""

ONLY_ADMINS = "Only admins change members"
"""Why a non-admin's edit controls are disabled."""

RECORDS = frozenset({RecordKind.MEMBER, RecordKind.WORKSPACE})


def roles_text(roles: Iterable[Role]) -> str:
    """The roles in words, lowest first ("editor, approver")."""
    return ", ".join(role.value for role in sorted(roles, key=lambda role: role.rank))


class MemberTableModel(RowTableModel):
    """The workspace's members, a row each: display name, user id, roles."""

    columns = COLUMNS

    def cell(self, row: Member, column: int, role: int) -> Any:
        if role == UserIdRole:
            return row.user_id
        if role == Qt.ItemDataRole.AccessibleTextRole and column == 0 and not row.display_name:
            return "No display name"
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return (row.display_name, row.user_id, roles_text(row.roles))[column]
        return None

    def member(self, row: int) -> Member:
        member: Member = self._rows[row]
        return member

    def row_of(self, user_id: str) -> int | None:
        for row, member in enumerate(self._rows):
            if member.user_id == user_id:
                return row
        return None

    def find(self, user_id: str) -> Member | None:
        row = self.row_of(user_id)
        return None if row is None else self.member(row)


class MembersViewModel(WorkspaceViewModel):
    """The members of the session's workspace, kept live by the change feed while shown; admins
    add members, change their roles and remove them (the core keeps the last admin).

    Signals:
        members_loaded(): :attr:`members` and :attr:`can_edit` hold what was just read.
        member_added(str): a member was added (their user id).
        roles_saved(str): a member's roles were changed (their user id).
        member_removed(str): a member was removed (their user id).
        member_refused(str): an add, role change or removal was refused ("Refused: …").
    """

    members_loaded = Signal()
    member_added = Signal(str)
    roles_saved = Signal(str)
    member_removed = Signal(str)
    member_refused = Signal(str)

    def __init__(
        self, session: SessionViewModel, tasks: UiTaskRunner, parent: QObject | None = None
    ) -> None:
        super().__init__(session, tasks, parent)
        self.members = MemberTableModel(self)
        self.shown = False
        self._changing: set[str] = set()
        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(RELOAD_DELAY_MS)
        self._reload_timer.timeout.connect(self.load)
        session.changed.connect(self._on_session_changed)
        session.reload_requested.connect(self._on_session_reload_requested)
        session.workspace_switched.connect(lambda _actor: self._on_session_reload_requested())

    @property
    def can_edit(self) -> bool:
        """Whether the acting user may change the members: the core checks the roles of their
        stored membership on a team database, and the roles they act with in a file."""
        if self.core.access.stored_roles:
            member = self.members.find(self.actor.user_id)
            roles: Iterable[Role] = member.roles if member is not None else ()
        else:
            roles = self.actor.roles
        return Role.ADMIN in roles

    @property
    def reload_pending(self) -> bool:
        """Whether a change was heard and its read is still to come."""
        return self._reload_timer.isActive()

    def set_shown(self, shown: bool) -> None:
        """Whether the members are shown; shown, they are read and kept live."""
        self.shown = shown
        if shown:
            self.load()
        else:
            self._reload_timer.stop()

    def load(self) -> None:
        """Read the workspace's members again."""
        self._reload_timer.stop()
        self.run("load", self.core.workspaces.list_members(self.actor), self._on_read)

    def add_member(self, user_id: str, roles: Iterable[Role]) -> None:
        user_id = user_id.strip()
        call = self.core.workspaces.add_member(self.actor, user_id, list(roles))
        self._change("add", call, self.member_added, user_id)

    def set_roles(self, user_id: str, roles: Iterable[Role]) -> None:
        call = self.core.workspaces.set_roles(self.actor, user_id, list(roles))
        self._change(f"roles-{user_id}", call, self.roles_saved, user_id)

    def remove_member(self, user_id: str) -> None:
        call = self.core.workspaces.remove_member(self.actor, user_id)
        self._change(f"remove-{user_id}", call, self.member_removed, user_id)

    def _change(
        self, key: str, call: Coroutine[Any, Any, object], done: SignalInstance, user_id: str
    ) -> None:
        """Run a change; then say so with ``done`` and read the members again."""

        def finished(_result: object) -> None:
            self._changing.discard(key)
            done.emit(user_id)
            self.load()

        def refused(error: AppError) -> None:
            self._changing.discard(key)
            self.member_refused.emit(f"Refused: {error.message}")
            self.load()

        self._changing.add(key)
        self.run(key, call, finished, refused)

    @property
    def changing(self) -> bool:
        """Whether an add, role change or removal is under way (its buttons wait for it)."""
        return bool(self._changing)

    def _on_read(self, members: list[Member]) -> None:
        self.members.set_rows(members)
        self.members_loaded.emit()

    def _on_session_changed(self, event: ChangeEvent) -> None:
        if self.shown and event.record in RECORDS and not self._reload_timer.isActive():
            self._reload_timer.start()

    def _on_session_reload_requested(self) -> None:
        if self.shown:
            self.load()
