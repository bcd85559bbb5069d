"""The look shared by the local render providers, drawn with Pillow.

A composition, not a photograph: a gradient in a palette drawn from a hash of the prompt and the
seed, soft lights, two layers of shapes, the prompt set as the headline on a panel with the
campaign name and tagline when given. Every choice comes from one seeded ``random.Random``, so
the same prompt, seed and parameters draw the same pixels.
"""

from __future__ import annotations

import colorsys
import hashlib
import random
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageDraw, ImageFilter, ImageFont

from app.domain.errors import ProviderError
from app.ports.render_provider import RenderRequest

MIN_SIZE, MAX_SIZE = 256, 2048
HEADLINE_MAX_CHARS = 110
MAX_HEADLINE_LINES = 4
_SCHEMES = (("analogous", 0.08), ("complementary", 0.5), ("triadic", 1 / 3), ("split", 0.42))
# Pillow's built-in font (Aileron) has ASCII and a little punctuation, no accented letters:
# anything else is simplified (é → e, — → -) rather than drawn as boxes.
_FONT_CHARS = frozenset(map(chr, range(32, 127))) | frozenset("‘’“”…«»©°±·")
_REPLACEMENTS = str.maketrans({"—": "-", "–": "-", "ß": "ss", "æ": "ae", "œ": "oe", "ø": "o"})

RGB = tuple[int, int, int]
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@dataclass(frozen=True)
class Composition:
    """What a local render draws: the validated prompt and parameters."""

    headline: str
    seed: int
    width: int
    height: int
    campaign: str
    tagline: str


def composition_for(request: RenderRequest, *, default_size: tuple[int, int]) -> Composition:
    """Validate ``request`` (prompt, ``width``/``height``, ``campaign``/``tagline``).

    Raises:
        ProviderError: A parameter is missing or out of range (not retryable).
    """
    prompt = " ".join(request.prompt.split())
    if not prompt:
        raise ProviderError("the prompt is empty")
    params = request.params
    return Composition(
        headline=prompt,
        seed=request.seed if request.seed is not None else 0,
        width=int_param(params, "width", default_size[0], MIN_SIZE, MAX_SIZE),
        height=int_param(params, "height", default_size[1], MIN_SIZE, MAX_SIZE),
        campaign=text_param(params, "campaign"),
        tagline=text_param(params, "tagline"),
    )


@dataclass(frozen=True)
class Palette:
    """The colours of one composition, derived from the prompt and the seed."""

    hue: float
    scheme: str
    top: RGB
    bottom: RGB
    accents: tuple[RGB, RGB, RGB]
    ink: RGB
    panel: RGB


def design_rng(composition: Composition) -> random.Random:
    """The one source of design choices: seeded from a hash of the prompt and the seed."""
    digest = hashlib.sha256(f"{composition.seed}\x00{composition.headline}".encode()).digest()
    return random.Random(int.from_bytes(digest, "big"))  # noqa: S311 (a design, not a secret)


def _hls(hue: float, lightness: float, saturation: float) -> RGB:
    r, g, b = colorsys.hls_to_rgb(hue % 1.0, lightness, saturation)
    return (round(r * 255), round(g * 255), round(b * 255))


def palette_for(rng: random.Random) -> Palette:
    """A dark, saturated palette (light ink stays readable) around a random hue."""
    hue = rng.random()
    scheme, offset = rng.choice(_SCHEMES)
    return Palette(
        hue=hue,
        scheme=scheme,
        top=_hls(hue, rng.uniform(0.10, 0.18), rng.uniform(0.45, 0.75)),
        bottom=_hls(hue + offset / 2, rng.uniform(0.30, 0.42), rng.uniform(0.55, 0.85)),
        accents=(
            _hls(hue + offset, rng.uniform(0.55, 0.65), rng.uniform(0.75, 0.95)),
            _hls(hue - offset / 2, rng.uniform(0.60, 0.72), rng.uniform(0.65, 0.90)),
            _hls(hue + offset * 1.5, rng.uniform(0.70, 0.80), rng.uniform(0.50, 0.80)),
        ),
        ink=_hls(hue, 0.97, 0.30),
        panel=_hls(hue, 0.07, 0.35),
    )


def gradient(size: tuple[int, int], palette: Palette, angle: float) -> Image.Image:
    """An RGB gradient from ``palette.top`` to ``palette.bottom``, turned by ``angle`` degrees."""
    width, height = size
    # Rotate Pillow's small 256-px ramp, then scale up a centred box that stays inside the
    # rotated square (its corners are black fill).
    ramp = Image.linear_gradient("L").rotate(angle, Image.Resampling.BICUBIC)
    half = 127.0 / max(width, height) / 1.4143
    box = (128 - width * half, 128 - height * half, 128 + width * half, 128 + height * half)
    mask = ramp.resize(size, Image.Resampling.BICUBIC, box=box)
    return Image.composite(
        Image.new("RGB", size, palette.bottom), Image.new("RGB", size, palette.top), mask
    )


def glow_sprite(diameter: int, color: RGB, opacity: int) -> Image.Image:
    """A soft RGBA disc of light, opaque up to ``opacity`` at its centre."""
    # radial_gradient() is 0 at the centre and 181 at the middle of each edge (255 in corners).
    falloff = Image.radial_gradient("L").point(
        lambda v: round(max(0.0, 1 - v / 181) ** 2 * opacity)
    )
    sprite = Image.new("RGBA", (diameter, diameter), (*color, 0))
    sprite.putalpha(falloff.resize((diameter, diameter), Image.Resampling.BICUBIC))
    return sprite


def shapes_layer(
    size: tuple[int, int], palette: Palette, rng: random.Random, count: int, *, blur: float
) -> Image.Image:
    """An RGBA layer of translucent circles, rings, tiles and bands, mostly above the text."""
    width, height = size
    unit = min(size)
    layer = Image.new("RGBA", size, (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    for _ in range(count):
        fill = (*rng.choice(palette.accents), rng.randint(50, 140))
        cx, cy = rng.uniform(-0.1, 1.1) * width, rng.uniform(-0.1, 0.7) * height
        r = rng.uniform(0.06, 0.26) * unit
        box = (cx - r, cy - r, cx + r, cy + r)
        kind = rng.choice(("circle", "ring", "tile", "band"))
        if kind == "circle":
            draw.ellipse(box, fill=fill)
        elif kind == "ring":
            draw.ellipse(box, outline=fill, width=max(2, round(r * 0.12)))
        elif kind == "tile":
            draw.rounded_rectangle(box, radius=r * 0.25, fill=fill)
        else:
            band = rng.uniform(0.03, 0.09) * unit
            draw.polygon(
                [(cx - r, height), (cx - r + band, height), (cx + r + band, 0), (cx + r, 0)],
                fill=fill,
            )
    if blur:
        layer = layer.filter(ImageFilter.GaussianBlur(blur))
    return layer


def dot_grid(layer: Image.Image, palette: Palette, rng: random.Random) -> None:
    """A small grid of dots in a top corner of ``layer``: a print-design motif."""
    unit = min(layer.size)
    step, dot = unit * 0.028, max(1.5, unit * 0.005)
    left = unit * 0.06 if rng.random() < 0.5 else layer.width - unit * 0.06 - 5 * step
    color = (*palette.accents[2], 170)
    draw = ImageDraw.Draw(layer)
    for row in range(4):
        for col in range(6):
            x, y = left + col * step, unit * 0.06 + row * step
            draw.ellipse((x - dot, y - dot, x + dot, y + dot), fill=color)


def printable(text: str) -> str:
    """``text`` reduced to what the built-in font can draw (é → e; unknown letters dropped)."""
    kept: list[str] = []
    for char in text.translate(_REPLACEMENTS):
        if char not in _FONT_CHARS:
            char = "".join(c for c in unicodedata.normalize("NFKD", char) if c in _FONT_CHARS)
        kept.append(char)
    return " ".join("".join(kept).split())


def _font(size: int) -> Font:
    return ImageFont.load_default(size=size)


def wrap(text: str, font: Font, width: float) -> list[str]:
    """Greedy word wrap to ``width`` pixels; a word too long for a line is cut."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        while font.getlength(word) > width and len(word) > 1:
            fitting = (i for i in range(len(word) - 1, 0, -1) if font.getlength(word[:i]) <= width)
            cut = next(fitting, 1)
            lines.append(word[:cut])
            word = word[cut:]
        candidate = f"{line} {word}".strip()
        if line and font.getlength(candidate) > width:
            lines.append(line)
            candidate = word
        line = candidate
    return [*lines, line] if line else lines


@dataclass(frozen=True)
class Line:
    """One line of text, at ``at`` inside the panel."""

    text: str
    font: Font
    at: tuple[int, int]


@dataclass(frozen=True)
class TextLayout:
    """Where the text goes: a panel at ``origin`` on the canvas, lines placed inside it.

    ``simplified`` says the headline lost letters the built-in font cannot draw.
    """

    origin: tuple[int, int]
    panel: tuple[int, int]
    bar: int
    headline: tuple[Line, ...]
    campaign: Line | None
    tagline: tuple[Line, ...]
    simplified: bool


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: text.rfind(" ", 0, limit) + 1 or limit].rstrip(" .,;:") + "…"


def _fit(headline: str, room: int, unit: int, height: int) -> tuple[Font, int, list[str]]:
    """The largest font (8.5 % of the short side down to 3.5 %) that sets ``headline`` in at
    most :data:`MAX_HEADLINE_LINES` lines within 45 % of the height; cut with "…" if none."""
    font_size = round(unit * 0.085)
    while True:
        font = _font(font_size)
        lines = wrap(headline, font, room)
        fits = len(lines) <= MAX_HEADLINE_LINES and len(lines) * font_size * 1.2 <= height * 0.45
        if fits or font_size <= unit * 0.035:
            break
        font_size = round(font_size * 0.9)
    if len(lines) > MAX_HEADLINE_LINES:
        lines = [
            *lines[: MAX_HEADLINE_LINES - 1],
            lines[MAX_HEADLINE_LINES - 1].rstrip(" .,;:…") + "…",
        ]
    return font, font_size, lines


def layout_text(composition: Composition, size: tuple[int, int]) -> TextLayout:
    """Fit the headline, then the campaign name above it and the tagline below."""
    width, height = size
    unit = min(size)
    margin, pad, bar = round(unit * 0.07), round(unit * 0.04), max(3, round(unit * 0.012))
    left = bar + pad
    room = width - 2 * margin - left - pad
    headline = printable(composition.headline)
    font, font_size, lines = _fit(_shorten(headline, HEADLINE_MAX_CHARS), room, unit, height)
    label_font = _font(max(11, round(font_size * 0.34)))
    tag_font = _font(max(12, round(font_size * 0.45)))
    y = pad
    campaign = None
    if text := printable(composition.campaign).upper():
        campaign = Line(wrap(text, label_font, room)[0], label_font, (left, y))
        y += round(font_size * 0.34 * 1.9)
    placed = []
    for line in lines:
        placed.append(Line(line, font, (left, y)))
        y += round(font_size * 1.2)
    tagline = []
    for line in wrap(printable(composition.tagline), tag_font, room)[:2]:
        tagline.append(Line(line, tag_font, (left, y + round(font_size * 0.15))))
        y += round(font_size * 0.45 * 1.3)
    lines_set = [*placed, *tagline, *([campaign] if campaign else [])]
    text_width = max((line.font.getlength(line.text) for line in lines_set), default=0)
    panel = (round(left + text_width + pad), y + pad)
    return TextLayout(
        origin=(margin, height - margin - panel[1]),
        panel=panel,
        bar=bar,
        headline=tuple(placed),
        campaign=campaign,
        tagline=tuple(tagline),
        simplified=headline != composition.headline,
    )


def draw_headline(layout: TextLayout, palette: Palette) -> Image.Image:
    """The RGBA panel sprite with its accent bar and the headline."""
    sprite = Image.new("RGBA", layout.panel, (0, 0, 0, 0))
    draw = ImageDraw.Draw(sprite)
    radius = layout.bar * 2
    box = (0, 0, layout.panel[0] - 1, layout.panel[1] - 1)
    draw.rounded_rectangle(box, radius, fill=(*palette.panel, 150))
    draw.rectangle((0, radius, layout.bar, layout.panel[1] - radius), fill=palette.accents[0])
    for line in layout.headline:
        draw.text(line.at, line.text, font=line.font, fill=palette.ink)
    return sprite


def draw_labels(sprite: Image.Image, layout: TextLayout, palette: Palette) -> None:
    """The campaign name (accent colour) and the tagline (softer ink) onto ``sprite``."""
    draw = ImageDraw.Draw(sprite)
    if layout.campaign:
        line = layout.campaign
        draw.text(line.at, line.text, font=line.font, fill=palette.accents[1])
    for line in layout.tagline:
        draw.text(line.at, line.text, font=line.font, fill=(*palette.ink, 210))


def add_grain(image: Image.Image, rng: random.Random, amount: int) -> Image.Image:
    """``image`` (RGB) with monochrome noise of about ±``amount`` levels.

    Drawn so that a render in a worker thread does not stall the window: the noise is made at
    half size (a quarter of the random bytes and look-ups, which hold the GIL), then scaled up and
    pasted as white and black through masks (resize and paste release it).
    """
    size = (max(1, image.width // 2), max(1, image.height // 2))
    noise = Image.frombytes("L", size, rng.randbytes(size[0] * size[1]))
    # Noise above the middle lightens, below darkens: at most ``amount`` levels on mid-grey.
    strength = [round(abs(v - 128) / 128 * amount * 2) for v in range(256)]
    lighter = noise.point([strength[v] if v >= 128 else 0 for v in range(256)])
    darker = noise.point([strength[v] if v < 128 else 0 for v in range(256)])
    grained = image.copy()
    for colour, mask in (((255, 255, 255), lighter), ((0, 0, 0), darker)):
        grained.paste(
            colour, (0, 0, *image.size), mask.resize(image.size, Image.Resampling.BILINEAR)
        )
    return grained


def int_param(params: Mapping[str, Any], key: str, default: int, low: int, high: int) -> int:
    """``params[key]`` as a whole number in ``[low, high]``, or ``default`` when absent.

    Raises:
        ProviderError: The value is not a whole number in range (not retryable).
    """
    value = params.get(key)
    if value is None:
        return default
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ProviderError(
            f"{key} must be a whole number from {low} to {high}, not {_shown(value)}"
        )
    return value


def float_param(
    params: Mapping[str, Any], key: str, default: float, low: float, high: float
) -> float:
    """``params[key]`` as a number in ``[low, high]``, or ``default`` when absent.

    Raises:
        ProviderError: The value is not a number in range (not retryable).
    """
    value = params.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ProviderError(f"{key} must be a number from {low:g} to {high:g}, not {_shown(value)}")
    return float(value)


def text_param(params: Mapping[str, Any], key: str) -> str:
    """``params[key]`` as text with whitespace collapsed ("" when absent).

    Raises:
        ProviderError: The value is not text (not retryable).
    """
    value = params.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ProviderError(f"{key} must be text, not {type(value).__name__}")
    return " ".join(value.split())


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:39]}…"
