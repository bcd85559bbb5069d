"""The toolbar's Publish: its state follows the core's blockers; a refusal is said plainly."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from app.bootstrap import Core
from app.domain.campaigns import PublishProgress
from tests import samples
from tests.app.workflow.helpers import publishable_campaign
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


async def test_publishing_shows_its_steps_then_offers_the_bundle_folder(
    core: Core, tmp_path: Path, qtbot: QtBot
) -> None:
    campaign = await publishable_campaign(core, samples.png(tmp_path / "hero.png"))
    async with opened(core) as window:
        window.open_campaign(campaign.id)
        await until(window.publish_action.isEnabled)
        steps: list[PublishProgress] = []
        window.publisher.progressed.connect(steps.append)
        seen: list[tuple[str, bool]] = []
        dialog = window.publish_action.progress_dialog
        window.publish_action.show_progress.setInterval(0)  # as a long publish: shown at once
        window.publisher.progressed.connect(
            lambda _step: seen.append((dialog.labelText(), dialog.isVisible()))
        )
        window.publish_action.trigger()
        await until(lambda: window.publish_action.result_box is not None)
        assert [step.step for step in steps][-1] == "Marking the campaign published"
        assert (steps[0].done, steps[0].total) == (0, 2)
        assert (steps[2].done, steps[2].total) == (2, 2)
        assert seen[0] == ("Copying the media into the bundle…", False)  # shown once idle
        assert seen[-1] == ("Marking the campaign published…", True)
        assert not dialog.isVisible()
        box = window.publish_action.result_box
        assert box is not None
        assert "strategy version 1" in box.text()
        (folder,) = [b for b in box.buttons() if b.text() == "Open bundle folder"]
        assert folder.isEnabled()
        box.close()
        await settled(window)
