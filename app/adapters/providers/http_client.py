"""The HTTP client every cloud provider uses."""

from __future__ import annotations

import httpx

# Many renders poll one provider at once: keep their connections alive instead of opening a
# new one per request once the default keep-alive pool (20) is full.
LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=100, keepalive_expiry=30)


def provider_client(timeout: httpx.Timeout | float) -> httpx.AsyncClient:
    """A client with explicit timeouts and a keep-alive pool sized for many renders."""
    return httpx.AsyncClient(timeout=timeout, limits=LIMITS)
