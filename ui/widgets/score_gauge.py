"""A painted ring gauge for a 0–100 score, with the number in the middle."""

from __future__ import annotations

from PySide6.QtCore import QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

LOW_SCORE = 40
GOOD_SCORE = 80
SCORE_COLOURS = (
    # Mid-tone hues that read on light and dark backgrounds alike.
    (GOOD_SCORE, QColor("#2f855a")),
    (LOW_SCORE, QColor("#b7791f")),
    (0, QColor("#c53030")),
)
START_ANGLE = 90 * 16  # Qt's angles are in 1/16 degree, 0 at three o'clock, counter-clockwise


def score_colour(score: int) -> QColor:
    """The arc's colour for ``score``: red below 40, amber below 80, green from 80."""
    return next(colour for floor, colour in SCORE_COLOURS if score >= floor)


class ScoreGaugeWidget(QWidget):
    """A ring filled clockwise in proportion to the score, the score in its middle.

    Its size follows the font (so it scales with DPI and the user's font size); the track and
    the text come from the palette. The accessible description gives the score in words.
    """

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._score: int | None = None
        self.setAccessibleName("Score gauge")
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        self._describe()

    @property
    def score(self) -> int | None:
        return self._score

    def set_score(self, score: int | None) -> None:
        """Show ``score`` (0–100), or an empty ring for None (nothing evaluated yet)."""
        self._score = None if score is None else max(0, min(100, score))
        self._describe()
        self.update()

    def sizeHint(self) -> QSize:
        side = self.fontMetrics().height() * 6
        return QSize(side, side)

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def paintEvent(self, event: QPaintEvent) -> None:
        side = min(self.width(), self.height())
        thickness = max(4.0, side / 10)
        ring = QRectF(
            (self.width() - side) / 2 + thickness / 2,
            (self.height() - side) / 2 + thickness / 2,
            side - thickness,
            side - thickness,
        )
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        track = QPen(palette.color(QPalette.ColorRole.Mid), thickness)
        track.setCapStyle(Qt.PenCapStyle.FlatCap)
        painter.setPen(track)
        painter.drawEllipse(ring)
        if self._score:
            arc = QPen(score_colour(self._score), thickness)
            arc.setCapStyle(Qt.PenCapStyle.RoundCap)
            painter.setPen(arc)
            painter.drawArc(ring, START_ANGLE, -round(self._score * 360 * 16 / 100))
        font = QFont(self.font())
        font.setBold(True)
        font.setPixelSize(max(8, round(side / 4)))
        painter.setFont(font)
        painter.setPen(palette.color(QPalette.ColorRole.WindowText))
        text = "–" if self._score is None else str(self._score)
        painter.drawText(ring, Qt.AlignmentFlag.AlignCenter, text)
        painter.end()

    def _describe(self) -> None:
        self.setAccessibleDescription(
            "Not evaluated yet" if self._score is None else f"Score {self._score} of 100"
        )
        self.setToolTip(self.accessibleDescription())
