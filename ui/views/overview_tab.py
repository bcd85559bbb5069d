"""The campaign panel's Overview tab: score and parts, recommendations, blockers, suggestions."""

from __future__ import annotations

import itertools
from pathlib import Path

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLayout,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.domain.activity import ActivityEntry
from app.domain.evaluation import Blocker, Evaluation, Recommendation
from ui.viewmodels.overview import OverviewViewModel, Suggestions, SuggestionStatus
from ui.widgets.score_gauge import ScoreGaugeWidget

STRETCH_COLUMN = {
    "parts": 3,
    "recommendations": 1,
    "blockers": 0,
    "suggestions": 0,
    "publications": 0,
}
"""The sections the tab rebuilds on each evaluation, and the column of each that takes the
width left (the text)."""
NO_MODEL_TEXT = "AI suggestions appear here when a Poe API key is configured in the settings."


def _label(text: str = "", *, wrap: bool = True, name: str = "", rich: bool = False) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    label.setWordWrap(wrap)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if name:
        label.setObjectName(name)
    return label


class OverviewTab(QWidget):
    """Shows :class:`OverviewViewModel`'s evaluation of the selected campaign: the score as a
    gauge and as text ("25 / 100"), its five parts, the ranked recommendations and the blockers
    (each with an Open button that deep-links to the thing to fix), and the AI suggestions when
    they arrive. Errors are shown inline above the score."""

    def __init__(self, view_model: OverviewViewModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._view_model = view_model
        self.recommendation_buttons: list[QPushButton] = []
        self.blocker_buttons: list[QPushButton] = []
        self.publication_buttons: list[QPushButton] = []

        self.gauge = ScoreGaugeWidget()
        self.score_label = _label("– / 100", wrap=False, name="overviewScore")
        self.score_label.setAccessibleName("Score")
        font = self.score_label.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        self.score_label.setFont(font)
        self.busy_label = _label("Evaluating…", wrap=False, name="overviewBusy")
        self.busy_label.setVisible(False)
        self.error_label = _label(name="overviewError")
        self.error_label.setVisible(False)
        self._holders = {name: QVBoxLayout() for name in STRETCH_COLUMN}
        self._rows: dict[str, QWidget] = {}
        self._holders["parts"].setContentsMargins(0, 0, 0, 0)  # the others sit in a group box
        for name in STRETCH_COLUMN:
            self._fresh(name)
        header_text = QVBoxLayout()
        header_text.addWidget(self.score_label)
        header_text.addWidget(self.busy_label)
        header_text.addLayout(self._holders["parts"])
        header = QHBoxLayout()
        header.addWidget(self.gauge, 0, Qt.AlignmentFlag.AlignTop)
        header.addLayout(header_text, 1)

        content = QWidget()
        column = QVBoxLayout(content)
        column.addWidget(self.error_label)
        column.addLayout(header)
        column.addWidget(self._group("Recommendations", self._holders["recommendations"]))
        column.addWidget(self._group("Blockers", self._holders["blockers"]))
        column.addWidget(self._group("AI suggestions", self._holders["suggestions"]))
        column.addWidget(self._group("Publications", self._holders["publications"]))
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(content)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(scroll)

        view_model.evaluated.connect(self._on_view_model_evaluated)
        view_model.evaluation_failed.connect(self._on_view_model_evaluation_failed)
        view_model.suggestions_changed.connect(self._on_view_model_suggestions_changed)
        view_model.publications_loaded.connect(self._on_view_model_publications_loaded)
        view_model.bundle_ready.connect(self._on_view_model_bundle_ready)
        view_model.bundle_failed.connect(self._on_view_model_bundle_failed)
        view_model.busy_changed.connect(self._on_view_model_busy_changed)
        view_model.campaign_changed.connect(self._on_view_model_campaign_changed)
        if view_model.evaluation is not None:
            self._on_view_model_evaluated(view_model.evaluation)
        self._on_view_model_suggestions_changed(view_model.suggestions)

    def section(self, name: str) -> QGridLayout:
        """The rows now shown in section ``name`` (one of :data:`STRETCH_COLUMN`)."""
        layout = self._rows[name].layout()
        assert isinstance(layout, QGridLayout)
        return layout

    def _fresh(self, name: str) -> QGridLayout:
        """Empty rows for section ``name``, replacing the shown ones (their container is
        hidden at once and deleted by the loop)."""
        rows = QWidget()
        grid = QGridLayout(rows)
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setColumnStretch(STRETCH_COLUMN[name], 1)
        old = self._rows.get(name)
        if old is not None:
            self._holders[name].removeWidget(old)
            old.hide()
            old.deleteLater()
        self._holders[name].addWidget(rows)
        self._rows[name] = rows
        return grid

    @staticmethod
    def _group(title: str, layout: QLayout) -> QGroupBox:
        group = QGroupBox(title)
        group.setAccessibleName(title)
        group.setLayout(layout)
        return group

    def _on_view_model_busy_changed(self, busy: bool) -> None:
        # Only the evaluation shows as busy: the suggestions have their own line.
        self.busy_label.setVisible(busy and self._view_model.evaluating)

    def _on_view_model_evaluated(self, evaluation: Evaluation) -> None:
        self.error_label.setVisible(False)
        self.gauge.set_score(evaluation.score)
        self.score_label.setText(f"{evaluation.score} / 100")
        self._show_parts(evaluation)
        self._show_recommendations(evaluation.recommendations)
        self._show_blockers(evaluation.blockers)
        self._chain_focus()

    def _on_view_model_evaluation_failed(self, message: str) -> None:
        self.error_label.setText(f"The campaign could not be evaluated: {message}")
        self.error_label.setVisible(True)
        self.gauge.set_score(None)
        self.score_label.setText("– / 100")

    def _on_view_model_campaign_changed(self, _campaign_id: object) -> None:
        self.error_label.setVisible(False)
        self.gauge.set_score(None)
        self.score_label.setText("– / 100")
        for name in ("parts", "recommendations", "blockers"):
            self._fresh(name)
        self.recommendation_buttons.clear()
        self.blocker_buttons.clear()

    def _show_parts(self, evaluation: Evaluation) -> None:
        grid = self._fresh("parts")
        for row, part in enumerate(evaluation.parts):
            name = part.name.capitalize()
            bar = QProgressBar()
            bar.setRange(0, round(part.weight * 100))
            bar.setValue(round(part.points * 100))
            bar.setTextVisible(False)  # beside it instead: a style may paint over it
            bar.setMinimumWidth(bar.fontMetrics().horizontalAdvance("0") * 12)
            bar.setMaximumHeight(bar.fontMetrics().height())
            points = f"{part.points:g} / {part.weight:g}"
            bar.setAccessibleName(f"{name} points")
            bar.setAccessibleDescription(f"{points} points: {part.detail}")
            grid.addWidget(_label(name, wrap=False), row, 0)
            grid.addWidget(bar, row, 1)
            grid.addWidget(_label(points, wrap=False), row, 2)
            grid.addWidget(_label(part.detail), row, 3)

    def _show_recommendations(self, recommendations: list[Recommendation]) -> None:
        grid = self._fresh("recommendations")
        self.recommendation_buttons = []
        if not recommendations:
            grid.addWidget(_label("Nothing to do right now."), 0, 0, 1, 3)
            return
        for row, rec in enumerate(recommendations):
            text = _label(f"<b>{_escape(rec.action)}</b><br>{_escape(rec.reason)}", rich=True)
            button = self._open_button(rec.action, rec.target_type, rec.target_id)
            self.recommendation_buttons.append(button)
            grid.addWidget(_label(f"{rec.rank}.", wrap=False), row, 0)
            grid.addWidget(text, row, 1)
            grid.addWidget(button, row, 2, Qt.AlignmentFlag.AlignTop)

    def _show_blockers(self, blockers: list[Blocker]) -> None:
        grid = self._fresh("blockers")
        self.blocker_buttons = []
        if not blockers:
            grid.addWidget(_label("Nothing blocks publishing."), 0, 0)
            return
        for row, blocker in enumerate(blockers):
            message = blocker.message[:1].upper() + blocker.message[1:]
            grid.addWidget(_label(message), row, 0)
            if blocker.target_type is not None:
                button = self._open_button(message, blocker.target_type, blocker.target_id)
                self.blocker_buttons.append(button)
                grid.addWidget(button, row, 1, Qt.AlignmentFlag.AlignTop)

    def _open_button(
        self, about: str, target_type: str | None, target_id: str | None
    ) -> QPushButton:
        button = QPushButton("Open")
        button.setAccessibleName(f"Open: {about}")
        button.setToolTip(f"Go to where this is fixed: {about}")
        button.clicked.connect(
            lambda _checked=False: self._view_model.open_target(target_type, target_id)
        )
        return button

    def _on_view_model_suggestions_changed(self, suggestions: Suggestions) -> None:
        grid = self._fresh("suggestions")
        status = suggestions.status
        if status is SuggestionStatus.OFF:
            lines = [NO_MODEL_TEXT]
        elif status is SuggestionStatus.WAITING:
            lines = ["Asking the AI model for suggestions…"]
        elif status is SuggestionStatus.FAILED:
            lines = [f"AI suggestions are unavailable: {suggestions.message}"]
        elif not suggestions.items:
            lines = ["The AI model has no suggestions for this campaign right now."]
        else:
            lines = [f"• {item}" for item in suggestions.items]
        for line in lines:
            label = _label(line)
            if status is not SuggestionStatus.READY or not suggestions.items:
                label.setEnabled(False)  # a quiet line, in the palette's disabled text
            grid.addWidget(label, grid.rowCount(), 0)

    def _on_view_model_publications_loaded(self, entries: list[ActivityEntry]) -> None:
        grid = self._fresh("publications")
        self.publication_buttons = []
        if not entries:
            quiet = _label("Not published yet.")
            quiet.setEnabled(False)
            grid.addWidget(quiet, 0, 0)
            return
        for row, entry in enumerate(entries):
            version = entry.details.get("strategy_version")
            bundle = str(entry.details.get("bundle") or "")
            here = self._view_model.bundle_here(bundle)
            shared = bool(entry.details.get("bundle_key"))
            when = entry.at.astimezone().strftime("%d %b %Y %H:%M")
            text = f"Strategy version {version}, {when}, by {entry.actor_name or entry.actor_id}"
            label = _label(text)
            label.setToolTip(bundle)
            grid.addWidget(label, row, 0)
            button = QPushButton("Open bundle" if here or not shared else "Download bundle")
            button.setAccessibleName(f"Open the bundle: {text}")
            if here:
                button.setToolTip("Open the bundle's folder in the file manager")
            elif shared:
                button.setToolTip(
                    "Download the bundle from the team's media storage, then open its folder"
                )
            else:
                button.setToolTip(
                    "The bundle was written on another workstation and not shared "
                    "(bundles are shared when media are stored in R2)"
                )
            button.setEnabled(here or shared)
            button.clicked.connect(
                lambda _checked=False, v=version: self._view_model.open_bundle(
                    v if isinstance(v, int) else None
                )
            )
            grid.addWidget(button, row, 1, Qt.AlignmentFlag.AlignTop)
            self.publication_buttons.append(button)

    def _on_view_model_bundle_ready(self, folder: Path) -> None:
        self.error_label.setVisible(False)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))

    def _on_view_model_bundle_failed(self, message: str) -> None:
        self.error_label.setText(f"The bundle could not be opened: {message}")
        self.error_label.setVisible(True)

    def _chain_focus(self) -> None:
        buttons = self.recommendation_buttons + self.blocker_buttons
        for first, second in itertools.pairwise(buttons):
            QWidget.setTabOrder(first, second)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
