"""The strategy's fields as a form, with the core's refusals beside the field they name."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from datetime import date
from typing import Any

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from app.domain.strategies import MAX_SHORT_TEXT, StrategyDraft
from ui.viewmodels.ads import money
from ui.viewmodels.strategy_models import FIELD_LABELS

TEXT_LINES = 3
"""Lines a multi-line field shows before it scrolls."""


class StrategyFormWidget(QWidget):
    """Objective, target audience, key messages, channels, tone, budget (amount and currency),
    KPIs, call to action, optional dates and mandatories; lists are typed one item a line.

    Signals:
        edited(): a field changed (typed, or filled from a version).
    """

    edited = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._filling = False
        self._baseline: dict[str, Any] = {}
        self.objective_edit = self._text("Objective")
        self.audience_edit = self._text("Target audience")
        self.messages_edit = self._text("Key messages", "One key message a line")
        self.channels_edit = self._text("Channels", "One channel a line, e.g. instagram")
        self.tone_edit = self._line("Tone")
        self.amount_spin = QDoubleSpinBox()
        self.amount_spin.setAccessibleName("Budget amount")
        self.amount_spin.setRange(0, 1_000_000_000)
        self.amount_spin.setDecimals(2)
        self.amount_spin.setSpecialValueText("No budget")
        self.currency_edit = self._line("Currency")
        self.currency_edit.setMaxLength(3)
        margins = self.currency_edit.textMargins()
        self.currency_edit.setMaximumWidth(  # three letters and the frame, at any text size
            self.currency_edit.fontMetrics().horizontalAdvance("WWWW") * 2
            + margins.left()
            + margins.right()
        )
        self.kpis_edit = self._text("KPIs", "One KPI a line")
        self.cta_edit = self._line("Call to action")
        self.dates_check = QCheckBox("Own dates")
        self.dates_check.setAccessibleName("Own dates")
        self.start_edit = self._date("Start date")
        self.end_edit = self._date("End date")
        self.mandatories_edit = self._text("Mandatories", "One mandatory a line")
        self.errors = {name: QLabel() for name in FIELD_LABELS}

        budget = _side_by_side(self.amount_spin, self.currency_edit, stretch=(0,))
        dates = _side_by_side(
            self.dates_check, self.start_edit, QLabel("to"), self.end_edit, stretch=(1, 3)
        )
        rows: dict[str, QWidget | QHBoxLayout] = {
            "objective": self.objective_edit,
            "target_audience": self.audience_edit,
            "key_messages": self.messages_edit,
            "channels": self.channels_edit,
            "tone": self.tone_edit,
            "budget": budget,
            "kpis": self.kpis_edit,
            "call_to_action": self.cta_edit,
            "start": dates,
            "mandatories": self.mandatories_edit,
        }
        form = QFormLayout(self)
        form.setContentsMargins(0, 0, 0, 0)
        for name, field in rows.items():
            cell = QVBoxLayout()
            cell.addWidget(field) if isinstance(field, QWidget) else cell.addLayout(field)
            for error_name in ("start", "end") if name == "start" else (name,):
                cell.addWidget(self.errors[error_name])
            form.addRow("Dates" if name == "start" else FIELD_LABELS[name], cell)
        for name, label in self.errors.items():
            label.setWordWrap(True)
            label.setAccessibleName(f"{FIELD_LABELS[name]} error")
            label.hide()
        order = (
            self.objective_edit,
            self.audience_edit,
            self.messages_edit,
            self.channels_edit,
            self.tone_edit,
            self.amount_spin,
            self.currency_edit,
            self.kpis_edit,
            self.cta_edit,
            self.dates_check,
            self.start_edit,
            self.end_edit,
            self.mandatories_edit,
        )
        for first, second in itertools.pairwise(order):
            self.setTabOrder(first, second)
        for edit in (self.objective_edit, self.audience_edit, self.messages_edit):
            edit.textChanged.connect(self._on_field_edited)
        for edit in (self.channels_edit, self.kpis_edit, self.mandatories_edit):
            edit.textChanged.connect(self._on_field_edited)
        for line in (self.tone_edit, self.currency_edit, self.cta_edit):
            line.textChanged.connect(self._on_field_edited)
        self.amount_spin.valueChanged.connect(self._on_field_edited)
        self.dates_check.toggled.connect(self._on_field_edited)
        self.start_edit.dateChanged.connect(self._on_field_edited)
        self.end_edit.dateChanged.connect(self._on_field_edited)
        self.set_draft(None)

    def set_draft(self, draft: StrategyDraft | None) -> None:
        """Fill the form from ``draft`` (None: empty) and take it as the saved state."""
        self.put((draft or StrategyDraft()).model_dump())
        self.show_errors("")
        self.mark_saved()
        self.edited.emit()

    def put(self, values: Mapping[str, Any]) -> None:
        """Show ``values`` (as :meth:`values` gives them) in the fields, without taking them as
        saved."""
        budget = values.get("budget")
        self._filling = True
        try:
            self.objective_edit.setPlainText(values["objective"])
            self.audience_edit.setPlainText(values["target_audience"])
            self.messages_edit.setPlainText("\n".join(values["key_messages"]))
            self.channels_edit.setPlainText("\n".join(values["channels"]))
            self.tone_edit.setText(values["tone"])
            self.amount_spin.setValue(float(budget["amount"]) if budget else 0)
            self.currency_edit.setText(budget["currency"] if budget else "EUR")
            self.kpis_edit.setPlainText("\n".join(values["kpis"]))
            self.cta_edit.setText(values["call_to_action"])
            start, end = values.get("start"), values.get("end")
            self.dates_check.setChecked(start is not None or end is not None)
            today = date.today()
            self.start_edit.setDate(QDate(start or today))
            self.end_edit.setDate(QDate(end or start or today))
            self.mandatories_edit.setPlainText("\n".join(values["mandatories"]))
        finally:
            self._filling = False
        self._on_field_edited()

    def values(self) -> dict[str, Any]:
        """The draft as typed, as the core takes it (a budget of 0 is no budget)."""
        amount = self.amount_spin.value()
        own_dates = self.dates_check.isChecked()
        return {
            "objective": self.objective_edit.toPlainText().strip(),
            "target_audience": self.audience_edit.toPlainText().strip(),
            "key_messages": _lines(self.messages_edit),
            "channels": _lines(self.channels_edit),
            "tone": self.tone_edit.text().strip(),
            "budget": money(amount, self.currency_edit.text()) if amount > 0 else None,
            "kpis": _lines(self.kpis_edit),
            "call_to_action": self.cta_edit.text().strip(),
            "start": self.start_edit.date().toPython() if own_dates else None,
            "end": self.end_edit.date().toPython() if own_dates else None,
            "mandatories": _lines(self.mandatories_edit),
        }

    @property
    def dirty(self) -> bool:
        """Whether the form holds edits not yet saved."""
        return self.values() != self._baseline

    def mark_saved(self) -> None:
        """Take what the form holds now as saved."""
        self._baseline = self.values()

    def show_errors(self, message: str) -> list[str]:
        """Show the parts of the core's ``message`` ("invalid strategy: budget.currency: …;
        …") beside the fields they name; returns those fields."""
        shown: dict[str, list[str]] = {}
        for part in message.removeprefix("invalid strategy: ").split("; "):
            where, _, what = part.partition(": ")
            name, *inner = where.split(".")
            if what and name in self.errors:
                said = " ".join(f"line {int(p) + 1}" if p.isdigit() else p for p in inner)
                shown.setdefault(name, []).append(f"{said}: {what}" if said else what)
        for name, label in self.errors.items():
            label.setText("\n".join(shown.get(name, [])))
            label.setVisible(name in shown)
        return list(shown)

    def _on_field_edited(self) -> None:
        on = self.dates_check.isChecked()
        self.start_edit.setEnabled(on)
        self.end_edit.setEnabled(on)
        if not self._filling:
            self.edited.emit()

    def _text(self, name: str, placeholder: str = "") -> QPlainTextEdit:
        edit = QPlainTextEdit()
        edit.setAccessibleName(name)
        edit.setPlaceholderText(placeholder)
        edit.setTabChangesFocus(True)
        lines = edit.fontMetrics().lineSpacing() * TEXT_LINES
        edit.setMaximumHeight(lines + 2 * edit.frameWidth() + 8)
        return edit

    def _line(self, name: str) -> QLineEdit:
        edit = QLineEdit()
        edit.setAccessibleName(name)
        edit.setMaxLength(MAX_SHORT_TEXT)
        return edit

    def _date(self, name: str) -> QDateEdit:
        edit = QDateEdit()
        edit.setAccessibleName(name)
        edit.setCalendarPopup(True)
        edit.setDisplayFormat("yyyy-MM-dd")
        return edit


def _side_by_side(*widgets: QWidget, stretch: tuple[int, ...]) -> QHBoxLayout:
    """``widgets`` in a row; those at the ``stretch`` positions take the spare width."""
    row = QHBoxLayout()
    for position, widget in enumerate(widgets):
        row.addWidget(widget, 1 if position in stretch else 0)
    return row


def _lines(edit: QPlainTextEdit) -> tuple[str, ...]:
    return tuple(line.strip() for line in edit.toPlainText().splitlines() if line.strip())
