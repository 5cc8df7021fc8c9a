"""Clocks.  Domain code takes a clock instead of calling ``time.time()`` so tests are deterministic."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the epoch (UTC)."""
        ...


class SystemClock:
    def now(self) -> float:
        return time.time()


class ManualClock:
    """A clock that only moves when told to; for tests and simulations."""

    def __init__(self, start: float = 1_795_824_000.0) -> None:  # 2026-11-28T00:00:00Z
        self._t = float(start)

    def now(self) -> float:
        return self._t

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ValueError("a clock cannot go backwards")
        self._t += seconds
        return self._t

    def set(self, t: float) -> None:
        self._t = float(t)


def utc_iso(ts: float) -> str:
    """ISO 8601 in UTC with a trailing Z, millisecond precision."""
    return datetime.fromtimestamp(ts, tz=timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
