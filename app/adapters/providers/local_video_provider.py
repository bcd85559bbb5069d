"""The local video provider: an H.264 MP4 drawn frame by frame with Pillow, encoded by the ffmpeg
that imageio-ffmpeg bundles; no account and no network.

The composition of :mod:`app.adapters.providers.local_design` set in motion: the gradient pans,
the lights circle, the two shape layers drift at different speeds, the headline panel slides in
and an accent bar grows along the bottom edge. Everything is drawn once; a frame only crops and
pastes, so a 720p frame costs a few milliseconds. A poster PNG (a frame with everything in place)
is written next to the video. Frames depend only on the prompt, the seed and the parameters.
"""

from __future__ import annotations

import functools
from pathlib import Path

from app.adapters.providers.local_jobs import LocalRenderProvider
from app.domain import CreativeKind
from app.domain.errors import ProviderError
from app.ports.render_provider import RenderRequest

DEFAULT_SIZE = (1280, 720)
DEFAULT_SECONDS = 3.0
MIN_SECONDS, MAX_SECONDS = 1.0, 10.0


class LocalVideoProvider(LocalRenderProvider):
    """Renders videos on this machine: Pillow frames, H.264 by the bundled ffmpeg.

    Params: ``duration`` (1–10 s, default 3), ``width``/``height`` (even, 256–2048, default
    1280×720), ``campaign`` and ``tagline``. Outputs: the MP4, then a poster PNG (a companion,
    never stored as an output of the render).

    Args:
        workdir: The folder renders are written into (one sub-folder per job).
        max_concurrency: Renders at once; the others wait, queued.
    """

    name = "local-video"
    main_outputs = 1  # the poster that follows the video is a companion

    def __init__(self, workdir: Path, *, max_concurrency: int = 1) -> None:
        super().__init__(workdir, max_concurrency=max_concurrency)

    def can_render(self, kind: CreativeKind) -> bool:
        return kind == CreativeKind.VIDEO

    async def render(self, request: RenderRequest) -> str:
        """Queue the render; returns its id at once.

        Raises:
            ProviderError: The request is not a video or a parameter is invalid (not retryable).
        """
        if not self.can_render(request.kind):
            raise ProviderError(f"{self.name} renders videos only, not {request.kind}")
        # Pillow and ffmpeg are loaded with the first render, not when the provider is built.
        from app.adapters.providers.local_design import composition_for, float_param
        from app.adapters.providers.local_video_drawing import VideoSpec, render_video

        try:
            composition = composition_for(request, default_size=DEFAULT_SIZE)
            if composition.width % 2 or composition.height % 2:
                raise ProviderError("width and height must be even numbers for H.264")
            seconds = float_param(
                request.params, "duration", DEFAULT_SECONDS, MIN_SECONDS, MAX_SECONDS
            )
        except ProviderError as exc:
            raise ProviderError(f"{self.name} cannot render this: {exc.message}") from exc
        spec = VideoSpec(composition, seconds)
        return self._jobs.submit(functools.partial(render_video, spec))
