"""The Settings dialog's "Test connection" for a MongoDB address: a ping, nothing written."""

from __future__ import annotations

from typing import Any

from pymongo import AsyncMongoClient
from pymongo.errors import ConfigurationError as DriverConfigurationError
from pymongo.errors import PyMongoError

from app.adapters.mongo.collection import describe_error
from app.config import mask_uri, uri_secrets
from app.domain.errors import ConfigurationError, StorageError


async def ping_server(uri: str, timeout_seconds: float = 5.0) -> str:
    """Ping the server ``uri`` names, waiting at most ``timeout_seconds`` (unless the URI sets
    its own timeouts); what answered, in words, never with the password.

    Raises:
        ConfigurationError: The URI is malformed or names unknown options.
        StorageError: The server did not answer or refused the client.
    """
    location = mask_uri(uri)
    query = uri.partition("?")[2].lower()
    options: dict[str, Any] = {"appname": "campaign-studio"}
    for name in ("serverSelectionTimeoutMS", "connectTimeoutMS"):
        if f"{name.lower()}=" not in query:
            options[name] = int(timeout_seconds * 1000)
    try:
        client: AsyncMongoClient[dict[str, Any]] = AsyncMongoClient(uri, **options)
    except (DriverConfigurationError, ValueError, TypeError) as exc:
        cause = describe_error(exc) if isinstance(exc, PyMongoError) else str(exc)
        raise ConfigurationError(
            f"the MongoDB URI {location} is unusable: {_scrub(cause, uri)}"
        ) from None
    except PyMongoError as exc:
        raise StorageError(f"cannot create a MongoDB client: {_scrub(str(exc), uri)}") from None
    try:
        await client.admin.command("ping")
        info = await client.admin.command("buildInfo")
    except PyMongoError as exc:
        raise StorageError(f"cannot reach {location}: {_scrub(describe_error(exc), uri)}") from None
    finally:
        await client.close()
    return f"{location} answers (MongoDB {info.get('version', 'of unknown version')})"


def _scrub(text: str, uri: str) -> str:
    for secret in uri_secrets(uri):
        text = text.replace(secret, "****")
    return text
