"""LocalMediaInspector against real files made in a temp dir with Pillow and the bundled ffmpeg."""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

import imageio_ffmpeg
import pytest
from PIL import Image

from app.adapters.media import LocalMediaInspector
from app.domain import AssetType
from app.domain.errors import InvalidInput, StorageError
from app.ports.media import MediaInfo

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
RED, BLUE = (255, 0, 0), (0, 0, 255)


async def inspect(path: Path, inspector: LocalMediaInspector | None = None) -> MediaInfo:
    inspector = inspector or LocalMediaInspector()
    return await inspector.inspect(path, head=path.read_bytes()[:4096], filename=path.name)


def save(tmp_path: Path, name: str, image: Image.Image, **options: object) -> Path:
    path = tmp_path / name
    image.save(path, **options)  # type: ignore[arg-type]
    return path


def png(data: bytes) -> Image.Image:
    assert data.startswith(PNG_SIGNATURE)
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def rgb(image: Image.Image, xy: tuple[int, int]) -> tuple[int, ...]:
    pixel = image.getpixel(xy)
    assert isinstance(pixel, tuple)
    return pixel[:3]


def close_to(pixel: tuple[int, ...], colour: tuple[int, int, int], tolerance: int = 40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=True))


def noise(size: tuple[int, int], seed: int = 1) -> Image.Image:
    width, height = size
    return Image.frombytes("RGB", size, random.Random(seed).randbytes(width * height * 3))


def write_video(path: Path, codec: str, frames: int, size: tuple[int, int] = (320, 240)) -> Path:
    writer = imageio_ffmpeg.write_frames(
        str(path), size, fps=10, codec=codec, pix_fmt_out="yuv420p", ffmpeg_log_level="error"
    )
    writer.send(None)
    for index in range(frames):
        writer.send(bytes([index * 12 % 256, 90, 200]) * (size[0] * size[1]))
    writer.close()
    return path


@pytest.fixture(scope="module")
def mp4(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_video(tmp_path_factory.mktemp("video") / "clip.mp4", "libx264", frames=20)


# ---------------------------------------------------------------------------------- images


async def test_png_with_alpha_keeps_its_transparency(tmp_path: Path) -> None:
    path = save(tmp_path, "badge.png", Image.new("RGBA", (40, 30), (255, 0, 0, 128)))

    info = await inspect(path)

    assert (info.type, info.content_type) == (AssetType.IMAGE, "image/png")
    assert (info.width, info.height) == (40, 30)
    assert (info.duration_seconds, info.poster) == (None, None)
    assert info.thumbnail is not None
    thumbnail = png(info.thumbnail)
    assert (thumbnail.mode, thumbnail.size) == ("RGBA", (40, 30))
    assert thumbnail.getpixel((5, 5)) == (255, 0, 0, 128)


async def test_palette_png_with_a_transparent_colour_gets_an_rgba_thumbnail(
    tmp_path: Path,
) -> None:
    image = Image.new("P", (20, 20), 0)
    image.putpalette([255, 255, 255, 0, 128, 0])
    image.paste(1, (0, 0, 10, 20))
    path = save(tmp_path, "sticker.png", image, transparency=0)

    info = await inspect(path)

    assert info.thumbnail is not None
    thumbnail = png(info.thumbnail)
    assert thumbnail.mode == "RGBA"
    assert thumbnail.getpixel((15, 5)) == (255, 255, 255, 0)
    assert thumbnail.getpixel((5, 5)) == (0, 128, 0, 255)


async def test_jpeg_exif_orientation_gives_the_displayed_size_and_an_upright_thumbnail(
    tmp_path: Path,
) -> None:
    stored = Image.new("RGB", (300, 200), BLUE)
    stored.paste(RED, (0, 0, 100, 60))  # top-left as stored
    exif = Image.Exif()
    exif[0x0112] = 6  # shown rotated 90° clockwise
    path = save(tmp_path, "portrait.jpg", stored, exif=exif, quality=95)

    info = await inspect(path)

    assert (info.type, info.content_type) == (AssetType.IMAGE, "image/jpeg")
    assert (info.width, info.height) == (200, 300)
    assert info.thumbnail is not None
    thumbnail = png(info.thumbnail)
    assert (thumbnail.mode, thumbnail.size) == ("RGB", (171, 256))
    # Rotating clockwise takes the stored top-left corner to the top-right.
    assert close_to(rgb(thumbnail, (165, 5)), RED)
    assert close_to(rgb(thumbnail, (5, 5)), BLUE)
    assert close_to(rgb(thumbnail, (165, 250)), BLUE)


async def test_a_large_image_is_scaled_down_keeping_its_aspect(tmp_path: Path) -> None:
    path = save(tmp_path, "banner.jpg", Image.new("RGB", (3000, 2000), "orange"), quality=80)

    info = await inspect(path)

    assert (info.width, info.height) == (3000, 2000)
    assert info.thumbnail is not None
    assert png(info.thumbnail).size == (256, 171)


async def test_a_tiny_image_is_never_enlarged(tmp_path: Path) -> None:
    path = save(tmp_path, "dot.png", Image.new("RGB", (10, 10), "green"))

    info = await inspect(path)

    assert info.thumbnail is not None
    thumbnail = png(info.thumbnail)
    assert (thumbnail.mode, thumbnail.size) == ("RGB", (10, 10))
    assert thumbnail.getpixel((5, 5)) == (0, 128, 0)


async def test_the_thumbnail_size_is_configurable(tmp_path: Path) -> None:
    path = save(tmp_path, "wide.png", Image.new("RGB", (300, 200), "navy"))

    info = await inspect(path, LocalMediaInspector(thumbnail_size=64))

    assert info.thumbnail is not None
    assert png(info.thumbnail).size == (64, 43)


async def test_an_animated_gif_shows_its_first_frame(tmp_path: Path) -> None:
    frames = [Image.new("RGB", (64, 48), colour) for colour in (RED, (0, 255, 0), BLUE)]
    path = save(
        tmp_path, "blink.gif", frames[0], save_all=True, append_images=frames[1:], duration=100
    )

    info = await inspect(path)

    assert (info.type, info.content_type, info.width, info.height) == (
        AssetType.IMAGE,
        "image/gif",
        64,
        48,
    )
    assert info.thumbnail is not None
    thumbnail = png(info.thumbnail)
    assert thumbnail.size == (64, 48)
    assert rgb(thumbnail, (32, 24)) == RED


@pytest.mark.parametrize(
    ("name", "fmt", "content_type"),
    [("photo.webp", "WEBP", "image/webp"), ("scan.bmp", "BMP", "image/bmp")],
)
async def test_webp_and_bmp(tmp_path: Path, name: str, fmt: str, content_type: str) -> None:
    path = save(tmp_path, name, Image.new("RGB", (50, 40), RED), format=fmt)

    info = await inspect(path)

    assert (info.type, info.content_type, info.width, info.height) == (
        AssetType.IMAGE,
        content_type,
        50,
        40,
    )
    assert info.thumbnail is not None
    assert close_to(rgb(png(info.thumbnail), (25, 20)), RED)


async def test_a_png_named_txt_is_an_image(tmp_path: Path) -> None:
    path = save(tmp_path, "photo.txt", Image.new("RGB", (12, 8), "white"), format="PNG")

    info = await inspect(path)

    assert (info.type, info.content_type, info.width, info.height) == (
        AssetType.IMAGE,
        "image/png",
        12,
        8,
    )


async def test_svg_is_an_image_without_thumbnail(tmp_path: Path) -> None:
    sized = tmp_path / "logo.svg"
    sized.write_text(
        '<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" '
        'width="120" height="80"><rect width="10" height="10"/></svg>'
    )
    unsized = tmp_path / "icon.svg"
    unsized.write_text('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24"/>')

    first, second = await inspect(sized), await inspect(unsized)

    assert first == MediaInfo(AssetType.IMAGE, "image/svg+xml", width=120, height=80)
    assert second == MediaInfo(AssetType.IMAGE, "image/svg+xml")


# ---------------------------------------------------------------------------------- videos


async def test_mp4_duration_size_poster_and_thumbnail(mp4: Path) -> None:
    info = await inspect(mp4)

    assert (info.type, info.content_type) == (AssetType.VIDEO, "video/mp4")
    assert info.duration_seconds == pytest.approx(2.0, abs=0.15)
    assert (info.width, info.height) == (320, 240)
    assert info.poster is not None
    assert info.thumbnail is not None
    poster = png(info.poster)
    assert poster.size == (320, 240)
    # The poster is the frame at 10 % of the duration (0.2 s = frame 2), not the first one.
    assert close_to(rgb(poster, (160, 120)), (24, 90, 200))
    assert png(info.thumbnail).size == (256, 192)


async def test_webm(tmp_path: Path) -> None:
    path = write_video(tmp_path / "loop.webm", "libvpx-vp9", frames=10, size=(160, 96))

    info = await inspect(path)

    assert (info.type, info.content_type) == (AssetType.VIDEO, "video/webm")
    assert info.duration_seconds == pytest.approx(1.0, abs=0.15)
    assert (info.width, info.height) == (160, 96)
    assert info.thumbnail is not None
    assert png(info.thumbnail).size == (160, 96)


# ------------------------------------------------------------------------ text and others


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("notes.txt", "Café crème à la carte — ñandú\n".encode(), "text/plain"),
        ("leads.csv", b"name,email\nAda,ada@example.com\n", "text/csv"),
        ("long.txt", ("x" * 4095 + "é" * 10).encode(), "text/plain"),
    ],
)
async def test_text_has_no_thumbnail(
    tmp_path: Path, name: str, content: bytes, content_type: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)

    assert await inspect(path) == MediaInfo(AssetType.TEXT, content_type)


async def test_pdf_and_zip_are_other(tmp_path: Path) -> None:
    pdf = tmp_path / "brief.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n")
    archive = tmp_path / "bundle.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("readme.txt", "hello")

    assert await inspect(pdf) == MediaInfo(AssetType.OTHER, "application/pdf")
    assert await inspect(archive) == MediaInfo(AssetType.OTHER, "application/zip")


# ------------------------------------------------------------------------------- bad input


def patched_png_size(width: int, height: int) -> bytes:
    """A valid 10×10 PNG whose header claims another size (with a correct header checksum)."""
    out = io.BytesIO()
    Image.new("RGB", (10, 10)).save(out, format="PNG")
    data = bytearray(out.getvalue())
    ihdr = bytearray(data[12:29])  # the chunk type and its 13 data bytes
    ihdr[4:12] = struct.pack(">II", width, height)
    data[12:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(ihdr))
    return bytes(data)


def truncated_jpeg() -> bytes:
    out = io.BytesIO()
    noise((200, 200)).save(out, format="JPEG", quality=90)
    return out.getvalue()[: len(out.getvalue()) // 2]


BAD_FILES: dict[str, tuple[Callable[[], bytes], str]] = {
    "random.bin": (
        lambda: random.Random(5).randbytes(8000),
        "random.bin: unknown file type — not an image, video, text or known document",
    ),
    "broken.png": (
        lambda: PNG_SIGNATURE + random.Random(6).randbytes(2000),
        "broken.png: the image cannot be read (",
    ),
    "cut.jpg": (truncated_jpeg, "cut.jpg: the image cannot be read (image file is truncated"),
    "fake.mp4": (
        lambda: (
            b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + random.Random(8).randbytes(5000)
        ),
        "fake.mp4: the video cannot be read (",
    ),
    "bomb.png": (
        lambda: patched_png_size(30_000, 30_000),
        "bomb.png: the image cannot be read (it has more pixels than the limit",
    ),
    "mild-bomb.png": (  # between Pillow's limit and twice it: Pillow warns instead of refusing
        lambda: patched_png_size(12_000, 10_000),
        "mild-bomb.png: the image cannot be read (",
    ),
}


@pytest.mark.parametrize("name", list(BAD_FILES))
async def test_bad_files_are_refused_naming_the_file_and_the_problem(
    tmp_path: Path, name: str
) -> None:
    make, message_start = BAD_FILES[name]
    path = tmp_path / name
    path.write_bytes(make())

    with pytest.raises(InvalidInput) as caught:
        await inspect(path)

    assert caught.value.message.startswith(message_start)
    assert str(tmp_path) not in caught.value.message


async def test_a_garbage_mp4_names_what_ffmpeg_found_wrong(tmp_path: Path) -> None:
    path = tmp_path / "fake.mp4"
    path.write_bytes(b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + bytes(5000))

    with pytest.raises(InvalidInput) as caught:
        await inspect(path)

    assert caught.value.message == "fake.mp4: the video cannot be read (moov atom not found)"


async def test_the_pixel_cap_is_configurable(tmp_path: Path) -> None:
    path = save(tmp_path, "square.png", Image.new("RGB", (100, 100)))
    inspector = LocalMediaInspector(max_pixels=5_000)

    with pytest.raises(InvalidInput) as caught:
        await inspect(path, inspector)

    assert caught.value.message == (
        "square.png: the image cannot be read (100×100 pixels is more than the limit of "
        "5000 pixels)"
    )


async def test_a_relative_path_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="absolute path"):
        await LocalMediaInspector().inspect(Path("clip.mp4"), head=b"", filename="clip.mp4")


async def test_a_missing_image_file_is_a_storage_error(tmp_path: Path) -> None:
    out = io.BytesIO()
    Image.new("RGB", (4, 4)).save(out, format="PNG")

    with pytest.raises(StorageError, match=r"^gone\.png: the file cannot be read"):
        await LocalMediaInspector().inspect(
            tmp_path / "gone.png", head=out.getvalue(), filename="gone.png"
        )
