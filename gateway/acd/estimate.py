"""Average handle times (EWMA) and the caller's position / ETA.

ETA for a waiting entry at 1-based ``position`` among waiting entries of the
same skill::

    eta = position * avg_handle(queue, skill) / max(1, capable)

``capable`` counts logged-in (not offline) seats that qualify for the entry in
its current tier or any later one.  If an idle seat would qualify only at a
later tier (e.g. a volunteer is free but the entry is not in the volunteer tier
yet), the ETA is capped at the seconds until that tier opens.  If no capable
seat is logged in, ETA is None and ``seats_online`` is False.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from gateway.errors import InvalidField

from .config import QueueConfig
from .matching import routing_order
from .model import Entry, QueueStatus, Seat

DEFAULT_ALPHA = 0.2


@dataclass(slots=True)
class HandleTimes:
    """EWMA of handle times per (queue, skill), seeded with the queue's ``default_handle_s``."""

    alpha: float = DEFAULT_ALPHA
    _avg: dict[tuple[str, str], float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not 0.0 < self.alpha <= 1.0:
            raise InvalidField(f"ewma alpha must be in (0, 1], got {self.alpha!r}")

    def average(self, queue: QueueConfig, skill: str) -> float:
        return self._avg.get((queue.name, skill), queue.default_handle_s)

    def record(self, queue: QueueConfig, skill: str, handle_s: float) -> float:
        prev = self.average(queue, skill)
        new = prev + self.alpha * (max(0.0, handle_s) - prev)
        self._avg[(queue.name, skill)] = new
        return new

    def snapshot(self) -> dict[str, float]:
        return {f"{q}/{s}": v for (q, s), v in sorted(self._avg.items())}


def position_of(entry: Entry, entries: Iterable[Entry]) -> int:
    """1-based position among waiting entries needing the same skill, in routing order."""
    same = routing_order(e for e in entries if e.state == "waiting" and e.skill == entry.skill)
    for i, other in enumerate(same, start=1):
        if other is entry:
            return i
    raise ValueError(f"session {entry.session_id!r} is not waiting")


def capability(queue: QueueConfig, skill: str, current: int, seats: Iterable[Seat]) -> tuple[int, float | None]:
    """For callers in ``queue`` needing ``skill`` at tier ``current``: how many online seats could
    take them now or at a later tier, and the earliest later tier (its ``after_s``) at which an
    idle seat would qualify.  The same for every such caller, so computed once per group."""
    tiers = queue.tiers
    capable = 0
    min_after: float | None = None
    for seat in seats:
        if not seat.online:
            continue
        first = next((i for i in range(current, len(tiers)) if seat.admitted_by(tiers[i], skill)), None)
        if first is None:
            continue
        capable += 1
        if first > current and seat.idle:
            after = tiers[first].after_s
            min_after = after if min_after is None else min(min_after, after)
    return capable, min_after


def positions(entries: Iterable[Entry]) -> dict[str, int]:
    """Every waiting entry's 1-based position among those needing the same skill: one sort per
    skill, instead of one per caller (which made each tick quadratic in the queue's length)."""
    groups: dict[str, list[Entry]] = {}
    for e in entries:
        if e.state == "waiting":
            groups.setdefault(e.skill, []).append(e)
    out: dict[str, int] = {}
    for group in groups.values():
        for i, e in enumerate(routing_order(group), start=1):
            out[e.session_id] = i
    return out


def waiting_status(
    entry: Entry, entries: Iterable[Entry], seats: Iterable[Seat], avg_handle_s: float, now: float, *,
    position: int | None = None, able: tuple[int, float | None] | None = None,
) -> QueueStatus:
    """``position`` and ``able`` (from :func:`capability`) may be precomputed for a whole queue."""
    current = entry.tier_index(now)
    capable, min_after = able if able is not None else capability(entry.queue, entry.skill, current, seats)
    cap = None if min_after is None else max(0.0, entry.enqueued_at + min_after - now)
    if position is None:
        position = position_of(entry, entries)
    eta: float | None = None
    if capable:
        eta = position * avg_handle_s / max(1, capable)
        if cap is not None:
            eta = min(eta, cap)
    return QueueStatus(
        position=position,
        waiting_s=entry.waited(now),
        eta_s=eta,
        seats_online=capable > 0,
        state="waiting",
        queue=entry.queue.name,
        skill=entry.skill,
    )
