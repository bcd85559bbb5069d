"""The local media adapter: content-based type detection, Pillow and the bundled ffmpeg."""

from app.adapters.media.media_inspector import LocalMediaInspector

__all__ = ["LocalMediaInspector"]
