"""Events returned by every mutating ACD method.

The engine does no I/O: the async driver turns these into WebSocket messages,
database writes and metrics.  All are frozen dataclasses; ``to_dict()`` adds a
snake_case ``type`` (``Offered`` -> ``"offered"``).
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any, Final, Literal

OfferWithdrawnReason = Literal["timeout", "caller_left", "rejected", "seat_lost"]
RequeueReason = Literal["seat_no_answer", "seat_rejected", "seat_disconnected"]

OFFER_WITHDRAWN_REASONS: Final[tuple[str, ...]] = ("timeout", "caller_left", "rejected", "seat_lost")
REQUEUE_REASONS: Final[tuple[str, ...]] = ("seat_no_answer", "seat_rejected", "seat_disconnected")
# requeue reason -> (OfferWithdrawn reason if it was ringing, reason of the seat's move to "away")
REQUEUE_EFFECTS: Final[dict[str, tuple[str, str]]] = {
    "seat_no_answer": ("timeout", "no_answer"),
    "seat_rejected": ("rejected", "rejected"),
    "seat_disconnected": ("seat_lost", "disconnected"),
}

_CAMEL_RE: Final = re.compile(r"(?<!^)(?=[A-Z])")


@dataclass(frozen=True, slots=True)
class Event:
    @property
    def type(self) -> str:
        return _CAMEL_RE.sub("_", type(self).__name__).lower()

    def to_dict(self) -> dict[str, Any]:
        return {"type": self.type, **asdict(self)}


@dataclass(frozen=True, slots=True)
class Enqueued(Event):
    """A session joined ``queue`` needing ``skill`` (also emitted for restored sessions)."""

    session_id: str
    queue: str
    skill: str
    priority: int
    enqueued_at: float


@dataclass(frozen=True, slots=True)
class Offered(Event):
    """``seat_id`` is ringing for ``session_id`` until ``expires_at`` (epoch seconds)."""

    seat_id: str
    session_id: str
    expires_at: float
    queue: str = ""
    skill: str = ""
    channel: str = ""
    lang: str | None = None
    priority: int = 0
    waited_s: float = 0.0


@dataclass(frozen=True, slots=True)
class OfferWithdrawn(Event):
    """The offer is gone: ``timeout`` (not answered), ``caller_left``, ``rejected`` or ``seat_lost``."""

    seat_id: str
    session_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class Answered(Event):
    seat_id: str
    session_id: str
    waited_s: float


@dataclass(frozen=True, slots=True)
class SeatStateChanged(Event):
    """``until`` is the end of wrap-up for ``new == "wrap_up"``, else None."""

    seat_id: str
    old: str
    new: str
    reason: str
    until: float | None = None


@dataclass(frozen=True, slots=True)
class Requeued(Event):
    """The session is back at the head of its queue (it keeps its original enqueued_at)."""

    session_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class QueueChanged(Event):
    """Waiting list or estimates for (queue, skill) changed: push fresh ``status()`` to those callers."""

    queue: str
    skill: str


@dataclass(frozen=True, slots=True)
class Abandoned(Event):
    """The caller left before being answered (while waiting or while being offered)."""

    session_id: str
    waited_s: float


@dataclass(frozen=True, slots=True)
class Finished(Event):
    seat_id: str
    session_id: str
    handle_s: float
