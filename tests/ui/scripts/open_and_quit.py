"""Runs ``campaign-studio`` (the window on the embedded default) the way a person does, and
quits it once the window has loaded, with a render just queued. Driven by test_app_start.py in
a subprocess of its own: ``python open_and_quit.py DATA_DIR``."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

from PySide6.QtCore import QTimer

from app.sample_workspace import _draft
from ui.launcher import main
from ui.main_window import MainWindow

shown = MainWindow.show
STRATEGY = _draft(1)


def show_then_quit(window: MainWindow) -> None:
    shown(window)

    def queue_render_then_quit() -> None:
        async def work() -> None:
            core, actor = window.session.core, window.session.actor
            campaign = await core.campaigns.create_campaign(actor, "Quit test")
            await core.strategies.create_strategy(actor, campaign.id, STRATEGY)
            await core.creatives.create_media_creative(
                actor, campaign.id, kind="image", title="Hero", prompt="a bike at dawn"
            )
            print(f"welcome shown: {window.findChild(QDialogType) is not None}", flush=True)
            QTimer.singleShot(0, window.quit_action.trigger)

        window.tasks.start("quit-test", work())

    window.campaigns.loaded.connect(queue_render_then_quit)


if __name__ == "__main__":
    from ui.views.welcome_dialog import WelcomeDialog as QDialogType

    MainWindow.show = show_then_quit  # type: ignore[method-assign]
    status = main(["--data-dir", str(Path(sys.argv[1]))])
    alive = sorted(t.name for t in threading.enumerate() if t.name.startswith("sqlite"))
    print(f"sqlite threads alive: {alive}", flush=True)
    sys.exit(status)
