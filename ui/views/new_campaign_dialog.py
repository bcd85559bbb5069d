"""``New campaign``: name, description, channels, window and time zone."""

from __future__ import annotations

import zoneinfo
from datetime import date

from PySide6.QtCore import QDate, Qt, QTimeZone
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.domain.campaigns import Campaign
from ui.viewmodels.campaigns import CampaignsViewModel
from ui.widgets.dialog_sizing import fit_to_text

COMMON_CHANNELS = ("instagram", "facebook", "linkedin", "x", "tiktok", "youtube", "email")
FIELDS = ("name", "description", "channels", "start", "end", "time_zone")


class NewCampaignDialog(QDialog):
    """Asks for a campaign's details and creates it through the campaigns view model; the
    core's refusal appears next to the field it names and the dialog stays open."""

    def __init__(self, campaigns: CampaignsViewModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("New campaign")
        self.setModal(True)
        self._campaigns = campaigns
        self.created: Campaign | None = None

        self.name_edit = QLineEdit()
        self.name_edit.setAccessibleName("Campaign name")
        self.name_edit.setPlaceholderText("e.g. Spring Launch")
        self.description_edit = QPlainTextEdit()
        self.description_edit.setAccessibleName("Description")
        self.description_edit.setTabChangesFocus(True)
        self.description_edit.setFixedHeight(self.fontMetrics().lineSpacing() * 4 + 12)
        self.channel_boxes = [QCheckBox(channel) for channel in COMMON_CHANNELS]
        for box in self.channel_boxes:
            box.setAccessibleName(f"Channel {box.text()}")
        self.other_channels = QLineEdit()
        self.other_channels.setAccessibleName("Other channels")
        self.other_channels.setPlaceholderText("other channels, comma separated")
        self.window_box = QCheckBox("Runs from")
        self.window_box.setAccessibleName("Set the campaign window")
        today = QDate.currentDate()
        self.start_edit = _date_edit("Start date", today.addDays(7))
        self.end_edit = _date_edit("End date", today.addDays(37))
        self.time_zone_box = QComboBox()
        self.time_zone_box.setAccessibleName("Time zone")
        self.time_zone_box.setEditable(True)
        self.time_zone_box.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.time_zone_box.addItems(sorted(zoneinfo.available_timezones()))
        completer = self.time_zone_box.completer()
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.time_zone_box.setCurrentText(_system_time_zone())
        self.errors = {field: _error_label() for field in (*FIELDS, "form")}
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Create")
        self.ok_button.setAccessibleName("Create")
        self._layout()

        self.window_box.toggled.connect(self._on_window_box_toggled)
        self.name_edit.textChanged.connect(self._update_ok)
        self.time_zone_box.currentTextChanged.connect(self._update_ok)
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)
        campaigns.created.connect(self._on_campaigns_created)
        campaigns.create_failed.connect(self._on_campaigns_create_failed)
        campaigns.busy_changed.connect(self._on_campaigns_busy_changed)
        self._on_window_box_toggled(False)
        self._update_ok()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        fit_to_text(self, 90)

    def _layout(self) -> None:
        channels = QWidget()
        grid = QGridLayout(channels)
        grid.setContentsMargins(0, 0, 0, 0)
        for position, box in enumerate(self.channel_boxes):
            grid.addWidget(box, position // 4, position % 4)
        grid.addWidget(self.other_channels, 2, 0, 1, 4)
        window = QWidget()
        row = QHBoxLayout(window)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.window_box)
        row.addWidget(self.start_edit)
        row.addWidget(QLabel("to"))
        row.addWidget(self.end_edit)
        row.addStretch(1)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.ExpandingFieldsGrow)
        for label, widget, field in (
            ("&Name", self.name_edit, "name"),
            ("&Description", self.description_edit, "description"),
            ("Channels", channels, "channels"),
            ("Window", window, "start"),
            ("&Time zone", self.time_zone_box, "time_zone"),
        ):
            form.addRow(label, widget)
            form.addRow("", self.errors[field])
            if field == "start":
                form.addRow("", self.errors["end"])
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.errors["form"])
        layout.addWidget(self.buttons)

    def channels(self) -> list[str]:
        chosen = [box.text() for box in self.channel_boxes if box.isChecked()]
        other = [part.strip() for part in self.other_channels.text().split(",")]
        return chosen + [part for part in other if part]

    def _on_window_box_toggled(self, checked: bool) -> None:
        self.start_edit.setEnabled(checked)
        self.end_edit.setEnabled(checked)

    def _update_ok(self, *_args: object) -> None:
        named = bool(self.name_edit.text().strip())
        self.ok_button.setEnabled(named and bool(self.time_zone_box.currentText().strip()))
        self.errors["name"].setVisible(False)

    def _on_buttons_accepted(self) -> None:
        for label in self.errors.values():
            label.setVisible(False)
        windowed = self.window_box.isChecked()
        self._campaigns.create(
            self.name_edit.text().strip(),
            description=self.description_edit.toPlainText().strip(),
            channels=self.channels(),
            start=_to_date(self.start_edit.date()) if windowed else None,
            end=_to_date(self.end_edit.date()) if windowed else None,
            time_zone=self.time_zone_box.currentText().strip(),
        )

    def _on_campaigns_created(self, campaign: Campaign) -> None:
        if not self.isVisible():
            return
        self.created = campaign
        self.accept()

    def _on_campaigns_create_failed(self, message: str) -> None:
        if not self.isVisible():
            return
        field, text = _field_and_text(message)
        label = self.errors[field]
        label.setText(text)
        label.setVisible(True)
        fit_to_text(self, 90)

    def _on_campaigns_busy_changed(self, busy: bool) -> None:
        self.ok_button.setEnabled(not busy and bool(self.name_edit.text().strip()))


def _field_and_text(message: str) -> tuple[str, str]:
    """The form field a refusal names and the refusal in words for beside it:
    ``invalid campaign: time_zone: Value error, unknown time zone …`` →
    (``time_zone``, ``Unknown time zone …``); a refusal naming no field goes under the form."""
    _, _, rest = message.partition("invalid campaign: ")
    field, _, detail = rest.partition(": ")
    if field in FIELDS:
        detail = detail.removeprefix("Value error, ")
        return field, detail[:1].upper() + detail[1:]
    if "before it starts" in message:
        return "end", message[:1].upper() + message[1:]
    return "form", message


def _date_edit(name: str, value: QDate) -> QDateEdit:
    edit = QDateEdit(value)
    edit.setCalendarPopup(True)
    edit.setAccessibleName(name)
    edit.setDisplayFormat("yyyy-MM-dd")
    return edit


def _error_label() -> QLabel:
    label = QLabel()
    label.setObjectName("fieldError")
    label.setWordWrap(True)
    label.setVisible(False)
    label.setStyleSheet("color: #d64545;")
    return label


def _to_date(value: QDate) -> date:
    return date(value.year(), value.month(), value.day())


def _system_time_zone() -> str:
    name = bytes(QTimeZone.systemTimeZoneId().data()).decode()
    return name if name in zoneinfo.available_timezones() else "UTC"
