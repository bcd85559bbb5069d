"""Notifications: approvals changed by someone else and publishing, in the tray or as a toast;
a click opens what they are about; each kind can be turned off."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QSystemTrayIcon
from pytestqt.qtbot import QtBot

from app.bootstrap import Core
from app.domain import Actor, ApprovalScope, Role
from app.domain.changes import ChangeEvent, EventKind, RecordKind
from tests.ui.conftest import ANA
from tests.ui.test_main_window import opened, settled, until
from tests.ui.test_overview import FULL_DRAFT
from ui.viewmodels.notifications import set_enabled

pytestmark = pytest.mark.timeout(60)

BEA = Actor(tenant_id="acme", user_id="bea", roles={Role.APPROVER})


async def _campaign(core: Core) -> str:
    await core.workspaces.add_member(ANA, "bea", [Role.APPROVER])
    campaign = await core.campaigns.create_campaign(ANA, "Spring Launch", channels=["instagram"])
    await core.strategies.create_strategy(ANA, campaign.id, FULL_DRAFT)
    return campaign.id


async def test_a_vote_elsewhere_shows_a_toast_that_opens_the_approvals(
    core: Core, qtbot: QtBot
) -> None:
    campaign_id = await _campaign(core)
    async with opened(core) as window:
        window.open_campaign(campaign_id)
        await settled(window)
        assert window.notifier.tray is None  # no tray on the offscreen platform: a toast
        toast = window.notifier.toast
        await core.approvals.approve(BEA, campaign_id, ApprovalScope.STRATEGY, comment="Clear")
        await until(toast.isVisible)
        assert toast.title.text() == "Approvals changed in Spring Launch"
        assert "Strategy: approved" in toast.text.text()
        qtbot.mouseClick(toast, Qt.MouseButton.LeftButton)
        assert not toast.isVisible()
        assert window.current_panel == "approvals"
        await settled(window)


async def test_own_changes_and_turned_off_kinds_are_not_told(core: Core) -> None:
    campaign_id = await _campaign(core)
    async with opened(core) as window:
        window.open_campaign(campaign_id)
        await settled(window)
        told: list[Any] = []
        window.notifications.noticed.connect(told.append)
        heard: list[ChangeEvent] = []  # connected after the view model: it has heard them too
        window.session.changed.connect(heard.append)
        await core.approvals.set_quorum(ANA, campaign_id, ApprovalScope.STRATEGY, 2)
        await until(lambda: any(e.record is RecordKind.APPROVAL for e in heard))
        assert not window.notifications.gathering  # ana's own change: nothing to tell

        set_enabled("approvals", False)
        reads: set[str] = set()
        window.tasks.observe(reads.update)
        await core.approvals.approve(BEA, campaign_id, ApprovalScope.STRATEGY)
        await until(lambda: any("approvals-" in key for key in reads))
        await settled(window)
        assert told == []  # read, but the kind is off
        set_enabled("approvals", True)


async def test_the_tray_shows_the_message_and_its_click_opens_the_target(
    core: Core, monkeypatch: pytest.MonkeyPatch
) -> None:
    shown: list[tuple[str, str]] = []
    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: True))
    monkeypatch.setattr(
        QSystemTrayIcon, "showMessage", lambda self, title, text, *args: shown.append((title, text))
    )
    campaign_id = await _campaign(core)
    async with opened(core) as window:
        window.open_campaign(campaign_id)
        await settled(window)
        tray = window.notifier.tray
        assert tray is not None
        await core.approvals.approve(BEA, campaign_id, ApprovalScope.STRATEGY)
        await until(lambda: bool(shown))
        assert shown[0][0] == "Approvals changed in Spring Launch"
        assert not window.notifier.toast.isVisible()
        window.show_panel("campaign")
        tray.messageClicked.emit()
        assert window.current_panel == "approvals"
        await settled(window)


async def test_my_finished_render_is_told_and_opens_the_render_monitor(
    core: Core, qtbot: QtBot
) -> None:
    campaign_id = await _campaign(core)
    async with opened(core) as window:
        window.open_campaign(campaign_id)
        await settled(window)
        toast = window.notifier.toast
        await core.creatives.create_media_creative(
            ANA, campaign_id, kind="image", title="Hero", prompt="a bicycle at dawn"
        )
        await until(toast.isVisible, timeout=30)
        assert toast.title.text() == "Image render by local-image finished"
        qtbot.mouseClick(toast, Qt.MouseButton.LeftButton)
        assert window.current_panel == "renders"
        await settled(window)


async def test_a_teammates_render_is_not_told(core: Core) -> None:
    campaign_id = await _campaign(core)
    await core.workspaces.add_member(ANA, "eve", [Role.EDITOR])
    eve = Actor(tenant_id="acme", user_id="eve", roles={Role.EDITOR})
    async with opened(core) as window:
        told: list[Any] = []
        window.notifications.noticed.connect(told.append)
        heard: list[ChangeEvent] = []
        window.session.changed.connect(heard.append)
        made = await core.creatives.create_media_creative(
            eve, campaign_id, kind="image", title="Hero", prompt="a bicycle at dawn"
        )
        assert made.render_job_id is not None
        await core.renderer.wait_for(eve, made.render_job_id, timeout=30)
        await until(lambda: any(event.kind is EventKind.JOB_FINISHED for event in heard))
        await settled(window)
        assert [notice.kind for notice in told if notice.kind == "renders"] == []
