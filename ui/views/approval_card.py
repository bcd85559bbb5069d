"""One scope's approval: its state, quorum, voters, why not, actions, quorum and timeline."""

from __future__ import annotations

import itertools

from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain import Approval, ApprovalAction, ApprovalScope, ApprovalState, VoteDecision
from app.domain.approvals import MAX_QUORUM
from ui.viewmodels.approval_timeline import change_text, state_words, when
from ui.viewmodels.approvals import ApprovalsViewModel
from ui.views.approval_action_dialog import ApprovalActionDialog
from ui.views.schedule_tab import InlineMessage
from ui.widgets.icons import icon

STATE_COLOURS = {
    # Mid-tone hues that read on light and dark backgrounds alike; the icon says it too.
    ApprovalState.PENDING: QColor("#6b7280"),
    ApprovalState.APPROVED: QColor("#2f855a"),
    ApprovalState.REJECTED: QColor("#c53030"),
    ApprovalState.NEEDS_REVIEW: QColor("#b7791f"),
}
STATE_ICONS = {
    ApprovalState.PENDING: "clock",
    ApprovalState.APPROVED: "check",
    ApprovalState.REJECTED: "x",
    ApprovalState.NEEDS_REVIEW: "triangle-alert",
}
ACTIONS = (ApprovalAction.APPROVE, ApprovalAction.REJECT, ApprovalAction.MARK_ADDRESSED)


class ApprovalCard(QFrame):
    """The approval of one scope, named ``<Scope> approval``: its state (colour and icon), the
    strategy version it is bound to, quorum progress with the voters, why it cannot be approved
    yet, ``Approve``, ``Reject`` and ``Mark addressed`` (each disabled with the reason as its
    tooltip when not allowed), the quorum (admins) and the timeline, newest first. A refused
    action is shown in plain words on the card.

    Args:
        scope: The scope shown.
        view_model: The panel's :class:`ApprovalsViewModel`.
    """

    def __init__(
        self,
        scope: ApprovalScope,
        view_model: ApprovalsViewModel,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.scope = ApprovalScope(scope)
        self._view_model = view_model
        self._approval: Approval | None = None
        self.dialog: ApprovalActionDialog | None = None
        name = self.scope.value.capitalize()
        self.setAccessibleName(f"{name} approval")
        self.setFrameShape(QFrame.Shape.StyledPanel)

        self.title = QLabel(f"<b>{name}</b>")
        self.state_icon = QLabel()
        self.state_label = QLabel()
        self.state_label.setAccessibleName(f"{name} state")
        self.version_label = QLabel()
        self.progress_label = QLabel()
        self.progress_label.setAccessibleName(f"{name} quorum progress")
        self.voters_label = QLabel()
        self.voters_label.setAccessibleName(f"{name} voters")
        self.why_label = QLabel()
        self.why_label.setAccessibleName(f"{name} why not")
        for label in (self.version_label, self.progress_label, self.voters_label, self.why_label):
            label.setWordWrap(True)
        self.buttons = {action: QPushButton(_button_text(action)) for action in ACTIONS}
        for action, button in self.buttons.items():
            button.setAccessibleName(f"{_button_text(action)} {self.scope.value}")
            button.clicked.connect(lambda _checked=False, a=action: self.open_dialog(a))
        self.quorum_spin = QSpinBox()
        self.quorum_spin.setRange(1, MAX_QUORUM)
        self.quorum_spin.setKeyboardTracking(False)
        self.quorum_spin.setAccessibleName(f"{name} quorum")
        self.quorum_context = QLabel()
        self.message = InlineMessage(f"{name} approval message")
        self.timeline = QTableView()
        self.timeline.setAccessibleName(f"{name} timeline")
        self.timeline.setModel(view_model.timelines[self.scope])
        self.timeline.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.timeline.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        header = self.timeline.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        for column in (2, 4):  # the change and the comment share the width left, wrapped
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        self.timeline.verticalHeader().hide()
        self.timeline.setWordWrap(True)

        header = QHBoxLayout()
        header.addWidget(self.title)
        header.addStretch(1)
        header.addWidget(self.state_icon)
        header.addWidget(self.state_label)
        actions = QHBoxLayout()
        for button in self.buttons.values():
            actions.addWidget(button)
        actions.addStretch(1)
        quorum = QGridLayout()
        quorum_label = QLabel("&Quorum")
        quorum_label.setBuddy(self.quorum_spin)
        quorum.addWidget(quorum_label, 0, 0)
        quorum.addWidget(self.quorum_spin, 0, 1)
        quorum.addWidget(self.quorum_context, 0, 2)
        quorum.setColumnStretch(2, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(header)
        for label in (self.version_label, self.progress_label, self.voters_label, self.why_label):
            layout.addWidget(label)
        layout.addLayout(actions)
        layout.addLayout(quorum)
        layout.addWidget(self.message)
        layout.addWidget(self.timeline, 1)
        order = [*self.buttons.values(), self.quorum_spin, self.timeline]
        for first, second in itertools.pairwise(order):
            self.setTabOrder(first, second)

        self.quorum_spin.valueChanged.connect(self._on_quorum_spin_value_changed)
        view_model.approvals_loaded.connect(self._on_view_model_approvals_loaded)
        view_model.action_refused.connect(self._on_view_model_action_refused)
        view_model.action_done.connect(self._on_view_model_action_done)
        view_model.action_started.connect(self._on_view_model_action_started)
        view_model.campaign_changed.connect(lambda _id: self.message.show_text(""))
        self.show_approval(None)

    @property
    def approval(self) -> Approval | None:
        return self._approval

    def open_dialog(self, action: ApprovalAction) -> ApprovalActionDialog | None:
        """Ask for the action's text; the view model acts on ``accepted``."""
        if self._approval is None or self._view_model.why_not(self.scope, action):
            return None
        dialog = ApprovalActionDialog(action, self.scope, self)
        self.dialog = dialog
        dialog.accepted.connect(lambda: self._submit(dialog))
        dialog.open()
        return dialog

    def show_approval(self, approval: Approval | None) -> None:
        """Show ``approval`` (None: nothing loaded); an open dialog on a changed approval warns."""
        old, self._approval = self._approval, approval
        if self.dialog is not None and self.dialog.isVisible() and _changed(old, approval):
            latest = approval.timeline[-1] if approval and approval.timeline else None
            self.dialog.mark_stale(
                f"{latest.actor_name or latest.actor_id}: {change_text(latest)}"
                if latest
                else "it is no longer there"
            )
        self._show_state(approval)
        self._show_votes(approval)
        why = self._view_model.why_not(self.scope, ApprovalAction.APPROVE) if approval else None
        self.why_label.setText(why or "")
        self.why_label.setVisible(bool(why))
        for action, button in self.buttons.items():
            reason = self._view_model.why_not(self.scope, action) if approval else "Loading"
            button.setEnabled(reason is None)
            button.setToolTip(reason or "")
        self._show_quorum(approval)
        self.timeline.resizeRowsToContents()

    def _show_state(self, approval: Approval | None) -> None:
        state = approval.state if approval else ApprovalState.PENDING
        self.state_icon.setPixmap(icon(STATE_ICONS[state]).pixmap(20, 20))
        self.state_label.setText(state_words(state).capitalize() if approval else "")
        palette = self.state_label.palette()
        palette.setColor(QPalette.ColorRole.WindowText, STATE_COLOURS[state])
        self.state_label.setPalette(palette)
        version = approval.strategy_version if approval else None
        self.version_label.setText(
            f"For strategy version {version}" if version else "Not bound to a strategy version yet"
        )

    def _show_votes(self, approval: Approval | None) -> None:
        if approval is None:
            self.progress_label.setText("")
            self.voters_label.setText("")
            return
        needed = approval.required_approvals
        self.progress_label.setText(
            f"{approval.approve_count} of {needed} approval{'s' if needed != 1 else ''}"
        )
        lines = []
        for vote in approval.votes:
            verb = "approved" if vote.decision is VoteDecision.APPROVE else "rejected"
            line = f"{vote.display_name or vote.user_id} {verb} at {when(vote.at)}"
            lines.append(f"{line}: {vote.comment}" if vote.comment else line)
        self.voters_label.setText("\n".join(lines) or "No votes yet")

    def _show_quorum(self, approval: Approval | None) -> None:
        self.quorum_spin.blockSignals(True)
        self.quorum_spin.setValue(approval.required_approvals if approval else 1)
        self.quorum_spin.blockSignals(False)
        reason = self._view_model.why_not(self.scope, ApprovalAction.SET_QUORUM)
        self.quorum_spin.setEnabled(approval is not None and reason is None)
        self.quorum_spin.setToolTip(reason or "Approve votes this scope needs")
        count = self._view_model.approver_count
        self.quorum_context.setText(
            f"({count} approver{'s' if count != 1 else ''} in this workspace)"
        )

    def _submit(self, dialog: ApprovalActionDialog) -> None:
        if dialog.stale:
            return
        if dialog.action is ApprovalAction.APPROVE:
            self._view_model.approve(self.scope, dialog.text())
        elif dialog.action is ApprovalAction.REJECT:
            self._view_model.reject(self.scope, dialog.text())
        else:
            self._view_model.mark_addressed(self.scope, dialog.text())

    def _on_quorum_spin_value_changed(self, value: int) -> None:
        if self._approval is not None and value != self._approval.required_approvals:
            self._view_model.set_quorum(self.scope, value)

    def _on_view_model_approvals_loaded(self, _campaign: object) -> None:
        self.show_approval(self._view_model.approvals.get(self.scope))

    def _on_view_model_action_refused(self, scope: str, message: str) -> None:
        if scope == self.scope.value:
            self.message.show_text(message)

    def _on_view_model_action_started(self, scope: str) -> None:
        if scope == self.scope.value:
            self.show_approval(self._approval)

    def _on_view_model_action_done(self, scope: str) -> None:
        if scope == self.scope.value:
            self.message.show_text("")


def _button_text(action: ApprovalAction) -> str:
    return {
        ApprovalAction.APPROVE: "Approve",
        ApprovalAction.REJECT: "Reject",
        ApprovalAction.MARK_ADDRESSED: "Mark addressed",
    }[action]


def _changed(old: Approval | None, new: Approval | None) -> bool:
    if old is None or new is None:
        return old is not new
    return (old.updated_at, len(old.timeline)) != (new.updated_at, len(new.timeline))
