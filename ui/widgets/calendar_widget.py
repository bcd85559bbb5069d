"""A week or month calendar of posts as chips; drag a chip to another day or hour to move it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from PySide6.QtCore import QMimeData, QPoint, Qt, Signal
from PySide6.QtGui import (
    QDrag,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QMouseEvent,
    QPalette,
    QResizeEvent,
)
from PySide6.QtWidgets import (
    QApplication,
    QButtonGroup,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

POST_MIME_TYPE = "application/x-campaign-studio-post"
"""A dragged chip carries its post's id under this type."""

WEEK, MONTH = "week", "month"


@dataclass(frozen=True)
class CalendarEntry:
    """One post as the calendar shows it: ``at`` is naive, in the campaign's time zone."""

    post_id: str
    at: datetime
    text: str


class PostChip(QToolButton):
    """A post in its day (and hour): click selects it, dragging it moves it (when
    ``movable``)."""

    def __init__(
        self,
        entry: CalendarEntry,
        label: str,
        parent: QWidget | None = None,
        *,
        movable: bool = True,
        why_fixed: str = "",
    ) -> None:
        super().__init__(parent)
        self.entry = entry
        self.label = label
        self.movable = movable
        self.setText(label)
        # As wide as its day, not as its text: the days keep equal widths, the text is elided.
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        tip = f"{entry.at:%a %d %b %H:%M} · {entry.text}"
        self.setToolTip(tip if movable else f"{tip}\n{why_fixed}")
        self.setAccessibleName(f"Post {entry.at:%d %B %H:%M} {entry.text}")
        self.setCheckable(True)
        self.setAutoRaise(True)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self._press: QPoint | None = None

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        room = self.width() - 2 * self.fontMetrics().averageCharWidth()
        self.setText(self.fontMetrics().elidedText(self.label, Qt.TextElideMode.ElideRight, room))

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.movable:
            self._press = event.position().toPoint()
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        start = self._press
        moved = start is not None and (
            (event.position().toPoint() - start).manhattanLength()
            >= QApplication.startDragDistance()
        )
        if not moved:
            super().mouseMoveEvent(event)
            return
        self._press = None
        mime = QMimeData()
        mime.setData(POST_MIME_TYPE, self.entry.post_id.encode())
        drag = QDrag(self)
        drag.setMimeData(mime)
        drag.exec(Qt.DropAction.MoveAction)


class DayCell(QFrame):
    """A day (month view) or an hour of a day (week view) that accepts dropped posts when it
    lies inside the campaign window."""

    def __init__(
        self, calendar: CalendarWidget, day: date, hour: int | None, allowed: bool
    ) -> None:
        super().__init__()
        self.day = day
        self.hour = hour
        self.allowed = allowed
        self._calendar = calendar
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAcceptDrops(True)  # a refused day says why
        self.setAutoFillBackground(True)
        role = QPalette.ColorRole.Base if allowed else QPalette.ColorRole.Window
        self.setBackgroundRole(role)
        self.chips = QVBoxLayout(self)
        self.chips.setContentsMargins(2, 2, 2, 2)
        self.chips.setSpacing(1)
        if hour is None:
            self.chips.addWidget(QLabel(f"{day.day}"))
        self.chips.addStretch(1)

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        self._accept_if_post(event)
        self._calendar.drag_entered(self)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        self._accept_if_post(event)

    def dropEvent(self, event: QDropEvent) -> None:
        if self._accept_if_post(event, dropped=True):
            mime = event.mimeData()
            self._calendar.drop_on(self, bytes(mime.data(POST_MIME_TYPE).data()).decode())

    def _accept_if_post(self, event: QDragMoveEvent | QDropEvent, dropped: bool = False) -> bool:
        if not event.mimeData().hasFormat(POST_MIME_TYPE):
            event.ignore()
            return False
        if not self.allowed:
            event.ignore()
            self._calendar.refuse(self.day, again=dropped)
            return False
        event.acceptProposedAction()
        return True


class CalendarWidget(QWidget):
    """The campaign's posts on a week view (a row per hour) or a month view (a cell per day).

    Signals:
        post_moved(str, object): a chip was dropped on another day or hour: the post id and its
            new naive moment in the campaign's time zone.
        post_clicked(str): a chip was clicked (its post id).
        drop_refused(str): a chip was dragged onto a day outside the campaign window (why, in
            plain words; the post stays where it was).
    """

    post_moved = Signal(str, object)
    post_clicked = Signal(str)
    drop_refused = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.mode = MONTH
        self.anchor = date.today()
        self._entries: list[CalendarEntry] = []
        self._window: tuple[date | None, date | None] = (None, None)
        self._selected: str | None = None
        self._refused_day: date | None = None
        self.cells: list[DayCell] = []
        self.chips: dict[str, PostChip] = {}
        self.movable = True
        self._why_fixed = ""

        self.previous_button = QPushButton("Previous")
        self.today_button = QPushButton("Today")
        self.next_button = QPushButton("Next")
        self.week_button = QPushButton("Week")
        self.month_button = QPushButton("Month")
        self.title = QLabel()
        for button, name in (
            (self.previous_button, "Previous period"),
            (self.today_button, "Go to today"),
            (self.next_button, "Next period"),
            (self.week_button, "Week view"),
            (self.month_button, "Month view"),
        ):
            button.setAccessibleName(name)
        group = QButtonGroup(self)
        for button in (self.week_button, self.month_button):
            button.setCheckable(True)
            group.addButton(button)
        self.month_button.setChecked(True)
        self.previous_button.clicked.connect(lambda: self._step(-1))
        self.next_button.clicked.connect(lambda: self._step(+1))
        self.today_button.clicked.connect(lambda: self.show_day(date.today()))
        self.week_button.clicked.connect(lambda: self.set_mode(WEEK))
        self.month_button.clicked.connect(lambda: self.set_mode(MONTH))

        bar = QHBoxLayout()
        for widget in (self.previous_button, self.today_button, self.next_button):
            bar.addWidget(widget)
        bar.addWidget(self.title, 1)
        bar.addWidget(self.week_button)
        bar.addWidget(self.month_button)
        self._grid_host = QWidget()
        self._grid = QGridLayout(self._grid_host)
        self._grid.setSpacing(1)
        for column in range(1, 8):
            self._grid.setColumnStretch(column, 1)  # seven days of equal width
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self._grid_host)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(scroll, 1)
        self._rebuild()

    def set_entries(
        self, entries: list[CalendarEntry], start: date | None, end: date | None
    ) -> None:
        """Show ``entries`` and accept drops only between ``start`` and ``end`` (inclusive)."""
        self._entries = list(entries)
        self._window = (start, end)
        self._rebuild()

    def set_movable(self, movable: bool, why_not: str = "") -> None:
        """Whether posts may be dragged to another day; ``why_not`` goes in the chips'
        tooltips when not."""
        if (movable, why_not) != (self.movable, self._why_fixed):
            self.movable, self._why_fixed = movable, why_not
            self._rebuild()

    def set_mode(self, mode: str) -> None:
        """Show the week view (``WEEK``) or the month view (``MONTH``)."""
        self.mode = mode
        (self.week_button if mode == WEEK else self.month_button).setChecked(True)
        self._rebuild()

    def show_day(self, day: date) -> None:
        """Show the week or month holding ``day``."""
        self.anchor = day
        self._rebuild()

    def select(self, post_id: str | None) -> None:
        """Mark the chip of ``post_id`` (showing its period) and no other."""
        self._selected = post_id
        entry = next((e for e in self._entries if e.post_id == post_id), None)
        if entry is not None and entry.post_id not in self.chips:
            self.show_day(entry.at.date())
        for chip_id, chip in self.chips.items():
            chip.setChecked(chip_id == post_id)

    def allows(self, day: date) -> bool:
        start, end = self._window
        return (start is None or day >= start) and (end is None or day <= end)

    def cell_at(self, day: date, hour: int | None = None) -> DayCell | None:
        """The shown cell of ``day`` (and ``hour`` in the week view)."""
        for cell in self.cells:
            if cell.day == day and (self.mode == MONTH or cell.hour == hour):
                return cell
        return None

    def refuse(self, day: date, *, again: bool = False) -> None:
        """Explain that ``day`` takes no post (once per day while dragging; ``again``: even
        if it was just explained)."""
        if again or day != self._refused_day:
            self._refused_day = day
            start, end = self._window
            span = f"{start or '…'} to {end or '…'}"
            self.drop_refused.emit(f"Refused: {day} is outside the campaign window ({span}).")

    def drag_entered(self, cell: DayCell) -> None:
        if cell.allowed:
            self._refused_day = None

    def drop_on(self, cell: DayCell, post_id: str) -> None:
        entry = next((e for e in self._entries if e.post_id == post_id), None)
        if entry is None:
            return
        moment = entry.at.time() if cell.hour is None else time(cell.hour, entry.at.minute)
        new = datetime.combine(cell.day, moment)
        if new != entry.at:
            self.post_moved.emit(post_id, new)

    def _days(self) -> list[date]:
        if self.mode == WEEK:
            first = self.anchor - timedelta(days=self.anchor.weekday())
            return [first + timedelta(days=n) for n in range(7)]
        first_of_month = self.anchor.replace(day=1)
        first = first_of_month - timedelta(days=first_of_month.weekday())
        return [first + timedelta(days=n) for n in range(42)]

    def _step(self, direction: int) -> None:
        if self.mode == WEEK:
            self.show_day(self.anchor + timedelta(weeks=direction))
        else:
            month = self.anchor.month - 1 + direction
            self.show_day(date(self.anchor.year + month // 12, month % 12 + 1, 1))

    def _rebuild(self) -> None:
        while self._grid.count():
            item = self._grid.takeAt(0)
            if item is not None and (widget := item.widget()) is not None:
                widget.deleteLater()
        self.cells, self.chips = [], {}
        days = self._days()
        heading = "%a %d" if self.mode == WEEK else "%a"
        for column, day in enumerate(days[:7]):
            self._grid.addWidget(QLabel(f"{day:{heading}}"), 0, column + 1)
        if self.mode == WEEK:
            self.title.setText(f"Week of {days[0]:%d %B %Y}")
            for hour in range(24):
                self._grid.addWidget(QLabel(f"{hour:02d}:00"), hour + 1, 0)
                for column, day in enumerate(days):
                    self._add_cell(DayCell(self, day, hour, self.allows(day)), hour + 1, column + 1)
        else:
            self.title.setText(f"{self.anchor:%B %Y}")
            for index, day in enumerate(days):
                cell = DayCell(self, day, None, self.allows(day))
                self._add_cell(cell, index // 7 + 1, index % 7 + 1)
        for entry in sorted(self._entries, key=lambda e: e.at):
            shown = self.cell_at(entry.at.date(), entry.at.hour)
            if shown is None:
                continue
            label = entry.text if self.mode == WEEK else f"{entry.at:%H:%M} {entry.text}"
            chip = PostChip(entry, label, movable=self.movable, why_fixed=self._why_fixed)
            chip.setChecked(entry.post_id == self._selected)
            chip.clicked.connect(lambda _=False, pid=entry.post_id: self.post_clicked.emit(pid))
            shown.chips.insertWidget(shown.chips.count() - 1, chip)
            self.chips[entry.post_id] = chip

    def _add_cell(self, cell: DayCell, row: int, column: int) -> None:
        self.cells.append(cell)
        self._grid.addWidget(cell, row, column)
