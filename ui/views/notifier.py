"""Shows notices: the system tray's message where the desktop has a tray, else a toast in the
window's corner. A click on either opens what the notice is about."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QFrame, QLabel, QMainWindow, QMenu, QSystemTrayIcon, QVBoxLayout

from ui.viewmodels.navigation import Navigator, Target
from ui.viewmodels.notifications import Notice, NotificationsViewModel
from ui.widgets.icons import icon

SHOWN_MS = 8000
"""How long a notice stays up."""


class ToastWidget(QFrame):
    """A notice in the window's bottom-right corner; a click on it opens its target."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.setObjectName("toast")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setBackgroundRole(self.palette().ColorRole.ToolTipBase)
        self.setAccessibleName("Notification")
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.title = QLabel()
        font = self.title.font()
        font.setBold(True)
        self.title.setFont(font)
        self.text = QLabel()
        self.text.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.text)
        self.target: Target | None = None
        self.on_click = lambda target: None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide)
        window.installEventFilter(self)
        self.hide()

    def show_notice(self, notice: Notice) -> None:
        self.title.setText(notice.title)
        self.text.setText(notice.text)
        self.target = notice.target
        self.setToolTip("Click to open")
        self._place()
        self.show()
        self.raise_()
        self._timer.start(SHOWN_MS)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.hide()
        if self.target is not None:
            self.on_click(self.target)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize and self.isVisible():
            self._place()
        return False

    def _place(self) -> None:
        window = self.parentWidget()
        if window is None:
            return
        width = min(self.fontMetrics().averageCharWidth() * 48, window.width() - 32)
        self.setFixedWidth(width)
        self.adjustSize()
        margin = self.fontMetrics().height()
        status = window.statusBar().height() if isinstance(window, QMainWindow) else 0
        self.move(
            window.width() - self.width() - margin,
            window.height() - self.height() - margin - status,
        )


class Notifier(QObject):
    """Shows the notices of ``view_model`` for ``window``: in the system tray when there is
    one (``QSystemTrayIcon.showMessage``), else as a toast; a click goes to the notice's target
    through ``navigator``."""

    def __init__(
        self, view_model: NotificationsViewModel, navigator: Navigator, window: QMainWindow
    ) -> None:
        super().__init__(window)
        self._navigator = navigator
        self._window = window
        self._last: Target | None = None
        self.tray: QSystemTrayIcon | None = None
        self.toast = ToastWidget(window)
        self.toast.on_click = self._open
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.tray = QSystemTrayIcon(icon("app"), self)
            self.tray.setToolTip("Campaign Studio")
            menu = QMenu(window)
            menu.addAction("Show Campaign Studio", self._raise_window)
            self.tray.setContextMenu(menu)
            self.tray.messageClicked.connect(lambda: self._last and self._open(self._last))
            self.tray.activated.connect(lambda _reason: self._raise_window())
            self.tray.show()
        view_model.noticed.connect(self.show)

    def show(self, notice: Notice) -> None:
        self._last = notice.target
        if self.tray is not None:
            self.tray.showMessage(
                notice.title, notice.text, QSystemTrayIcon.MessageIcon.Information, SHOWN_MS
            )
        else:
            self.toast.show_notice(notice)

    def _open(self, target: Target) -> None:
        self._raise_window()
        self._navigator.go(target)

    def _raise_window(self) -> None:
        self._window.showNormal()
        self._window.raise_()
        self._window.activateWindow()
