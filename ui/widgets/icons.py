"""The app's icons: ``icon(name)`` loads ``resources/icons/<name>.svg`` in the palette's colours.

The SVGs draw with ``currentColor``; it becomes the palette's text colour, and each icon is
rendered at sizes enough for 200 % scaling. Icons are cached per colour, so an icon asked for
after a theme change is drawn in the new colours.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QGuiApplication, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

PIXMAP_SIZES = (16, 20, 24, 32, 40, 48, 64, 96)
"""Square sizes rendered for each icon: the usual 16-48 px at 100 % and at 200 %."""

_ICONS = resources.files("resources") / "icons"


def icon_names() -> list[str]:
    """Every shipped icon's name (the SVG file names without ``.svg``)."""
    return sorted(
        entry.name.removesuffix(".svg") for entry in _ICONS.iterdir() if entry.name.endswith(".svg")
    )


def icon(name: str) -> QIcon:
    """The icon ``name`` drawn in the current palette's text colour.

    Raises:
        FileNotFoundError: No icon of that name is shipped.
    """
    palette = QGuiApplication.palette()
    colour = palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.WindowText).name()
    disabled = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.WindowText).name()
    return QIcon(_icon(name, colour, disabled))


def symbol_icon(name: str, box: int) -> QIcon:
    """Icon ``name`` at half the size of a ``box``-pixel square, in its middle: a file-type
    symbol standing where a thumbnail would (drawn as large as a thumbnail, a line icon's
    strokes grow into a heavy block)."""
    palette = QGuiApplication.palette()
    colour = palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.WindowText).name()
    return QIcon(_symbol(name, colour, box))


@cache
def _symbol(name: str, colour: str, box: int) -> QIcon:
    result = QIcon()
    renderer = QSvgRenderer(QByteArray(_svg_text(name).replace("currentColor", colour).encode()))
    for scale in (1, 2):  # 100 % and 200 % screens
        side = box * scale
        pixmap = QPixmap(side, side)
        pixmap.fill(Qt.GlobalColor.transparent)
        painter = QPainter(pixmap)
        renderer.render(painter, QRectF(side / 4, side / 4, side / 2, side / 2))
        painter.end()
        result.addPixmap(pixmap)
    return result


@cache
def _svg_text(name: str) -> str:
    return (_ICONS / f"{name}.svg").read_text(encoding="utf-8")


@cache
def _icon(name: str, colour: str, disabled: str) -> QIcon:
    result = QIcon()
    text = _svg_text(name)
    for mode, fill in ((QIcon.Mode.Normal, colour), (QIcon.Mode.Disabled, disabled)):
        renderer = QSvgRenderer(QByteArray(text.replace("currentColor", fill).encode()))
        for size in PIXMAP_SIZES:
            pixmap = QPixmap(size, size)
            pixmap.fill(Qt.GlobalColor.transparent)
            painter = QPainter(pixmap)
            renderer.render(painter, QRectF(0, 0, size, size))
            painter.end()
            result.addPixmap(pixmap, mode)
    return result
