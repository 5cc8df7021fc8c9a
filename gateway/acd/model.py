"""Mutable internal records of the ACD and the frozen views it hands out."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from .config import QueueConfig, Tier

EntryState = Literal["waiting", "offered", "connected"]


@dataclass(slots=True)
class Seat:
    """One agent or volunteer position.

    A ringing seat (pending offer) stays in state ``available`` with ``session_id``
    set; ``busy`` means it holds an answered session.  ``idle_since`` is when it
    last became available (the longest-idle seat is offered first).
    """

    seat_id: str
    name: str
    kind: str
    skills: dict[str, int]
    state: str = "offline"
    reason: str = ""
    since: float = 0.0
    idle_since: float | None = None
    until: float | None = None
    session_id: str | None = None
    offer_expires_at: float | None = None

    @property
    def ringing(self) -> bool:
        return self.state == "available" and self.session_id is not None

    @property
    def idle(self) -> bool:
        return self.state == "available" and self.session_id is None

    @property
    def online(self) -> bool:
        return self.state != "offline"

    def level(self, skill: str) -> int:
        return self.skills.get(skill, 0)

    def admitted_by(self, tier: Tier, skill: str) -> bool:
        return tier.admits(self.kind, self.level(skill))

    def idle_key(self) -> tuple[float, str]:
        return (self.idle_since if self.idle_since is not None else float("inf"), self.seat_id)


@dataclass(slots=True)
class Entry:
    """A session in the ACD: waiting in a queue, being offered to a seat, or connected to one."""

    session_id: str
    channel: str
    lang: str | None
    queue: QueueConfig
    skill: str
    priority: int
    enqueued_at: float
    seq: int
    state: str = "waiting"
    seat_id: str | None = None
    answered_at: float | None = None

    def order_key(self) -> tuple[int, float, int]:
        """Routing order: priority desc, then enqueued_at asc, then arrival counter asc."""
        return (-self.priority, self.enqueued_at, self.seq)

    def waited(self, now: float) -> float:
        return max(0.0, now - self.enqueued_at)

    def tier_index(self, now: float) -> int:
        return self.queue.tier_index(self.enqueued_at, now)


@dataclass(frozen=True, slots=True)
class QueueStatus:
    """What a caller sees.  For ``offered``/``connected`` entries position is 0 and eta_s 0.0."""

    position: int
    waiting_s: float
    eta_s: float | None
    seats_online: bool
    state: str
    queue: str = ""
    skill: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "position": self.position,
            "eta_s": self.eta_s,
            "waiting_s": self.waiting_s,
            "seats_online": self.seats_online,
            "state": self.state,
        }


@dataclass(frozen=True, slots=True)
class SeatView:
    seat_id: str
    name: str
    kind: str
    skills: dict[str, int] = field(default_factory=dict)
    state: str = "offline"
    reason: str = ""
    since: float = 0.0
    until: float | None = None
    idle_since: float | None = None
    session_id: str | None = None
    ringing: bool = False
    offer_expires_at: float | None = None

    @classmethod
    def of(cls, seat: Seat) -> SeatView:
        return cls(
            seat_id=seat.seat_id,
            name=seat.name,
            kind=seat.kind,
            skills=dict(seat.skills),
            state=seat.state,
            reason=seat.reason,
            since=seat.since,
            until=seat.until,
            idle_since=seat.idle_since,
            session_id=seat.session_id,
            ringing=seat.ringing,
            offer_expires_at=seat.offer_expires_at,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.seat_id,
            "name": self.name,
            "kind": self.kind,
            "skills": dict(self.skills),
            "state": self.state,
            "reason": self.reason,
            "until": self.until,
            "session": self.session_id,
            "ringing": self.ringing,
        }
