"""The session view model: workspaces and the change feed, relayed as Qt signals."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from app.bootstrap import Core
from app.domain.changes import ChangeEvent, RecordKind
from tests.ui.conftest import ANA
from ui.tasks import UiTaskRunner
from ui.viewmodels.session import SessionViewModel


async def test_a_change_made_anywhere_reaches_the_session_as_a_signal(
    core: Core, tasks: UiTaskRunner, signal_future: Callable[..., Any]
) -> None:
    session = SessionViewModel(core, ANA, tasks)
    listed = signal_future(session.workspaces_changed)
    session.start()
    await session.following()
    heard: list[ChangeEvent] = []
    session.changed.connect(heard.append)
    campaign = await core.campaigns.create_campaign(ANA, "Spring")
    async with asyncio.timeout(10):
        while not any(e.record is RecordKind.CAMPAIGN for e in heard):
            await signal_future(session.changed)
    assert [e.record_id for e in heard if e.record is RecordKind.CAMPAIGN] == [campaign.id]
    (workspaces,) = await listed
    assert isinstance(workspaces, list)
