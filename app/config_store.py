"""Editing the settings: ``config.toml`` (no secrets) and the OS keyring (secrets).

The config file is rewritten atomically (a temporary file beside it, then ``os.replace``), keeps
the keys it does not know, and never receives a secret: a secret (and a MongoDB URI holding a
password) goes to the OS keyring under :data:`app.config.KEYRING_SERVICE`.
"""

from __future__ import annotations

import math
import os
import tempfile
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import keyring
import keyring.errors

from app.config import (
    ENV_PREFIX,
    KEYRING_SERVICE,
    SECRET_FIELDS,
    AppSettings,
    config_file_path,
    read_keyring,
    uri_secrets,
)
from app.diagnostics import Check, check_database, check_media_store
from app.domain.errors import AppError, ConfigurationError

KEYRING_FIELDS = (*SECRET_FIELDS, "mongodb_uri")
"""Fields the keyring may hold (a MongoDB URI only when it carries a password)."""

Scalar = str | int | float | bool


class KeyringUnavailableError(ConfigurationError):
    """No OS keyring works on this machine, so a secret cannot be saved."""


def read_config(path: Path | None = None) -> dict[str, Any]:
    """The config file's values (empty when the file is absent).

    Raises:
        ConfigurationError: The file cannot be read or is not valid TOML.
    """
    path = path or config_file_path()
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"cannot read the config file {path}: {exc}") from exc


def write_config(updates: Mapping[str, Scalar | None], path: Path | None = None) -> list[str]:
    """Merge ``updates`` into the config file (None removes a key); the names that changed.

    Keys the update does not name are kept as they are.

    Raises:
        ConfigurationError: An update is a secret, or the file cannot be written.
    """
    for name, value in updates.items():
        if name in SECRET_FIELDS or (
            name == "mongodb_uri" and isinstance(value, str) and uri_secrets(value)
        ):
            raise ConfigurationError(f"{name} is a secret: it is saved in the OS keyring")
    path = path or config_file_path()
    values = read_config(path)
    changed = []
    for name, value in updates.items():
        if values.get(name) == value:
            continue
        changed.append(name)
        if value is None:
            values.pop(name, None)
        else:
            values[name] = value
    if changed:
        _write_atomically(path, _to_toml(values))
    return changed


def has_secret(name: str) -> bool:
    """Whether the keyring holds a value for setting ``name`` (never returns the value)."""
    return bool(read_keyring(name))


def save_secret(name: str, value: str | None) -> None:
    """Save secret setting ``name`` in the OS keyring (None or empty: delete it).

    Raises:
        KeyringUnavailableError: No keyring backend works on this machine.
    """
    if name not in KEYRING_FIELDS:
        raise ConfigurationError(f"{name} is not a secret setting")
    try:
        if value:
            keyring.set_password(KEYRING_SERVICE, name, value)
        elif read_keyring(name) is not None:
            keyring.delete_password(KEYRING_SERVICE, name)
    except keyring.errors.KeyringError as exc:
        raise KeyringUnavailableError(
            f"no OS keyring on this machine: set {ENV_PREFIX}{name.upper()} instead"
        ) from exc


def save_mongodb_uri(uri: str | None) -> None:
    """Save the database URI: in the keyring if it holds a password, else in the config file.

    The other place is cleared, so only one URI is ever in force.
    """
    uri = (uri or "").strip() or None
    if uri is not None and uri_secrets(uri):
        save_secret("mongodb_uri", uri)
        write_config({"mongodb_uri": None})
    else:
        write_config({"mongodb_uri": uri})
        save_secret("mongodb_uri", None)


async def probe_database(uri: str | None, data_dir: Path | None = None) -> Check:
    """Ping the MongoDB server ``uri`` names (nothing is written there); with no ``uri``, open
    the embedded database file in ``data_dir`` as the doctor does."""
    uri = (uri or "").strip()
    if not uri:
        try:
            settings = _settings(data_dir=data_dir)
        except ConfigurationError as exc:
            return Check("database", False, exc.message)
        return await check_database(settings)
    if not uri.startswith(("mongodb://", "mongodb+srv://")):
        return Check("database", False, "a MongoDB URI starts with mongodb:// or mongodb+srv://")
    from app.adapters.mongo.probe import ping_server  # pymongo only when it is asked for

    try:
        return Check("database", True, await ping_server(uri))
    except AppError as exc:
        return Check("database", False, exc.message)


async def probe_storage(values: Mapping[str, Any]) -> Check:
    """Reach the media store these settings describe (an R2 bucket: a HeadBucket)."""
    try:
        settings = _settings(**values)
    except ConfigurationError as exc:
        return Check("media store", False, exc.message)
    return await check_media_store(settings)


def _settings(**values: Any) -> AppSettings:
    given = {name: value for name, value in values.items() if value is not None}
    try:
        return AppSettings(**given)
    except ValueError as exc:  # pydantic's ValidationError; secrets are hidden in it
        raise ConfigurationError(f"invalid settings: {exc}") from exc


def _write_atomically(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".config-", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as file:
                file.write(text)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise ConfigurationError(f"cannot write the config file {path}: {exc}") from exc


def _to_toml(values: Mapping[str, Any]) -> str:
    """A TOML document of flat scalars (the settings are all flat); tables are kept verbatim."""
    lines = [f"{_key(name)} = {_value(value)}" for name, value in values.items()]
    return "\n".join(lines) + "\n" if lines else ""


def _key(name: str) -> str:
    return name if name.replace("_", "").replace("-", "").isalnum() else _string(name)


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return ("-" if value < 0 else "") + ("nan" if math.isnan(value) else "inf")
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, list):
        return "[" + ", ".join(_value(item) for item in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_key(k)} = {_value(v)}" for k, v in value.items()) + "}"
    raise ConfigurationError(f"cannot write {type(value).__name__} to the config file")


def _string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    for char in {c for c in escaped if ord(c) < 0x20 or ord(c) == 0x7F}:
        escaped = escaped.replace(char, f"\\u{ord(char):04x}")
    return f'"{escaped}"'
