"""What every service needs besides its own repositories."""

from __future__ import annotations

from dataclasses import dataclass

from app.ports.clock import Clock
from app.services.access import AccessControl
from app.services.activity_log import ActivityLog


@dataclass(frozen=True)
class ServiceContext:
    """Role checks, the activity log and the clock, shared by all services."""

    access: AccessControl
    activity: ActivityLog
    clock: Clock
