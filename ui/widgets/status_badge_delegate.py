"""Paints a campaign's status as a small rounded badge beside its name."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem

AnyIndex = QModelIndex | QPersistentModelIndex

STATUS_COLOURS = {
    # Mid-tone hues that read on light and dark backgrounds alike (text on them is white).
    "draft": QColor("#6b7280"),
    "in_review": QColor("#b7791f"),
    "ready": QColor("#2f855a"),
    "published": QColor("#2b6cb0"),
    "archived": QColor("#4a5568"),
}
PADDING = 6


class StatusBadgeDelegate(QStyledItemDelegate):
    """Draws the item's text, then its status (``status_role``) as a badge on the right."""

    def __init__(self, status_role: int, parent: object = None) -> None:
        super().__init__(parent)  # type: ignore[arg-type]
        self._status_role = status_role

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: AnyIndex) -> None:
        status = index.data(self._status_role) or ""
        badge = status.replace("_", " ")
        metrics = QFontMetrics(self._badge_font(option))
        badge_width = metrics.horizontalAdvance(badge) + 2 * PADDING if badge else 0
        text_option = QStyleOptionViewItem(option)
        self.initStyleOption(text_option, index)
        text_option.rect = option.rect.adjusted(0, 0, -(badge_width + PADDING), 0)
        style = option.widget.style() if option.widget else None
        if style is not None:
            # The full row's selection background first, then the text in the narrower rect.
            background = QStyleOptionViewItem(option)
            self.initStyleOption(background, index)
            background.text = ""
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, background, painter)
            text_option.backgroundBrush = Qt.BrushStyle.NoBrush  # type: ignore[assignment]
            text_option.state &= ~QStyle.StateFlag.State_Selected
            if option.state & QStyle.StateFlag.State_Selected:
                text_option.palette.setColor(
                    QPalette.ColorRole.Text,
                    option.palette.color(QPalette.ColorRole.HighlightedText),
                )
            style.drawControl(QStyle.ControlElement.CE_ItemViewItem, text_option, painter)
        if not badge:
            return
        height = metrics.height() + 4
        rect = QRect(
            option.rect.right() - badge_width - PADDING // 2,
            option.rect.center().y() - height // 2 + 1,
            badge_width,
            height,
        )
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(STATUS_COLOURS.get(status, STATUS_COLOURS["draft"]))
        painter.drawRoundedRect(rect, height / 2, height / 2)
        painter.setPen(QColor("white"))
        painter.setFont(self._badge_font(option))
        painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, badge)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: AnyIndex) -> QSize:
        size = super().sizeHint(option, index)
        metrics = QFontMetrics(option.font)
        return QSize(size.width() + 90, max(size.height(), metrics.height() + 14))

    @staticmethod
    def _badge_font(option: QStyleOptionViewItem):  # type: ignore[no-untyped-def]
        font = option.font
        font.setPointSizeF(max(font.pointSizeF() * 0.85, 7.0))
        return font
