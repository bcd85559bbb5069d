"""A new ad plan, or an existing one's budget, audience and creatives."""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from datetime import date

from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain.campaigns import AdPlan
from app.domain.creatives import Creative

CURRENCY = re.compile(r"^[A-Za-z]{3}$")


class AdPlanDialog(QDialog):
    """An ad plan's name, channel, budget (amount and currency), audience, creatives and dates.

    OK stays disabled, with the reason beside it, until the name, currency and dates are valid.
    Editing a plan (``plan`` given) changes only its budget, audience and creatives: the core
    keeps a plan's name, channel and dates. Open it with ``open()`` and read the values on
    ``accepted``.

    Args:
        creatives: The campaign's creatives to choose from.
        channels: The campaign's channels.
        window: The campaign's first and last day, the dates' bounds and defaults.
        plan: The plan to edit, or None for a new one.
    """

    def __init__(
        self,
        creatives: Sequence[Creative],
        channels: Sequence[str],
        window: tuple[date | None, date | None],
        plan: AdPlan | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Edit ad plan" if plan else "New ad plan")
        self.name_edit = QLineEdit()
        self.name_edit.setAccessibleName("Ad plan name")
        self.channel_box = QComboBox()
        self.channel_box.setAccessibleName("Channel")
        self.channel_box.addItems(list(channels))
        self.amount_spin = QDoubleSpinBox()
        self.amount_spin.setAccessibleName("Budget amount")
        self.amount_spin.setRange(0, 1_000_000_000)
        self.amount_spin.setDecimals(2)
        self.currency_edit = QLineEdit("EUR")
        self.currency_edit.setAccessibleName("Currency")
        self.currency_edit.setMaxLength(3)
        self.audience_edit = QLineEdit()
        self.audience_edit.setAccessibleName("Audience")
        self.creative_list = QListWidget()
        self.creative_list.setAccessibleName("Creatives")
        for creative in creatives:
            item = QListWidgetItem(creative.title)
            item.setData(Qt.ItemDataRole.UserRole, creative.id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Unchecked)
            self.creative_list.addItem(item)
        self.dates_check = QCheckBox("Own dates")
        self.dates_check.setAccessibleName("Own dates")
        self.start_edit = QDateEdit()
        self.start_edit.setAccessibleName("Start date")
        self.end_edit = QDateEdit()
        self.end_edit.setAccessibleName("End date")
        start, end = window
        for edit in (self.start_edit, self.end_edit):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            if start is not None:
                edit.setMinimumDate(_qdate(start))
            if end is not None:
                edit.setMaximumDate(_qdate(end))
        self.start_edit.setDate(_qdate(start or date.today()))
        self.end_edit.setDate(_qdate(end or start or date.today()))
        self.hint = QLabel()
        self.hint.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Save")
        self.ok_button.setAccessibleName("Save")
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)

        budget = QHBoxLayout()
        budget.addWidget(self.amount_spin, 1)
        budget.addWidget(self.currency_edit)
        dates = QHBoxLayout()
        dates.addWidget(self.dates_check)
        dates.addWidget(self.start_edit, 1)
        dates.addWidget(QLabel("to"))
        dates.addWidget(self.end_edit, 1)
        form = QFormLayout()
        form.addRow("&Name", self.name_edit)
        form.addRow("C&hannel", self.channel_box)
        form.addRow(_buddy("&Budget", self.amount_spin), budget)
        form.addRow("&Audience", self.audience_edit)
        form.addRow("C&reatives", self.creative_list)
        form.addRow(_buddy("&Dates", self.dates_check), dates)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.hint)
        layout.addWidget(self.buttons)
        order = (
            self.name_edit,
            self.channel_box,
            self.amount_spin,
            self.currency_edit,
            self.audience_edit,
            self.creative_list,
            self.dates_check,
            self.start_edit,
            self.end_edit,
            self.buttons,
        )
        for first, second in itertools.pairwise(order):
            self.setTabOrder(first, second)

        if plan is not None:
            self._fill(plan)
        for signal in (
            self.name_edit.textChanged,
            self.currency_edit.textChanged,
            self.start_edit.dateChanged,
            self.end_edit.dateChanged,
            self.dates_check.toggled,
        ):
            signal.connect(self._validate)
        self._validate()

    def _fill(self, plan: AdPlan) -> None:
        self.name_edit.setText(plan.name)
        self.channel_box.setCurrentIndex(max(0, self.channel_box.findText(str(plan.channel))))
        self.amount_spin.setValue(float(plan.budget.amount))
        self.currency_edit.setText(plan.budget.currency)
        self.audience_edit.setText(plan.audience)
        for row in range(self.creative_list.count()):
            item = self.creative_list.item(row)
            chosen = item.data(Qt.ItemDataRole.UserRole) in plan.creative_ids
            item.setCheckState(Qt.CheckState.Checked if chosen else Qt.CheckState.Unchecked)
        self.dates_check.setChecked(plan.start is not None or plan.end is not None)
        if plan.start is not None:
            self.start_edit.setDate(_qdate(plan.start))
        if plan.end is not None:
            self.end_edit.setDate(_qdate(plan.end))
        for fixed in (self.name_edit, self.channel_box, self.dates_check):
            fixed.setEnabled(False)

    def name(self) -> str:
        return self.name_edit.text().strip()

    def channel(self) -> str:
        return self.channel_box.currentText()

    def amount(self) -> float:
        return self.amount_spin.value()

    def currency(self) -> str:
        return self.currency_edit.text().strip().upper()

    def audience(self) -> str:
        return self.audience_edit.text().strip()

    def creative_ids(self) -> list[str]:
        items = (self.creative_list.item(row) for row in range(self.creative_list.count()))
        return [
            str(item.data(Qt.ItemDataRole.UserRole))
            for item in items
            if item.checkState() == Qt.CheckState.Checked
        ]

    def dates(self) -> tuple[date | None, date | None]:
        """The plan's own start and end, or (None, None) for the campaign's dates."""
        if not self.dates_check.isChecked():
            return None, None
        return _pydate(self.start_edit.date()), _pydate(self.end_edit.date())

    def _validate(self) -> None:
        own = self.dates_check.isChecked()
        self.start_edit.setEnabled(own and self.dates_check.isEnabled())
        self.end_edit.setEnabled(own and self.dates_check.isEnabled())
        start, end = self.dates()
        problems = []
        if not self.name():
            problems.append("give the plan a name")
        if self.channel_box.count() == 0:
            problems.append("give the campaign a channel first")
        if not CURRENCY.match(self.currency_edit.text().strip()):
            problems.append("write the currency as three letters (EUR)")
        if start is not None and end is not None and end < start:
            problems.append("end the plan on or after its start")
        self.hint.setText(("To save, " + "; ".join(problems) + ".") if problems else "")
        self.hint.setVisible(bool(problems))
        self.ok_button.setEnabled(not problems)


def _qdate(day: date) -> QDate:
    return QDate(day.year, day.month, day.day)


def _pydate(day: QDate) -> date:
    return date(day.year(), day.month(), day.day())


def _buddy(text: str, widget: QWidget) -> QLabel:
    """A row label whose mnemonic focuses ``widget`` (a row of several widgets has no buddy)."""
    label = QLabel(text)
    label.setBuddy(widget)
    return label
