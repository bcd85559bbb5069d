"""The local image provider's drawing: a designed PNG in eight steps, with Pillow.

Imported when the first image is rendered, so a process that renders none (a window opening)
does not load Pillow.
"""

from __future__ import annotations

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


def render_image(composition: Composition, job: LocalJob) -> tuple[Path, ...]:
    """Draw ``composition`` in eight steps and save it as ``image.png`` (on a worker thread)."""
    size = (composition.width, composition.height)
    rng = design_rng(composition)
    palette = palette_for(rng)
    image = gradient(size, palette, rng.uniform(0, 360))
    hue = f"hue {palette.hue * 360:.0f}°"
    job.report(1, _STEPS, f"background: {palette.scheme} palette, {hue}, seed {composition.seed}")
    for color in palette.accents[:2]:
        light = glow_sprite(round(min(size) * rng.uniform(0.7, 1.3)), color, rng.randint(70, 130))
        at = (round(rng.uniform(-0.4, 0.8) * size[0]), round(rng.uniform(-0.4, 0.5) * size[1]))
        image.paste(light, at, light)
    job.report(2, _STEPS, "lights")
    far = shapes_layer(size, palette, rng, rng.randint(3, 5), blur=min(size) * 0.02)
    image.paste(far, (0, 0), far)
    job.report(3, _STEPS, "background shapes")
    near = shapes_layer(size, palette, rng, rng.randint(2, 4), blur=0)
    dot_grid(near, palette, rng)
    image.paste(near, (0, 0), near)
    job.report(4, _STEPS, "foreground shapes")
    layout = layout_text(composition, size)
    panel = draw_headline(layout, palette)
    note = " (letters the built-in font lacks were simplified)" if layout.simplified else ""
    job.report(5, _STEPS, f"headline: {len(layout.headline)} line(s){note}")
    draw_labels(panel, layout, palette)
    image.paste(panel, layout.origin, panel)
    labels = (
        "campaign and tagline" if layout.campaign or layout.tagline else "no campaign or tagline"
    )
    job.report(6, _STEPS, labels)
    image = add_grain(image, rng, amount=6)
    job.report(7, _STEPS, "grain")
    with job.atomic_output("image.png") as temp:
        image.save(temp, format="PNG")
    output = job.directory / "image.png"
    # Only logged, not reported: a cancel arriving now finds the render already done.
    job.log(f"saved {size[0]}×{size[1]} PNG ({output.stat().st_size // 1024} KiB)")
    return (output,)
