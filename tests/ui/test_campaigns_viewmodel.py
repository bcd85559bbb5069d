"""The sidebar's campaign list: a sound Qt model, a search filter, live updates, creation."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from PySide6.QtCore import Qt
from pytestqt.modeltest import ModelTester

from app.bootstrap import Core
from app.domain.campaigns import Campaign
from app.domain.changes import RELOAD, ChangeAction, RecordKind
from tests.ui.conftest import ANA
from ui.tasks import UiTaskRunner
from ui.viewmodels.campaigns import CampaignsViewModel, IdRole, StatusRole
from ui.viewmodels.session import SessionViewModel


async def _loaded(
    core: Core, tasks: UiTaskRunner, signal_future: Callable[..., Any]
) -> tuple[SessionViewModel, CampaignsViewModel]:
    session = SessionViewModel(core, ANA, tasks)
    campaigns = CampaignsViewModel(session, tasks)
    loaded = signal_future(campaigns.loaded)
    session.start()
    campaigns.load()
    await session.following()
    await loaded
    return session, campaigns


def _names(campaigns: CampaignsViewModel) -> list[str]:
    view = campaigns.filtered
    return [view.index(row, 0).data() for row in range(view.rowCount())]


async def test_the_list_model_is_sound_and_filters_by_search_text(
    core: Core, tasks: UiTaskRunner, signal_future: Callable[..., Any], qtmodeltester: ModelTester
) -> None:
    spring = await core.campaigns.create_campaign(ANA, "Spring sale")
    await core.campaigns.create_campaign(ANA, "Autumn launch")
    _, campaigns = await _loaded(core, tasks, signal_future)
    qtmodeltester.check(campaigns.model)
    assert sorted(_names(campaigns)) == ["Autumn launch", "Spring sale"]
    campaigns.set_search("SPRING")
    assert _names(campaigns) == ["Spring sale"]
    first = campaigns.filtered.index(0, 0)
    assert first.data(StatusRole) == "draft"
    assert first.data(IdRole) == spring.id
    assert first.data(Qt.ItemDataRole.AccessibleTextRole) == "Spring sale"


async def test_a_campaign_made_by_the_core_appears_live(
    core: Core, tasks: UiTaskRunner, signal_future: Callable[..., Any]
) -> None:
    _, campaigns = await _loaded(core, tasks, signal_future)
    assert _names(campaigns) == []
    await core.campaigns.create_campaign(ANA, "Made elsewhere")
    async with asyncio.timeout(10):
        while _names(campaigns) != ["Made elsewhere"]:
            await signal_future(campaigns.loaded)


async def test_a_burst_of_campaign_changes_is_read_once(
    core: Core, tasks: UiTaskRunner, signal_future: Callable[..., Any]
) -> None:
    session, campaigns = await _loaded(core, tasks, signal_future)
    reads: list[None] = []
    campaigns.loaded.connect(lambda: reads.append(None))
    loaded = signal_future(campaigns.loaded)
    for record in (RecordKind.CAMPAIGN, RecordKind.POST, RecordKind.CAMPAIGN, RecordKind.CAMPAIGN):
        session.changed.emit(replace(RELOAD, record=record, action=ChangeAction.UPDATED))
    await loaded
    assert reads == [None]
    assert not campaigns.reload_pending


async def test_create_reports_the_campaign_or_the_cores_refusal(
    core: Core, tasks: UiTaskRunner, signal_future: Callable[..., Any]
) -> None:
    _, campaigns = await _loaded(core, tasks, signal_future)
    created = signal_future(campaigns.created)
    campaigns.create("Summer", channels=["instagram"], time_zone="Europe/Paris")
    (campaign,) = await created
    assert isinstance(campaign, Campaign)
    assert (campaign.name, campaign.channels, campaign.time_zone) == (
        "Summer",
        ("instagram",),
        "Europe/Paris",
    )
    refused = signal_future(campaigns.create_failed)
    campaigns.create("Bad zone", time_zone="Mars/Olympus")
    (message,) = await refused
    assert message
