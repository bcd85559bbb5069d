"""Content-based file type detection: what the first bytes of a file say it is.

The content decides, never the name: a PNG called ``photo.txt`` is an image. The file name only
refines the content type of text (``.csv`` → ``text/csv``) and names the file in error messages.
"""

from __future__ import annotations

import re
from pathlib import PurePath

import filetype

from app.domain import AssetType
from app.domain.errors import InvalidInput

SVG_CONTENT_TYPE = "image/svg+xml"

# filetype extensions (its own names) of the images and videos the inspector can decode. Other
# matches of filetype's image category (AutoCAD drawings, GIMP projects, camera raw, JPEG XR,
# DICOM) are not pictures Pillow can open: they are kept as documents.
_IMAGE_KINDS = frozenset(
    {"jpg", "jpx", "apng", "png", "gif", "webp", "tif", "bmp", "psd", "ico", "heic", "avif"}
)
_VIDEO_KINDS = frozenset({"3gp", "mp4", "m4v", "mkv", "mov", "avi", "wmv", "mpg", "webm", "flv"})
# Formats whose signature is itself text: a match stands even when the head reads as text.
_TEXTUAL_KINDS = frozenset({"pdf", "ps", "rtf"})

# ISO base media files (``ftyp`` box) whose brand filetype does not know, but that are videos.
_ISO_VIDEO_BRANDS = frozenset(
    {
        "avc1", "dash", "f4v ", "iso2", "iso3", "iso4", "iso5", "iso6", "iso8", "iso9",
        "M4V ", "M4VH", "M4VP", "mmp4", "mp71", "MSNV", "NDAS", "3g2a", "3g2b", "3g2c", "XAVC",
    }
)  # fmt: skip

_TEXT_CONTENT_TYPES = {
    ".csv": "text/csv",
    ".md": "text/markdown",
    ".markdown": "text/markdown",
    ".json": "application/json",
    ".html": "text/html",
    ".htm": "text/html",
}

# What may precede the root element of an SVG document: an XML declaration, comments, a
# DOCTYPE (with an optional internal subset) and whitespace.
_SVG_PROLOG = re.compile(
    r"\s*(?:<\?xml[^>]*\?>\s*)?"
    r"(?:(?:<!--.*?-->|<!DOCTYPE[^>\[]*(?:\[.*?\])?\s*>)\s*)*",
    re.DOTALL | re.IGNORECASE,
)
_SVG_ROOT = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?svg[\s>/]")
_SVG_TAG = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?svg\b[^>]*>", re.DOTALL)
_SVG_LENGTH = r"\s*=\s*[\"']\s*(\d+(?:\.\d+)?)\s*(?:px)?\s*[\"']"
_SVG_WIDTH = re.compile(r"\swidth" + _SVG_LENGTH)
_SVG_HEIGHT = re.compile(r"\sheight" + _SVG_LENGTH)


def detect(head: bytes, filename: str) -> tuple[AssetType, str]:
    """Tell the asset type and MIME content type of a file from its first bytes.

    Args:
        head: The first bytes of the file (4096 are plenty).
        filename: The file's name, for the content type of text files and for messages.

    Returns:
        The asset type and the content type, e.g. ``(AssetType.IMAGE, "image/png")``.

    Raises:
        InvalidInput: the content is neither a known binary format nor text.
    """
    text = _decode_text(head)
    match = filetype.guess(head) if head else None
    # Short signatures ("BM" for BMP, "GIF", "MZ", "ID3", ...) also start ordinary sentences;
    # a real binary file has NUL bytes or invalid UTF-8 within its first bytes.
    if match is not None and (text is None or match.extension in _TEXTUAL_KINDS):
        return _kind_of(match.extension), str(match.mime)
    if text is None and _is_iso_video(head):
        return AssetType.VIDEO, "video/mp4"
    if text is not None:
        if is_svg(text):
            return AssetType.IMAGE, SVG_CONTENT_TYPE
        suffix = PurePath(filename).suffix.lower()
        return AssetType.TEXT, _TEXT_CONTENT_TYPES.get(suffix, "text/plain")
    raise InvalidInput(
        f"{filename}: unknown file type — not an image, video, text or known document"
    )


def is_svg(text: str) -> bool:
    """Whether ``text`` is an SVG document: its root element, after the prolog, is ``<svg``."""
    prolog = _SVG_PROLOG.match(text.removeprefix("\ufeff"))
    start = prolog.end() if prolog else 0
    return _SVG_ROOT.match(text.removeprefix("\ufeff"), start) is not None


def svg_size(head: bytes) -> tuple[int, int] | None:
    """The pixel size an SVG declares in plain ``width``/``height`` attributes of its root.

    Returns None when either is missing, uses a unit other than px, or is not positive.
    """
    text = _decode_text(head)
    tag = _SVG_TAG.search(text) if text is not None else None
    if tag is None:
        return None
    width = _SVG_WIDTH.search(tag.group(0))
    height = _SVG_HEIGHT.search(tag.group(0))
    if width is None or height is None:
        return None
    size = round(float(width.group(1))), round(float(height.group(1)))
    return size if size[0] > 0 and size[1] > 0 else None


def _decode_text(head: bytes) -> str | None:
    """``head`` as UTF-8 text, or None if it is not text (NUL bytes or invalid UTF-8).

    A multi-byte character cut by the end of ``head`` is allowed: the file goes on.
    """
    if b"\x00" in head:
        return None
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.reason != "unexpected end of data" or exc.start < len(head) - 3:
            return None
        try:
            return head[: exc.start].decode("utf-8")
        except UnicodeDecodeError:
            return None


def _kind_of(extension: str) -> AssetType:
    if extension in _IMAGE_KINDS:
        return AssetType.IMAGE
    if extension in _VIDEO_KINDS:
        return AssetType.VIDEO
    return AssetType.OTHER


def _is_iso_video(head: bytes) -> bool:
    """Whether ``head`` starts with an ISO base media ``ftyp`` box naming a video brand."""
    if len(head) < 16 or head[4:8] != b"ftyp":
        return False
    box_end = min(int.from_bytes(head[:4], "big"), len(head))
    offsets = [8, *range(16, box_end - 3, 4)]  # the major brand, then the compatible ones
    brands = {head[i : i + 4].decode("latin-1") for i in offsets}
    return not brands.isdisjoint(_ISO_VIDEO_BRANDS)
