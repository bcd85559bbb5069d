"""Real media files for tests, made on the spot (no binary fixtures in the repository)."""

from __future__ import annotations

from pathlib import Path

import imageio_ffmpeg
from PIL import Image


def png(path: Path, size: tuple[int, int] = (640, 400), color: str = "#2a6") -> Path:
    """A PNG of one colour with a stripe, so different colours give different bytes."""
    image = Image.new("RGB", size, color)
    for x in range(size[0] // 4):
        image.putpixel((x, size[1] // 2), (255, 255, 255))
    image.save(path, format="PNG")
    return path


def mp4(path: Path, seconds: float = 1.0, size: tuple[int, int] = (160, 120)) -> Path:
    """A real H.264 MP4 of ``seconds`` at 10 frames per second."""
    width, height = size
    writer = imageio_ffmpeg.write_frames(
        str(path),
        size,
        fps=10,
        codec="libx264",
        pix_fmt_out="yuv420p",
        quality=5,
        macro_block_size=8,
        ffmpeg_log_level="error",
    )
    writer.send(None)
    for frame in range(round(seconds * 10)):
        shade = (frame * 20) % 256
        writer.send(bytes([shade, 80, 160]) * (width * height))
    writer.close()
    return path


def text(path: Path, body: str = "Spring is here.\n") -> Path:
    path.write_text(body, encoding="utf-8")
    return path
