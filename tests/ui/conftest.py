"""UI tests: pytest-qt offscreen, async tests on a qasync loop (toolchain notes)."""

from __future__ import annotations

import gc
import os
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import PySide6.QtWidgets
import pytest
import qasync
from PySide6.QtCore import QCoreApplication, QSettings
from PySide6.QtWidgets import QApplication

from app.bootstrap import Core, open_core
from app.config import AppSettings
from app.domain import Actor, Role
from ui.collector import collect_on_gui_thread
from ui.tasks import UiTaskRunner

assert PySide6.QtWidgets

ANA = Actor(tenant_id="acme", user_id="ana", roles={Role.ADMIN})


def pytest_asyncio_loop_factories(config: pytest.Config, item: pytest.Item) -> Mapping[str, Any]:
    """Every async UI test runs on a qasync loop over the one QApplication."""
    return {"qasync": lambda: qasync.QEventLoop(_application())}


def _application() -> QApplication:
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        app = QApplication([])
    # As in ui.main: closing a window must not quit Qt (and stop the loop) under a test.
    app.setQuitOnLastWindowClosed(False)
    collect_on_gui_thread(app)  # as in ui.main: Qt objects are only ever freed on this thread
    return app


@pytest.fixture(autouse=True)
def collect_after_each_test() -> Iterator[None]:
    """A timer firing on a freed object crashed pytest-qt's after-test event processing when UI
    tests ran beside the core's; collecting after each test stopped it (toolchain notes)."""
    yield
    gc.collect()


@pytest.fixture(autouse=True)
def isolated_qsettings(tmp_path: Path) -> Path:
    """The window's saved layout goes to this test's folder, never the user's."""
    folder = tmp_path / "qsettings"
    QCoreApplication.setOrganizationName("Campaign Studio Tests")
    QCoreApplication.setApplicationName("Campaign Studio Tests")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    return folder


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[Core]:
    """An open core on the embedded default in a fresh data folder."""
    settings = AppSettings(data_dir=tmp_path / "data")
    async with open_core(settings) as opened:
        yield opened


@pytest.fixture
async def tasks() -> AsyncIterator[UiTaskRunner]:
    errors: list[BaseException] = []
    runner = UiTaskRunner(on_unexpected=errors.append)
    yield runner
    await runner.close()
    assert not errors, errors


@pytest.fixture
def signal_future() -> Callable[..., Any]:
    """``await signal_future(obj.signal)``: the next emission's arguments (never
    ``qtbot.waitSignal`` inside an async test: it re-enters the loop and hangs)."""
    import asyncio

    def wait(signal: Any) -> Any:
        future: asyncio.Future[tuple[Any, ...]] = asyncio.get_running_loop().create_future()

        def fire(*args: Any) -> None:
            if not future.done():
                future.set_result(args)
            signal.disconnect(fire)

        signal.connect(fire)
        return future

    return wait
