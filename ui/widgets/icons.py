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
    return QIcon(_icon(name, _text_colour(), _text_colour(QPalette.ColorGroup.Disabled)))


def symbol_icon(name: str, box: int) -> QIcon:
    """Icon ``name`` at half the size of a ``box``-pixel square, in its middle: a file-type
    symbol standing where a thumbnail would (drawn as large as a thumbnail, a line icon's
    strokes grow into a heavy block)."""
    return QIcon(_symbol(name, _text_colour(), box))


def _text_colour(group: QPalette.ColorGroup = QPalette.ColorGroup.Active) -> str:
    return QGuiApplication.palette().color(group, QPalette.ColorRole.WindowText).name()


@cache
def _symbol(name: str, colour: str, box: int) -> QIcon:
    result = QIcon()
    renderer = _renderer(name, colour)
    for side in (box, 2 * box):  # 100 % and 200 % screens
        result.addPixmap(_drawn(renderer, side, inset=side / 4))
    return result


def _drawn(renderer: QSvgRenderer, side: int, inset: float = 0.0) -> QPixmap:
    """The SVG on a transparent ``side``-pixel square, ``inset`` from each edge."""
    pixmap = QPixmap(side, side)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    renderer.render(painter, QRectF(inset, inset, side - 2 * inset, side - 2 * inset))
    painter.end()
    return pixmap


def _renderer(name: str, colour: str) -> QSvgRenderer:
    return QSvgRenderer(QByteArray(_svg_text(name).replace("currentColor", colour).encode()))


@cache
def _svg_text(name: str) -> str:
    return (_ICONS / f"{name}.svg").read_text(encoding="utf-8")


@cache
def _icon(name: str, colour: str, disabled: str) -> QIcon:
    result = QIcon()
    for mode, fill in ((QIcon.Mode.Normal, colour), (QIcon.Mode.Disabled, disabled)):
        renderer = _renderer(name, fill)
        for size in PIXMAP_SIZES:
            result.addPixmap(_drawn(renderer, size), mode)
    return result
