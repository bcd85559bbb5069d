"""Language models: Poe, through its OpenAI-compatible API."""

from app.adapters.llm.poe_language_model import PoeLanguageModel

__all__ = ["PoeLanguageModel"]
