"""Appearance: the light and dark palettes, following the system scheme, and the icon set."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget
from pytestqt.qtbot import QtBot

from ui.widgets.icons import icon, icon_names
from ui.widgets.theme import apply_theme, theme_controller


@pytest.fixture
def app(qapp: QApplication) -> Iterator[QApplication]:
    """The application, given back with the system scheme and the default palette."""
    palette, style_sheet = qapp.palette(), qapp.styleSheet()
    yield qapp
    apply_theme(qapp, "system")
    QGuiApplication.styleHints().setColorScheme(Qt.ColorScheme.Unknown)
    qapp.setPalette(palette)
    qapp.setStyleSheet(style_sheet)


def _window_lightness(app: QApplication) -> int:
    return app.palette().color(QPalette.ColorRole.Window).lightness()


def test_light_and_dark_switch_the_palette(app: QApplication, qtbot: QtBot) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)

    apply_theme(app, "dark")
    assert _window_lightness(app) < 80
    qtbot.waitUntil(lambda: widget.palette().color(QPalette.ColorRole.WindowText).lightness() > 180)

    apply_theme(app, "light")
    assert _window_lightness(app) > 200
    qtbot.waitUntil(lambda: widget.palette().color(QPalette.ColorRole.WindowText).lightness() < 80)


def test_system_mode_follows_the_scheme(app: QApplication) -> None:
    apply_theme(app, "system")
    controller = theme_controller(app)
    controller._on_hints_scheme_changed(Qt.ColorScheme.Dark)  # as the hint's signal would
    assert (_window_lightness(app) < 80) == controller.is_dark()

    apply_theme(app, "dark")
    assert controller.is_dark()
    with pytest.raises(ValueError, match="unknown appearance"):
        apply_theme(app, "sepia")  # type: ignore[arg-type]
    assert controller.mode == "dark"


def test_every_shipped_icon_loads(app: QApplication) -> None:
    names = icon_names()
    assert {"app", "settings", "megaphone", "sun", "moon", "monitor"} <= set(names)
    assert len(names) >= 40
    for name in names:
        loaded = icon(name)
        assert not loaded.isNull(), name
        assert loaded.pixmap(48, 48).width() == 48, name
    with pytest.raises(FileNotFoundError):
        icon("no-such-icon")


def test_icons_take_the_palette_text_colour(app: QApplication) -> None:
    def darkest_alpha_pixel_lightness() -> int:
        image = icon("plus").pixmap(48, 48).toImage()
        opaque = [
            image.pixelColor(x, y)
            for x in range(48)
            for y in range(48)
            if image.pixelColor(x, y).alpha() == 255
        ]
        assert opaque
        return opaque[0].lightness()

    apply_theme(app, "dark")
    on_dark = darkest_alpha_pixel_lightness()
    apply_theme(app, "light")
    on_light = darkest_alpha_pixel_lightness()
    assert on_dark > 180
    assert on_light < 80
