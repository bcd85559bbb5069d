"""One approval's timeline as a table: when, who, from → to, version, comment or reason."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt

from app.domain import ApprovalAction, ApprovalState
from app.domain.approvals import TimelineEvent
from ui.viewmodels.table_model import RowTableModel

TIMELINE_COLUMNS = ("When", "Who", "Change", "Version", "Comment")

_STATE_WORDS = {
    ApprovalState.PENDING: "pending",
    ApprovalState.APPROVED: "approved",
    ApprovalState.REJECTED: "rejected",
    ApprovalState.NEEDS_REVIEW: "needs review",
}

_ACTION_WORDS = {
    ApprovalAction.APPROVE: "Approve vote",
    ApprovalAction.REJECT: "Rejected",
    ApprovalAction.MARK_ADDRESSED: "Feedback addressed",
    ApprovalAction.SET_QUORUM: "Quorum changed",
}


def state_words(state: ApprovalState) -> str:
    """An approval state in words ("needs review")."""
    return _STATE_WORDS[ApprovalState(state)]


def when(at: datetime) -> str:
    """A time as the panel shows it (local time, to the minute)."""
    return at.astimezone().strftime("%Y-%m-%d %H:%M")


def change_text(event: TimelineEvent) -> str:
    """What the event did: the action and from → to; the cascade's events say so."""
    moved = f"{state_words(event.from_state)} → {state_words(event.to_state)}"
    version = f" for strategy version {event.strategy_version}" if event.strategy_version else ""
    if event.action is ApprovalAction.INVALIDATE:
        return f"Needs review{version} (the strategy changed): {moved}"
    if event.action is ApprovalAction.REREQUEST:
        return f"Approval requested again{version} (new strategy version): {moved}"
    return f"{_ACTION_WORDS[event.action]}: {moved}"


class ApprovalTimelineModel(RowTableModel):
    """An approval's timeline, newest first: when, who, change, version, comment or reason."""

    columns = TIMELINE_COLUMNS

    def set_events(self, events: Iterable[TimelineEvent]) -> None:
        self.set_rows(sorted(events, key=lambda event: event.at, reverse=True))

    def timeline_event(self, row: int) -> TimelineEvent:
        event: TimelineEvent = self._rows[row]
        return event

    def cell(self, row: TimelineEvent, column: int, role: int) -> Any:
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return None
        if column == 0:
            return when(row.at)
        if column == 1:
            return row.actor_name or row.actor_id
        if column == 2:
            return change_text(row)
        if column == 3:
            return f"v{row.strategy_version}" if row.strategy_version else "—"
        if column == 4:
            return row.comment or ""
        return None
