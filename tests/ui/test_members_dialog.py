"""The members dialog: an admin adds, changes and removes members through clicks, the last admin
stays with the core's word for it, a viewer sees the list only, other writers' changes arrive."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from app.bootstrap import Core, open_core
from app.config import AppSettings
from app.domain import Actor, Role
from tests.ui.conftest import ANA
from tests.ui.test_accessibility import unnamed
from tests.ui.test_schedule_tab import held, until  # noqa: F401 (fixture)
from ui.tasks import UiTaskRunner
from ui.viewmodels.members import COLUMNS, ONLY_ADMINS, MembersViewModel, MemberTableModel
from ui.viewmodels.session import SessionViewModel
from ui.views.members_dialog import MembersDialog

CY = Actor(tenant_id="acme", user_id="cy", roles={Role.VIEWER})


class Members(NamedTuple):
    session: SessionViewModel
    view_model: MembersViewModel
    dialog: MembersDialog


@pytest.fixture
def build(
    held: list[object],  # noqa: F811
    tasks: UiTaskRunner,
    qtbot: QtBot,
    signal_future: Callable[..., Any],
) -> Callable[..., Any]:
    """``await build(core, actor)``: the dialog opened as ``actor`` once the members are read,
    the session following the change feed."""

    async def make(core: Core, actor: Actor = ANA) -> Members:
        session = SessionViewModel(core, actor, tasks)
        session.start()
        await session.following()
        view_model = MembersViewModel(session, tasks)
        dialog = MembersDialog(view_model)
        held.append(dialog)
        qtbot.addWidget(dialog)
        loaded = signal_future(view_model.members_loaded)
        dialog.open()
        await loaded
        return Members(session, view_model, dialog)

    return make


def _rows(model: MemberTableModel) -> list[list[str]]:
    return [
        [model.index(row, column).data() for column in range(len(COLUMNS))]
        for row in range(model.rowCount())
    ]


def _roles(core_members: list[Any], user_id: str) -> set[Role] | None:
    found = [member for member in core_members if member.user_id == user_id]
    return set(found[0].roles) if found else None


def _click(qtbot: QtBot, widget: QWidget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


async def _bea_selected(build: Any, core: Core, roles: list[Role]) -> Members:
    """The dialog opened by ANA with BEA, a member with ``roles``, selected."""
    await core.workspaces.add_member(ANA, "bea", roles)
    members: Members = await build(core)
    members.dialog.select_member("bea")
    assert members.dialog.selected_user_id() == "bea"
    return members


def _ask_to_remove(qtbot: QtBot, dialog: MembersDialog) -> tuple[QMessageBox, QWidget]:
    """Click Remove: the question and its Remove button."""
    _click(qtbot, dialog.remove_button)
    box = dialog.confirmation
    assert box is not None
    return box, next(button for button in box.buttons() if button.text() == "Remove")


async def test_an_admin_adds_a_member_as_approver(
    build: Any, core: Core, qtbot: QtBot, signal_future: Callable[..., Any]
) -> None:
    members = await build(core)
    dialog = members.dialog
    assert _rows(members.view_model.members) == [["", "ana", "admin"]]
    assert dialog.read_only_note.isHidden()
    # Nothing selected: no member's roles to change or member to remove.
    assert dialog.selected_box.title() == "Select a member"
    assert not dialog.save_button.isEnabled()
    assert not dialog.remove_button.isEnabled()
    assert not dialog.member_roles.boxes[Role.EDITOR].isEnabled()
    assert not dialog.add_button.isEnabled()
    assert "type the user id" in dialog.add_hint.text()
    qtbot.keyClicks(dialog.user_id_edit, "bea")
    assert not dialog.add_button.isEnabled()
    assert "tick at least one role" in dialog.add_hint.text()
    _click(qtbot, dialog.new_roles.boxes[Role.APPROVER])
    assert dialog.add_button.isEnabled()
    loaded = signal_future(members.view_model.members_loaded)
    _click(qtbot, dialog.add_button)
    assert not dialog.add_button.isEnabled()  # no second Add while the first is under way
    await loaded
    assert _roles(await core.workspaces.list_members(ANA), "bea") == {Role.APPROVER}
    assert ["", "bea", "approver"] in _rows(members.view_model.members)
    assert dialog.selected_user_id() == "bea"
    assert dialog.member_roles.roles() == {Role.APPROVER}
    assert dialog.user_id_edit.text() == ""
    assert dialog.new_roles.roles() == frozenset()
    assert dialog.message.isHidden()
    # Someone already listed is not added twice: the hint says why before the core would.
    qtbot.keyClicks(dialog.user_id_edit, "ana")
    _click(qtbot, dialog.new_roles.boxes[Role.EDITOR])
    assert not dialog.add_button.isEnabled()
    assert "ana is: change their roles" in dialog.add_hint.text()


async def test_enter_in_the_user_id_field_adds_and_keeps_the_dialog_open(
    build: Any, core: Core, qtbot: QtBot, signal_future: Callable[..., Any]
) -> None:
    members = await build(core)
    dialog = members.dialog
    _click(qtbot, dialog.new_roles.boxes[Role.EDITOR])
    qtbot.keyClicks(dialog.user_id_edit, "dan")
    added = signal_future(members.view_model.member_added)
    qtbot.keyClick(dialog.user_id_edit, Qt.Key.Key_Return)
    assert await added == ("dan",)
    assert dialog.isVisible()
    assert _roles(await core.workspaces.list_members(ANA), "dan") == {Role.EDITOR}


async def test_an_admin_changes_a_members_roles(
    build: Any, core: Core, qtbot: QtBot, signal_future: Callable[..., Any]
) -> None:
    members = await _bea_selected(build, core, [Role.APPROVER])
    dialog = members.dialog
    assert dialog.selected_box.title() == "Roles of bea"
    assert dialog.member_roles.roles() == {Role.APPROVER}
    assert not dialog.save_button.isEnabled()  # nothing changed yet
    _click(qtbot, dialog.member_roles.boxes[Role.APPROVER])
    assert not dialog.save_button.isEnabled()
    assert "at least one role" in dialog.roles_hint.text()
    _click(qtbot, dialog.member_roles.boxes[Role.EDITOR])
    _click(qtbot, dialog.member_roles.boxes[Role.ADMIN])
    assert dialog.save_button.isEnabled()
    saved = signal_future(members.view_model.roles_saved)
    loaded = signal_future(members.view_model.members_loaded)
    _click(qtbot, dialog.save_button)
    assert not dialog.save_button.isEnabled()
    assert not dialog.remove_button.isEnabled()
    assert await saved == ("bea",)
    await loaded
    assert _roles(await core.workspaces.list_members(ANA), "bea") == {Role.EDITOR, Role.ADMIN}
    assert ["", "bea", "editor, admin"] in _rows(members.view_model.members)
    assert dialog.selected_user_id() == "bea"
    assert not dialog.save_button.isEnabled()
    assert dialog.remove_button.isEnabled()
    _click(qtbot, dialog.member_roles.boxes[Role.VIEWER])
    assert dialog.save_button.isEnabled()


async def test_an_unsaved_role_change_survives_another_writers_change(
    build: Any, core: Core, qtbot: QtBot
) -> None:
    members = await _bea_selected(build, core, [Role.APPROVER])
    dialog = members.dialog
    _click(qtbot, dialog.member_roles.boxes[Role.EDITOR])
    await core.workspaces.add_member(ANA, "dan", [Role.VIEWER])
    await until(lambda: members.view_model.members.row_of("dan") is not None)
    assert dialog.selected_user_id() == "bea"
    assert dialog.member_roles.roles() == {Role.APPROVER, Role.EDITOR}
    assert dialog.save_button.isEnabled()


async def test_a_member_is_removed_after_confirming(
    build: Any, core: Core, qtbot: QtBot, signal_future: Callable[..., Any]
) -> None:
    members = await _bea_selected(build, core, [Role.APPROVER])
    dialog = members.dialog
    box, remove = _ask_to_remove(qtbot, dialog)
    assert "Remove bea from the workspace?" in box.text()
    _click(qtbot, box.button(QMessageBox.StandardButton.Cancel))
    assert _roles(await core.workspaces.list_members(ANA), "bea") == {Role.APPROVER}
    box, remove = _ask_to_remove(qtbot, dialog)
    removed = signal_future(members.view_model.member_removed)
    loaded = signal_future(members.view_model.members_loaded)
    _click(qtbot, remove)
    assert await removed == ("bea",)
    await loaded
    assert _roles(await core.workspaces.list_members(ANA), "bea") is None
    assert _rows(members.view_model.members) == [["", "ana", "admin"]]
    assert dialog.selected_user_id() is None
    assert not dialog.remove_button.isEnabled()


async def test_the_last_admin_stays_with_the_cores_refusal_inline(
    build: Any, core: Core, qtbot: QtBot, signal_future: Callable[..., Any]
) -> None:
    await core.workspaces.add_member(ANA, "bea", [Role.EDITOR])
    members = await build(core)
    dialog = members.dialog
    dialog.select_member("ana")
    _, remove = _ask_to_remove(qtbot, dialog)
    refused = signal_future(members.view_model.member_refused)
    _click(qtbot, remove)
    (text,) = await refused
    assert "ana is the workspace's last admin and cannot be removed" in text
    assert dialog.message.isVisible()
    assert dialog.message.text() == text
    stored = await core.workspaces.list_members(ANA)
    assert {member.user_id: set(member.roles) for member in stored} == {
        "ana": {Role.ADMIN},
        "bea": {Role.EDITOR},
    }
    # Demoting her is refused the same way.
    await until(lambda: dialog.selected_user_id() == "ana")
    _click(qtbot, dialog.member_roles.boxes[Role.EDITOR])
    _click(qtbot, dialog.member_roles.boxes[Role.ADMIN])
    refused = signal_future(members.view_model.member_refused)
    _click(qtbot, dialog.save_button)
    (text,) = await refused
    assert "cannot be demoted" in dialog.message.text()
    assert _roles(await core.workspaces.list_members(ANA), "ana") == {Role.ADMIN}


async def test_a_viewer_sees_the_list_with_every_edit_control_disabled(
    build: Any, core: Core, qtbot: QtBot
) -> None:
    await core.workspaces.add_member(ANA, "cy", [Role.VIEWER])
    members = await build(core, CY)
    dialog = members.dialog
    assert not members.view_model.can_edit
    assert [row[1:] for row in _rows(members.view_model.members)] == [
        ["ana", "admin"],
        ["cy", "viewer"],
    ]
    assert dialog.read_only_note.isVisible()
    assert ONLY_ADMINS in dialog.read_only_note.text()
    dialog.select_member("ana")
    assert dialog.selected_user_id() == "ana"
    assert dialog.member_roles.roles() == {Role.ADMIN}
    qtbot.keyClicks(dialog.user_id_edit, "eve")
    controls: list[QWidget] = [
        dialog.save_button,
        dialog.remove_button,
        dialog.add_button,
        dialog.user_id_edit,
        *dialog.member_roles.boxes.values(),
        *dialog.new_roles.boxes.values(),
    ]
    for control in controls:
        assert not control.isEnabled(), control.accessibleName()
        assert control.toolTip() == ONLY_ADMINS, control.accessibleName()
    assert dialog.user_id_edit.text() == ""
    assert dialog.close_button.isEnabled()
    assert len(await core.workspaces.list_members(ANA)) == 2


async def test_a_member_added_by_another_process_arrives_through_the_change_feed(
    build: Any, core: Core
) -> None:
    members = await build(core)
    settings = AppSettings(data_dir=core.settings.data_dir, render_worker=False)
    async with open_core(settings) as other:
        await other.workspaces.add_member(ANA, "dan", [Role.EDITOR])
    await until(lambda: members.view_model.members.row_of("dan") is not None)
    assert ["", "dan", "editor"] in _rows(members.view_model.members)


async def test_a_closed_dialog_stops_reading(build: Any, core: Core) -> None:
    members = await build(core)
    members.dialog.reject()
    assert not members.view_model.shown
    changed: list[object] = []
    members.session.changed.connect(changed.append)
    await core.workspaces.add_member(ANA, "dan", [Role.EDITOR])
    await until(lambda: bool(changed))  # the feed brought it, and the hidden list is not read
    assert not members.view_model.reload_pending
    assert not members.view_model.busy
    assert members.view_model.members.row_of("dan") is None


async def test_the_member_table_model_passes_the_model_tester(
    core: Core, qtmodeltester: Any
) -> None:
    member = await core.workspaces.add_member(ANA, "bea", [Role.APPROVER, Role.EDITOR])
    model = MemberTableModel()
    model.set_rows(await core.workspaces.list_members(ANA))
    qtmodeltester.check(model)
    row = model.row_of("bea")
    assert row is not None
    assert model.find("bea") == member
    assert model.index(row, 2).data() == "editor, approver"
    assert model.index(0, 0).data(Qt.ItemDataRole.AccessibleTextRole) == "No display name"
    assert model.headerData(1, Qt.Orientation.Horizontal) == "User id"


async def test_switching_workspace_lists_the_new_workspaces_members(
    build: Any, core: Core, signal_future: Callable[..., Any]
) -> None:
    await core.workspaces.add_member(ANA, "bea", [Role.APPROVER])
    members = await build(core)
    workspace = await core.workspaces.create_workspace(ANA, "Beta team")
    loaded = signal_future(members.view_model.members_loaded)
    members.session.switch_workspace(workspace.id)
    await loaded
    assert [row[1:] for row in _rows(members.view_model.members)] == [["ana", "admin"]]


async def test_every_control_has_an_accessible_name(build: Any, core: Core) -> None:
    members = await build(core)
    assert unnamed(members.dialog) == []
