"""RenderRequests: a render request made valid (internal, shared by the renderer and creatives).

Checking a request changes and reads nothing of a workspace, so it takes no actor: the public
calls that queue renders check the role first, then this.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from app.domain import CreativeKind
from app.domain.errors import InvalidInput
from app.ports.render_provider import RenderProvider
from app.services.campaign_state import parse_enum

MAX_PROMPT = 4000
MAX_PARAMS_BYTES = 16_384


class RenderRequests:
    """Validates render requests against the configured providers and per-kind defaults."""

    def __init__(
        self,
        *,
        providers: Mapping[str, RenderProvider],
        default_providers: Mapping[CreativeKind, str],
    ) -> None:
        self._providers = providers
        self._defaults = default_providers

    def by_kind(self) -> dict[str, list[str]]:
        """The configured providers of each rendered kind, in preference order: the kind's
        default first, then the others in the order they were configured."""
        chosen = {}
        for kind in (CreativeKind.IMAGE, CreativeKind.VIDEO):
            able = [name for name, p in self._providers.items() if p.can_render(kind)]
            default = self._defaults.get(kind)
            first = [default] if default in able else []
            chosen[kind.value] = first + [name for name in able if name != default]
        return chosen

    def check(
        self,
        kind: CreativeKind | str,
        prompt: str,
        provider: str | None,
        params: Mapping[str, Any] | None,
    ) -> tuple[CreativeKind, str, str, dict[str, Any]]:
        """A render request made valid: (kind, prompt, provider name, JSON params).

        Raises:
            InvalidInput: text kind, empty or long prompt, unknown provider or one that cannot
                render the kind, parameters that are not plain JSON.
        """
        kind = parse_enum(CreativeKind, kind, "render kind")
        if kind is CreativeKind.TEXT:
            raise InvalidInput("text is written, not rendered: choose image or video")
        prompt = (prompt or "").strip()
        if not prompt:
            raise InvalidInput("the prompt must not be empty")
        if len(prompt) > MAX_PROMPT:
            raise InvalidInput(f"the prompt has {len(prompt)} characters; at most {MAX_PROMPT}")
        name = provider or self._defaults[kind]
        chosen = self._providers.get(name)
        if chosen is None:
            available = ", ".join(sorted(self._providers))
            raise InvalidInput(f"unknown provider {name!r}; available: {available}")
        if not chosen.can_render(kind):
            raise InvalidInput(f"{name} cannot render {kind.value}")
        return kind, prompt, name, _params(params)


def _params(params: Mapping[str, Any] | None) -> dict[str, Any]:
    if params is None:
        return {}
    if not isinstance(params, Mapping):
        raise InvalidInput("render parameters must be a mapping of names to values")
    try:
        encoded = json.dumps(dict(params))
    except (TypeError, ValueError) as exc:
        raise InvalidInput(f"render parameters must be plain JSON values: {exc}") from None
    if len(encoded) > MAX_PARAMS_BYTES:
        raise InvalidInput(f"render parameters are too large (at most {MAX_PARAMS_BYTES} bytes)")
    return dict(json.loads(encoded))
