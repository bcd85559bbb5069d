"""The local webhook relay (aiohttp)."""

from app.adapters.webhooks.relay import WebhookRelay

__all__ = ["WebhookRelay"]
