"""Where a deep link takes the user: a panel, a campaign tab, a record to select."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

PANELS = ("campaign", "approvals", "renders", "assets")
"""The main window's panels, the names ``MainWindow.show_panel`` accepts."""

CAMPAIGN_TABS = ("overview", "strategy", "content", "schedule", "ads")
"""The campaign panel's tabs."""

_TARGETS = {
    # record type (a recommendation's or blocker's ``target_type``) → (panel, campaign tab)
    "campaign": ("campaign", "overview"),
    "strategy": ("campaign", "strategy"),
    "creative": ("campaign", "content"),
    "post": ("campaign", "schedule"),
    "schedule": ("campaign", "schedule"),
    "ad_plan": ("campaign", "ads"),
    "ads": ("campaign", "ads"),
    "content": ("campaign", "content"),
    "approval": ("approvals", None),
    "render_job": ("renders", None),
    "asset": ("assets", None),
}


@dataclass(frozen=True)
class Target:
    """A place in the window: ``panel`` (one of :data:`PANELS`), for the campaign panel a
    ``tab`` (one of :data:`CAMPAIGN_TABS`), and the record to select there, if any."""

    panel: str
    tab: str | None = None
    record_type: str | None = None
    record_id: str | None = None

    @classmethod
    def for_record(cls, record_type: str | None, record_id: str | None = None) -> Target:
        """Where the record a recommendation or blocker names is fixed (its type unknown:
        the campaign's overview)."""
        panel, tab = _TARGETS.get(record_type or "campaign", ("campaign", "overview"))
        return cls(panel, tab, record_type, record_id)


class Navigator(QObject):
    """The window's one way to move the user somewhere; panels ask, the main window goes.

    Signals:
        navigation_requested(object): a :class:`Target` to show.
    """

    navigation_requested = Signal(object)

    def go(self, target: Target) -> None:
        if target.panel not in PANELS:
            raise ValueError(f"unknown panel {target.panel!r}; expected one of {PANELS}")
        if target.tab is not None and target.tab not in CAMPAIGN_TABS:
            raise ValueError(f"unknown tab {target.tab!r}; expected one of {CAMPAIGN_TABS}")
        self.navigation_requested.emit(target)
