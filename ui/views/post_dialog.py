"""Schedule a post, or move one: creative, channel and a date-time in the campaign's time zone."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time

from PySide6.QtCore import QDate, QDateTime, QTime
from PySide6.QtWidgets import (
    QComboBox,
    QDateTimeEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from app.domain.creatives import Creative


class PostDialog(QDialog):
    """A post's creative, channel and moment; OK stays disabled until a creative and a channel
    are chosen. Open it with ``open()`` and read :meth:`creative_id`, :meth:`channel` and
    :meth:`moment` on ``accepted``.

    Args:
        creatives: The campaign's creatives to choose from.
        channels: The campaign's channels.
        time_zone: The campaign's IANA zone; the date-time is read in it.
        window: The campaign's first and last day (None: open), which bound the editor.
        at: The moment to start from (naive, in ``time_zone``).
        moving: Only the moment can change (the keyboard alternative to dragging a chip).
    """

    def __init__(
        self,
        creatives: Sequence[Creative],
        channels: Sequence[str],
        time_zone: str,
        window: tuple[date | None, date | None],
        at: datetime,
        *,
        moving: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Move post" if moving else "New post")
        self.creative_box = QComboBox()
        self.creative_box.setAccessibleName("Creative")
        for creative in creatives:
            title = f"{creative.title} (stale)" if creative.stale else creative.title
            self.creative_box.addItem(title, creative.id)
        self.channel_box = QComboBox()
        self.channel_box.setAccessibleName("Channel")
        self.channel_box.addItems(list(channels))
        self.time_edit = QDateTimeEdit()
        self.time_edit.setAccessibleName(f"Date and time ({time_zone})")
        self.time_edit.setCalendarPopup(True)
        self.time_edit.setDisplayFormat("yyyy-MM-dd HH:mm")
        start, end = window
        if start is not None:
            self.time_edit.setMinimumDateTime(QDateTime(_qdate(start), QTime(0, 0)))
        if end is not None:
            self.time_edit.setMaximumDateTime(QDateTime(_qdate(end), QTime(23, 59)))
        self.time_edit.setDateTime(QDateTime(_qdate(at.date()), QTime(at.hour, at.minute)))
        self.zone_label = QLabel(f"Times are in the campaign's time zone, {time_zone}.")
        self.zone_label.setWordWrap(True)
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.creative_box.setEnabled(not moving)
        self.channel_box.setEnabled(not moving)

        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Move" if moving else "Schedule")
        self.ok_button.setAccessibleName(self.ok_button.text())
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow("&Creative", self.creative_box)
        form.addRow("C&hannel", self.channel_box)
        form.addRow("&When", self.time_edit)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.zone_label)
        layout.addWidget(self.hint)
        layout.addWidget(self.buttons)
        self.setTabOrder(self.creative_box, self.channel_box)
        self.setTabOrder(self.channel_box, self.time_edit)
        self.setTabOrder(self.time_edit, self.buttons)
        self._validate()

    def select(self, creative_id: str, channel: str) -> None:
        """Start from this creative and channel (a moved post's)."""
        self.creative_box.setCurrentIndex(max(0, self.creative_box.findData(creative_id)))
        self.channel_box.setCurrentIndex(max(0, self.channel_box.findText(channel)))
        self._validate()

    def creative_id(self) -> str:
        return str(self.creative_box.currentData())

    def channel(self) -> str:
        return self.channel_box.currentText()

    def moment(self) -> datetime:
        """The chosen moment, naive, in the campaign's time zone."""
        value = self.time_edit.dateTime()
        day, clock = value.date(), value.time()
        return datetime.combine(
            date(day.year(), day.month(), day.day()), time(clock.hour(), clock.minute())
        )

    def _validate(self) -> None:
        missing = []
        if self.creative_box.count() == 0:
            missing.append("create a creative in the Content tab first")
        if self.channel_box.count() == 0:
            missing.append("give the campaign a channel first")
        self.hint.setText("To schedule a post, " + " and ".join(missing) + "." if missing else "")
        self.hint.setVisible(bool(missing))
        self.ok_button.setEnabled(not missing)


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)
