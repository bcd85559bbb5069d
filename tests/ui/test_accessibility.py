"""Every control of the main window has a name a screen reader can say, on every campaign tab."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QComboBox,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QTextEdit,
    QWidget,
)

from app.bootstrap import Core
from app.sample_workspace import create_sample_workspace
from tests.ui.conftest import ANA
from tests.ui.test_main_window import opened, settled
from ui.viewmodels.navigation import CAMPAIGN_TABS

pytestmark = pytest.mark.timeout(120)

CONTROLS = (
    QAbstractButton,
    QLineEdit,
    QComboBox,
    QAbstractItemView,
    QAbstractSpinBox,
    QPlainTextEdit,
    QTextEdit,
)


def qt_internal(widget: QWidget) -> bool:
    """Parts Qt builds inside a control (a spin box's line edit, a combo box's popup list, a
    line edit's clear button, a table's headers and corner button, the toolbar's overflow
    arrow): the control they belong to carries the name."""
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QComboBox | QAbstractSpinBox | QLineEdit):
            return True
        parent = parent.parentWidget()
    return widget.objectName().startswith("qt_") or isinstance(widget, QHeaderView)


def unnamed(window: QWidget) -> list[str]:
    found = []
    for widget in window.findChildren(QWidget):
        if not isinstance(widget, CONTROLS) or qt_internal(widget):
            continue
        text = widget.text().replace("&", "") if isinstance(widget, QAbstractButton) else ""
        if not widget.accessibleName() and not text:
            found.append(f"{type(widget).__name__} in {type(widget.parentWidget()).__name__}")
    return found


async def test_every_control_on_every_tab_has_an_accessible_name(core: Core) -> None:
    workspace = await create_sample_workspace(core, ANA)
    actor = ANA.model_copy(update={"tenant_id": workspace.id})
    (spring,) = [c for c in await core.campaigns.list_campaigns(actor) if c.name == "Spring Launch"]
    async with opened(core, actor) as window:
        window.open_campaign(spring.id)
        for tab in CAMPAIGN_TABS:
            window.campaign_panel.show_tab(tab)
            await settled(window)
        assert unnamed(window) == []
