"""The approval panel: the selected campaign's four approvals as cards."""

from __future__ import annotations

import itertools

from PySide6.QtWidgets import QGridLayout, QLabel, QScrollArea, QVBoxLayout, QWidget

from app.domain import ApprovalScope
from app.domain.campaigns import Campaign
from ui.viewmodels.approvals import ApprovalsViewModel
from ui.views.approval_card import ApprovalCard
from ui.views.schedule_tab import InlineMessage

EMPTY_TEXT = "Select a campaign to see its approvals."


class ApprovalPanel(QWidget):
    """A title naming the campaign and one :class:`ApprovalCard` per scope (strategy, content,
    schedule, ads) in a two-by-two grid; an empty state while no campaign is selected, and a
    failed read in plain words.

    Args:
        view_model: The panel's :class:`ApprovalsViewModel` (the window sets its campaign).
    """

    def __init__(self, view_model: ApprovalsViewModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._view_model = view_model
        self.title = QLabel()
        self.title.setAccessibleName("Approvals title")
        self.title.setWordWrap(True)
        self.empty_label = QLabel(EMPTY_TEXT)
        self.empty_label.setAccessibleName("No campaign selected")
        self.empty_label.setWordWrap(True)
        self.message = InlineMessage("Approvals message")
        self.cards = {scope: ApprovalCard(scope, view_model) for scope in ApprovalScope}
        grid_widget = QWidget()
        grid = QGridLayout(grid_widget)
        for index, card in enumerate(self.cards.values()):
            grid.addWidget(card, index // 2, index % 2)
        self.card_area = QScrollArea()
        self.card_area.setWidgetResizable(True)
        self.card_area.setWidget(grid_widget)
        self.card_area.setAccessibleName("Approval cards")
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.message)
        layout.addWidget(self.empty_label)
        layout.addWidget(self.card_area, 1)
        cards = list(self.cards.values())
        for first, second in itertools.pairwise(cards):
            self.setTabOrder(first.timeline, second.buttons[next(iter(second.buttons))])

        view_model.campaign_changed.connect(self._on_view_model_campaign_changed)
        view_model.approvals_loaded.connect(self._on_view_model_approvals_loaded)
        self.message.follow((view_model.error_raised,), (view_model.approvals_loaded,))
        self._on_view_model_campaign_changed(view_model.campaign_id)

    def card(self, scope: ApprovalScope) -> ApprovalCard:
        return self.cards[ApprovalScope(scope)]

    def _on_view_model_campaign_changed(self, campaign_id: object) -> None:
        selected = campaign_id is not None
        self.empty_label.setVisible(not selected)
        self.card_area.setVisible(selected)
        self.title.setText("Approvals" if selected else "")
        self.title.setVisible(selected)
        self.message.show_text("")
        for card in self.cards.values():
            card.show_approval(None)

    def _on_view_model_approvals_loaded(self, campaign: Campaign) -> None:
        self.title.setText(f"<h3>Approvals — {campaign.name}</h3>")
        self.title.setAccessibleDescription(f"Approvals of {campaign.name}")
