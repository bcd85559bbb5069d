"""Thumbnails of the asset library, loaded lazily off the UI thread into a bounded cache."""

from __future__ import annotations

import asyncio
import itertools
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QGuiApplication, QIcon, QImage, QPixmap

from app.domain.errors import AppError
from ui.tasks import UiTaskRunner

Fetch = Callable[[str], Awaitable[bytes | None]]
"""Reads an asset's thumbnail bytes (PNG), None when it has none."""

ICON_PX = 96
"""The longest side of a grid icon, in device-independent pixels."""
DEFAULT_CACHE_SIZE = 300
DEFAULT_PREVIEWS = 8
"""Full-size thumbnails kept for the preview pane, the most recently decoded ones."""
DEFAULT_DECODES = 2
DEFAULT_QUEUE = 64
"""Requests waiting beyond this many are the ones scrolled away longest ago: they are dropped."""


def _decode(data: bytes, icon_px: int) -> tuple[QImage, QImage]:
    """The thumbnail, and the same scaled down to fit ``icon_px`` (itself when it fits). Only the
    icon stays cached for long: 300 full 256 px thumbnails held twice (image and pixmap) cost
    about 100 MiB, their icons a tenth of that."""
    image = QImage()
    image.loadFromData(data)
    if image.isNull() or max(image.width(), image.height()) <= icon_px:
        return image, image
    icon = image.scaled(
        icon_px,
        icon_px,
        Qt.AspectRatioMode.KeepAspectRatio,
        Qt.TransformationMode.SmoothTransformation,
    )
    return image, icon


def _pixel_ratio() -> float:
    screen = QGuiApplication.primaryScreen()
    return screen.devicePixelRatio() if screen is not None else 1.0


class ThumbnailLoader(QObject):
    """Asks for a thumbnail only when a view paints its item, fetches it through the task
    runner, decodes it in a worker thread (at most ``decodes`` at once) and keeps the last
    ``cache_size`` as icons of ``ICON_PX`` (sharp on the screen's pixel ratio), and the last
    ``previews`` at full size for the preview pane. The newest request is served first; the
    oldest waiting ones are dropped once more than ``queue_size`` wait (they were scrolled away).

    Signals:
        loaded(str): the asset's thumbnail is in the cache (or it has none).
    """

    loaded = Signal(str)

    def __init__(
        self,
        fetch: Fetch,
        tasks: UiTaskRunner,
        parent: QObject | None = None,
        *,
        cache_size: int = DEFAULT_CACHE_SIZE,
        previews: int = DEFAULT_PREVIEWS,
        decodes: int = DEFAULT_DECODES,
        queue_size: int = DEFAULT_QUEUE,
    ) -> None:
        super().__init__(parent)
        self._fetch = fetch
        self._tasks = tasks
        self._cache_size = cache_size
        self._previews = previews
        self._pixel_ratio = _pixel_ratio()
        self._workers = decodes
        self._queue_size = queue_size
        self._cache: OrderedDict[str, QIcon | None] = OrderedDict()
        self._images: OrderedDict[str, QImage] = OrderedDict()
        self._waiting: OrderedDict[str, None] = OrderedDict()
        self._in_flight: set[str] = set()
        self._running = 0
        self._keys = itertools.count()
        self.requested: list[str] = []
        """Every asset id asked for, in order (a test sees that only visible items asked)."""

    @property
    def waiting(self) -> list[str]:
        return list(self._waiting)

    @property
    def busy(self) -> bool:
        """Whether a thumbnail is waiting or being read."""
        return bool(self._waiting or self._in_flight)

    def icon(self, asset_id: str) -> QIcon | None:
        """The cached icon, or None after asking for it (``loaded`` follows)."""
        if asset_id in self._cache:
            self._cache.move_to_end(asset_id)
            return self._cache[asset_id]
        self.request(asset_id)
        return None

    def image(self, asset_id: str) -> QImage | None:
        """The full-size decoded thumbnail if it is still kept, or None after asking for it
        (``loaded`` follows): the preview pane."""
        image = self._images.get(asset_id)
        if image is None:
            self.request(asset_id, full=True)
        return image

    def cached(self, asset_id: str) -> bool:
        return asset_id in self._cache

    def request(self, asset_id: str, *, full: bool = False) -> None:
        """Queue ``asset_id`` (again: it moves to the front); ``full`` also when only its icon is
        cached."""
        cached = asset_id in self._cache and (not full or self._cache[asset_id] is None)
        if cached or asset_id in self._images or asset_id in self._in_flight:
            return
        if asset_id in self._waiting:
            self._waiting.move_to_end(asset_id)
        else:
            self.requested.append(asset_id)
            self._waiting[asset_id] = None
            while len(self._waiting) > self._queue_size:
                self._waiting.popitem(last=False)
        self._pump()

    def forget(self, asset_id: str) -> None:
        """Drop a cached thumbnail (the asset changed or went away)."""
        self._cache.pop(asset_id, None)
        self._images.pop(asset_id, None)
        self._waiting.pop(asset_id, None)

    def clear(self) -> None:
        """Forget what waits (a new search): the items shown now will ask again."""
        self._waiting.clear()

    def _pump(self) -> None:
        if self._tasks.closed:
            return
        while self._running < self._workers and self._waiting:
            self._running += 1
            self._tasks.start(f"thumbnails-{id(self):x}-{next(self._keys)}", self._work())

    async def _work(self) -> None:
        try:
            while self._waiting:
                asset_id, _ = self._waiting.popitem(last=True)
                self._in_flight.add(asset_id)
                try:
                    images = await self._load(asset_id)
                finally:
                    self._in_flight.discard(asset_id)
                self._store(asset_id, images)
        finally:
            self._running -= 1

    async def _load(self, asset_id: str) -> tuple[QImage, QImage] | None:
        try:
            data = await self._fetch(asset_id)
        except AppError:
            return None
        if not data:
            return None
        icon_px = round(ICON_PX * self._pixel_ratio)
        image, icon = await asyncio.to_thread(_decode, data, icon_px)
        return None if image.isNull() else (image, icon)

    def _store(self, asset_id: str, images: tuple[QImage, QImage] | None) -> None:
        icon = None
        if images is not None:
            image, small = images
            pixmap = QPixmap.fromImage(small)
            pixmap.setDevicePixelRatio(self._pixel_ratio)
            icon = QIcon(pixmap)
            self._images[asset_id] = image
            self._images.move_to_end(asset_id)
            while len(self._images) > self._previews:
                self._images.popitem(last=False)
        self._cache[asset_id] = icon
        self._cache.move_to_end(asset_id)
        while len(self._cache) > self._cache_size:
            gone, _ = self._cache.popitem(last=False)
            self._images.pop(gone, None)
        self.loaded.emit(asset_id)
