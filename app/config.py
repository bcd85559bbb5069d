"""Settings: ``AppSettings``, read from arguments, the environment, the OS keyring and a TOML file.

Precedence, highest first: arguments to ``AppSettings(...)`` → ``CAMPAIGN_STUDIO_<NAME>``
environment variables → the OS keyring (secrets only, service ``campaign-studio``, user = the
field name) → the config file → defaults.

The config file is ``config.toml`` in the platform's user config folder, or the file named by
``CAMPAIGN_STUDIO_CONFIG_FILE``. It never holds secrets: a secret found there is refused with an
error that says where to put it instead.
"""

from __future__ import annotations

import difflib
import os
import re
from pathlib import Path
from typing import Any, Literal

import keyring
import keyring.errors
import platformdirs
from pydantic import Field, SecretStr, field_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from app.domain.errors import ConfigurationError

APP_NAME = "campaign-studio"
ENV_PREFIX = "CAMPAIGN_STUDIO_"
CONFIG_FILE_ENV = f"{ENV_PREFIX}CONFIG_FILE"
KEYRING_SERVICE = APP_NAME

OTHER_VARIABLES = (CONFIG_FILE_ENV, f"{ENV_PREFIX}TEST_MONGODB_URI")
"""``CAMPAIGN_STUDIO_*`` variables that are read but are not settings: the config file's
location, and the test suite's MongoDB server."""

SECRET_FIELDS = (
    "r2_access_key_id",
    "r2_secret_access_key",
    "replicate_api_token",
    "replicate_webhook_secret",
    "runway_api_key",
    "fal_key",
    "poe_api_key",
)
"""Fields read from the environment or the keyring only, never from the config file."""


def default_data_dir() -> Path:
    """The platform's user data folder for the app (e.g. ``~/.local/share/campaign-studio``)."""
    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def config_file_path() -> Path:
    """The config file in force: ``$CAMPAIGN_STUDIO_CONFIG_FILE`` or the platform's one."""
    override = os.environ.get(CONFIG_FILE_ENV)
    if override:
        return Path(override).expanduser()
    return platformdirs.user_config_path(APP_NAME, appauthor=False) / "config.toml"


def unknown_variables() -> list[tuple[str, str | None]]:
    """``CAMPAIGN_STUDIO_*`` variables that set nothing, each with the closest real name.

    Settings ignore them silently (the prefix is shared with :data:`OTHER_VARIABLES`), so a
    misspelt one would quietly leave its setting at the default.
    """
    known = [f"{ENV_PREFIX}{name.upper()}" for name in AppSettings.model_fields]
    known += OTHER_VARIABLES
    found = []
    for name in sorted(os.environ):
        upper = name.upper()  # the settings read their variables in any case
        if upper.startswith(ENV_PREFIX) and upper not in known:
            closest = difflib.get_close_matches(upper, known, n=1, cutoff=0.8)
            found.append((name, closest[0] if closest else None))
    return found


_USERINFO = re.compile(r"(?P<head>^[a-z0-9+.-]+://[^:/@?#]*):(?P<password>[^@/?#]*)@", re.I)
_SECRET_PARAM = re.compile(r"(?P<head>[?&][^=&]*password[^=&]*=)(?P<password>[^&#]*)", re.I)


def mask_uri(uri: str) -> str:
    """``uri`` with its password (and any ``...password=`` option) replaced by ``****``."""
    masked = _USERINFO.sub(r"\g<head>:****@", uri)
    return _SECRET_PARAM.sub(r"\g<head>****", masked)


def uri_secrets(uri: str) -> list[str]:
    """The passwords a URI carries, so that error texts quoting it can be scrubbed."""
    found = [m.group("password") for m in (*_USERINFO.finditer(uri), *_SECRET_PARAM.finditer(uri))]
    return [secret for secret in found if secret]


class AppSettings(BaseSettings):
    """Every setting of the app; see the module docstring for where each comes from."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        extra="forbid",
        validate_default=True,
        hide_input_in_errors=True,
    )

    data_dir: Path = Field(
        default_factory=default_data_dir, description="embedded database, local media, exports"
    )
    mongodb_uri: SecretStr | None = Field(
        None, description="team database; none: the embedded SQLite file in data_dir"
    )
    mongodb_database: str = Field(
        "campaign_studio", min_length=1, max_length=63, pattern=r"^[A-Za-z0-9_-]+$"
    )
    user_id: str | None = Field(
        None,
        min_length=1,
        max_length=200,
        description="who you are (the profile); none: the OS login name. A team server with "
        "authentication ignores it: you are the database user you signed in as",
    )
    render_worker: bool = True
    render_concurrency: int = Field(4, ge=1, le=64)
    blob_store: Literal["local", "r2"] = "local"
    r2_endpoint_url: str | None = None
    r2_bucket: str | None = None
    r2_access_key_id: SecretStr | None = None
    r2_secret_access_key: SecretStr | None = None
    r2_public_base_url: str | None = None
    r2_presign_expiry_seconds: int = Field(3600, ge=60, le=7 * 24 * 3600)
    upload_max_bytes: int = Field(
        4 * 1024**3, ge=1, description="largest file the asset library accepts (default 4 GiB)"
    )
    replicate_api_token: SecretStr | None = None
    replicate_base_url: str = "https://api.replicate.com/v1"
    replicate_webhook_secret: SecretStr | None = None
    runway_api_key: SecretStr | None = None
    runway_base_url: str = "https://api.dev.runwayml.com"
    fal_key: SecretStr | None = None
    fal_queue_base_url: str = "https://queue.fal.run"
    fal_jwks_url: str = "https://rest.fal.ai/.well-known/jwks.json"
    pika_model: str = "fal-ai/pika/v2.2/text-to-video"
    runway_model: str = "gen4.5"
    provider_poll_seconds: float | None = Field(
        None, gt=0, le=600, description="override every provider's poll interval (Runway: ≥ 5 s)"
    )
    poe_api_key: SecretStr | None = None
    poe_base_url: str = "https://api.poe.com/v1"
    poe_model: str = Field("Claude-Sonnet-4.5", min_length=1, description="a Poe bot name")
    ai_timeout_seconds: float = Field(20.0, gt=0, le=300)
    default_image_provider: str = "local-image"
    default_video_provider: str = "local-video"
    replicate_model: str = "black-forest-labs/flux-schnell"
    render_lease_seconds: float = Field(30.0, ge=0.5, le=600)
    render_retry_base_seconds: float = Field(
        2.0, gt=0, le=300, description="first retry waits base/2 to base; doubles after"
    )
    render_output_max_bytes: int = Field(2 * 1024**3, ge=1)
    webhook_relay: bool = False
    webhook_host: str = "127.0.0.1"
    webhook_port: int = Field(0, ge=0, le=65535)
    public_webhook_url: str | None = None

    @field_validator("data_dir", mode="after")
    @classmethod
    def _expand(cls, value: Path) -> Path:
        return value.expanduser()

    @field_validator("mongodb_uri", mode="after")
    @classmethod
    def _mongodb_scheme(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        if not value.get_secret_value().startswith(("mongodb://", "mongodb+srv://")):
            raise ValueError("must start with mongodb:// or mongodb+srv://")
        return value

    @property
    def uses_mongodb(self) -> bool:
        return self.mongodb_uri is not None

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (
            init_settings,
            env_settings,
            KeyringSettingsSource(settings_cls),
            SecretFreeTomlSource(settings_cls),
        )


class KeyringSettingsSource(PydanticBaseSettingsSource):
    """Secrets (and a MongoDB URI with credentials) from the OS keyring.

    Without a usable keyring (a Linux machine with no desktop session) it supplies nothing:
    secrets then come from the environment only, and ``campaign-studio doctor`` says so.
    """

    FIELDS = (*SECRET_FIELDS, "mongodb_uri")

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        return read_keyring(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name in self.FIELDS:
            value = read_keyring(name)
            if value:
                values[name] = value
        return values


def read_keyring(name: str) -> str | None:
    """The keyring's entry for setting ``name``, or None if absent or no keyring works."""
    try:
        value: str | None = keyring.get_password(KEYRING_SERVICE, name)
    except keyring.errors.KeyringError:
        return None
    return value


def keyring_status() -> str:
    """A plain description of the keyring backend, for the doctor."""
    backend = keyring.get_keyring()
    priority = getattr(backend, "priority", 0)
    name = f"{type(backend).__module__}.{type(backend).__name__}"
    if priority <= 0:
        return f"unavailable ({name}): secrets come from CAMPAIGN_STUDIO_* variables only"
    return f"{name}"


class SecretFreeTomlSource(TomlConfigSettingsSource):
    """The TOML config file, refusing secrets (they belong in the environment or the keyring)."""

    def __init__(self, settings_cls: type[BaseSettings]) -> None:
        self.path = config_file_path()
        try:
            super().__init__(settings_cls, toml_file=self.path)
        except (OSError, ValueError) as exc:
            raise ConfigurationError(f"cannot read the config file {self.path}: {exc}") from exc
        found = sorted(set(self.toml_data) & set(SECRET_FIELDS))
        uri = self.toml_data.get("mongodb_uri")
        if isinstance(uri, str) and uri_secrets(uri):
            found.append("mongodb_uri (it holds a password)")
        if found:
            raise ConfigurationError(
                f"the config file {self.path} holds secrets: {', '.join(found)}. Remove them and "
                f"set them as {ENV_PREFIX}<NAME> environment variables or in the OS keyring "
                f"(keyring set {KEYRING_SERVICE} <name>)"
            )
