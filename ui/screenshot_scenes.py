"""The screenshot script's scenes of the live panels (approvals, renders, the asset library)
and what every scene uses: ``Shots`` writes the PNGs, ``settled`` and ``until`` wait for the
window, ``shown`` finds an opened dialog and ``dialog_shot`` saves one opened by a button."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any


class Shots:
    """Names and writes the PNGs: ``<name>-<scheme>.png``."""

    def __init__(self, out_dir: Path) -> None:
        self.out_dir = out_dir
        self.scheme = "light"  # the colour scheme being shot
        self.written: list[Path] = []

    async def save(self, widget: Any, name: str) -> None:
        # Let the loop deliver pending layout and paint events (never processEvents() inside a
        # coroutine: it would run other tasks' steps inside this one).
        await asyncio.sleep(0.05)
        path = self.out_dir / f"{name}-{self.scheme}.png"
        if not widget.grab().save(str(path)):
            raise OSError(f"could not write {path}")
        self.written.append(path)


async def settled(window: Any, timeout: float = 30.0) -> None:
    """Wait until the window has read what it shows: no task but the change feed running."""
    from ui.viewmodels.session import FEED_TASK

    await window.session.following()
    await until(lambda: window.tasks.running == [FEED_TASK], timeout)


async def until(condition: Callable[[], Any], timeout: float = 30.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"the window did not settle in {timeout} s")
        await asyncio.sleep(0.02)


async def dialog_shot(shots: Shots, window: Any, button: Any, kind: type, name: str) -> None:
    """Click ``button``, save the ``kind`` dialog it opens as ``dialog-<name>``, cancel it."""
    button.click()
    dialog = await shown(window, kind)
    await settled(window)
    await shots.save(dialog, f"dialog-{name}")
    dialog.reject()
    dialog.deleteLater()
    await settled(window)


async def shown(window: Any, kind: type) -> Any:
    def visible() -> Any:
        return next((found for found in window.findChildren(kind) if found.isVisible()), None)

    await until(visible)
    return visible()


async def approval_shots(shots: Shots, window: Any) -> None:
    """The reject dialog on the approval panel and the panel once content is rejected, the
    panel of a draft campaign (nothing voted, content waiting for the strategy), the members
    dialog and a notification."""
    from app.domain.approval_rules import ApprovalAction
    from app.domain.enums import ApprovalScope
    from ui.viewmodels.navigation import Target
    from ui.viewmodels.notifications import Notice
    from ui.views.members_dialog import MembersDialog

    window.show_panel("approvals")
    await settled(window)
    card = window.panels["approvals"].card(ApprovalScope.CONTENT)
    dialog = card.open_dialog(ApprovalAction.REJECT)
    if dialog is not None:
        await shots.save(dialog, "dialog-reject")
        dialog.text_edit.setPlainText("The launch post needs the price in the first line.")
        dialog.ok_button.click()
        await until(lambda: card.state_label.text() == "Rejected")
        await settled(window)
        await shots.save(window, "panel-approvals-rejected")
        # Addressed again, so that the next colour scheme starts from the same states.
        window.approvals.mark_addressed(ApprovalScope.CONTENT, "Price moved up.")
        await until(lambda: card.state_label.text() != "Rejected")
    campaign_id = window.campaign_panel.campaign_id
    draft = next(
        window.campaigns.model.campaign(row).id
        for row in range(window.campaigns.model.rowCount())
        if window.campaigns.model.campaign(row).name == "Summer Teaser"
    )
    window.open_campaign(draft)
    window.show_panel("approvals")
    await settled(window)
    await shots.save(window, "panel-approvals-draft")
    window.open_campaign(campaign_id)
    window.members_action.trigger()
    members = await shown(window, MembersDialog)
    await settled(window)
    await shots.save(members, "dialog-members")
    members.reject()
    window.show_panel("campaign")
    await settled(window)
    notice = Notice(
        "approvals",
        "Approvals changed in Spring Launch",
        "Strategy: approved; Content: needs review; Schedule: needs review; Ads: needs review",
        Target("approvals"),
    )
    window.notifier.toast.show_notice(notice)
    await shots.save(window, "notification-toast")
    window.notifier.toast.hide()


async def render_shots(shots: Shots, window: Any) -> None:
    """The render monitor with a render running, one failed (a parameter the local provider
    refuses), finished ones, and a render of three variants."""
    core, actor = window.session.core, window.session.actor
    campaign_id = window.campaign_panel.campaign_id
    images = [
        creative
        for creative in await core.creatives.list_creatives(actor, campaign_id)
        if creative.kind.value == "image"
    ]
    renderer = core.renderer
    broken = await renderer.queue_render(
        actor, images[0].id, kind="image", prompt="a bike at dawn", params={"width": "wide"}
    )
    variants = await renderer.queue_render(
        actor, images[-1].id, kind="image", prompt="a bike at dusk", params={"num_outputs": 3}
    )
    video = await renderer.queue_render(
        actor, images[0].id, kind="video", prompt="a bike along the river"
    )
    window.show_panel("renders")
    monitor = window.monitor
    panel = window.render_monitor
    toast = window.notifier.toast

    def status(job_id: str) -> str:
        job = monitor.job(job_id)
        return job.status.value if job is not None else ""

    await until(lambda: status(broken.id) == "failed", 60)
    await until(lambda: status(video.id) == "running", 60)
    toast.hide()  # the renders' notifications would cover the detail pane
    await shots.save(window, "panel-renders-live")
    panel.select_job(broken.id)
    await settled(window)
    toast.hide()  # the renders' notifications would cover the detail pane
    await shots.save(window, "panel-renders-failed")
    await until(lambda: status(variants.id) == "published", 120)
    panel.select_job(variants.id)
    await asyncio.sleep(1.0)  # the variants' previews arrive
    await settled(window)
    toast.hide()  # the renders' notifications would cover the detail pane
    await shots.save(window, "panel-renders-variants")
    await until(lambda: status(video.id) == "published", 120)
    from ui.views.new_render_dialog import NewRenderDialog

    await dialog_shot(shots, window, panel.new_button, NewRenderDialog, "new-render")
    window.show_panel("campaign")


async def library_shots(shots: Shots, window: Any) -> None:
    """The asset library as a grid and as a list with real thumbnails, then an upload of three
    files dropped at once: a new picture, one already in the library, an empty file."""
    from PIL import Image

    panel = window.asset_library
    window.show_panel("assets")
    await settled(window)
    await until(lambda: not window.library.thumbnails.busy)
    # A creative's picture is selected: tags to complete, and usage for the archive warning.
    core, actor = window.session.core, window.session.actor
    creatives = await core.creatives.list_creatives(actor, window.campaign_panel.campaign_id)
    used = next(creative.asset_ids[-1] for creative in creatives if creative.asset_ids)
    await until(lambda: window.library.model.row_of(used) is not None)
    panel.grid.setCurrentIndex(panel.grid.model().index(window.library.model.row_of(used), 0))
    await settled(window)
    await shots.save(window, "panel-assets-grid")
    panel.tag_button.click()
    await until(lambda: panel.input_dialog is not None and panel.input_dialog.isVisible())
    await shots.save(panel.input_dialog, "dialog-tag-asset")
    panel.input_dialog.reject()
    panel.archive_button.click()
    await until(lambda: panel.confirmation is not None and panel.confirmation.isVisible())
    await shots.save(panel.confirmation, "dialog-archive-warning")
    panel.confirmation.reject()
    panel.list_toggle.setChecked(True)
    await settled(window)
    await shots.save(window, "panel-assets-list")
    panel.list_toggle.setChecked(False)
    folder = window.session.core.settings.data_dir.parent / f"drop-{shots.scheme}"
    folder.mkdir(exist_ok=True)
    fresh = folder / "Autumn teaser.png"
    colour = (200, 90, 40) if shots.scheme == "light" else (40, 90, 200)
    Image.new("RGB", (640, 400), colour).save(fresh)
    again = folder / "Autumn teaser (copy).png"
    again.write_bytes(fresh.read_bytes())
    empty = folder / "notes.txt"
    empty.write_bytes(b"")
    panel.drop_files([str(fresh), str(again), str(empty)])
    await until(lambda: panel.progress.isVisible() and not window.library.busy)
    await settled(window)
    await shots.save(window, "panel-assets-upload")
    window.show_panel("campaign")
