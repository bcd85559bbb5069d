"""The new-render dialog: a campaign, one of its image or video creatives, a configured
provider, the prompt, a seed and a size; what is wrong is said in place."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from app.domain.creatives import Creative
from ui.viewmodels.render_monitor import RenderMonitorViewModel

MIN_SIZE, MAX_SIZE = 256, 2048
"""The sizes the local providers draw (a cloud provider refuses what it cannot in the job)."""
MAX_VARIANTS = 4


class NewRenderDialog(QDialog):
    """Queue a render through the view model; stays open with the core's refusal shown until it
    is queued (then it accepts). Open it with ``open()``.

    Args:
        view_model: The render monitor's view model (it reads the choices and queues).
        campaign_id: The campaign chosen at first (the first campaign when None or gone).
    """

    def __init__(
        self,
        view_model: RenderMonitorViewModel,
        parent: QWidget | None = None,
        campaign_id: str | None = None,
    ) -> None:
        super().__init__(parent)
        self._first_campaign = campaign_id
        self.setWindowTitle("New render")
        self._view_model = view_model
        self._creatives: dict[str, Creative] = {}
        self.campaign_combo = QComboBox()
        self.campaign_combo.setAccessibleName("Campaign")
        self.creative_combo = QComboBox()
        self.creative_combo.setAccessibleName("Creative")
        self.kind_combo = QComboBox()
        self.kind_combo.setAccessibleName("Kind")
        for kind in ("image", "video"):
            self.kind_combo.addItem(kind, kind)
        self.provider_combo = QComboBox()
        self.provider_combo.setAccessibleName("Provider")
        self.prompt_edit = QPlainTextEdit()
        self.prompt_edit.setAccessibleName("Prompt")
        self.prompt_edit.setPlaceholderText("What to render")
        self.seed_check = QCheckBox("Seed")
        self.seed_check.setAccessibleName("Use a seed")
        self.seed_spin = QSpinBox()
        self.seed_spin.setAccessibleName("Seed")
        self.seed_spin.setRange(0, 2**31 - 1)
        self.seed_spin.setEnabled(False)
        self.seed_check.toggled.connect(self.seed_spin.setEnabled)
        self.size_check = QCheckBox("Size")
        self.size_check.setAccessibleName("Set a size")
        self.width_spin = QSpinBox()
        self.width_spin.setAccessibleName("Width")
        self.height_spin = QSpinBox()
        self.height_spin.setAccessibleName("Height")
        for spin in (self.width_spin, self.height_spin):
            spin.setRange(MIN_SIZE, MAX_SIZE)
            spin.setValue(1024)
            spin.setSuffix(" px")
            spin.setEnabled(False)
            self.size_check.toggled.connect(spin.setEnabled)
        self.variants_spin = QSpinBox()
        self.variants_spin.setAccessibleName("Variants")
        self.variants_spin.setToolTip("How many versions to render, to choose one from")
        self.variants_spin.setRange(1, MAX_VARIANTS)
        self.message = QLabel()
        self.message.setAccessibleName("New render message")
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.ok_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.ok_button.setText("Render")
        self.ok_button.setAccessibleName("Render")
        self.buttons.accepted.connect(self._submit)
        self.buttons.rejected.connect(self.reject)

        size_row = QHBoxLayout()  # the check boxes stand in the labels' column
        size_row.addWidget(self.width_spin, 1)
        size_row.addWidget(QLabel("×"))
        size_row.addWidget(self.height_spin, 1)
        form = QFormLayout()
        form.addRow("Campaign", self.campaign_combo)
        form.addRow("Creative", self.creative_combo)
        form.addRow("Kind", self.kind_combo)
        form.addRow("Provider", self.provider_combo)
        form.addRow("Prompt", self.prompt_edit)
        form.addRow(self.seed_check, self.seed_spin)
        form.addRow(self.size_check, size_row)
        form.addRow("Variants", self.variants_spin)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.message)
        layout.addWidget(self.buttons)

        self.campaign_combo.currentIndexChanged.connect(self._on_campaign_chosen)
        self.creative_combo.currentIndexChanged.connect(self._on_creative_chosen)
        self.kind_combo.currentIndexChanged.connect(self._fill_providers)
        self.prompt_edit.textChanged.connect(self._validate)
        view_model.choices_loaded.connect(self._on_choices)
        view_model.creatives_loaded.connect(self._on_creatives)
        view_model.render_queued.connect(self._on_queued)
        view_model.render_refused.connect(self._show_message)
        self.finished.connect(self._detach)
        self._validate()
        view_model.load_choices()

    def _detach(self, _result: int) -> None:
        """Closed: later answers of the view model are no longer this dialog's."""
        view_model = self._view_model
        view_model.choices_loaded.disconnect(self._on_choices)
        view_model.creatives_loaded.disconnect(self._on_creatives)
        view_model.render_queued.disconnect(self._on_queued)
        view_model.render_refused.disconnect(self._show_message)

    def _on_choices(self, choices: object) -> None:
        campaigns: list[tuple[str, str]] = choices[0]  # type: ignore[index]
        self.campaign_combo.blockSignals(True)
        self.campaign_combo.clear()
        for campaign_id, name in campaigns:
            self.campaign_combo.addItem(name, campaign_id)
        self.campaign_combo.setCurrentIndex(
            max(0, self.campaign_combo.findData(self._first_campaign))
        )
        self.campaign_combo.blockSignals(False)
        self._fill_providers()
        self._on_campaign_chosen()

    def _on_campaign_chosen(self, *_args: object) -> None:
        campaign_id = self.campaign_combo.currentData()
        self.creative_combo.clear()
        if isinstance(campaign_id, str):
            self._view_model.load_creatives(campaign_id)
        self._validate()

    def _on_creatives(self, campaign_id: str, creatives: object) -> None:
        if campaign_id != self.campaign_combo.currentData():
            return
        self.creative_combo.blockSignals(True)
        self.creative_combo.clear()
        self._creatives = {}
        for creative in creatives:  # type: ignore[attr-defined]
            self._creatives[creative.id] = creative
            self.creative_combo.addItem(f"{creative.title} ({creative.kind.value})", creative.id)
        self.creative_combo.blockSignals(False)
        self._on_creative_chosen()

    def _on_creative_chosen(self, *_args: object) -> None:
        creative = self._creatives.get(self.creative_combo.currentData())
        if creative is not None:
            self.kind_combo.setCurrentIndex(max(0, self.kind_combo.findData(creative.kind.value)))
            if creative.prompt and not self.prompt_edit.toPlainText().strip():
                self.prompt_edit.setPlainText(creative.prompt)
        self._validate()

    def _fill_providers(self, *_args: object) -> None:
        kind = self.kind_combo.currentData()
        self.provider_combo.clear()
        for name in self._view_model.providers.get(kind, []):
            self.provider_combo.addItem(name, name)
        self._validate()

    def problem(self) -> str:
        """What must be fixed before rendering, in words ("" when nothing)."""
        if self.campaign_combo.currentData() is None:
            return "Choose a campaign"
        if self.creative_combo.currentData() is None:
            return "Choose an image or video creative (this campaign has none)"
        if self.provider_combo.currentData() is None:
            return "No provider is configured for this kind"
        if not self.prompt_edit.toPlainText().strip():
            return "Write a prompt"
        return ""

    def _validate(self) -> None:
        problem = self.problem()
        self.ok_button.setEnabled(not problem)
        self._show_message(problem)

    def _show_message(self, text: str) -> None:
        self.message.setText(text)
        self.message.setVisible(bool(text))
        if text.startswith("Refused"):
            self.ok_button.setEnabled(True)

    def _submit(self) -> None:
        if self.problem():
            return
        self.ok_button.setEnabled(False)
        self._view_model.new_render(
            self.creative_combo.currentData(),
            self.kind_combo.currentData(),
            self.provider_combo.currentData(),
            self.prompt_edit.toPlainText(),
            self.seed_spin.value() if self.seed_check.isChecked() else None,
            (self.width_spin.value(), self.height_spin.value())
            if self.size_check.isChecked()
            else None,
            variants=self.variants_spin.value(),
        )

    def _on_queued(self, _job: object) -> None:
        if self.isVisible():
            self.accept()
