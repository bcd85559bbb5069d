"""The local media inspector: Pillow reads images, the ffmpeg bundled with imageio-ffmpeg videos."""

from __future__ import annotations

import asyncio
import io
import re
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from app.adapters.media.detect import SVG_CONTENT_TYPE, detect, svg_size
from app.domain import AssetType
from app.domain.errors import ConfigurationError, InvalidInput, StorageError
from app.ports.media import MediaInfo

if TYPE_CHECKING:
    from PIL import Image

# Pillow and imageio-ffmpeg are imported by the calls that use them: a process that inspects no
# media (a window opening on the embedded default) does not load them.

# Pillow's own limit (Image.MAX_IMAGE_PIXELS, ≈ 89.5 megapixels, a 0.36 GB RGBA bitmap). A higher
# cap would not apply cleanly: above its limit Pillow warns, and above twice it Pillow refuses.
DEFAULT_MAX_PIXELS = 89_478_485
FFMPEG_TIMEOUT_SECONDS = 120
POSTER_MAX_SECONDS = 1.0

# MIME types of detect() → the Pillow format that decodes them (Image.open tries no other).
_PILLOW_FORMATS = {
    "image/jpeg": "JPEG",
    "image/jpx": "JPEG2000",
    "image/png": "PNG",
    "image/apng": "PNG",
    "image/gif": "GIF",
    "image/webp": "WEBP",
    "image/tiff": "TIFF",
    "image/bmp": "BMP",
    "image/vnd.adobe.photoshop": "PSD",
    "image/x-icon": "ICO",
    "image/heic": "HEIF",  # only with the pillow-heif plugin installed
    "image/avif": "AVIF",
}
_ROTATED_ORIENTATIONS = frozenset({5, 6, 7, 8})  # EXIF orientations that swap width and height

_DURATION = re.compile(rb"Duration: (\d+):(\d\d):(\d\d(?:\.\d+)?)")
_VIDEO_STREAM = re.compile(rb"^\s*Stream #\d+:\d+.*?: Video: (?!.*\(attached pic\))", re.MULTILINE)
_NOT_REASONS = ("At least one output file must be specified",)
_LOG_CONTEXT = re.compile(r"^\[[^\]]* @ [^\]]*\]\s*")  # "[mov,mp4 @ 0x55d0c0] moov atom not found"


class _UnreadableError(Exception):
    """Pillow could not decode a picture; the message says why, in a few words."""


class LocalMediaInspector:
    """Inspects files on the local disk, off the event loop (one worker thread per call).

    Images are decoded completely with Pillow, so corrupt and truncated files are refused;
    videos are probed and their poster frame is grabbed with the ffmpeg that imageio-ffmpeg
    bundles. SVG drawings are not rendered: they get no thumbnail.

    Args:
        thumbnail_size: The longest side of a thumbnail, in pixels (small pictures are never
            enlarged).
        max_pixels: The most pixels an image or a video frame may have; bigger ones are refused
            as possible decompression bombs.
    """

    def __init__(self, thumbnail_size: int = 256, *, max_pixels: int = DEFAULT_MAX_PIXELS) -> None:
        if thumbnail_size < 1 or max_pixels < 1:
            raise ValueError("thumbnail_size and max_pixels must be positive")
        self._thumbnail_size = thumbnail_size
        self._max_pixels = max_pixels

    async def inspect(self, path: Path, *, head: bytes, filename: str) -> MediaInfo:
        """Detect the type from the content, read dimensions and duration, render thumbnails.

        Args:
            path: The file, as an absolute path.
            head: The first bytes of the file (4096 are enough).
            filename: The name the user knows the file by, for messages.

        Returns:
            What the file is; a PNG thumbnail for images and videos, a full-size PNG poster
            frame for videos.

        Raises:
            InvalidInput: the type is unknown, or the image or video cannot be decoded.
            StorageError: the file cannot be read from the disk.
        """
        if not path.is_absolute():
            raise ValueError(f"the media inspector needs an absolute path, not {path}")
        return await asyncio.to_thread(self._inspect, path, head, filename)

    def _inspect(self, path: Path, head: bytes, filename: str) -> MediaInfo:
        asset_type, content_type = detect(head, filename)
        if asset_type is AssetType.IMAGE and content_type == SVG_CONTENT_TYPE:
            size = svg_size(head)
            width, height = size if size else (None, None)
            return MediaInfo(asset_type, content_type, width=width, height=height)
        if asset_type is AssetType.IMAGE:
            return self._inspect_image(path, filename, content_type)
        if asset_type is AssetType.VIDEO:
            return self._inspect_video(path, filename, content_type)
        return MediaInfo(asset_type, content_type)

    # ------------------------------------------------------------------------------ images

    def _inspect_image(self, path: Path, filename: str, content_type: str) -> MediaInfo:
        from PIL import Image

        pillow_format = _PILLOW_FORMATS[content_type]
        Image.init()
        if pillow_format not in Image.OPEN:
            # A real image this Pillow build has no decoder for (HEIC without pillow-heif).
            return MediaInfo(AssetType.IMAGE, content_type)
        try:
            with path.open("rb") as file:
                width, height, thumbnail = self._render(file, pillow_format)
        except _UnreadableError as exc:
            raise InvalidInput(f"{filename}: the image cannot be read ({exc})") from exc
        except OSError as exc:
            raise StorageError(f"{filename}: the file cannot be read ({exc.strerror})") from exc
        return MediaInfo(AssetType.IMAGE, content_type, width, height, thumbnail=thumbnail)

    def _render(self, file: BinaryIO, pillow_format: str) -> tuple[int, int, bytes]:
        """Decode a picture completely; return its displayed width and height and a thumbnail.

        Raises:
            _UnreadableError: the data is corrupt, truncated or has too many pixels.
        """
        from PIL import Image, UnidentifiedImageError

        try:
            # verify() checks the structure (PNG checksums, ...) without decoding; the file
            # must then be opened again, and load() decodes it all, finding truncated data.
            with Image.open(file, formats=[pillow_format]) as image:
                self._check_pixels(image.size)
                image.verify()
            file.seek(0)
            with Image.open(file, formats=[pillow_format]) as image:
                width, height = _displayed_size(image)
                # JPEG only: decode at 1/2, 1/4 or 1/8 scale when the thumbnail allows it.
                image.draft(None, (2 * self._thumbnail_size, 2 * self._thumbnail_size))
                image.load()
                return width, height, self._thumbnail(image)
        except _UnreadableError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _UnreadableError(f"it has more pixels than the limit of {self._limit}") from exc
        except UnidentifiedImageError as exc:
            raise _UnreadableError("the data is not a picture in the format it claims") from exc
        # Pillow reports corrupt data with many exception types (OSError, SyntaxError,
        # ValueError, struct.error, EOFError, IndexError, ...), so every one is caught here.
        except Exception as exc:
            raise _UnreadableError(str(exc)[:160] or type(exc).__name__) from exc

    def _check_pixels(self, size: tuple[int, int]) -> None:
        width, height = size
        if width * height > self._max_pixels:
            raise _UnreadableError(
                f"{width}×{height} pixels is more than the limit of {self._limit}"
            )

    @property
    def _limit(self) -> str:
        if self._max_pixels < 1_000_000:
            return f"{self._max_pixels} pixels"
        return f"{self._max_pixels / 1e6:.1f} megapixels"

    def _thumbnail(self, image: Image.Image) -> bytes:
        from PIL import Image, ImageOps

        upright = ImageOps.exif_transpose(image)
        picture = upright.convert("RGBA" if upright.has_transparency_data else "RGB")
        picture.thumbnail((self._thumbnail_size, self._thumbnail_size), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        picture.save(out, format="PNG")
        return out.getvalue()

    # ------------------------------------------------------------------------------ videos

    def _inspect_video(self, path: Path, filename: str, content_type: str) -> MediaInfo:
        duration = _probe_duration(path, filename)
        at = min(POSTER_MAX_SECONDS, duration / 10) if duration else 0.0
        poster = _grab_frame(path, filename, at)
        if not poster and at > 0:
            # A duration that overstates the stream makes the seek land after the last frame.
            poster = _grab_frame(path, filename, 0.0)
        if not poster:
            raise InvalidInput(f"{filename}: the video cannot be read (it has no frame to show)")
        try:
            width, height, thumbnail = self._render(io.BytesIO(poster), "PNG")
        except _UnreadableError as exc:
            raise InvalidInput(f"{filename}: the video cannot be read ({exc})") from exc
        return MediaInfo(
            AssetType.VIDEO, content_type, width, height, duration, thumbnail, poster=poster
        )


def _displayed_size(image: Image.Image) -> tuple[int, int]:
    """The size once the EXIF orientation is applied (a portrait photo stored sideways)."""
    from PIL import ExifTags

    width, height = image.size
    orientation = image.getexif().get(ExifTags.Base.Orientation)
    return (height, width) if orientation in _ROTATED_ORIENTATIONS else (width, height)


def _probe_duration(path: Path, filename: str) -> float | None:
    """Check that ffmpeg can open the file and finds a video stream; return the duration.

    The duration comes from the container header (instant); only when the header has none is
    every frame counted with ``imageio_ffmpeg.count_frames_and_secs`` (it decodes the stream).
    """
    import imageio_ffmpeg

    # With an input and no output, ffmpeg describes the input on stderr and exits with 1.
    result = _run_ffmpeg(["-i", f"file:{path}"], filename)
    if b"Input #0" not in result.stderr:
        raise InvalidInput(f"{filename}: the video cannot be read ({_reason(result, path)})")
    if not _VIDEO_STREAM.search(result.stderr):
        raise InvalidInput(f"{filename}: the video cannot be read (it has no video stream)")
    found = _DURATION.search(result.stderr)
    if found:
        hours, minutes, seconds = found.groups()
        return int(hours) * 3600 + int(minutes) * 60 + float(seconds)
    try:
        _frames, seconds_counted = imageio_ffmpeg.count_frames_and_secs(str(path))
    except (RuntimeError, OSError, ValueError):
        return None  # the poster frame decides whether the video is readable
    return float(seconds_counted) if seconds_counted else None


def _grab_frame(path: Path, filename: str, at: float) -> bytes:
    """The frame shown ``at`` seconds in, as PNG bytes; empty when the video ends before."""
    source = ["-ss", f"{at:.3f}", "-i", f"file:{path}", "-map", "0:v:0", "-frames:v", "1"]
    output = ["-f", "image2pipe", "-vcodec", "png", "-"]
    result = _run_ffmpeg(["-loglevel", "error", *source, *output], filename)
    if result.returncode != 0:
        raise InvalidInput(f"{filename}: the video cannot be read ({_reason(result, path)})")
    return result.stdout


def _run_ffmpeg(arguments: list[str], filename: str) -> subprocess.CompletedProcess[bytes]:
    import imageio_ffmpeg

    try:
        executable = imageio_ffmpeg.get_ffmpeg_exe()
    except RuntimeError as exc:
        raise ConfigurationError("the bundled ffmpeg is missing; reinstall the app") from exc
    command = [executable, "-nostdin", "-hide_banner", *arguments]
    try:
        # No shell: the only outside text is the path, an absolute "file:" URL after -i.
        return subprocess.run(  # noqa: S603
            command, capture_output=True, timeout=FFMPEG_TIMEOUT_SECONDS, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise InvalidInput(
            f"{filename}: the video cannot be read (ffmpeg gave up after "
            f"{FFMPEG_TIMEOUT_SECONDS} s)"
        ) from exc
    except OSError as exc:
        raise ConfigurationError(f"the bundled ffmpeg cannot run ({exc})") from exc


def _reason(result: subprocess.CompletedProcess[bytes], path: Path) -> str:
    """ffmpeg's last complaint, without its log context and with the path left out."""
    lines = result.stderr.decode("utf-8", "replace").splitlines()
    complaints = [_LOG_CONTEXT.sub("", line.strip()) for line in lines]
    complaints = [line for line in complaints if line and not line.startswith(_NOT_REASONS)]
    if not complaints:
        return f"ffmpeg failed with exit status {result.returncode}"
    # "Error opening input ..." only repeats the line before it that says what is wrong.
    specific = [line for line in complaints if not line.startswith("Error opening input")]
    reason = (specific or complaints)[-1]
    for prefix in (f"file:{path}: ", f"{path}: "):
        reason = reason.removeprefix(prefix)
    return reason.replace(str(path), "the file")[:160]
