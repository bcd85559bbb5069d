"""The local image provider: a designed PNG drawn with Pillow, with no account and no network.

The picture is the composition of :mod:`app.adapters.providers.local_design` drawn in eight
steps (background, lights, two shape layers, headline, campaign and tagline, grain, save). The
same prompt, seed and parameters give the same bytes; another seed gives another palette and
layout.
"""

from __future__ import annotations

import functools
from pathlib import Path

from app.adapters.providers.local_jobs import LocalRenderProvider
from app.domain import CreativeKind
from app.domain.errors import ProviderError
from app.ports.render_provider import RenderRequest

DEFAULT_SIZE = 1024
MAX_OUTPUTS = 4


class LocalImageProvider(LocalRenderProvider):
    """Renders images on this machine with Pillow (no account, no network).

    Params: ``width``/``height`` (256–2048, default 1024), ``campaign`` and ``tagline``;
    ``num_outputs`` (1–4, default 1): that many variants, drawn from the seeds ``seed``,
    ``seed + 1``, ... (each a distinct picture), the outputs in that order.

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
        # Pillow is loaded with the first render, not when the provider is built.
        from app.adapters.providers.local_design import composition_for, int_param
        from app.adapters.providers.local_image_drawing import render_image

        try:
            composition = composition_for(request, default_size=(DEFAULT_SIZE, DEFAULT_SIZE))
            count = int_param(request.params, "num_outputs", 1, 1, MAX_OUTPUTS)
        except ProviderError as exc:
            raise ProviderError(f"{self.name} cannot render this: {exc.message}") from exc
        return self._jobs.submit(functools.partial(render_image, composition, count=count))
