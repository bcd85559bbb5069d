"""The Settings dialog's view model: the settings in force, saving them, connection tests."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QSettings, Signal

from app import config_store
from app.config import AppSettings, mask_uri
from app.diagnostics import Check
from app.domain.errors import AppError
from ui.tasks import UiTaskRunner
from ui.viewmodels import notifications
from ui.viewmodels.base import ViewModel
from ui.viewmodels.session import SessionViewModel
from ui.widgets.theme import APPEARANCE_KEY, saved_theme_mode

IMAGE_PROVIDERS = ("local-image", "replicate")
VIDEO_PROVIDERS = ("local-video", "runway", "pika")
PROVIDER_KEYS = {
    "replicate_api_token": "Replicate API token",
    "replicate_webhook_secret": "Replicate webhook secret",
    "runway_api_key": "Runway API key",
    "fal_key": "fal.ai key (Pika)",
    "poe_api_key": "Poe API key (AI suggestions)",
}
STORAGE_KEYS = {"r2_access_key_id": "R2 access key ID", "r2_secret_access_key": "R2 secret key"}
RESTART_GROUPS = {
    "database": ("mongodb_uri", "mongodb_database"),
    "media storage": ("blob_store", "r2_endpoint_url", "r2_bucket", "r2_public_base_url"),
    "providers": ("default_image_provider", "default_video_provider"),
    "webhook relay": ("webhook_relay", "webhook_port", "public_webhook_url"),
}
"""Settings the open core read at start: a change takes a restart. Appearance and the display
name apply at once."""
_DATABASE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,63}$")


def app_qsettings() -> QSettings:
    """The desktop app's own preferences (the appearance), under the application's names
    (organization and application "Campaign Studio", set at start)."""
    return QSettings()


@dataclass
class SettingsValues:
    """What the dialog edits. Secrets are never here: ``saved_secrets`` says which exist.

    ``mongodb_uri`` is shown masked when it holds a password; left unchanged, it is kept.
    """

    mongodb_uri: str = ""
    mongodb_database: str = "campaign_studio"
    blob_store: str = "local"
    r2_endpoint_url: str = ""
    r2_bucket: str = ""
    r2_public_base_url: str = ""
    default_image_provider: str = "local-image"
    default_video_provider: str = "local-video"
    webhook_relay: bool = False
    webhook_port: int = 0
    public_webhook_url: str = ""
    display_name: str = ""
    appearance: str = "system"
    notifications: dict[str, bool] = field(default_factory=dict)
    """On or off per kind of notification (``ui.viewmodels.notifications.KINDS``)."""
    saved_secrets: set[str] = field(default_factory=set)

    def file_values(self) -> dict[str, Any]:
        """The settings kept in the config file (None: back to the default)."""
        names = [name for group in RESTART_GROUPS.values() for name in group]
        return {name: getattr(self, name) for name in names}


def validate(values: SettingsValues) -> dict[str, str]:
    """Plain messages for the fields that cannot be saved, by field name."""
    errors = {}
    uri = values.mongodb_uri.strip()
    if uri and not uri.startswith(("mongodb://", "mongodb+srv://")):
        errors["mongodb_uri"] = "A MongoDB address starts with mongodb:// or mongodb+srv://"
    elif uri and len(uri.split("://", 1)[1].strip("/")) == 0:
        errors["mongodb_uri"] = "The address names no server"
    if not _DATABASE_NAME.match(values.mongodb_database):
        errors["mongodb_database"] = "Letters, digits, _ and - only (at most 63)"
    if not 0 <= values.webhook_port <= 65535:
        errors["webhook_port"] = "A port is a number from 0 to 65535 (0: any free port)"
    for name in ("public_webhook_url", "r2_endpoint_url", "r2_public_base_url"):
        text = getattr(values, name).strip()
        if text and not text.startswith(("https://", "http://")):
            errors[name] = "An address starting with https://"
    if values.blob_store == "r2" and not (values.r2_endpoint_url and values.r2_bucket):
        errors["r2_bucket"] = "R2 needs an endpoint and a bucket"
    return errors


class SettingsViewModel(ViewModel):
    """The settings in force, saved to the config file and the keyring; connection tests.

    Signals:
        loaded(object): the current ``SettingsValues`` (the display name read from the core).
        saved(list): saving ended; the groups that take a restart (e.g. ``["database"]``).
        save_failed(str): saving was refused (a secret, no keyring, a file error), in words.
        appearance_changed(str): the appearance to apply at once ("system", "light", "dark").
        database_tested(bool, str): a database test ended: whether it worked, and what it found.
        storage_tested(bool, str): a media storage test ended, likewise.
    """

    loaded = Signal(object)
    saved = Signal(list)
    save_failed = Signal(str)
    appearance_changed = Signal(str)
    database_tested = Signal(bool, str)
    storage_tested = Signal(bool, str)

    def __init__(
        self, session: SessionViewModel, tasks: UiTaskRunner, parent: QObject | None = None
    ) -> None:
        super().__init__(tasks, parent)
        self._session = session
        self.values = self._current(session.core.settings)
        uri = session.core.settings.mongodb_uri
        self._uri = uri.get_secret_value() if uri else ""
        """The saved database URI in full (``values`` shows it masked)."""

    def load(self) -> None:
        """Read the user's display name in this workspace, then emit :attr:`loaded`."""
        actor = self._session.actor
        self.run("load", self._session.core.workspaces.list_members(actor), self._on_members)

    def save(self, values: SettingsValues, secrets: dict[str, str]) -> None:
        """Save ``values`` and the secrets typed (empty: keep the saved one).

        Emits :attr:`saved` with what takes a restart, or :attr:`save_failed`.
        """
        before = self.values
        try:
            for name, secret in secrets.items():
                if secret:
                    config_store.save_secret(name, secret)
            file_values = values.file_values()
            uri = file_values.pop("mongodb_uri").strip()
            if uri != before.mongodb_uri:
                config_store.save_mongodb_uri(uri)
                self._uri = uri
            config_store.write_config(
                {
                    name: (None if value == "" else value)
                    for name, value in file_values.items()
                    if value != getattr(before, name)
                }
            )
        except AppError as exc:
            self.save_failed.emit(exc.message)
            return
        restart = [
            group
            for group, names in RESTART_GROUPS.items()
            if any(getattr(values, name) != getattr(before, name) for name in names)
        ]
        if any(secrets.values()):
            restart.append("providers" if set(secrets) - set(STORAGE_KEYS) else "media storage")
        restart = list(dict.fromkeys(restart))
        saved = {name for name, secret in secrets.items() if secret}
        values.saved_secrets = before.saved_secrets | saved
        for kind, on in values.notifications.items():
            notifications.set_enabled(kind, on)
        if values.appearance != before.appearance:
            app_qsettings().setValue(APPEARANCE_KEY, values.appearance)
            self.appearance_changed.emit(values.appearance)
        name = values.display_name.strip()
        values.mongodb_uri = mask_uri(self._uri)
        self.values = values
        if name and name != before.display_name:
            call = self._session.core.workspaces.set_display_name(self._session.actor, name)
            self.run(
                "display-name",
                call,
                lambda _members: self.saved.emit(restart),
                lambda error: self.save_failed.emit(f"Display name: {error.message}"),
            )
        else:
            self.saved.emit(restart)

    def test_database(self, uri: str) -> None:
        """Try the database ``uri`` names (empty: the embedded file): :attr:`database_tested`."""
        if uri.strip() == self.values.mongodb_uri:
            uri = self._uri  # the masked text stands for the saved URI
        data_dir = self._session.core.settings.data_dir
        self.run("test-database", config_store.probe_database(uri, data_dir), self._on_db_check)

    def test_storage(self, values: SettingsValues, secrets: dict[str, str]) -> None:
        """Try the media storage ``values`` describe; see :attr:`storage_tested`."""
        settings = self._session.core.settings
        given: dict[str, Any] = {
            "data_dir": settings.data_dir,
            "blob_store": values.blob_store,
            "r2_endpoint_url": values.r2_endpoint_url or None,
            "r2_bucket": values.r2_bucket or None,
            "r2_public_base_url": values.r2_public_base_url or None,
        }
        for name in STORAGE_KEYS:
            given[name] = secrets.get(name) or None  # None: the saved key is read as usual
        self.run("test-storage", config_store.probe_storage(given), self._on_storage_check)

    @staticmethod
    def _current(settings: AppSettings) -> SettingsValues:
        uri = settings.mongodb_uri.get_secret_value() if settings.mongodb_uri else ""
        return SettingsValues(
            mongodb_uri=mask_uri(uri),
            mongodb_database=settings.mongodb_database,
            blob_store=settings.blob_store,
            r2_endpoint_url=settings.r2_endpoint_url or "",
            r2_bucket=settings.r2_bucket or "",
            r2_public_base_url=settings.r2_public_base_url or "",
            default_image_provider=settings.default_image_provider,
            default_video_provider=settings.default_video_provider,
            webhook_relay=settings.webhook_relay,
            webhook_port=settings.webhook_port,
            public_webhook_url=settings.public_webhook_url or "",
            appearance=saved_theme_mode(),
            notifications={kind: notifications.enabled(kind) for kind in notifications.KINDS},
            saved_secrets={
                name
                for name in (*PROVIDER_KEYS, *STORAGE_KEYS)
                if getattr(settings, name) is not None
            },
        )

    def _on_members(self, members: list[Any]) -> None:
        me = [m for m in members if m.user_id == self._session.actor.user_id]
        self.values.display_name = me[0].display_name if me else ""
        self.loaded.emit(self.values)

    def _on_db_check(self, check: Check) -> None:
        self.database_tested.emit(check.ok, check.detail)

    def _on_storage_check(self, check: Check) -> None:
        self.storage_tested.emit(check.ok, check.detail)
