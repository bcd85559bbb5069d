"""The campaign panel's Schedule tab: a week or month calendar and the list of posts."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date, datetime, time
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, Qt, SignalInstance
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListView,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.domain.campaigns import Campaign, Post
from ui.viewmodels.schedule import PostIdRole, PostListModel, ScheduleViewModel
from ui.views.post_dialog import PostDialog
from ui.widgets.calendar_widget import CalendarEntry, CalendarWidget
from ui.widgets.permission import VIEWERS_CANNOT_EDIT, gate


def ask_to_delete(parent: QWidget, question: str, on_yes: Callable[[], None]) -> QMessageBox:
    """Open (without blocking) a Delete / Cancel question; ``on_yes`` runs on Delete."""
    box = QMessageBox(QMessageBox.Icon.Question, "Delete", question, parent=parent)
    delete = box.addButton("Delete", QMessageBox.ButtonRole.DestructiveRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.buttonClicked.connect(lambda button: on_yes() if button is delete else None)
    box.open()
    return box


class InlineMessage(QLabel):
    """A line in plain words above a tab's content (a refusal, a saved file); hidden while
    empty."""

    def __init__(self, accessible_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWordWrap(True)
        self.setAccessibleName(accessible_name)
        self.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.show_text("")

    def show_text(self, text: str) -> None:
        self.setText(text)
        self.setVisible(bool(text))

    def follow(
        self, shown_by: Sequence[SignalInstance], cleared_by: Sequence[SignalInstance]
    ) -> None:
        """Show what ``shown_by`` emit; clear on any of ``cleared_by``."""
        for signal in shown_by:
            signal.connect(self.show_text)
        for signal in cleared_by:
            signal.connect(lambda *_args: self.show_text(""))


class ScheduleTab(QWidget):
    """The campaign's posts on a calendar and in a list: schedule, move (drag a chip, or
    ``Move…``), delete and export them; refusals are shown in plain words above the calendar.

    Args:
        view_model: The tab's :class:`ScheduleViewModel` (the panel sets its campaign).
    """

    def __init__(self, view_model: ScheduleViewModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._view_model = view_model
        self._shown_campaign: str | None = None
        self._pending_selection: str | None = None
        self.post_dialog: PostDialog | None = None
        self.export_dialog: QFileDialog | None = None
        self.confirmation: QMessageBox | None = None

        self.new_button = QPushButton("New post")
        self.move_button = QPushButton("Move…")
        self.delete_button = QPushButton("Delete")
        self.export_button = QPushButton("Export calendar")
        for button in (self.new_button, self.move_button, self.delete_button, self.export_button):
            button.setAccessibleName(button.text().rstrip("…"))
        self.zone_label = QLabel()
        self.message = InlineMessage("Schedule message")
        self.calendar = CalendarWidget()
        self.list_view = QListView()
        self.list_view.setAccessibleName("Posts")
        self.list_view.setModel(view_model.posts)
        self.list_view.setWordWrap(True)  # a narrow list wraps a post's line, never scrolls it
        self.list_view.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

        bar = QHBoxLayout()
        for button in (self.new_button, self.move_button, self.delete_button):
            bar.addWidget(button)
        bar.addStretch(1)
        bar.addWidget(self.zone_label)
        bar.addWidget(self.export_button)
        splitter = QSplitter()
        splitter.addWidget(self.calendar)
        splitter.addWidget(self.list_view)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.message)
        layout.addWidget(splitter, 1)
        self.setTabOrder(self.new_button, self.move_button)
        self.setTabOrder(self.move_button, self.delete_button)
        self.setTabOrder(self.delete_button, self.export_button)
        self.setTabOrder(self.export_button, self.calendar)
        self.setTabOrder(self.calendar, self.list_view)

        self.new_button.clicked.connect(self._on_new_button_clicked)
        self.move_button.clicked.connect(self._on_move_button_clicked)
        self.delete_button.clicked.connect(self._on_delete_button_clicked)
        self.export_button.clicked.connect(self._on_export_button_clicked)
        self.calendar.post_moved.connect(self._on_calendar_post_moved)
        self.calendar.post_clicked.connect(self.select_post)
        self.list_view.selectionModel().selectionChanged.connect(self._on_list_selection_changed)
        view_model.posts.modelAboutToBeReset.connect(self._on_posts_about_to_be_reset)
        view_model.schedule_loaded.connect(self._on_view_model_schedule_loaded)
        view_model.permissions_changed.connect(self._update_buttons)
        self.message.follow(
            (view_model.post_refused, view_model.error_raised, self.calendar.drop_refused),
            (view_model.post_saved, view_model.post_deleted, view_model.campaign_changed),
        )
        view_model.calendar_exported.connect(
            lambda path: self.message.show_text(f"Calendar saved to {path}.")
        )
        view_model.post_selected.connect(self.select_post)
        self._update_buttons()

    def select_post(self, post_id: str) -> None:
        """Select ``post_id`` in the list and the calendar (once it is loaded)."""
        row = self._view_model.posts.row_of(post_id)
        if row is None:
            self._pending_selection = post_id
            return
        self._pending_selection = None
        index = self._view_model.posts.index(row, 0)
        self.list_view.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect
        )
        self.list_view.scrollTo(index)

    def selected_post_id(self) -> str | None:
        indexes = self.list_view.selectionModel().selectedIndexes()
        return str(indexes[0].data(PostIdRole)) if indexes else None

    def _on_posts_about_to_be_reset(self) -> None:
        self._pending_selection = self._pending_selection or self.selected_post_id()

    def _on_view_model_schedule_loaded(self, campaign: Campaign) -> None:
        selected = self._pending_selection
        model = self._view_model.posts
        entries = [
            CalendarEntry(post.id, model.local_time(post).replace(tzinfo=None), _chip(post, model))
            for post in model.posts
        ]
        self.zone_label.setText(f"Times in {campaign.time_zone}")
        if campaign.id != self._shown_campaign:
            self._shown_campaign = campaign.id
            first = entries[0].at.date() if entries else campaign.start or date.today()
            self.calendar.anchor = first
        self.calendar.set_entries(entries, campaign.start, campaign.end)
        if selected is not None:
            self.select_post(selected)
        self._update_buttons()

    def _on_list_selection_changed(self) -> None:
        self.calendar.select(self.selected_post_id())
        self._update_buttons()

    def _on_calendar_post_moved(self, post_id: str, at: datetime) -> None:
        self.message.show_text("")
        self._view_model.move_post(post_id, at)

    def _on_new_button_clicked(self) -> None:
        campaign = self._view_model.campaign
        if campaign is None:
            return
        anchor = self.calendar.anchor
        day = anchor if self.calendar.allows(anchor) else campaign.start or anchor
        dialog = self._open_post_dialog(datetime.combine(day, time(9, 0)), moving=False)
        dialog.accepted.connect(
            lambda: self._view_model.schedule_post(
                dialog.creative_id(), dialog.channel(), dialog.moment()
            )
        )

    def _on_move_button_clicked(self) -> None:
        post_id = self.selected_post_id()
        model = self._view_model.posts
        row = model.row_of(post_id) if post_id else None
        if post_id is None or row is None:
            return
        post = model.post(row)
        dialog = self._open_post_dialog(model.local_time(post).replace(tzinfo=None), moving=True)
        dialog.select(post.creative_id, post.channel)
        dialog.accepted.connect(lambda: self._view_model.move_post(post_id, dialog.moment()))

    def _on_delete_button_clicked(self) -> None:
        post_id = self.selected_post_id()
        if post_id is not None:
            self.confirmation = ask_to_delete(
                self, "Delete the selected post?", lambda: self._view_model.delete_post(post_id)
            )

    def _on_export_button_clicked(self) -> None:
        campaign = self._view_model.campaign
        if campaign is None:
            return
        dialog = QFileDialog(self, "Export calendar")
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setFileMode(QFileDialog.FileMode.AnyFile)
        dialog.setNameFilter("iCalendar (*.ics)")
        dialog.setDefaultSuffix("ics")
        dialog.setOption(QFileDialog.Option.DontUseNativeDialog, True)
        dialog.selectFile(str(Path.home() / f"{_file_name(campaign.name)}.ics"))
        dialog.fileSelected.connect(self._view_model.export_calendar)
        self.export_dialog = dialog
        dialog.open()

    def _open_post_dialog(self, at: datetime, *, moving: bool) -> PostDialog:
        campaign = self._view_model.campaign
        assert campaign is not None
        dialog = PostDialog(
            self._view_model.creatives,
            campaign.channels,
            campaign.time_zone,
            (campaign.start, campaign.end),
            at,
            moving=moving,
            parent=self,
        )
        self.post_dialog = dialog
        dialog.open()
        return dialog

    def _update_buttons(self) -> None:
        loaded = self._view_model.campaign is not None
        selected = self.selected_post_id() is not None
        self.new_button.setEnabled(loaded)
        self.export_button.setEnabled(loaded)
        self.move_button.setEnabled(selected)
        self.delete_button.setEnabled(selected)
        gate((self.new_button, self.move_button, self.delete_button), self._view_model.may_edit)
        self.calendar.set_movable(self._view_model.may_edit, VIEWERS_CANNOT_EDIT)


def _chip(post: Post, model: PostListModel) -> str:
    return f"{post.channel} · {model.title(post)}"


def _file_name(name: str) -> str:
    return re.sub(r'[\\/:*?"<>|]+', "-", name).strip() or "calendar"
