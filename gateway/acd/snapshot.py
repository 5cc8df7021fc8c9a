"""Supervisor / metrics snapshot of the ACD (JSON-serialisable)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .config import RoutingConfig
from .estimate import HandleTimes
from .model import Entry, Seat
from .skills import SEAT_STATES

ENTRY_STATES = ("waiting", "offered", "connected")


def _bucket(**extra: Any) -> dict[str, Any]:
    return {**extra, "waiting": 0, "offered": 0, "connected": 0, "oldest_wait_s": 0.0}


def build_snapshot(
    config: RoutingConfig, entries: Iterable[Entry], seats: Iterable[Seat], handle: HandleTimes, now: float
) -> dict[str, Any]:
    """``queues``: one row per (queue, skill) that has sessions, shaped like ``GET /api/v1/queues``
    (``queue, skill, waiting, oldest_wait_s`` plus ``offered, connected``), in config order then skill;
    ``queue_totals``: the same counts per configured queue; ``seats``: counts by state and by kind,
    ``ringing`` (available seats with a pending offer); ``sessions``: counts by entry state."""
    order = {q.name: i for i, q in enumerate(config.queues)}
    groups: dict[tuple[str, str], dict[str, Any]] = {}
    totals = {q.name: _bucket() for q in config.queues}
    sessions = {state: 0 for state in ENTRY_STATES}
    for entry in entries:
        key = (entry.queue.name, entry.skill)
        group = groups.setdefault(key, _bucket(queue=key[0], skill=key[1]))
        sessions[entry.state] += 1
        for bucket in (group, totals[entry.queue.name]):
            bucket[entry.state] += 1
            if entry.state == "waiting":
                bucket["oldest_wait_s"] = max(bucket["oldest_wait_s"], entry.waited(now))
    by_state = {state: 0 for state in SEAT_STATES}
    by_kind: dict[str, dict[str, int]] = {}
    ringing = total = 0
    for seat in seats:
        total += 1
        ringing += seat.ringing
        by_state[seat.state] += 1
        by_kind.setdefault(seat.kind, {state: 0 for state in SEAT_STATES})[seat.state] += 1
    return {
        "at": now,
        "queues": [groups[k] for k in sorted(groups, key=lambda k: (order[k[0]], k[1]))],
        "queue_totals": totals,
        "seats": {"by_state": by_state, "by_kind": by_kind, "ringing": ringing, "total": total},
        "sessions": sessions,
        "avg_handle_s": handle.snapshot(),
    }
