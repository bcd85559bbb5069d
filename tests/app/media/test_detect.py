"""Content-based type detection: real file heads made with Pillow, zipfile and by hand."""

from __future__ import annotations

import gzip
import io
import random
import zipfile

import pytest
from PIL import Image

from app.adapters.media.detect import detect, is_svg, svg_size
from app.domain import AssetType
from app.domain.errors import InvalidInput

HEAD = 4096


def image_bytes(fmt: str, size: tuple[int, int] = (16, 12), mode: str = "RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size, "red").save(out, format=fmt)
    return out.getvalue()


def iso_head(major: bytes, *compatible: bytes) -> bytes:
    """An ISO base media file head: an ``ftyp`` box, then the start of an ``mdat`` box."""
    body = major + b"\x00\x00\x02\x00" + b"".join(compatible)
    return (8 + len(body)).to_bytes(4, "big") + b"ftyp" + body + b"\x00\x00\x10\x00mdat" + bytes(64)


@pytest.mark.parametrize(
    ("fmt", "mode", "content_type"),
    [
        ("PNG", "RGBA", "image/png"),
        ("JPEG", "RGB", "image/jpeg"),
        ("GIF", "P", "image/gif"),
        ("WEBP", "RGB", "image/webp"),
        ("BMP", "RGB", "image/bmp"),
        ("TIFF", "RGB", "image/tiff"),
        ("ICO", "RGBA", "image/x-icon"),
    ],
)
def test_images_are_recognised_by_their_signature(fmt: str, mode: str, content_type: str) -> None:
    head = image_bytes(fmt, mode=mode)[:HEAD]

    assert detect(head, f"picture.{fmt.lower()}") == (AssetType.IMAGE, content_type)


def test_content_wins_over_the_extension() -> None:
    png = image_bytes("PNG")

    assert detect(png, "photo.txt") == (AssetType.IMAGE, "image/png")
    assert detect(b"just words\n", "photo.png") == (AssetType.TEXT, "text/plain")


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (iso_head(b"isom", b"isom", b"iso2", b"avc1", b"mp41"), (AssetType.VIDEO, "video/mp4")),
        (iso_head(b"qt  ", b"qt  "), (AssetType.VIDEO, "video/quicktime")),
        (iso_head(b"dash", b"iso6", b"avc1"), (AssetType.VIDEO, "video/mp4")),
        (iso_head(b"mif1", b"mif1", b"heic"), (AssetType.IMAGE, "image/heic")),
        (iso_head(b"M4A ", b"M4A ", b"mp42", b"isom"), (AssetType.OTHER, "audio/mp4")),
        (
            b"\x1aE\xdf\xa3\x9fB\x86\x81\x01B\x82\x84webmB\x87\x81\x04" + bytes(32),
            (AssetType.VIDEO, "video/webm"),
        ),
        (b"RIFF\x00\x10\x00\x00AVI LIST" + bytes(32), (AssetType.VIDEO, "video/x-msvideo")),
    ],
)
def test_videos_are_recognised_by_their_container(
    head: bytes, expected: tuple[AssetType, str]
) -> None:
    assert detect(head, "clip.bin") == expected


def test_documents_archives_and_audio_are_other_with_their_mime() -> None:
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("readme.txt", "hello")
    mp3 = b"ID3\x04\x00\x00\x00\x00\x00\x00" + bytes(100)

    assert detect(pdf, "brief.pdf") == (AssetType.OTHER, "application/pdf")
    assert detect(archive.getvalue(), "bundle.zip") == (AssetType.OTHER, "application/zip")
    assert detect(gzip.compress(b"x" * 100), "a.gz") == (AssetType.OTHER, "application/gzip")
    assert detect(mp3, "jingle.mp3") == (AssetType.OTHER, "audio/mpeg")
    # PostScript's signature is text, and it stays a document.
    assert detect(b"%!PS-Adobe-3.0\n", "flyer.ps") == (AssetType.OTHER, "application/postscript")


@pytest.mark.parametrize(
    ("filename", "content_type"),
    [
        ("notes.txt", "text/plain"),
        ("leads.csv", "text/csv"),
        ("README.MD", "text/markdown"),
        ("data.json", "application/json"),
        ("page.html", "text/html"),
        ("no-extension", "text/plain"),
        ("script.py", "text/plain"),
    ],
)
def test_text_gets_its_mime_from_the_extension(filename: str, content_type: str) -> None:
    assert detect("Crème brûlée, ½ price — ¡olé! 🎉\n".encode(), filename) == (
        AssetType.TEXT,
        content_type,
    )


@pytest.mark.parametrize(
    "text", ["BMW sales 2024\n", "GIF of the week\n", "MZ cluster notes\n", "ID3 tags\n"]
)
def test_text_that_starts_like_a_short_binary_signature_is_still_text(text: str) -> None:
    assert detect(text.encode(), "notes.txt") == (AssetType.TEXT, "text/plain")


def test_a_multibyte_character_cut_by_the_end_of_the_head_is_still_text() -> None:
    content = ("a" * (HEAD - 1) + "é and more").encode()
    head = content[:HEAD]

    assert head[-1:] == b"\xc3"  # the first byte of "é" only
    assert detect(head, "long.txt") == (AssetType.TEXT, "text/plain")


def test_an_empty_file_is_text() -> None:
    assert detect(b"", "empty.txt") == (AssetType.TEXT, "text/plain")


@pytest.mark.parametrize(
    "head",
    [
        random.Random(7).randbytes(HEAD),
        b"plain words\x00with a NUL byte",
        b"valid start \xff\xfe then invalid UTF-8 in the middle" + b"x" * 20,
        "UTF-16 text".encode("utf-16"),
    ],
    ids=["random", "nul", "invalid-utf8", "utf16"],
)
def test_anything_else_is_refused_naming_the_file(head: bytes) -> None:
    with pytest.raises(InvalidInput) as caught:
        detect(head, "mystery.dat")

    assert caught.value.message == (
        "mystery.dat: unknown file type — not an image, video, text or known document"
    )


@pytest.mark.parametrize(
    "svg",
    [
        '<svg xmlns="http://www.w3.org/2000/svg" width="120" height="80"></svg>',
        '\ufeff<?xml version="1.0" encoding="UTF-8"?>\n<!-- made by hand -->\n'
        '<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
        '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n<svg viewBox="0 0 10 10"/>',
        '<svg:svg xmlns:svg="http://www.w3.org/2000/svg"></svg:svg>',
    ],
    ids=["plain", "prolog", "prefixed"],
)
def test_svg_is_an_image(svg: str) -> None:
    assert detect(svg.encode(), "logo.txt") == (AssetType.IMAGE, "image/svg+xml")


def test_a_page_with_an_inline_svg_is_html_not_svg() -> None:
    page = b"<!DOCTYPE html>\n<html><body><svg width='5' height='5'></svg></body></html>"

    assert not is_svg(page.decode())
    assert detect(page, "page.html") == (AssetType.TEXT, "text/html")
    assert not is_svg("<svgfoo/>")


@pytest.mark.parametrize(
    ("root", "size"),
    [
        ('<svg xmlns="http://www.w3.org/2000/svg" width="120" height="80px">', (120, 80)),
        ("<svg height='40.4' viewBox='0 0 1 1' width='30.6'>", (31, 40)),
        ('<svg width="10cm" height="5cm">', None),
        ('<svg width="100%" height="100%">', None),
        ('<svg viewBox="0 0 10 10">', None),
        ('<svg width="0" height="10">', None),
    ],
)
def test_svg_size_reads_plain_pixel_attributes(root: str, size: tuple[int, int] | None) -> None:
    assert svg_size(f"<?xml version='1.0'?>\n{root}</svg>".encode()) == size
