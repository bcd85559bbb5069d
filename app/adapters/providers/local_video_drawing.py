"""The local video provider's drawing: frames with Pillow, H.264 by the bundled ffmpeg.

Imported when the first video is rendered, so a process that renders none does not load Pillow
or imageio-ffmpeg.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import imageio_ffmpeg
from PIL import Image, ImageDraw

from app.adapters.providers.local_design import (
    RGB,
    Composition,
    design_rng,
    dot_grid,
    draw_headline,
    draw_labels,
    glow_sprite,
    gradient,
    layout_text,
    palette_for,
    shapes_layer,
)
from app.adapters.providers.local_jobs import LocalJob

FPS = 24
_BATCH_FRAMES = FPS // 2  # progress is reported twice per second of video
_SLIDE_END = 0.3  # the headline has slid in at 30 % of the clip
_POSTER_AT = 0.75


@dataclass(frozen=True)
class VideoSpec:
    """A validated video request."""

    composition: Composition
    seconds: float

    @property
    def frames(self) -> int:
        return max(1, round(self.seconds * FPS))


@dataclass(frozen=True)
class _Light:
    sprite: Image.Image
    orbit: tuple[float, float]  # the top-left corner circles around this point
    reach: tuple[float, float]
    phase: float


@dataclass(frozen=True)
class _Scene:
    """Everything drawn once; :func:`draw_frame` only crops, moves and pastes."""

    size: tuple[int, int]
    background: Image.Image  # wider than the frame by ``pan``
    pan: int
    lights: tuple[_Light, ...]
    far: Image.Image  # the shape layers are larger than the frame by ``drift`` on each side
    near: Image.Image
    drift: int
    panel: Image.Image
    panel_at: tuple[int, int]
    accent: RGB


def build_scene(composition: Composition) -> _Scene:
    """Draw the parts of the composition that move (worker thread)."""
    size = width, height = composition.width, composition.height
    unit = min(size)
    rng = design_rng(composition)
    palette = palette_for(rng)
    pan, drift = round(width * 0.2), round(unit * 0.04)
    background = gradient((width + pan, height), palette, rng.uniform(0, 360))
    lights = tuple(
        _Light(
            glow_sprite(round(unit * rng.uniform(0.7, 1.2)), color, rng.randint(70, 130)),
            (rng.uniform(-0.3, 0.7) * width, rng.uniform(-0.3, 0.4) * height),
            (rng.uniform(0.05, 0.15) * width, rng.uniform(0.05, 0.15) * height),
            rng.uniform(0, 2 * math.pi),
        )
        for color in palette.accents[:2]
    )
    layer_size = (width + 2 * drift, height + 2 * drift)
    far = shapes_layer(layer_size, palette, rng, rng.randint(3, 5), blur=unit * 0.02)
    near = shapes_layer(layer_size, palette, rng, rng.randint(2, 4), blur=0)
    dot_grid(near, palette, rng)
    layout = layout_text(composition, size)
    panel = draw_headline(layout, palette)
    draw_labels(panel, layout, palette)
    return _Scene(
        size, background, pan, lights, far, near, drift, panel, layout.origin, palette.accents[0]
    )


def draw_frame(scene: _Scene, t: float) -> Image.Image:
    """The RGB frame at ``t`` (0 = first frame, 1 = last)."""
    width, height = scene.size
    swing = 0.5 - 0.5 * math.cos(math.pi * t)  # eases in and out
    left = round(scene.pan * swing)
    frame = scene.background.crop((left, 0, left + width, height))
    for light in scene.lights:
        angle = 2 * math.pi * t + light.phase
        x = light.orbit[0] + light.reach[0] * math.cos(angle)
        y = light.orbit[1] + light.reach[1] * math.sin(angle)
        frame.paste(light.sprite, (round(x), round(y)), light.sprite)
    for layer, speed in ((scene.far, 0.5), (scene.near, 1.0)):
        shift = round(scene.drift * speed * (1 - 2 * swing))
        frame.paste(layer, (-scene.drift + shift, -scene.drift), layer)
    slide = 1 - (1 - min(1.0, t / _SLIDE_END)) ** 3  # ease-out cubic
    x, y = scene.panel_at
    frame.paste(scene.panel, (round(x - (1 - slide) * (x + scene.panel.width)), y), scene.panel)
    bar = max(2, round(min(scene.size) * 0.008))
    ImageDraw.Draw(frame).rectangle((0, height - bar, round(width * t), height), scene.accent)
    return frame


def render_video(spec: VideoSpec, job: LocalJob) -> tuple[Path, ...]:
    """Draw and encode every frame, then the poster (on a worker thread)."""
    composition = spec.composition
    size = (composition.width, composition.height)
    frames = spec.frames
    batches = math.ceil(frames / _BATCH_FRAMES)
    total = batches + 1  # the last step: finish the file and draw the poster
    scene = build_scene(composition)
    job.log(f"scene drawn: {size[0]}×{size[1]}, {frames} frames at {FPS} fps")
    video, poster = job.directory / "video.mp4", job.directory / "poster.png"
    with job.atomic_output(video.name) as temp:
        writer = imageio_ffmpeg.write_frames(
            str(temp),
            size,
            fps=FPS,
            codec="libx264",
            pix_fmt_out="yuv420p",
            macro_block_size=2,  # yuv420p needs even sides; no resize for 1080 and the like
            ffmpeg_log_level="error",
            output_params=["-movflags", "+faststart"],
        )
        writer.send(None)
        try:
            for index in range(frames):
                writer.send(draw_frame(scene, index / max(1, frames - 1)).tobytes())
                done = index + 1
                if done % _BATCH_FRAMES == 0 or done == frames:
                    first = (math.ceil(done / _BATCH_FRAMES) - 1) * _BATCH_FRAMES + 1
                    job.report(
                        math.ceil(done / _BATCH_FRAMES),
                        total,
                        f"frames {first}–{done} of {frames} encoded",
                        progress=0.95 * done / frames,
                    )
        finally:
            writer.close()  # waits for ffmpeg to finish the file (or the partial one)
    with job.atomic_output(poster.name) as temp:
        draw_frame(scene, _POSTER_AT).save(temp, format="PNG")
    # Only logged, not reported: a cancel arriving now finds the render already done.
    job.log(f"saved {spec.seconds:g} s MP4 ({video.stat().st_size // 1024} KiB) and its poster")
    return (video, poster)
