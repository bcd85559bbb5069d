"""The toolbar's Publish: its state follows the core's blockers; a refusal is said plainly."""

from __future__ import annotations

import pytest

from app.bootstrap import Core
from tests.ui.conftest import ANA
from tests.ui.test_main_window import opened, settled, until

pytestmark = pytest.mark.timeout(60)


async def test_publish_is_disabled_without_a_campaign_and_names_the_blockers(core: Core) -> None:
    spring = await core.campaigns.create_campaign(ANA, "Spring Launch", channels=["instagram"])
    async with opened(core) as window:
        assert not window.publish_action.isEnabled()
        assert window.publish_action.toolTip() == "Select a campaign to publish."
        window.open_campaign(spring.id)
        await until(lambda: window.publisher.blockers is not None)
        expected = [b.message for b in (await core.prompting.evaluate(ANA, spring.id)).blockers]
        assert window.publisher.blockers == expected
        assert not window.publish_action.isEnabled()
        tip = window.publish_action.toolTip()
        assert tip.startswith("Publishing is blocked:")
        assert tip.count("•") == len(expected)
        # Asked anyway (a stale window): the core refuses and the status bar says why.
        window.publisher.blockers = []
        window.publisher.publish()
        await until(lambda: window.statusBar().currentMessage().startswith("Not published:"))
        assert window.publisher.blockers == expected
        assert not window.publish_action.isEnabled()
        await settled(window)
