"""The language-model port: an optional AI model that adds suggestions (Poe in production)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol


@dataclass(frozen=True)
class ChatMessage:
    role: Literal["system", "user", "assistant"]
    content: str


class LanguageModel(Protocol):
    """A chat model. Raises :class:`app.domain.errors.ProviderError` when the service refuses,
    fails or does not answer within ``timeout`` seconds; never hangs longer."""

    async def complete(self, messages: list[ChatMessage], *, timeout: float) -> str:
        """The model's reply to ``messages``."""
        ...

    async def check(self) -> str:
        """A short description of the connection, for ``campaign-studio doctor``; raises
        :class:`ProviderError` when the key is refused or the service is unreachable."""
        ...

    async def close(self) -> None: ...
