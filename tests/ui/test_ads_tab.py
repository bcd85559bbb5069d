"""The Ads tab: ad plans created, edited and deleted through dialogs, refusals inline, kept live
by the change feed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from app.bootstrap import Core
from tests.ui.conftest import ANA
from tests.ui.test_overview import FULL_DRAFT
from tests.ui.test_schedule_tab import held, show_tab, until  # noqa: F401 (fixtures)
from ui.viewmodels.ads import COLUMNS, AdPlanTableModel, AdsViewModel
from ui.viewmodels.session import SessionViewModel
from ui.views.ads_tab import AdsTab


class Ads(NamedTuple):
    session: SessionViewModel
    view_model: AdsViewModel
    tab: AdsTab


async def _campaign(core: Core) -> tuple[str, list[str]]:
    campaign = await core.campaigns.create_campaign(
        ANA,
        "Spring launch",
        channels=("instagram", "linkedin"),
        start=date(2030, 3, 2),
        end=date(2030, 3, 29),
    )
    await core.strategies.create_strategy(ANA, campaign.id, FULL_DRAFT)
    ids = []
    for title in ("Teaser", "Launch"):
        creative = await core.creatives.create_text_creative(
            ANA, campaign.id, title=title, body="Skip the traffic this spring."
        )
        ids.append(creative.id)
    return campaign.id, ids


async def _plan(core: Core, campaign_id: str, creative_ids: list[str]) -> str:
    plan = await core.campaigns.create_ad_plan(
        ANA,
        campaign_id,
        name="Commuters",
        channel="instagram",
        budget={"amount": 1200, "currency": "EUR"},
        audience="Commuters 25-40",
        creative_ids=creative_ids[:1],
    )
    return plan.id


@pytest.fixture
def build(show_tab: Callable[..., Any]) -> Callable[[Core, str], Any]:  # noqa: F811
    async def make(core: Core, campaign_id: str) -> Ads:
        return Ads(*await show_tab(core, campaign_id, AdsViewModel, AdsTab, "plans_loaded"))

    return make


def _row(model: AdPlanTableModel, row: int = 0) -> list[str]:
    return [model.index(row, column).data() for column in range(len(COLUMNS))]


async def test_a_plan_is_created_through_the_dialog(
    build: Any, core: Core, qtbot: QtBot, signal_future: Callable[..., Any]
) -> None:
    campaign_id, creative_ids = await _campaign(core)
    ads = await build(core, campaign_id)
    qtbot.mouseClick(ads.tab.new_button, Qt.MouseButton.LeftButton)
    dialog = ads.tab.plan_dialog
    assert dialog is not None
    assert dialog.isVisible()
    assert not dialog.ok_button.isEnabled()
    assert "give the plan a name" in dialog.hint.text()
    qtbot.keyClicks(dialog.name_edit, "Commuters")
    assert dialog.ok_button.isEnabled()
    dialog.channel_box.setFocus()
    qtbot.keyClicks(dialog.channel_box, "linkedin")
    dialog.amount_spin.lineEdit().selectAll()
    qtbot.keyClicks(dialog.amount_spin, "2500.50")
    dialog.currency_edit.clear()
    qtbot.keyClicks(dialog.currency_edit, "us")
    assert not dialog.ok_button.isEnabled()
    assert "three letters" in dialog.hint.text()
    qtbot.keyClicks(dialog.currency_edit, "d")
    qtbot.keyClicks(dialog.audience_edit, "Commuters 25-40")
    dialog.creative_list.item(1).setCheckState(Qt.CheckState.Checked)
    qtbot.mouseClick(dialog.dates_check, Qt.MouseButton.LeftButton)
    dialog.start_edit.setFocus()
    qtbot.keyClick(dialog.start_edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(dialog.start_edit, "2030-03-10")
    dialog.end_edit.setFocus()
    qtbot.keyClick(dialog.end_edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(dialog.end_edit, "2030-03-20")
    assert dialog.dates() == (date(2030, 3, 10), date(2030, 3, 20))
    loaded = signal_future(ads.view_model.plans_loaded)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    await loaded
    (plan,) = await core.campaigns.list_ad_plans(ANA, campaign_id)
    assert plan.name == "Commuters"
    assert plan.channel == "linkedin"
    assert (plan.budget.amount, plan.budget.currency) == (Decimal("2500.50"), "USD")
    assert plan.audience == "Commuters 25-40"
    assert plan.creative_ids == (creative_ids[1],)
    assert (plan.start, plan.end) == (date(2030, 3, 10), date(2030, 3, 20))
    assert _row(ads.view_model.plans) == [
        "Commuters",
        "linkedin",
        "Commuters 25-40",
        "2,500.50 USD",
        "1",
        "2030-03-10 to 2030-03-20",
    ]


async def test_editing_changes_budget_audience_and_creatives(
    build: Any, core: Core, qtbot: QtBot, signal_future: Callable[..., Any]
) -> None:
    campaign_id, creative_ids = await _campaign(core)
    plan_id = await _plan(core, campaign_id, creative_ids)
    ads = await build(core, campaign_id)
    assert not ads.tab.edit_button.isEnabled()
    ads.view_model.select_ad_plan(plan_id)
    qtbot.mouseClick(ads.tab.edit_button, Qt.MouseButton.LeftButton)
    dialog = ads.tab.plan_dialog
    assert dialog is not None
    assert dialog.name() == "Commuters"
    assert not dialog.name_edit.isEnabled()
    assert dialog.creative_ids() == creative_ids[:1]
    dialog.audience_edit.clear()
    qtbot.keyClicks(dialog.audience_edit, "Students")
    dialog.creative_list.item(1).setCheckState(Qt.CheckState.Checked)
    dialog.amount_spin.lineEdit().selectAll()
    qtbot.keyClicks(dialog.amount_spin, "900")
    loaded = signal_future(ads.view_model.plans_loaded)
    qtbot.mouseClick(dialog.ok_button, Qt.MouseButton.LeftButton)
    await loaded
    (plan,) = await core.campaigns.list_ad_plans(ANA, campaign_id)
    assert plan.audience == "Students"
    assert plan.budget.amount == Decimal(900)
    assert set(plan.creative_ids) == set(creative_ids)
    assert _row(ads.view_model.plans)[2:5] == ["Students", "900.00 EUR", "2"]
    assert ads.tab.selected_plan_id() == plan_id


async def test_cancelling_the_edit_keeps_the_plan(build: Any, core: Core, qtbot: QtBot) -> None:
    campaign_id, creative_ids = await _campaign(core)
    plan_id = await _plan(core, campaign_id, creative_ids)
    ads = await build(core, campaign_id)
    ads.tab.select_ad_plan(plan_id)
    qtbot.mouseClick(ads.tab.edit_button, Qt.MouseButton.LeftButton)
    dialog = ads.tab.plan_dialog
    assert dialog is not None
    dialog.audience_edit.clear()
    dialog.reject()
    (plan,) = await core.campaigns.list_ad_plans(ANA, campaign_id)
    assert plan.audience == "Commuters 25-40"


async def test_delete_asks_then_removes_the_plan(
    build: Any, core: Core, qtbot: QtBot, signal_future: Callable[..., Any]
) -> None:
    campaign_id, creative_ids = await _campaign(core)
    plan_id = await _plan(core, campaign_id, creative_ids)
    ads = await build(core, campaign_id)
    ads.tab.select_ad_plan(plan_id)
    qtbot.mouseClick(ads.tab.delete_button, Qt.MouseButton.LeftButton)
    box = ads.tab.confirmation
    assert box is not None
    assert "'Commuters'" in box.text()
    qtbot.mouseClick(box.button(QMessageBox.StandardButton.Cancel), Qt.MouseButton.LeftButton)
    assert len(await core.campaigns.list_ad_plans(ANA, campaign_id)) == 1
    qtbot.mouseClick(ads.tab.delete_button, Qt.MouseButton.LeftButton)
    box = ads.tab.confirmation
    delete = next(b for b in box.buttons() if b.text() == "Delete")
    loaded = signal_future(ads.view_model.plans_loaded)
    qtbot.mouseClick(delete, Qt.MouseButton.LeftButton)
    await loaded
    assert await core.campaigns.list_ad_plans(ANA, campaign_id) == []
    assert ads.view_model.plans.rowCount() == 0


async def test_a_refused_plan_shows_the_cores_message_inline(
    build: Any, core: Core, signal_future: Callable[..., Any]
) -> None:
    campaign_id, _ = await _campaign(core)
    ads = await build(core, campaign_id)
    refused = signal_future(ads.view_model.plan_refused)
    reloaded = signal_future(ads.view_model.plans_loaded)
    ads.view_model.create_plan(
        name="Late",
        channel="instagram",
        budget={"amount": 10, "currency": "EUR"},
        audience="",
        creative_ids=[],
        start=date(2030, 4, 2),
        end=date(2030, 4, 9),
    )
    (message,) = await refused
    await reloaded
    assert message.startswith("Refused:")
    assert ads.tab.message.text() == message
    assert ads.tab.message.isVisible()
    assert await core.campaigns.list_ad_plans(ANA, campaign_id) == []


async def test_plans_written_elsewhere_show_up_through_the_change_feed(
    build: Any, core: Core
) -> None:
    campaign_id, creative_ids = await _campaign(core)
    ads = await build(core, campaign_id)
    ads.session.start()
    await ads.session.following()
    plan_id = await _plan(core, campaign_id, creative_ids)
    await until(lambda: ads.view_model.plans.row_of(plan_id) is not None)
    assert _row(ads.view_model.plans)[0] == "Commuters"


async def test_the_plan_model_passes_the_model_tester(
    build: Any, core: Core, qtmodeltester: Any
) -> None:
    campaign_id, creative_ids = await _campaign(core)
    await _plan(core, campaign_id, creative_ids)
    await _plan(core, campaign_id, creative_ids)
    ads = await build(core, campaign_id)
    assert ads.view_model.plans.rowCount() == 2
    qtmodeltester.check(ads.view_model.plans)
