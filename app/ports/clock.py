"""The clock port, so that time can be controlled in tests."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from app.domain.common import utc_now


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, UTC, millisecond precision."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return utc_now()
