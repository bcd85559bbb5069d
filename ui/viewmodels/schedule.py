"""The Schedule tab's data: the campaign's posts in its time zone, and the calls changing them."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from PySide6.QtCore import (
    QAbstractListModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    Signal,
)

from app.domain.campaigns import Campaign, Post
from app.domain.changes import RecordKind
from app.domain.creatives import Creative
from app.domain.errors import AppError
from ui.tasks import UiTaskRunner
from ui.viewmodels.campaign_page import CampaignPageViewModel
from ui.viewmodels.session import SessionViewModel

PostIdRole = Qt.ItemDataRole.UserRole + 1
"""The post's id."""
LocalTimeRole = Qt.ItemDataRole.UserRole + 2
"""The post's moment in the campaign's time zone (an aware ``datetime``)."""

AnyIndex = QModelIndex | QPersistentModelIndex


class PostListModel(QAbstractListModel):
    """The campaign's posts in time order; DisplayRole reads "Mon 2 Mar 09:00 · instagram ·
    Title" in the campaign's time zone."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._posts: list[Post] = []
        self._titles: dict[str, str] = {}
        self._zone = ZoneInfo("UTC")

    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._posts)

    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._posts):
            return None
        post = self._posts[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return f"{self.local_time(post):%a %d %b %H:%M} · {post.channel} · {self.title(post)}"
        if role == PostIdRole:
            return post.id
        if role == LocalTimeRole:
            return self.local_time(post)
        return None

    def set_posts(self, posts: Iterable[Post], titles: dict[str, str], zone: ZoneInfo) -> None:
        """Show ``posts`` (creative titles by id) in ``zone``."""
        self.beginResetModel()
        self._posts = sorted(posts, key=lambda post: post.at)
        self._titles = dict(titles)
        self._zone = zone
        self.endResetModel()

    @property
    def posts(self) -> list[Post]:
        return list(self._posts)

    def post(self, row: int) -> Post:
        return self._posts[row]

    def title(self, post: Post) -> str:
        return self._titles.get(post.creative_id, "(deleted creative)")

    def local_time(self, post: Post) -> datetime:
        return post.at.astimezone(self._zone)

    def row_of(self, post_id: str) -> int | None:
        for row, post in enumerate(self._posts):
            if post.id == post_id:
                return row
        return None


class ScheduleViewModel(CampaignPageViewModel):
    """The campaign's posts, kept live; schedule, move, delete and export them.

    Signals:
        schedule_loaded(object): the campaign (``Campaign``) whose posts :attr:`posts` now holds.
        post_saved(str): a post was scheduled or moved (its id).
        post_refused(str): a schedule, move or delete was refused ("Refused: …" in plain words).
        post_deleted(str): a post was deleted (its id).
        calendar_exported(str): the calendar was written to this path.
        post_selected(str): a deep link asks the tab to show this post.
    """

    schedule_loaded = Signal(object)
    post_saved = Signal(str)
    post_refused = Signal(str)
    post_deleted = Signal(str)
    calendar_exported = Signal(str)
    post_selected = Signal(str)

    records = frozenset({RecordKind.POST, RecordKind.CREATIVE, RecordKind.CAMPAIGN})

    def __init__(
        self, session: SessionViewModel, tasks: UiTaskRunner, parent: QObject | None = None
    ) -> None:
        super().__init__(session, tasks, parent)
        self.posts = PostListModel(self)
        self.campaign: Campaign | None = None
        self.creatives: list[Creative] = []

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.campaign.time_zone if self.campaign else "UTC")

    def load(self) -> None:
        campaign_id = self.campaign_id
        assert campaign_id is not None

        async def read() -> tuple[Campaign, list[Post], list[Creative]]:
            campaign = await self.core.campaigns.get_campaign(self.actor, campaign_id)
            posts = await self.core.campaigns.list_posts(self.actor, campaign_id)
            creatives = await self.core.creatives.list_creatives(self.actor, campaign_id)
            return campaign, posts, creatives

        self.run("load", read(), self._on_read)

    def _on_read(self, result: tuple[Campaign, list[Post], list[Creative]]) -> None:
        campaign, posts, creatives = result
        if campaign.id != self.campaign_id:
            return
        self.campaign = campaign
        self.creatives = creatives
        titles = {creative.id: creative.title for creative in creatives}
        self.posts.set_posts(posts, titles, self.zone)
        self.schedule_loaded.emit(campaign)

    def schedule_post(self, creative_id: str, channel: str, at: datetime) -> None:
        """Schedule a creative at ``at`` (naive: read in the campaign's time zone)."""
        campaign_id = self.campaign_id
        assert campaign_id is not None
        call = self.core.campaigns.schedule_post(
            self.actor,
            campaign_id,
            creative_id=creative_id,
            channel=channel,
            at=self._aware(at),
            time_zone=self.zone.key,
        )
        self.run("schedule", call, self._on_saved, self._on_refused)

    def move_post(self, post_id: str, at: datetime) -> None:
        """Move a post to ``at`` (naive: read in the campaign's time zone)."""
        call = self.core.campaigns.update_post(
            self.actor, post_id, at=self._aware(at), time_zone=self.zone.key
        )
        self.run(f"move-{post_id}", call, self._on_saved, self._on_refused)

    def delete_post(self, post_id: str) -> None:
        async def delete() -> str:
            await self.core.campaigns.delete_post(self.actor, post_id)
            return post_id

        self.run(f"delete-{post_id}", delete(), self._on_deleted, self._on_refused)

    def export_calendar(self, path: str) -> None:
        """Write the campaign's calendar (iCalendar) to ``path``."""
        campaign_id = self.campaign_id
        assert campaign_id is not None

        async def export() -> str:
            text = await self.core.campaigns.export_calendar(self.actor, campaign_id)
            await asyncio.to_thread(Path(path).write_text, text, encoding="utf-8")
            return path

        self.run("export", export(), self.calendar_exported.emit)

    def select_post(self, post_id: str) -> None:
        """Deep link: show and select ``post_id``."""
        self.post_selected.emit(post_id)

    def _aware(self, at: datetime) -> datetime:
        return at.replace(tzinfo=self.zone) if at.tzinfo is None else at

    def _on_saved(self, post: Post) -> None:
        self.post_saved.emit(post.id)
        self.refresh()

    def _on_deleted(self, post_id: str) -> None:
        self.post_deleted.emit(post_id)
        self.refresh()

    def _on_refused(self, error: AppError) -> None:
        self.post_refused.emit(f"Refused: {error.message}")
        self.refresh()
