"""The main window: it composes the sidebar and the four panels, and nothing more."""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QMainWindow,
    QSizePolicy,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QWidget,
)

from app.bootstrap import Core
from app.domain import Actor, Role
from ui.error_reporter import ErrorReporter
from ui.tasks import UiTaskRunner
from ui.viewmodels.ads import AdsViewModel
from ui.viewmodels.approvals import ApprovalsViewModel
from ui.viewmodels.campaigns import CampaignsViewModel
from ui.viewmodels.content import ContentViewModel
from ui.viewmodels.library import LibraryViewModel
from ui.viewmodels.members import MembersViewModel
from ui.viewmodels.navigation import PANELS, Navigator, Target
from ui.viewmodels.notifications import NotificationsViewModel
from ui.viewmodels.overview import OverviewViewModel
from ui.viewmodels.publish import PublishViewModel
from ui.viewmodels.render_monitor import RenderMonitorViewModel
from ui.viewmodels.schedule import ScheduleViewModel
from ui.viewmodels.session import SessionViewModel
from ui.viewmodels.settings import SettingsViewModel
from ui.viewmodels.strategy import StrategyViewModel
from ui.views.about_dialog import AboutDialog
from ui.views.ads_tab import AdsTab
from ui.views.approval_panel import ApprovalPanel
from ui.views.campaign_panel import CampaignPanel
from ui.views.content_tab import ContentTab
from ui.views.library_panel import LibraryPanel
from ui.views.members_dialog import MembersDialog
from ui.views.new_campaign_dialog import NewCampaignDialog
from ui.views.notifier import Notifier
from ui.views.overview_tab import OverviewTab
from ui.views.publish_action import PublishAction
from ui.views.render_monitor_panel import RenderMonitorPanel
from ui.views.schedule_tab import ScheduleTab
from ui.views.settings_dialog import SettingsDialog
from ui.views.sidebar import SidebarWidget
from ui.views.status_bar import WindowStatusBar
from ui.views.strategy_tab import StrategyTab
from ui.views.welcome_dialog import WelcomeDialog
from ui.widgets.icons import icon
from ui.widgets.permission import gate
from ui.widgets.theme import theme_controller

PANEL_TITLES = {
    "campaign": "Campaign",
    "approvals": "Approvals",
    "renders": "Renders",
    "assets": "Assets",
}
ACTION_ICONS = {
    "campaign": "megaphone",
    "approvals": "check",
    "renders": "film",
    "assets": "library",
    "refresh": "refresh-cw",
    "settings": "settings",
    "publish": "send",
    "members": "user",
    "about": "info",
}
"""The toolbar's icons (Lucide names), redrawn when the palette changes."""


class MainWindow(QMainWindow):
    """Campaign Studio's window over an open core, acting as ``actor``.

    It never closes the core. Closing it emits :attr:`closed`; the owner then awaits
    :meth:`shutdown` (cancels every task of the window) before closing the core.

    Signals:
        closed(): the window was closed (by the user or Quit).
    """

    closed = Signal()

    def __init__(
        self,
        core: Core,
        actor: Actor,
        *,
        reporter: ErrorReporter | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Campaign Studio")
        self.reporter = reporter or ErrorReporter(self)
        self.reporter.set_window(self)
        self.tasks = UiTaskRunner(on_unexpected=self.reporter.report)
        self.session = SessionViewModel(core, actor, self.tasks, self)
        self.navigator = Navigator(self)
        self.campaigns = CampaignsViewModel(self.session, self.tasks, self)
        self.sidebar = SidebarWidget(self.session, self.campaigns)
        self.campaign_panel = CampaignPanel(self.campaigns)
        self._build_campaign_tabs()
        self.monitor = RenderMonitorViewModel(self.session, self.tasks, self)
        self.render_monitor = RenderMonitorPanel(self.monitor)
        self.library = LibraryViewModel(self.session, self.tasks, self)
        self.asset_library = LibraryPanel(self.library)
        self.library.navigation_requested.connect(self._on_library_navigation_requested)
        self.panels: dict[str, QWidget] = {
            "campaign": self.campaign_panel,
            "approvals": ApprovalPanel(self.approvals),
            "renders": self.render_monitor,
            "assets": self.asset_library,
        }
        self.pages = QStackedWidget()
        for panel in self.panels.values():
            self.pages.addWidget(panel)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(self.pages)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([280, 1000])
        self.setCentralWidget(self.splitter)
        self._build_actions()
        self.notifications = NotificationsViewModel(self.session, self.tasks, self)
        self.notifier = Notifier(self.notifications, self.navigator, self)
        self.publisher.published.connect(self.notifications.published)
        self._show_icons()
        app = QApplication.instance()
        if isinstance(app, QApplication):
            theme_controller(app).theme_changed.connect(self._show_icons)
        self.status_bar = WindowStatusBar(self.session.data_location(), self)
        self.setStatusBar(self.status_bar)
        self.status_label = self.status_bar.status_label
        self.busy_indicator = self.status_bar.busy_indicator
        self.status_bar.renders_requested.connect(lambda: self.show_panel("renders"))
        self.monitor.summary_changed.connect(self.status_bar.show_render_summary)
        self.tasks.observe(self.status_bar.show_tasks)
        self._closing = False

        self.sidebar.campaign_selected.connect(self._on_sidebar_campaign_selected)
        self.sidebar.new_campaign_requested.connect(self.new_campaign)
        self.navigator.navigation_requested.connect(self._on_navigator_navigation_requested)
        self.session.workspace_switched.connect(self._on_session_workspace_switched)
        self.session.roles_changed.connect(self._on_session_roles_changed)
        self._on_session_roles_changed()
        self.campaigns.created.connect(lambda campaign: self.open_campaign(campaign.id))
        self.resize(1280, 800)
        self._restore()
        self.session.start()
        self.campaigns.load()
        self.monitor.refresh()  # its summary is shown on every panel

    # -- the test surface -------------------------------------------------------------------

    def open_campaign(self, campaign_id: str) -> None:
        """Select ``campaign_id`` in the sidebar and show its campaign panel."""
        self.sidebar.select_campaign(campaign_id)
        self._set_campaign(campaign_id)
        self.show_panel("campaign")

    def show_panel(self, name: str) -> None:
        """Bring panel ``name`` (``campaign``, ``approvals``, ``renders``, ``assets``) to the
        front."""
        if name not in self.panels:
            raise ValueError(f"unknown panel {name!r}; expected one of {', '.join(PANELS)}")
        self.pages.setCurrentWidget(self.panels[name])
        self.approvals.set_shown(name == "approvals")
        self.panel_actions[name].setChecked(True)

    @property
    def current_panel(self) -> str:
        current = self.pages.currentWidget()
        return next(name for name, panel in self.panels.items() if panel is current)

    # -- commands ----------------------------------------------------------------------------

    def new_campaign(self) -> None:
        dialog = NewCampaignDialog(self.campaigns, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def open_settings(self) -> None:
        """Ctrl+,: the settings dialog."""
        dialog = SettingsDialog(SettingsViewModel(self.session, self.tasks), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def open_members(self) -> None:
        """The workspace's members (admins change them; others see the list)."""
        view_model = MembersViewModel(self.session, self.tasks)
        dialog = MembersDialog(view_model, self)
        view_model.setParent(dialog)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def open_about(self) -> None:
        """The version, where the data is, and the licences."""
        dialog = AboutDialog(self, data_dir=self.session.core.settings.data_dir)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def welcome(self) -> None:
        """The first start's welcome (data folder, sample workspace)."""
        dialog = WelcomeDialog(self.session, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()

    def refresh(self) -> None:
        """F5: read everything shown again."""
        self.session.refresh_workspaces()
        self.campaigns.load()
        self.campaign_panel.refresh()
        self.monitor.refresh()
        if self.library.loaded_once:
            self.library.refresh()

    async def shutdown(self) -> None:
        """Cancel every task of the window and wait until they have stopped."""
        await self.tasks.close()

    # -- internals ---------------------------------------------------------------------------

    def _build_campaign_tabs(self) -> None:
        session, tasks, panel = self.session, self.tasks, self.campaign_panel
        self.overview = OverviewViewModel(session, tasks, self.navigator, self)
        panel.add_tab("overview", "Overview", OverviewTab(self.overview), self.overview)
        self.strategy = StrategyViewModel(session, tasks, self)
        panel.add_tab("strategy", "Strategy", StrategyTab(self.strategy), self.strategy)
        self.content = ContentViewModel(session, tasks, self)
        panel.add_tab("content", "Content", ContentTab(self.content), self.content)
        self.schedule = ScheduleViewModel(session, tasks, self)
        panel.add_tab("schedule", "Schedule", ScheduleTab(self.schedule), self.schedule)
        self.ads = AdsViewModel(session, tasks, self)
        panel.add_tab("ads", "Ads", AdsTab(self.ads), self.ads)
        self.publisher = PublishViewModel(session, tasks, self)  # the toolbar's, always read
        self.approvals = ApprovalsViewModel(session, tasks, self)  # the approval panel's
        self.approvals.set_shown(False)

    def _build_actions(self) -> None:
        toolbar = self.toolbar = QToolBar("Main")
        toolbar.setObjectName("mainToolbar")
        toolbar.setMovable(False)
        toolbar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.addToolBar(toolbar)
        self.new_action = QAction("New campaign", self)
        self.new_action.setShortcut(QKeySequence.StandardKey.New)
        self.new_action.triggered.connect(self.new_campaign)
        self.addAction(self.new_action)  # the sidebar has the button
        group = QActionGroup(self)
        self.panel_actions: dict[str, QAction] = {}
        for number, name in enumerate(PANELS, start=1):
            action = QAction(PANEL_TITLES[name], self)
            action.setCheckable(True)
            action.setShortcut(QKeySequence(f"Ctrl+{number}"))
            action.setToolTip(f"Show the {PANEL_TITLES[name].lower()} panel (Ctrl+{number})")
            action.triggered.connect(lambda _checked=False, panel=name: self.show_panel(panel))
            group.addAction(action)
            toolbar.addAction(action)
            self.panel_actions[name] = action
        self.panel_actions["campaign"].setChecked(True)
        toolbar.addSeparator()
        self.refresh_action = QAction("Refresh", self)
        self.refresh_action.setShortcut(QKeySequence(Qt.Key.Key_F5))
        self.refresh_action.setToolTip("Read everything again (F5)")
        self.refresh_action.triggered.connect(self.refresh)
        toolbar.addAction(self.refresh_action)
        self.settings_action = QAction("Settings", self)
        # The platform's key where it has one (Ctrl+, on macOS), and Ctrl+, everywhere.
        keys = [*QKeySequence.keyBindings(QKeySequence.StandardKey.Preferences)]
        keys += [QKeySequence("Ctrl+,")] if QKeySequence("Ctrl+,") not in keys else []
        self.settings_action.setShortcuts(keys)
        self.settings_action.setToolTip("Database, storage, providers and appearance (Ctrl+,)")
        self.settings_action.triggered.connect(self.open_settings)
        toolbar.addAction(self.settings_action)
        self.members_action = QAction("Members", self)
        self.members_action.setToolTip("The workspace's members and their roles")
        self.members_action.triggered.connect(self.open_members)
        toolbar.addAction(self.members_action)
        toolbar.addSeparator()
        self.publish_action = PublishAction(self.publisher, self)
        toolbar.addAction(self.publish_action)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        toolbar.addWidget(spacer)
        self.about_action = QAction("About", self)
        self.about_action.setToolTip("The version, the data folder and the licences")
        self.about_action.triggered.connect(self.open_about)
        toolbar.addAction(self.about_action)
        self.search_action = QAction("Search campaigns", self)
        self.search_action.setShortcut(QKeySequence.StandardKey.Find)
        self.search_action.triggered.connect(self.sidebar.focus_search)
        self.addAction(self.search_action)
        self.quit_action = QAction("Quit", self)
        self.quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        self.quit_action.triggered.connect(self.close)
        self.addAction(self.quit_action)

    def _set_campaign(self, campaign_id: str | None) -> None:
        """Show ``campaign_id`` in the campaign panel and the toolbar's Publish."""
        self.campaign_panel.set_campaign(campaign_id)
        self.publisher.set_campaign(campaign_id)
        self.approvals.set_campaign(campaign_id)
        self.monitor.campaign_id = campaign_id

    def _show_icons(self) -> None:
        actions = {**self.panel_actions, "refresh": self.refresh_action}
        actions["settings"] = self.settings_action
        actions["publish"] = self.publish_action
        actions["members"] = self.members_action
        actions["about"] = self.about_action
        for name, action in actions.items():
            action.setIcon(icon(ACTION_ICONS[name]))

    def _on_sidebar_campaign_selected(self, campaign_id: str | None) -> None:
        if campaign_id is not None or not self.campaigns.reload_pending:
            self._set_campaign(campaign_id)

    def _on_navigator_navigation_requested(self, target: Target) -> None:
        self.show_panel(target.panel)
        if target.panel == "campaign" and target.tab is not None:
            self.campaign_panel.select(target)
        elif target.panel == "renders" and target.record_id is not None:
            self.render_monitor.select_job(target.record_id)

    def _on_library_navigation_requested(self, campaign_id: str, target: Target) -> None:
        """An asset's usage: the creative that uses it, in its campaign's Content tab."""
        self.open_campaign(campaign_id)
        self.navigator.go(target)

    def _on_session_roles_changed(self) -> None:
        may_edit = self.session.may(Role.EDITOR)
        self.new_action.setEnabled(may_edit)
        self.sidebar.new_button.setEnabled(True)
        gate((self.sidebar.new_button,), may_edit)

    def _on_session_workspace_switched(self, _actor: Actor) -> None:
        self.sidebar.select_campaign(None)
        self._set_campaign(None)
        self._save_session()

    # -- saved layout ------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._closing:
            self._closing = True
            self._save()
            self.closed.emit()
        event.accept()

    def _save(self) -> None:
        settings = QSettings()
        settings.setValue("window/geometry", self.saveGeometry())
        settings.setValue("window/state", self.saveState())
        settings.setValue("window/splitter", self.splitter.saveState())
        self._save_session()

    def _save_session(self) -> None:
        settings = QSettings()
        settings.setValue("session/workspace", self.session.actor.tenant_id)
        settings.setValue("session/campaign", self.campaign_panel.campaign_id or "")
        settings.setValue("session/panel", self.current_panel)
        settings.setValue("session/tab", self.campaign_panel.current_tab or "")

    def _restore(self) -> None:
        settings = QSettings()
        geometry = settings.value("window/geometry")
        if geometry is not None:
            self.restoreGeometry(geometry)
            self.restoreState(settings.value("window/state"))
        splitter = settings.value("window/splitter")
        if splitter is not None:
            self.splitter.restoreState(splitter)
        if settings.value("session/workspace") != self.session.actor.tenant_id:
            return  # another workspace: its campaign and tab mean nothing here
        campaign_id = settings.value("session/campaign")
        if campaign_id:
            self.open_campaign(str(campaign_id))
        tab = settings.value("session/tab")
        if tab:
            self.campaign_panel.show_tab(str(tab))
        panel = settings.value("session/panel")
        if panel in self.panels:
            self.show_panel(str(panel))
