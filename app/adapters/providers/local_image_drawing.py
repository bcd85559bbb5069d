"""The local image provider's drawing: a designed PNG in eight steps, with Pillow.

Imported when the first image is rendered, so a process that renders none (a window opening)
does not load Pillow.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from app.adapters.providers.local_design import (
    Composition,
    add_grain,
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

_STEPS = 8


def render_image(composition: Composition, job: LocalJob, *, count: int = 1) -> tuple[Path, ...]:
    """Draw ``count`` variants of ``composition`` (seeds ``seed``, ``seed + 1``, ...), each in
    eight steps, saved as ``image.png``, ``image-2.png``, ... (on a worker thread)."""
    return tuple(
        _draw(
            dataclasses.replace(composition, seed=composition.seed + index),
            job,
            done=index * _STEPS,
            total=count * _STEPS,
            name="image.png" if index == 0 else f"image-{index + 1}.png",
            label="" if count == 1 else f"variant {index + 1} of {count}: ",
        )
        for index in range(count)
    )


def _draw(
    composition: Composition, job: LocalJob, *, done: int, total: int, name: str, label: str
) -> Path:
    """Draw one picture in eight steps (reported after the ``done`` steps of the pictures
    before it, out of ``total``) and save it as ``name``."""
    size = (composition.width, composition.height)
    rng = design_rng(composition)
    palette = palette_for(rng)
    image = gradient(size, palette, rng.uniform(0, 360))
    hue = f"hue {palette.hue * 360:.0f}°"
    seed = composition.seed
    job.report(done + 1, total, f"{label}background: {palette.scheme} palette, {hue}, seed {seed}")
    for color in palette.accents[:2]:
        light = glow_sprite(round(min(size) * rng.uniform(0.7, 1.3)), color, rng.randint(70, 130))
        at = (round(rng.uniform(-0.4, 0.8) * size[0]), round(rng.uniform(-0.4, 0.5) * size[1]))
        image.paste(light, at, light)
    job.report(done + 2, total, f"{label}lights")
    far = shapes_layer(size, palette, rng, rng.randint(3, 5), blur=min(size) * 0.02)
    image.paste(far, (0, 0), far)
    job.report(done + 3, total, f"{label}background shapes")
    near = shapes_layer(size, palette, rng, rng.randint(2, 4), blur=0)
    dot_grid(near, palette, rng)
    image.paste(near, (0, 0), near)
    job.report(done + 4, total, f"{label}foreground shapes")
    layout = layout_text(composition, size)
    panel = draw_headline(layout, palette)
    note = " (letters the built-in font lacks were simplified)" if layout.simplified else ""
    job.report(done + 5, total, f"{label}headline: {len(layout.headline)} line(s){note}")
    draw_labels(panel, layout, palette)
    image.paste(panel, layout.origin, panel)
    labels = (
        "campaign and tagline" if layout.campaign or layout.tagline else "no campaign or tagline"
    )
    job.report(done + 6, total, f"{label}{labels}")
    image = add_grain(image, rng, amount=6)
    job.report(done + 7, total, f"{label}grain")
    with job.atomic_output(name) as temp:
        image.save(temp, format="PNG")
    output = job.directory / name
    # Only logged, not reported: a cancel arriving now finds the render already done.
    job.log(f"{label}saved {size[0]}×{size[1]} PNG ({output.stat().st_size // 1024} KiB)")
    return output
