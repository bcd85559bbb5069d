"""The campaign panel's Strategy tab: the form, its completion, saving, and the versions."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain.cascade import CascadePreview
from app.domain.strategies import Strategy
from ui.viewmodels.strategy import StrategyViewModel, completion_words
from ui.viewmodels.strategy_models import StrategyIdRole
from ui.views.cascade_confirm_dialog import CascadeConfirmDialog
from ui.views.schedule_tab import InlineMessage
from ui.views.strategy_diff_dialog import StrategyDiffDialog
from ui.views.strategy_form import StrategyFormWidget
from ui.widgets.permission import gate


class StrategyTab(QWidget):
    """The strategy form with a completion meter naming what is missing; ``Save strategy``
    (version 1) or ``Save as new version`` after a dialog saying what the cascade resets; the
    versions, two of which ``Compare…`` shows side by side. A version saved elsewhere fills
    the form unless it holds unsaved edits: then a notice offers ``Reload``.

    Args:
        view_model: The tab's :class:`StrategyViewModel` (the panel sets its campaign).
    """

    def __init__(self, view_model: StrategyViewModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._view_model = view_model
        self._shown_version: int | None = None
        self._pending_selection: str | None = None
        self._form_campaign: str | None = None
        self._unsaved: dict[str, dict[str, Any]] = {}
        """Unsaved edits of campaigns switched away from, put back when they are shown again."""
        self.confirm_dialog: CascadeConfirmDialog | None = None
        self.diff_dialog: StrategyDiffDialog | None = None

        self.save_button = QPushButton("Save strategy")
        self.save_button.setAccessibleName("Save strategy")
        self.meter = QProgressBar()
        self.meter.setAccessibleName("Completion")
        self.meter.setRange(0, 100)
        self.meter.setTextVisible(False)  # the words beside it say the percentage
        self.completion_label = QLabel()
        self.completion_label.setWordWrap(True)
        self.completion_label.setAccessibleName("Completion in words")
        self.message = InlineMessage("Strategy message")
        self.notice = QLabel()
        self.notice.setWordWrap(True)
        self.notice.setAccessibleName("Newer version notice")
        self.reload_button = QPushButton("Reload")
        self.reload_button.setAccessibleName("Reload")
        self.form = StrategyFormWidget()
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self.form)
        self.history = QTableView()
        self.history.setAccessibleName("Strategy versions")
        self.history.setModel(view_model.versions)
        self.history.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.history.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.history.horizontalHeader().setStretchLastSection(True)
        self.history.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents
        )
        self.history.verticalHeader().hide()
        self.compare_button = QPushButton("Compare…")
        self.compare_button.setAccessibleName("Compare")
        self.compare_hint = QLabel("Select two versions to compare them.")
        self.compare_hint.setWordWrap(True)

        top = QHBoxLayout()
        top.addWidget(self.save_button)
        top.addWidget(self.meter)
        top.addWidget(self.completion_label, 1)
        notice_row = QHBoxLayout()
        notice_row.addWidget(self.notice, 1)
        notice_row.addWidget(self.reload_button)
        left = QWidget()
        left_column = QVBoxLayout(left)
        left_column.setContentsMargins(0, 0, 0, 0)
        left_column.addLayout(top)
        left_column.addWidget(self.message)
        left_column.addLayout(notice_row)
        left_column.addWidget(scroll, 1)
        right = QWidget()
        right_column = QVBoxLayout(right)
        right_column.setContentsMargins(0, 0, 0, 0)
        right_column.addWidget(QLabel("Versions"))
        right_column.addWidget(self.history, 1)
        compare_row = QHBoxLayout()
        compare_row.addWidget(self.compare_hint, 1)
        compare_row.addWidget(self.compare_button)
        right_column.addLayout(compare_row)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        chars = self.fontMetrics().averageCharWidth()
        splitter.setSizes([chars * 80, chars * 50])  # the versions' four columns fit
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        self.setTabOrder(self.save_button, self.reload_button)
        self.setTabOrder(self.reload_button, self.form)
        self.setTabOrder(self.form, self.history)
        self.setTabOrder(self.history, self.compare_button)

        self.save_button.clicked.connect(self._on_save_button_clicked)
        self.reload_button.clicked.connect(self._on_reload_button_clicked)
        self.compare_button.clicked.connect(self._on_compare_button_clicked)
        self.form.edited.connect(self._on_form_edited)
        self.history.selectionModel().selectionChanged.connect(self._update_buttons)
        view_model.versions.modelAboutToBeReset.connect(self._on_versions_about_to_be_reset)
        view_model.strategy_loaded.connect(self._on_view_model_strategy_loaded)
        view_model.permissions_changed.connect(self._update_buttons)
        view_model.preview_ready.connect(self._on_view_model_preview_ready)
        view_model.strategy_saved.connect(self._on_view_model_strategy_saved)
        view_model.save_refused.connect(self._on_view_model_save_refused)
        view_model.error_raised.connect(self.message.show_text)
        view_model.campaign_changed.connect(self._on_view_model_campaign_changed)
        view_model.busy_changed.connect(self._update_buttons)
        view_model.strategy_selected.connect(self.select_strategy)
        self._show_notice("")
        self._on_form_edited()
        self._update_buttons()

    def select_strategy(self, strategy_id: str) -> None:
        """Select version ``strategy_id`` in the versions (once they are loaded)."""
        row = self._view_model.versions.row_of(strategy_id)
        if row is None:
            self._pending_selection = strategy_id
            return
        self._pending_selection = None
        index = self._view_model.versions.index(row, 0)
        self.history.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.history.scrollTo(index)

    def selected_strategy_ids(self) -> list[str]:
        """The selected versions' ids, newest first."""
        rows = sorted(index.row() for index in self.history.selectionModel().selectedRows())
        model = self._view_model.versions
        return [str(model.index(row, 0).data(StrategyIdRole)) for row in rows]

    def _on_form_edited(self) -> None:
        completion = self._view_model.completion_of(self.form.values())
        self.meter.setValue(completion.percent)
        self.completion_label.setText(completion_words(completion))
        self.meter.setAccessibleDescription(self.completion_label.text())
        self._update_buttons()

    def _on_save_button_clicked(self) -> None:
        self.message.show_text("")
        self.form.show_errors("")
        if self._view_model.has_strategy:
            self._view_model.request_save()
        else:
            self._view_model.save(self.form.values())

    def _on_view_model_preview_ready(self, preview: CascadePreview) -> None:
        dialog = CascadeConfirmDialog(preview, parent=self)
        self.confirm_dialog = dialog
        dialog.accepted.connect(lambda: self._view_model.save(self.form.values()))
        dialog.open()

    def _on_view_model_strategy_saved(self, strategy: Strategy) -> None:
        self._fill(strategy)
        self.message.show_text(f"Saved as version {strategy.version}.")

    def _on_view_model_save_refused(self, message: str) -> None:
        self.message.show_text(message)
        self.form.show_errors(message.removeprefix("Refused: "))

    def _on_view_model_strategy_loaded(self, active: Strategy | None) -> None:
        if self._pending_selection is not None:
            self.select_strategy(self._pending_selection)
        newer = active.version if active is not None else None
        kept = self._unsaved.pop(self._form_campaign or "", None)
        if kept is not None:
            self._fill(active)
            self.form.put(kept)
            self.message.show_text("Your unsaved edits to this strategy are back in the form.")
        elif newer != self._shown_version:
            if not self.form.dirty:
                self._fill(active)
            elif active is not None:
                who = self._view_model.author(active)
                self._show_notice(
                    f"A newer version (version {active.version}) was saved by {who}. Reload "
                    "shows it in the form; your unsaved edits are kept until then."
                )
        self._update_buttons()

    def _on_reload_button_clicked(self) -> None:
        self._fill(self._view_model.active)

    def _on_view_model_campaign_changed(self, campaign_id: str | None) -> None:
        if self._form_campaign is not None and self.form.dirty:
            self._unsaved[self._form_campaign] = self.form.values()
        self._form_campaign = campaign_id
        self._pending_selection = None
        self.message.show_text("")
        self._fill(None)
        self._update_buttons()

    def _on_versions_about_to_be_reset(self) -> None:
        selected = self.selected_strategy_ids()
        self._pending_selection = self._pending_selection or (selected[0] if selected else None)

    def _on_compare_button_clicked(self) -> None:
        chosen = [self._view_model.strategy(i) for i in self.selected_strategy_ids()]
        versions = sorted((s for s in chosen if s is not None), key=lambda s: s.version)
        if len(versions) != 2:
            return
        self.diff_dialog = StrategyDiffDialog(versions[0], versions[1], parent=self)
        self.diff_dialog.open()

    def _fill(self, strategy: Strategy | None) -> None:
        self.form.set_draft(strategy.draft if strategy is not None else None)
        self._shown_version = strategy.version if strategy is not None else None
        self._show_notice("")

    def _show_notice(self, text: str) -> None:
        self.notice.setText(text)
        self.notice.setVisible(bool(text))
        self.reload_button.setVisible(bool(text))

    def _update_buttons(self) -> None:
        vm = self._view_model
        loaded = vm.campaign_id is not None and vm.loaded_campaign == vm.campaign_id
        self.save_button.setText("Save as new version" if vm.has_strategy else "Save strategy")
        self.save_button.setAccessibleName(self.save_button.text())
        # A new version identical to the shown one would only reset the approvals.
        changed = self.form.dirty or not vm.has_strategy
        self.save_button.setEnabled(loaded and not vm.busy and changed)
        gate((self.save_button,), vm.may_edit)
        self.compare_button.setEnabled(len(self.selected_strategy_ids()) == 2)
