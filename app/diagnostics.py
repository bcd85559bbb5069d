"""What ``campaign-studio doctor`` checks: the settings in force, the data folder, the database."""

from __future__ import annotations

import getpass
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from app.adapter_factory import (
    build_blob_store,
    build_language_model,
    build_providers,
    build_store,
)
from app.bootstrap import ensure_data_dir
from app.config import (
    AppSettings,
    config_file_path,
    keyring_status,
    mask_uri,
    unknown_variables,
)
from app.domain.errors import AppError, byte_size

LOW_DISK_SPACE = 1024**3
"""Below this much free space in the data folder the doctor warns (renders need room)."""


@dataclass(frozen=True)
class Check:
    """One line of the report: a name, whether it passed, and what was found or is wrong.

    ``warning`` marks a check that passed but deserves attention (it is not a problem).
    """

    name: str
    ok: bool
    detail: str
    warning: bool = False

    @property
    def label(self) -> str:
        """``ok``, ``warn`` or ``BAD``, as the report shows it."""
        if not self.ok:
            return "BAD"
        return "warn" if self.warning else "ok"


def settings_report(settings: AppSettings) -> list[tuple[str, str]]:
    """Every setting with its value; secrets show only whether they are set."""
    rows = []
    for name in type(settings).model_fields:
        value: Any = getattr(settings, name)
        if name == "mongodb_uri":
            shown = mask_uri(value.get_secret_value()) if value else "(not set: embedded SQLite)"
        elif isinstance(value, SecretStr):
            shown = "set (hidden)" if value.get_secret_value() else "(not set)"
        elif value is None:
            shown = "(not set)"
        else:
            shown = str(value)
        rows.append((name, shown))
    return rows


async def diagnose(settings: AppSettings) -> list[Check]:
    """Run every check; never raises for a problem it can describe."""
    path = config_file_path()
    checks = [
        Check("config file", True, str(path) if path.exists() else f"{path} (absent: defaults)"),
        *_check_environment(),
        Check("keyring", True, keyring_status()),
    ]
    try:
        ensure_data_dir(settings.data_dir)
        checks.append(Check("data folder", True, f"{settings.data_dir} (writable)"))
    except AppError as exc:
        checks.append(Check("data folder", False, exc.message))
        return checks
    checks.append(_check_disk_space(settings.data_dir))
    checks.extend(await _check_database(settings))
    checks.append(await _check_media_store(settings))
    checks.append(await _check_language_model(settings))
    checks.append(_check_providers(settings))
    return checks


def _check_environment() -> list[Check]:
    """One failed check per ``CAMPAIGN_STUDIO_*`` variable that sets nothing (a typo)."""
    checks = []
    for name, closest in unknown_variables():
        hint = f"; did you mean {closest}?" if closest else ""
        checks.append(Check("environment", False, f"{name} is not a setting{hint}"))
    return checks


def _check_disk_space(folder: Path) -> Check:
    try:
        free = shutil.disk_usage(folder).free
    except OSError as exc:
        return Check("disk space", False, f"cannot measure the free space of {folder}: {exc}")
    detail = f"{byte_size(free)} free in {folder}"
    if free < LOW_DISK_SPACE:
        low = f"{detail}: under {byte_size(LOW_DISK_SPACE)}, renders and uploads may fail"
        return Check("disk space", True, low, warning=True)
    return Check("disk space", True, detail)


def _check_providers(settings: AppSettings) -> Check:
    try:
        providers = sorted(build_providers(settings))
    except AppError as exc:
        return Check("renders", False, exc.message)
    relay = (
        f"webhooks via {settings.public_webhook_url}"
        if settings.public_webhook_url
        else "polling only (no public_webhook_url)"
    )
    defaults = (
        f"images: {settings.default_image_provider}, videos: {settings.default_video_provider}"
    )
    unknown = {settings.default_image_provider, settings.default_video_provider} - set(providers)
    if unknown:
        return Check(
            "renders",
            False,
            f"default provider {', '.join(sorted(unknown))} is not "
            f"configured (available: {', '.join(providers)})",
        )
    return Check("renders", True, f"providers {', '.join(providers)}; {defaults}; {relay}")


async def _check_language_model(settings: AppSettings) -> Check:
    try:
        model = build_language_model(settings)
    except AppError as exc:
        return Check("AI model", False, exc.message)
    if model is None:
        return Check(
            "AI model",
            True,
            "no poe_api_key: AI suggestions are off (the guidance rules work offline)",
        )
    try:
        return Check("AI model", True, await model.check())
    except AppError as exc:
        return Check("AI model", False, exc.message)
    finally:
        await model.close()


async def _check_media_store(settings: AppSettings) -> Check:
    try:
        blobs = build_blob_store(settings)
    except AppError as exc:
        return Check("media store", False, exc.message)
    try:
        facts = await blobs.describe()
    except AppError as exc:
        return Check("media store", False, exc.message)
    finally:
        await blobs.close()
    return Check("media store", True, ", ".join(f"{key} {value}" for key, value in facts.items()))


async def _check_database(settings: AppSettings) -> list[Check]:
    """The database's facts, then who the user is on it (see :func:`_check_identity`)."""
    try:
        store = build_store(settings)  # a malformed URI is refused here, before any I/O
    except AppError as exc:
        return [Check("database", False, exc.message)]
    try:
        await store.open()
        facts = await store.describe()
        signed_in = store.authenticated_user()
    except AppError as exc:
        return [Check("database", False, exc.message)]
    finally:
        await store.close()
    # A team database a newer release upgraded opens read-only: usable, but not for work.
    healthy = facts.get("integrity", "ok") == "ok" and not facts.get("read_only")
    details = ", ".join(f"{key} {value}" for key, value in facts.items())
    return [Check("database", healthy, details), _check_identity(settings, signed_in)]


def _check_identity(settings: AppSettings, signed_in: str | None) -> Check:
    """Who acts: the database user the server authenticated, else the profile's user id,
    which a team server without authentication trusts from anyone (a warning)."""
    if signed_in is not None:
        return Check("identity", True, f"signed in to the database as {signed_in}")
    profile = f"{settings.user_id or getpass.getuser()} (the profile's user id"
    if not settings.uses_mongodb:
        return Check("identity", True, f"{profile}; the embedded file is one person's)")
    return Check(
        "identity",
        True,
        f"{profile}): the server does not authenticate users: anyone can act as anyone by "
        "changing the user id in their profile. Turn on the server's authentication and give "
        "each person a database user",
        warning=True,
    )


async def check_database(settings: AppSettings) -> Check:
    """The database check alone: can these settings open the database (a settings test)."""
    return (await _check_database(settings))[0]


async def check_media_store(settings: AppSettings) -> Check:
    """The media store check alone: can these settings reach the media store."""
    return await _check_media_store(settings)
