"""Paints a creative as a card: its picture or an excerpt of its copy, title, kind, a stale
badge in words, and its render's progress or status."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QImage, QPainter, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionProgressBar,
    QStyleOptionViewItem,
    QWidget,
)

from app.domain.creatives import Creative
from ui.viewmodels.content import (
    CreativeRole,
    JobStatusRole,
    ProgressRole,
    StaleRole,
    ThumbnailRole,
)

STALE_COLOUR = QColor("#c77700")
"""The stale badge's fill: an amber that reads on light and dark palettes (with its word)."""
STALE_TEXT = "stale"
CARD_WIDTH_EM = 16
PICTURE_HEIGHT_EM = 7
PADDING = 8

AnyIndex = QModelIndex | QPersistentModelIndex


def progress_text(status: str | None, progress: float | None) -> str:
    """The card's render line: "rendering 42 %", "queued", "failed", or nothing."""
    if progress is not None and status == "running":
        return f"rendering {round(progress * 100)} %"
    if status in (None, "published"):
        return ""
    return status


class CreativeCardDelegate(QStyledItemDelegate):
    """Cards sized from the font (no fixed pixel sizes for text), coloured from the palette."""

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        em = option.fontMetrics.height()
        return QSize(CARD_WIDTH_EM * em, PICTURE_HEIGHT_EM * em + 4 * em + 3 * PADDING)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        creative = index.data(CreativeRole)
        if not isinstance(creative, Creative):
            return
        palette: QPalette = option.palette
        widget: QWidget | None = option.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, option, painter, widget)
        painter.save()
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        text_role = QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text
        card = option.rect.adjusted(PADDING // 2, PADDING // 2, -PADDING // 2, -PADDING // 2)
        painter.setPen(palette.color(QPalette.ColorRole.Mid))
        painter.drawRoundedRect(card, 6, 6)
        em = option.fontMetrics.height()
        inner = card.adjusted(PADDING, PADDING, -PADDING, -PADDING)
        picture = QRect(inner.left(), inner.top(), inner.width(), PICTURE_HEIGHT_EM * em)
        self._paint_picture(painter, picture, creative, index.data(ThumbnailRole), palette)
        painter.setPen(palette.color(text_role))
        line = QRect(inner.left(), picture.bottom() + PADDING, inner.width(), em)
        bold = painter.font()
        bold.setBold(True)
        painter.setFont(bold)
        title = painter.fontMetrics().elidedText(
            creative.title, Qt.TextElideMode.ElideRight, line.width()
        )
        painter.drawText(line, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, title)
        painter.setFont(option.font)
        line.translate(0, em)
        kind = creative.kind.value + (f" · {creative.channel}" if creative.channel else "")
        painter.drawText(line, Qt.AlignmentFlag.AlignLeft, kind)
        if index.data(StaleRole):
            self._paint_badge(painter, line, option.fontMetrics.horizontalAdvance(STALE_TEXT))
        line.translate(0, em + PADDING // 2)
        self._paint_progress(painter, line, index, option, style)
        painter.restore()

    def _paint_picture(
        self,
        painter: QPainter,
        rect: QRect,
        creative: Creative,
        thumbnail: object,
        palette: QPalette,
    ) -> None:
        painter.fillRect(rect, palette.color(QPalette.ColorRole.AlternateBase))
        if isinstance(thumbnail, QImage) and not thumbnail.isNull():
            scaled = thumbnail.scaled(
                rect.size(),
                Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.SmoothTransformation,
            )
            x = rect.left() + (rect.width() - scaled.width()) // 2
            y = rect.top() + (rect.height() - scaled.height()) // 2
            painter.drawImage(x, y, scaled)
            return
        painter.setPen(palette.color(QPalette.ColorRole.Text))
        words = creative.body or creative.prompt or ""
        flags = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop | Qt.TextFlag.TextWordWrap
        painter.drawText(rect.adjusted(4, 4, -4, -4), int(flags), words)

    def _paint_badge(self, painter: QPainter, line: QRect, text_width: int) -> None:
        badge = QRect(line.right() - text_width - 8, line.top(), text_width + 8, line.height())
        painter.save()
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(STALE_COLOUR)
        painter.drawRoundedRect(badge, 4, 4)
        painter.setPen(QColor("white"))
        painter.drawText(badge, Qt.AlignmentFlag.AlignCenter, STALE_TEXT)
        painter.restore()

    def _paint_progress(
        self,
        painter: QPainter,
        line: QRect,
        index: AnyIndex,
        option: QStyleOptionViewItem,
        style: QStyle,
    ) -> None:
        status = index.data(JobStatusRole)
        progress = index.data(ProgressRole)
        if progress is not None:
            bar = QStyleOptionProgressBar()
            bar.rect = line
            bar.minimum = 0
            bar.maximum = 100
            bar.progress = round(progress * 100)
            bar.text = progress_text(status, progress) or status
            bar.textVisible = True
            bar.palette = option.palette
            bar.state = QStyle.StateFlag.State_Enabled | QStyle.StateFlag.State_Horizontal
            style.drawControl(QStyle.ControlElement.CE_ProgressBar, bar, painter, option.widget)
            return
        text = progress_text(status, progress)
        if text:
            painter.drawText(line, Qt.AlignmentFlag.AlignLeft, text)
