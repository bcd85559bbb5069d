"""The Settings dialog, driven through clicks and typing: what is saved where, restarts,
inline refusals, connection tests and the appearance."""

from __future__ import annotations

import asyncio
import gc
import logging
import tomllib
import warnings
from collections.abc import Callable
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from app import config_store
from app.bootstrap import Core
from app.config import KEYRING_SERVICE, config_file_path
from app.diagnostics import Check
from tests.fakes.memory_keyring import MemoryKeyring
from tests.fakes.moto_s3 import free_port
from tests.ui.conftest import ANA
from ui.tasks import UiTaskRunner
from ui.viewmodels.session import SessionViewModel
from ui.viewmodels.settings import APPEARANCE_KEY, SettingsViewModel, app_qsettings
from ui.views.settings_dialog import PAGES, SettingsDialog
from ui.widgets.theme import apply_theme

SECRET = "rw-key-that-must-never-leak-123"


async def _dialog(
    core: Core, tasks: UiTaskRunner, qtbot: QtBot, signal_future: Callable[..., Any]
) -> SettingsDialog:
    session = SessionViewModel(core, ANA, tasks)
    view_model = SettingsViewModel(session, tasks)
    loaded = signal_future(view_model.loaded)
    dialog = SettingsDialog(view_model)
    qtbot.addWidget(dialog)
    dialog.open()
    await loaded
    return dialog


def _page(dialog: SettingsDialog, title: str) -> None:
    dialog.page_list.setCurrentRow(PAGES.index(title))


def _file_text() -> str:
    path = config_file_path()
    return path.read_text(encoding="utf-8") if path.exists() else ""


async def _until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition never held"
        await asyncio.sleep(0.01)


def collect_refused_sockets() -> None:
    """PyMongo may leave the refused connection's socket for the garbage collector when a
    client closes during server selection (see the doctor's CLI test); collect it quietly."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


async def test_a_key_goes_to_the_keyring_never_to_the_file_or_the_log(
    core: Core,
    tasks: UiTaskRunner,
    qtbot: QtBot,
    signal_future: Callable[..., Any],
    isolated_settings: MemoryKeyring,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    dialog = await _dialog(core, tasks, qtbot, signal_future)
    _page(dialog, "Providers")
    key_edit = dialog.pages.secret_edits["runway_api_key"]
    assert key_edit.echoMode() is key_edit.EchoMode.Password
    assert key_edit.placeholderText() == "not set"
    dialog.pages.video_provider_box.setCurrentText("runway")
    qtbot.keyClicks(key_edit, SECRET)

    saved = signal_future(dialog._vm.saved)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    (restart,) = await saved

    assert isolated_settings.entries[(KEYRING_SERVICE, "runway_api_key")] == SECRET
    assert tomllib.loads(_file_text()) == {"default_video_provider": "runway"}
    assert SECRET not in _file_text()
    assert SECRET not in caplog.text
    assert restart == ["providers"]
    assert dialog.result() == dialog.DialogCode.Accepted
    assert key_edit.text() == ""  # the key is never shown again
    assert key_edit.placeholderText() == "saved in keyring"


async def test_the_dialog_fits_a_1280_by_800_screen(
    core: Core, tasks: UiTaskRunner, qtbot: QtBot, signal_future: Callable[..., Any]
) -> None:
    dialog = await _dialog(core, tasks, qtbot, signal_future)
    for title in PAGES:
        _page(dialog, title)
        hint = dialog.sizeHint().expandedTo(dialog.minimumSizeHint())
        assert hint.width() <= 1280, title
        assert hint.height() <= 760, title


async def test_a_new_database_says_restart(
    core: Core, tasks: UiTaskRunner, qtbot: QtBot, signal_future: Callable[..., Any]
) -> None:
    dialog = await _dialog(core, tasks, qtbot, signal_future)
    assert dialog.pages.uri_edit.text() == ""
    qtbot.keyClicks(dialog.pages.uri_edit, "mongodb://db.example:27017/")

    saved = signal_future(dialog._vm.saved)
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    await saved

    assert dialog.banner.isVisible()
    assert dialog.banner.text() == "Restart Campaign Studio to use the new database."
    assert tomllib.loads(_file_text()) == {"mongodb_uri": "mongodb://db.example:27017/"}
    assert dialog.isVisible()  # Apply keeps the dialog open


async def test_invalid_port_and_malformed_uri_are_refused_inline(
    core: Core, tasks: UiTaskRunner, qtbot: QtBot, signal_future: Callable[..., Any]
) -> None:
    dialog = await _dialog(core, tasks, qtbot, signal_future)
    assert dialog.ok_button.isEnabled()
    _page(dialog, "Webhook relay")
    dialog.pages.port_edit.clear()
    qtbot.keyClicks(dialog.pages.port_edit, "70000")
    assert not dialog.ok_button.isEnabled()
    assert not dialog.apply_button.isEnabled()
    assert dialog.pages.errors["webhook_port"].isVisible()
    assert "0 to 65535" in dialog.pages.errors["webhook_port"].text()
    dialog.pages.port_edit.clear()
    qtbot.keyClicks(dialog.pages.port_edit, "80a")
    assert not dialog.ok_button.isEnabled()
    dialog.pages.port_edit.clear()
    qtbot.keyClicks(dialog.pages.port_edit, "8080")
    assert dialog.ok_button.isEnabled()
    assert not dialog.pages.errors["webhook_port"].isVisible()

    _page(dialog, "Database")
    qtbot.keyClicks(dialog.pages.uri_edit, "postgres://db.example")
    assert not dialog.ok_button.isEnabled()
    assert "mongodb://" in dialog.pages.errors["mongodb_uri"].text()
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)  # disabled: nothing saved
    assert dialog.isVisible()
    assert _file_text() == ""


async def test_a_closed_port_fails_in_plain_words(
    core: Core, tasks: UiTaskRunner, qtbot: QtBot, signal_future: Callable[..., Any]
) -> None:
    dialog = await _dialog(core, tasks, qtbot, signal_future)
    uri = f"mongodb://127.0.0.1:{free_port()}/?serverSelectionTimeoutMS=300"
    qtbot.keyClicks(dialog.pages.uri_edit, uri)

    tested = signal_future(dialog._vm.database_tested)
    qtbot.mouseClick(dialog.pages.test_database_button, Qt.MouseButton.LeftButton)
    assert dialog.pages.database_result.text() == "Testing…"
    ok, _detail = await tested

    assert not ok
    assert dialog.pages.database_result.text().startswith("Failed: ")
    assert "127.0.0.1" in dialog.pages.database_result.text()
    assert "Traceback" not in dialog.pages.database_result.text()
    assert dialog.pages.test_database_button.isEnabled()
    await asyncio.sleep(0)  # the closed client's last callbacks
    collect_refused_sockets()


async def test_the_embedded_database_tests_fine(
    core: Core, tasks: UiTaskRunner, qtbot: QtBot, signal_future: Callable[..., Any]
) -> None:
    dialog = await _dialog(core, tasks, qtbot, signal_future)
    tested = signal_future(dialog._vm.database_tested)
    qtbot.mouseClick(dialog.pages.test_database_button, Qt.MouseButton.LeftButton)
    ok, detail = await tested
    assert ok, detail
    assert dialog.pages.database_result.text().startswith("Connected: ")


async def test_appearance_and_display_name_apply_at_once(
    core: Core,
    tasks: UiTaskRunner,
    qtbot: QtBot,
    signal_future: Callable[..., Any],
    qapp: QApplication,
) -> None:
    palette = qapp.palette()
    try:
        dialog = await _dialog(core, tasks, qtbot, signal_future)
        _page(dialog, "Appearance")
        dialog.pages.appearance_box.setCurrentIndex(dialog.pages.appearance_box.findData("dark"))
        _page(dialog, "Profile")
        dialog.pages.display_name_edit.clear()
        qtbot.keyClicks(dialog.pages.display_name_edit, "Ana Lima")

        saved = signal_future(dialog._vm.saved)
        qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
        (restart,) = await saved

        assert restart == []
        assert not dialog.banner.isVisible()
        assert qapp.palette().color(QPalette.ColorRole.Window).lightness() < 80
        assert app_qsettings().value(APPEARANCE_KEY) == "dark"
        members = await core.workspaces.list_members(ANA)
        assert [m.display_name for m in members if m.user_id == ANA.user_id] == ["Ana Lima"]
        assert _file_text() == ""
    finally:
        apply_theme(qapp, "system")
        qapp.setPalette(palette)


async def test_cancel_saves_nothing(
    core: Core,
    tasks: UiTaskRunner,
    qtbot: QtBot,
    signal_future: Callable[..., Any],
    isolated_settings: MemoryKeyring,
) -> None:
    dialog = await _dialog(core, tasks, qtbot, signal_future)
    qtbot.keyClicks(dialog.pages.uri_edit, "mongodb://other.example/")
    qtbot.keyClicks(dialog.pages.secret_edits["fal_key"], SECRET)
    qtbot.mouseClick(
        dialog.buttons.button(dialog.buttons.StandardButton.Cancel), Qt.MouseButton.LeftButton
    )
    await _until(lambda: not dialog.isVisible())
    assert _file_text() == ""
    assert isolated_settings.entries == {}


async def test_r2_storage_is_tested_with_the_values_typed(
    core: Core,
    tasks: UiTaskRunner,
    qtbot: QtBot,
    signal_future: Callable[..., Any],
    isolated_settings: MemoryKeyring,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The probe itself runs against moto in tests/app/test_config_store.py; here boto3's calls
    # would run on qasync's thread pool, which the per-test loop closes under pytest-qt.
    given: list[dict[str, Any]] = []

    async def probe(values: dict[str, Any]) -> Check:
        given.append(dict(values))
        return Check("media store", False, "cannot reach the bucket media: access denied")

    monkeypatch.setattr(config_store, "probe_storage", probe)
    dialog = await _dialog(core, tasks, qtbot, signal_future)
    _page(dialog, "Media storage")
    assert not dialog.pages.bucket_edit.isEnabled()
    dialog.pages.storage_box.setCurrentIndex(dialog.pages.storage_box.findData("r2"))
    assert dialog.pages.bucket_edit.isEnabled()
    qtbot.keyClicks(dialog.pages.endpoint_edit, "https://acct.r2.cloudflarestorage.com")
    assert not dialog.ok_button.isEnabled()  # no bucket yet
    assert dialog.pages.errors["r2_bucket"].text() == "R2 needs an endpoint and a bucket"
    qtbot.keyClicks(dialog.pages.bucket_edit, "media")
    qtbot.keyClicks(dialog.pages.secret_edits["r2_access_key_id"], "key-id")
    qtbot.keyClicks(dialog.pages.secret_edits["r2_secret_access_key"], SECRET)
    assert dialog.ok_button.isEnabled()

    tested = signal_future(dialog._vm.storage_tested)
    qtbot.mouseClick(dialog.pages.test_storage_button, Qt.MouseButton.LeftButton)
    await tested

    [values] = given
    assert values["blob_store"] == "r2"
    assert values["r2_endpoint_url"] == "https://acct.r2.cloudflarestorage.com"
    assert (values["r2_bucket"], values["r2_access_key_id"]) == ("media", "key-id")
    assert values["r2_secret_access_key"] == SECRET
    assert dialog.pages.storage_result.text() == (
        "Failed: cannot reach the bucket media: access denied"
    )
    assert isolated_settings.entries == {}  # a test saves nothing
    assert _file_text() == ""


async def test_a_refused_save_is_said_beside_the_buttons_and_the_dialog_stays(
    core: Core,
    tasks: UiTaskRunner,
    qtbot: QtBot,
    signal_future: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_keyring(name: str, value: str | None) -> None:
        raise config_store.KeyringUnavailableError(
            f"no OS keyring on this machine: set CAMPAIGN_STUDIO_{name.upper()} instead"
        )

    monkeypatch.setattr(config_store, "save_secret", no_keyring)
    dialog = await _dialog(core, tasks, qtbot, signal_future)
    _page(dialog, "Providers")
    qtbot.keyClicks(dialog.pages.secret_edits["fal_key"], SECRET)

    failed = signal_future(dialog._vm.save_failed)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    await failed

    assert dialog.isVisible()
    assert dialog.form_error.isVisible()
    assert dialog.form_error.text() == (
        "no OS keyring on this machine: set CAMPAIGN_STUDIO_FAL_KEY instead"
    )
    assert dialog.pages.secret_edits["fal_key"].text() == SECRET  # nothing typed is lost
    assert _file_text() == ""


async def test_a_database_password_is_kept_in_the_keyring_and_shown_masked(
    core: Core,
    tasks: UiTaskRunner,
    qtbot: QtBot,
    signal_future: Callable[..., Any],
    isolated_settings: MemoryKeyring,
) -> None:
    dialog = await _dialog(core, tasks, qtbot, signal_future)
    qtbot.keyClicks(dialog.pages.uri_edit, f"mongodb://ana:{SECRET}@db.example/")
    saved = signal_future(dialog._vm.saved)
    qtbot.mouseClick(dialog.apply_button, Qt.MouseButton.LeftButton)
    await saved

    uri = f"mongodb://ana:{SECRET}@db.example/"
    assert isolated_settings.entries[(KEYRING_SERVICE, "mongodb_uri")] == uri
    assert SECRET not in _file_text()
    assert dialog._vm.values.mongodb_uri == "mongodb://ana:****@db.example/"
    loaded = signal_future(dialog._vm.loaded)
    dialog._vm.load()
    await loaded
    assert dialog.pages.uri_edit.text() == "mongodb://ana:****@db.example/"
