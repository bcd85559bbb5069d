"""The app's appearance: Fusion with a light or dark palette, or the system's colour scheme."""

from __future__ import annotations

from typing import Literal

from PySide6.QtCore import QObject, QSettings, Qt, Signal
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

ThemeMode = Literal["system", "light", "dark"]
THEME_MODES: tuple[ThemeMode, ...] = ("system", "light", "dark")
APPEARANCE_KEY = "appearance"
"""The QSettings key of the appearance chosen in Settings."""

Role = QPalette.ColorRole
Group = QPalette.ColorGroup

_LIGHT = {
    Role.Window: "#f5f6f8",
    Role.WindowText: "#1f2329",
    Role.Base: "#ffffff",
    Role.AlternateBase: "#f0f2f5",
    Role.ToolTipBase: "#ffffff",
    Role.ToolTipText: "#1f2329",
    Role.PlaceholderText: "#7a808a",
    Role.Text: "#1f2329",
    Role.Button: "#eceef2",
    Role.ButtonText: "#1f2329",
    Role.BrightText: "#d92d20",
    Role.Light: "#ffffff",
    Role.Midlight: "#e3e6eb",
    Role.Mid: "#c5cad3",
    Role.Dark: "#9aa1ad",
    Role.Shadow: "#5c6370",
    Role.Highlight: "#4f46e5",
    Role.HighlightedText: "#ffffff",
    Role.Link: "#4338ca",
    Role.LinkVisited: "#6d28d9",
}
_DARK = {
    Role.Window: "#1e2024",
    Role.WindowText: "#e6e8eb",
    Role.Base: "#272a30",
    Role.AlternateBase: "#2d3036",
    Role.ToolTipBase: "#2b2e34",
    Role.ToolTipText: "#e6e8eb",
    Role.PlaceholderText: "#8b919b",
    Role.Text: "#e6e8eb",
    Role.Button: "#30343a",
    Role.ButtonText: "#e6e8eb",
    Role.BrightText: "#ff6b5e",
    Role.Light: "#3a3e45",
    Role.Midlight: "#31353b",
    Role.Mid: "#25282d",
    Role.Dark: "#121316",
    Role.Shadow: "#000000",
    Role.Highlight: "#6366f1",
    Role.HighlightedText: "#ffffff",
    Role.Link: "#a5b4fc",
    Role.LinkVisited: "#c4b5fd",
}

STYLESHEET = """
QGroupBox { border: 1px solid palette(mid); border-radius: 8px; margin-top: 1.2em;
            padding: 0.6em 0.5em 0.5em 0.5em; }
QGroupBox::title { subcontrol-origin: margin; left: 0.8em; padding: 0 0.3em; }
QPushButton { padding: 0.3em 0.9em; }
"""
"""A short shared stylesheet: spacing and rounded group boxes; colours come from the palette."""


def palette_for(dark: bool) -> QPalette:
    """The app's palette, light or dark (disabled text dimmed)."""
    palette = QPalette()
    for role, colour in (_DARK if dark else _LIGHT).items():
        palette.setColor(role, QColor(colour))
    dimmed = QColor(_DARK[Role.PlaceholderText] if dark else _LIGHT[Role.PlaceholderText])
    for role in (Role.Text, Role.WindowText, Role.ButtonText):
        palette.setColor(Group.Disabled, role, dimmed)
    return palette


class ThemeController(QObject):
    """Applies a mode to the application and follows the system's scheme in mode "system".

    Signals:
        theme_changed(bool): The palette changed; True when it is now dark.
    """

    theme_changed = Signal(bool)

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self._app = app
        self.mode: ThemeMode = "system"
        QGuiApplication.styleHints().colorSchemeChanged.connect(self._on_hints_scheme_changed)

    def apply(self, mode: ThemeMode) -> None:
        """Use ``mode``: Fusion, the colour scheme hint and the matching palette."""
        if mode not in THEME_MODES:
            raise ValueError(f"unknown appearance {mode!r}: one of {', '.join(THEME_MODES)}")
        self.mode = mode
        hints = QGuiApplication.styleHints()
        scheme = {
            "system": Qt.ColorScheme.Unknown,
            "light": Qt.ColorScheme.Light,
            "dark": Qt.ColorScheme.Dark,
        }[mode]
        if hasattr(hints, "setColorScheme"):  # Qt ≥ 6.8
            hints.setColorScheme(scheme)
        self._apply_palette()

    def is_dark(self) -> bool:
        """Whether the mode in force shows the dark palette."""
        if self.mode == "system":
            return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark
        return self.mode == "dark"

    def _apply_palette(self) -> None:
        dark = self.is_dark()
        self._app.setStyle("Fusion")
        self._app.setPalette(palette_for(dark))
        self._app.setStyleSheet(STYLESHEET)
        self.theme_changed.emit(dark)

    def _on_hints_scheme_changed(self, scheme: Qt.ColorScheme) -> None:
        if self.mode == "system":
            self._apply_palette()


def theme_controller(app: QApplication) -> ThemeController:
    """The application's one theme controller (created on first use)."""
    found = app.findChild(ThemeController)
    return found if isinstance(found, ThemeController) else ThemeController(app)


def apply_theme(app: QApplication, mode: ThemeMode) -> None:
    """Show ``app`` in ``mode`` ("system", "light" or "dark"); "system" follows later changes."""
    theme_controller(app).apply(mode)


def saved_theme_mode() -> ThemeMode:
    """The appearance chosen in Settings ("system" until one is chosen), for the app's start."""
    saved = str(QSettings().value(APPEARANCE_KEY, "system"))
    return next((mode for mode in THEME_MODES if mode == saved), "system")
