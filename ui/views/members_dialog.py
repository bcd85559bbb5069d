"""The workspace's members: who belongs to it with which roles; admins add, change, remove."""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from PySide6.QtCore import QItemSelectionModel, Signal
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain import Role
from ui.viewmodels.members import ONLY_ADMINS, ROLES, MembersViewModel, UserIdRole
from ui.views.schedule_tab import InlineMessage
from ui.widgets.dialog_sizing import fit_to_text


class RoleChecks(QWidget):
    """A check box per role, lowest first.

    Signals:
        roles_changed(): a box was ticked or cleared.
    """

    roles_changed = Signal()

    def __init__(self, accessible_prefix: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.boxes = {role: QCheckBox(role.value.capitalize()) for role in ROLES}
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for role, box in self.boxes.items():
            box.setAccessibleName(f"{accessible_prefix} {role.value}")
            box.toggled.connect(lambda _checked: self.roles_changed.emit())
            layout.addWidget(box)

    def roles(self) -> frozenset[Role]:
        return frozenset(role for role, box in self.boxes.items() if box.isChecked())

    def set_roles(self, roles: Iterable[Role]) -> None:
        wanted = set(roles)
        for role, box in self.boxes.items():
            box.setChecked(role in wanted)

    def set_editable(self, editable: bool, why_not: str) -> None:
        for box in self.boxes.values():
            box.setEnabled(editable)
            box.setToolTip("" if editable else why_not)


class MembersDialog(QDialog):
    """The workspace's members in a table; for admins, the selected member's roles with
    ``Save roles`` and ``Remove`` (after a question), and a row adding a member by user id.

    Other members see the list only: every edit control is disabled, its tooltip saying why.
    Refusals (the last admin stays) are shown in plain words above the table. Open it with
    ``open()``; it reads the members while shown and follows the change feed.

    Args:
        view_model: The dialog's :class:`MembersViewModel`.
    """

    def __init__(self, view_model: MembersViewModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Members and roles")
        self._view_model = view_model
        self._pending: tuple[str, frozenset[Role]] | None = None
        self.confirmation: QMessageBox | None = None

        self.read_only_note = QLabel(f"{ONLY_ADMINS}: you see who belongs to this workspace.")
        self.read_only_note.setWordWrap(True)
        self.message = InlineMessage("Members message")
        self.table = QTableView()
        self.table.setAccessibleName("Members")
        self.table.setModel(view_model.members)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.verticalHeader().hide()

        self.member_roles = RoleChecks("Member's role")
        self.save_button = QPushButton("Save roles")
        self.remove_button = QPushButton("Remove…")
        self.roles_hint = QLabel()
        self.user_id_edit = QLineEdit()
        self.user_id_edit.setPlaceholderText("User id")
        self.user_id_edit.setAccessibleName("New member's user id")
        self.new_roles = RoleChecks("New member's role")
        self.add_button = QPushButton("Add")
        self.add_hint = QLabel()
        for hint in (self.roles_hint, self.add_hint):
            hint.setWordWrap(True)
        self.save_button.setAccessibleName("Save roles")
        self.remove_button.setAccessibleName("Remove member")
        self.add_button.setAccessibleName("Add member")
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.close_button = self.buttons.button(QDialogButtonBox.StandardButton.Close)
        self.close_button.setAccessibleName("Close")
        self.buttons.rejected.connect(self.reject)
        self._lay_out()

        self.table.selectionModel().selectionChanged.connect(self._on_table_selection_changed)
        self.member_roles.roles_changed.connect(self._update_controls)
        self.new_roles.roles_changed.connect(self._update_controls)
        self.user_id_edit.textChanged.connect(self._update_controls)
        self.user_id_edit.returnPressed.connect(self._on_add_button_clicked)
        self.save_button.clicked.connect(self._on_save_button_clicked)
        self.remove_button.clicked.connect(self._on_remove_button_clicked)
        self.add_button.clicked.connect(self._on_add_button_clicked)
        view_model.members.modelAboutToBeReset.connect(self._on_members_about_to_be_reset)
        view_model.members_loaded.connect(self._on_view_model_members_loaded)
        view_model.member_added.connect(self._on_view_model_member_added)
        for signal in (
            view_model.roles_saved,
            view_model.member_removed,
            view_model.member_refused,
        ):
            signal.connect(self._update_controls)
        self.message.follow(
            (view_model.member_refused, view_model.error_raised),
            (view_model.member_added, view_model.roles_saved, view_model.member_removed),
        )
        self._update_controls()

    def _lay_out(self) -> None:
        selected = self.selected_box = QGroupBox()
        row = QHBoxLayout()
        row.addWidget(self.member_roles)
        row.addStretch(1)
        row.addWidget(self.save_button)
        row.addWidget(self.remove_button)
        column = QVBoxLayout(selected)
        column.addLayout(row)
        column.addWidget(self.roles_hint)
        add = QGroupBox("Add a member")
        row = QHBoxLayout()
        row.addWidget(self.user_id_edit, 1)
        row.addWidget(self.new_roles)
        row.addWidget(self.add_button)
        column = QVBoxLayout(add)
        column.addLayout(row)
        column.addWidget(self.add_hint)
        layout = QVBoxLayout(self)
        layout.addWidget(self.read_only_note)
        layout.addWidget(self.message)
        layout.addWidget(self.table, 1)
        layout.addWidget(selected)
        layout.addWidget(add)
        layout.addWidget(self.buttons)
        order = (
            self.table,
            *self.member_roles.boxes.values(),
            self.save_button,
            self.remove_button,
            self.user_id_edit,
            *self.new_roles.boxes.values(),
            self.add_button,
            self.close_button,
        )
        for first, second in itertools.pairwise(order):
            self.setTabOrder(first, second)

    def selected_user_id(self) -> str | None:
        rows = self.table.selectionModel().selectedRows()
        return str(rows[0].data(UserIdRole)) if rows else None

    def select_member(self, user_id: str) -> None:
        """Select ``user_id`` in the table (nothing if they are not listed)."""
        row = self._view_model.members.row_of(user_id)
        if row is None:
            self.table.clearSelection()
            return
        index = self._view_model.members.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(index)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        fit_to_text(self, 80)
        self._view_model.set_shown(True)

    def hideEvent(self, event: QHideEvent) -> None:
        self._view_model.set_shown(False)
        super().hideEvent(event)

    def _stored_roles(self) -> frozenset[Role] | None:
        user_id = self.selected_user_id()
        member = self._view_model.members.find(user_id) if user_id else None
        return member.roles if member is not None else None

    def _on_members_about_to_be_reset(self) -> None:
        user_id = self.selected_user_id()
        if user_id is not None and self._pending is None:
            edited = self.member_roles.roles() != self._stored_roles()
            self._pending = (user_id, self.member_roles.roles() if edited else frozenset())

    def _on_view_model_members_loaded(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            user_id, ticked = pending
            self.select_member(user_id)
            if ticked and self.selected_user_id() == user_id:
                self.member_roles.set_roles(ticked)  # an edit not saved yet stays
        self.table.resizeColumnsToContents()
        self._update_controls()

    def _on_view_model_member_added(self, user_id: str) -> None:
        self._pending = (user_id, frozenset())
        self.user_id_edit.clear()
        self.new_roles.set_roles(())
        self._update_controls()

    def _on_table_selection_changed(self) -> None:
        self.member_roles.set_roles(self._stored_roles() or ())
        self._update_controls()

    def _on_save_button_clicked(self) -> None:
        user_id = self.selected_user_id()
        if user_id is not None and self.save_button.isEnabled():
            self._view_model.set_roles(user_id, self.member_roles.roles())
            self._update_controls()

    def _on_remove_button_clicked(self) -> None:
        user_id = self.selected_user_id()
        if user_id is None or not self.remove_button.isEnabled():
            return
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "Remove member",
            f"Remove {user_id} from the workspace? They lose access to its campaigns.",
            parent=self,
        )
        remove = box.addButton("Remove", QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QMessageBox.StandardButton.Cancel)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.buttonClicked.connect(
            lambda button: self._remove(user_id) if button is remove else None
        )
        self.confirmation = box
        box.open()

    def _remove(self, user_id: str) -> None:
        self._view_model.remove_member(user_id)
        self._update_controls()

    def _on_add_button_clicked(self) -> None:
        if self.add_button.isEnabled():
            self._view_model.add_member(self.user_id_edit.text(), self.new_roles.roles())
            self._update_controls()

    def _update_controls(self) -> None:
        editable = self._view_model.can_edit
        self.read_only_note.setVisible(not editable)
        clickable = editable and not self._view_model.changing  # no second click meanwhile
        stored = self._stored_roles()
        ticked = self.member_roles.roles()
        user_id = self.selected_user_id()
        self.selected_box.setTitle(
            f"Roles of {user_id}" if user_id and stored is not None else "Select a member"
        )
        self.member_roles.set_editable(editable and stored is not None, _why_not(editable))
        self.save_button.setEnabled(clickable and bool(ticked) and stored not in (None, ticked))
        self.remove_button.setEnabled(clickable and stored is not None)
        self.roles_hint.setText(
            "Tick at least one role to save." if editable and stored and not ticked else ""
        )
        self.roles_hint.setVisible(bool(self.roles_hint.text()))
        self.user_id_edit.setEnabled(editable)
        self.user_id_edit.setToolTip(_why_not(editable))
        self.new_roles.set_editable(editable, ONLY_ADMINS)
        problems = []
        new_id = self.user_id_edit.text().strip()
        if not new_id:
            problems.append("type the user id")
        elif self._view_model.members.row_of(new_id) is not None:
            problems.append(f"choose someone not yet a member ({new_id} is: change their roles)")
        if not self.new_roles.roles():
            problems.append("tick at least one role")
        self.add_button.setEnabled(clickable and not problems)
        self.add_hint.setText(("To add, " + "; ".join(problems) + ".") if editable else "")
        self.add_hint.setVisible(editable and bool(problems))
        for button in (self.save_button, self.remove_button, self.add_button):
            button.setToolTip(_why_not(editable))


def _why_not(editable: bool) -> str:
    return "" if editable else ONLY_ADMINS
