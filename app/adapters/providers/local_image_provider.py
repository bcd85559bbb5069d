"""The local image provider: a designed PNG drawn with Pillow, with no account and no network.

The picture is the composition of :mod:`app.adapters.providers.local_design` drawn in eight
steps (background, lights, two shape layers, headline, campaign and tagline, grain, save). The
same prompt, seed and parameters give the same bytes; another seed gives another palette and
layout.
"""

from __future__ import annotations

import functools
from pathlib import Path

from app.adapters.providers.local_design import (
    Composition,
    add_grain,
    composition_for,
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
from app.adapters.providers.local_jobs import LocalJob, LocalRenderProvider
from app.domain import CreativeKind
from app.domain.errors import ProviderError
from app.ports.render_provider import RenderRequest

DEFAULT_SIZE = 1024
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


class LocalImageProvider(LocalRenderProvider):
    """Renders images on this machine with Pillow (no account, no network).

    Params: ``width``/``height`` (256–2048, default 1024), ``campaign`` and ``tagline``.

    Args:
        workdir: The folder renders are written into (one sub-folder per job).
        max_concurrency: Renders at once; the others wait, queued.
    """

    name = "local-image"

    def __init__(self, workdir: Path, *, max_concurrency: int = 2) -> None:
        super().__init__(workdir, max_concurrency=max_concurrency)

    def can_render(self, kind: CreativeKind) -> bool:
        return kind == CreativeKind.IMAGE

    async def render(self, request: RenderRequest) -> str:
        """Queue the render; returns its id at once.

        Raises:
            ProviderError: The request is not an image or a parameter is invalid (not retryable).
        """
        if not self.can_render(request.kind):
            raise ProviderError(f"{self.name} renders images only, not {request.kind}")
        try:
            composition = composition_for(request, default_size=(DEFAULT_SIZE, DEFAULT_SIZE))
        except ProviderError as exc:
            raise ProviderError(f"{self.name} cannot render this: {exc.message}") from exc
        return self._jobs.submit(functools.partial(render_image, composition))
