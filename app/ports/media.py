"""The media inspector port: what a file is, and the pictures that stand for it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from app.domain import AssetType


@dataclass(frozen=True)
class MediaInfo:
    """What inspecting a file found.

    ``thumbnail`` is a PNG whose longer side is at most 256 px (None for text and other files);
    ``poster`` is a full-size PNG frame of a video.
    """

    type: AssetType
    content_type: str
    width: int | None = None
    height: int | None = None
    duration_seconds: float | None = None
    thumbnail: bytes | None = None
    poster: bytes | None = None


class MediaInspector(Protocol):
    async def inspect(self, path: Path, *, head: bytes, filename: str) -> MediaInfo:
        """Detect the type from the content (``head`` holds the first bytes), read dimensions
        and duration, and render the thumbnail (and a video's poster frame), off the event loop.

        Raises:
            InvalidInput: the type is unknown, or the image or video cannot be decoded; the
                message names the file and the problem.
        """
        ...
