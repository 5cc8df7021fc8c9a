"""The skill-based Automatic Call Distributor: a pure state machine driven by method calls and a clock.

Life of a seat (``login`` puts it in ``away``; it must ``set_state("available")`` to take calls)::

    offline --login--> away <--set_state--> available --accept--> busy --finish--> wrap_up --tick--> available
                                              (ringing)                                   \\--set_state(away)--> away

A ringing seat stays ``available`` with a pending offer (``SeatView.ringing``); the
protocol has no separate ringing state.  Every mutating method validates first
(raising GatewayError without changing anything), then mutates, re-runs
matching and returns the resulting events in order; ``QueueChanged`` events for
every touched (queue, skill) come last.  No I/O, no asyncio, no threads: the
driver calls ``tick()`` at ``next_deadline()``.
"""

from __future__ import annotations

from typing import Any

from gateway.clock import Clock
from gateway.errors import Conflict, InvalidField, NotFound, UnknownSession

from .config import RoutingConfig
from .estimate import DEFAULT_ALPHA, HandleTimes, capability, positions, waiting_status
from .events import (
    REQUEUE_EFFECTS,
    REQUEUE_REASONS,
    Abandoned,
    Answered,
    Enqueued,
    Event,
    Finished,
    Offered,
    OfferWithdrawn,
    QueueChanged,
    Requeued,
    SeatStateChanged,
)
from .matching import earliest_deadline, plan_offers
from .model import Entry, QueueStatus, Seat, SeatView
from .skills import check_epoch, check_id, check_kind, check_priority, validate_skills
from .snapshot import build_snapshot

Touched = dict[tuple[str, str], None]  # an ordered set of (queue, skill)


class ACD:
    def __init__(self, config: RoutingConfig, clock: Clock, *, ewma_alpha: float = DEFAULT_ALPHA) -> None:
        self._config = config
        self._clock = clock
        self._seats: dict[str, Seat] = {}
        self._entries: dict[str, Entry] = {}
        self._seq = 0
        self._handle = HandleTimes(alpha=ewma_alpha)

    @property
    def config(self) -> RoutingConfig:
        return self._config

    # ------------------------------------------------------------------ seats

    def login(self, seat_id: str, name: str, kind: str, skills: dict[str, int]) -> list[Event]:
        """Log a seat in (state ``away``).  Logging in again updates name/kind/skills, keeping the state."""
        check_id(seat_id, "seat_id")
        if not isinstance(name, str):
            raise InvalidField(f"name must be a string, got {name!r}")
        kind = check_kind(kind)
        skills = validate_skills(skills)
        seat = self._seats.get(seat_id)
        if seat is not None and seat.session_id is not None:
            raise Conflict(f"seat {seat_id!r} holds session {seat.session_id!r}; it cannot log in again now")
        now = self._clock.now()
        events: list[Event] = []
        touched: Touched = {}
        if seat is None:
            seat = self._seats[seat_id] = Seat(seat_id=seat_id, name=name, kind=kind, skills=skills, since=now)
        else:
            self._touch_skills(seat, touched)
            seat.name, seat.kind, seat.skills = name, kind, skills
        if seat.state == "offline":
            self._change(seat, "away", "login", now, events)
        self._touch_skills(seat, touched)
        return self._settle(now, events, touched)

    def logout(self, seat_id: str) -> list[Event]:
        """Log a seat out; a session it holds goes back to the head of its queue (``seat_disconnected``)."""
        seat = self._seat(seat_id)
        if seat.state == "offline":
            return []
        now = self._clock.now()
        events: list[Event] = []
        touched: Touched = {}
        if seat.session_id is not None:
            entry = self._entries[seat.session_id]
            self._take_back(entry, seat, now, events, touched, "seat_disconnected", "seat_lost", "offline", "logout")
        else:
            self._change(seat, "offline", "logout", now, events)
        self._touch_skills(seat, touched)
        return self._settle(now, events, touched)

    def set_state(self, seat_id: str, state: str) -> list[Event]:
        """``available`` or ``away``.  Going away while ringing declines the offer (like ``reject``)."""
        if state not in ("available", "away"):
            raise InvalidField(f"state must be 'available' or 'away', got {state!r}")
        seat = self._seat(seat_id)
        if seat.state == "offline":
            raise Conflict(f"seat {seat_id!r} is offline; log in first")
        if seat.state == "busy":
            raise Conflict(f"seat {seat_id!r} is busy with session {seat.session_id!r}; finish it first")
        if seat.state == state and not seat.ringing:
            return []
        if state == "available" and seat.ringing:
            raise Conflict(f"seat {seat_id!r} is ringing for session {seat.session_id!r}; accept or reject it")
        now = self._clock.now()
        events: list[Event] = []
        touched: Touched = {}
        if seat.ringing:
            entry = self._entries[seat.session_id]  # type: ignore[index]
            self._take_back(entry, seat, now, events, touched, "seat_rejected", "rejected", "away", "manual")
        else:
            self._change(seat, state, "manual", now, events)
        return self._settle(now, events, touched)

    def seat_lost(self, seat_id: str) -> list[Event]:
        """The seat's connection dropped: its session is requeued at the head, the seat goes ``away``."""
        seat = self._seat(seat_id)
        if seat.state in ("offline", "away"):
            return []
        now = self._clock.now()
        events: list[Event] = []
        touched: Touched = {}
        if seat.session_id is not None:
            entry = self._entries[seat.session_id]
            self._take_back(entry, seat, now, events, touched, "seat_disconnected", "seat_lost", "away", "disconnected")
        else:
            self._change(seat, "away", "disconnected", now, events)
        return self._settle(now, events, touched)

    # --------------------------------------------------------------- sessions

    def enqueue(
        self,
        session_id: str,
        channel: str,
        lang: str | None,
        priority: int | None = None,
        enqueued_at: float | None = None,
    ) -> list[Event]:
        """Queue a session.  ``enqueued_at`` (clamped to now) restores the original order after a restart."""
        check_id(session_id, "session_id")
        if session_id in self._entries:
            raise Conflict(f"session {session_id!r} is already in the ACD")
        queue, skill = self._config.route(channel, lang)
        priority = self._config.priority_for(channel) if priority is None else check_priority(priority)
        now = self._clock.now()
        at = now if enqueued_at is None else min(check_epoch(enqueued_at, "enqueued_at"), now)
        self._seq += 1
        entry = Entry(session_id, channel, lang, queue, skill, priority, at, self._seq)
        self._entries[session_id] = entry
        events: list[Event] = [Enqueued(session_id, queue.name, skill, priority, at)]
        return self._settle(now, events, {(queue.name, skill): None})

    def cancel(self, session_id: str) -> list[Event]:
        """The caller left.  Waiting or ringing: Abandoned (the ringing seat stays available, keeping
        its idle_since).  Connected: the conversation ends as if the seat called ``finish``."""
        entry = self._entry(session_id)
        now = self._clock.now()
        events: list[Event] = []
        touched: Touched = {}
        if entry.state == "connected":
            self._end(entry, self._seats[entry.seat_id], now, events, touched)  # type: ignore[index]
            return self._settle(now, events, touched)
        if entry.state == "offered":
            seat = self._seats[entry.seat_id]  # type: ignore[index]
            seat.session_id = None
            seat.offer_expires_at = None
            events.append(OfferWithdrawn(seat.seat_id, session_id, "caller_left"))
        else:
            touched[(entry.queue.name, entry.skill)] = None
        del self._entries[session_id]
        events.append(Abandoned(session_id, entry.waited(now)))
        return self._settle(now, events, touched)

    def accept(self, seat_id: str, session_id: str) -> list[Event]:
        seat, entry = self._offer_of(seat_id, session_id)
        now = self._clock.now()
        events: list[Event] = []
        entry.state = "connected"
        entry.answered_at = now
        seat.offer_expires_at = None
        self._change(seat, "busy", "answered", now, events)
        events.append(Answered(seat_id, session_id, entry.waited(now)))
        return self._settle(now, events, {})

    def reject(self, seat_id: str, session_id: str) -> list[Event]:
        """Decline an offer: the caller goes back to the head of the queue, the seat goes ``away``."""
        seat, entry = self._offer_of(seat_id, session_id)
        now = self._clock.now()
        events: list[Event] = []
        touched: Touched = {}
        self._take_back(entry, seat, now, events, touched, "seat_rejected", "rejected", "away", "rejected")
        return self._settle(now, events, touched)

    def finish(self, seat_id: str, session_id: str) -> list[Event]:
        """End an answered session: Finished, then the seat wraps up for the queue's ``wrap_up_s``."""
        seat = self._seat(seat_id)
        entry = self._entry(session_id)
        if seat.session_id != session_id or entry.state != "connected":
            raise Conflict(f"seat {seat_id!r} is not connected to session {session_id!r}")
        now = self._clock.now()
        events: list[Event] = []
        touched: Touched = {}
        self._end(entry, seat, now, events, touched)
        return self._settle(now, events, touched)

    def requeue(self, session_id: str, reason: str) -> list[Event]:
        """Take a ringing or connected session from its seat back to the head of its queue.

        ``seat_no_answer``/``seat_rejected``/``seat_disconnected``; the seat goes ``away``."""
        if reason not in REQUEUE_REASONS:
            raise InvalidField(f"reason must be one of {', '.join(REQUEUE_REASONS)}, got {reason!r}")
        entry = self._entry(session_id)
        if entry.state == "waiting":
            raise Conflict(f"session {session_id!r} is already waiting")
        seat = self._seats[entry.seat_id]  # type: ignore[index]
        offer_reason, seat_reason = REQUEUE_EFFECTS[reason]
        now = self._clock.now()
        events: list[Event] = []
        touched: Touched = {}
        self._take_back(entry, seat, now, events, touched, reason, offer_reason, "away", seat_reason)
        return self._settle(now, events, touched)

    # ------------------------------------------------------------------- time

    def tick(self) -> list[Event]:
        """Apply everything due by now: wrap-up ends, ring timeouts, then re-match (tiers widen with time)."""
        now = self._clock.now()
        events: list[Event] = []
        touched: Touched = {}
        wrapped = [s for s in self._seats.values() if s.state == "wrap_up" and s.until is not None and s.until <= now]
        for seat in sorted(wrapped, key=lambda s: (s.until, s.seat_id)):
            self._change(seat, "available", "wrap_up_done", now, events, idle_since=seat.until)
        expired = [s for s in self._seats.values() if s.ringing and (s.offer_expires_at or 0.0) <= now]
        for seat in sorted(expired, key=lambda s: (s.offer_expires_at, s.seat_id)):
            entry = self._entries[seat.session_id]  # type: ignore[index]
            self._take_back(entry, seat, now, events, touched, "seat_no_answer", "timeout", "away", "no_answer")
        return self._settle(now, events, touched)

    def next_deadline(self) -> float | None:
        """Earliest time tick() could change something (offer expiry, wrap-up end, a waiting entry's
        next tier), or None.  A value <= now means tick() is due already."""
        return earliest_deadline(self._entries.values(), self._seats.values(), self._clock.now())

    # ------------------------------------------------------------------ views

    def status(self, session_id: str) -> QueueStatus:
        entry = self._entry(session_id)
        now = self._clock.now()
        if entry.state != "waiting":
            end = entry.answered_at if entry.answered_at is not None else now
            return QueueStatus(0, entry.waited(end), 0.0, True, entry.state, entry.queue.name, entry.skill)
        avg = self._handle.average(entry.queue, entry.skill)
        return waiting_status(entry, self._entries.values(), self._seats.values(), avg, now)

    def waiting_statuses(self) -> dict[str, QueueStatus]:
        """:meth:`status` of every waiting caller at once: positions sorted once per skill and
        seat capability once per (queue, skill, tier), so a tick costs O(n log n), not O(n²)."""
        now = self._clock.now()
        pos = positions(self._entries.values())
        seats = list(self._seats.values())
        able: dict[tuple[str, str, int], tuple[int, float | None]] = {}
        out: dict[str, QueueStatus] = {}
        for entry in self._entries.values():
            if entry.state != "waiting":
                continue
            key = (entry.queue.name, entry.skill, entry.tier_index(now))
            if key not in able:
                able[key] = capability(entry.queue, entry.skill, key[2], seats)
            out[entry.session_id] = waiting_status(entry, (), seats, self._handle.average(entry.queue, entry.skill),
                                                   now, position=pos[entry.session_id], able=able[key])
        return out

    def seat(self, seat_id: str) -> SeatView:
        return SeatView.of(self._seat(seat_id))

    def seats(self) -> list[SeatView]:
        return [SeatView.of(s) for _, s in sorted(self._seats.items())]

    def has_session(self, session_id: str) -> bool:
        return session_id in self._entries

    def average_handle_s(self, queue: str, skill: str) -> float:
        return self._handle.average(self._config.queue(queue), skill)

    def snapshot(self) -> dict[str, Any]:
        """Counts for metrics and the supervisor console (JSON-serialisable); see ``build_snapshot``."""
        return build_snapshot(self._config, self._entries.values(), self._seats.values(), self._handle, self._clock.now())

    # -------------------------------------------------------------- internals

    def _seat(self, seat_id: str) -> Seat:
        seat = self._seats.get(seat_id)
        if seat is None:
            raise NotFound(f"unknown seat {seat_id!r}")
        return seat

    def _entry(self, session_id: str) -> Entry:
        entry = self._entries.get(session_id)
        if entry is None:
            raise UnknownSession(f"session {session_id!r} is not in the ACD")
        return entry

    def _offer_of(self, seat_id: str, session_id: str) -> tuple[Seat, Entry]:
        seat = self._seat(seat_id)
        entry = self._entry(session_id)
        if not seat.ringing or seat.session_id != session_id:
            raise Conflict(f"seat {seat_id!r} has no pending offer for session {session_id!r}")
        return seat, entry

    def _change(
        self,
        seat: Seat,
        new: str,
        reason: str,
        now: float,
        events: list[Event],
        *,
        until: float | None = None,
        idle_since: float | None = None,
    ) -> None:
        old = seat.state
        seat.state = new
        seat.reason = reason
        seat.since = now
        seat.until = until if new == "wrap_up" else None
        seat.idle_since = (idle_since if idle_since is not None else now) if new == "available" else None
        events.append(SeatStateChanged(seat.seat_id, old, new, reason, seat.until))

    def _take_back(
        self,
        entry: Entry,
        seat: Seat,
        now: float,
        events: list[Event],
        touched: Touched,
        requeue_reason: str,
        offer_reason: str,
        seat_state: str,
        seat_reason: str,
    ) -> None:
        """Detach ``entry`` from ``seat`` and put it back in its queue (its enqueued_at keeps it at the head)."""
        if entry.state == "offered":
            events.append(OfferWithdrawn(seat.seat_id, entry.session_id, offer_reason))
        seat.session_id = None
        seat.offer_expires_at = None
        self._change(seat, seat_state, seat_reason, now, events)
        entry.state = "waiting"
        entry.seat_id = None
        entry.answered_at = None
        events.append(Requeued(entry.session_id, requeue_reason))
        touched[(entry.queue.name, entry.skill)] = None

    def _end(self, entry: Entry, seat: Seat, now: float, events: list[Event], touched: Touched) -> None:
        handle_s = max(0.0, now - (entry.answered_at if entry.answered_at is not None else now))
        self._handle.record(entry.queue, entry.skill, handle_s)
        del self._entries[entry.session_id]
        seat.session_id = None
        events.append(Finished(seat.seat_id, entry.session_id, handle_s))
        wrap = entry.queue.wrap_up_s
        if wrap > 0:
            self._change(seat, "wrap_up", "finished", now, events, until=now + wrap)
        else:
            self._change(seat, "available", "finished", now, events)
        if any(e.state == "waiting" and e.skill == entry.skill for e in self._entries.values()):
            touched[(entry.queue.name, entry.skill)] = None  # the average handle time moved

    def _touch_skills(self, seat: Seat, touched: Touched) -> None:
        for entry in self._entries.values():
            if entry.state == "waiting" and entry.skill in seat.skills:
                touched[(entry.queue.name, entry.skill)] = None

    def _settle(self, now: float, events: list[Event], touched: Touched) -> list[Event]:
        for entry, seat in plan_offers(self._entries.values(), self._seats.values(), now):
            entry.state = "offered"
            entry.seat_id = seat.seat_id
            seat.session_id = entry.session_id
            seat.offer_expires_at = now + entry.queue.ring_timeout_s
            events.append(
                Offered(
                    seat.seat_id,
                    entry.session_id,
                    seat.offer_expires_at,
                    queue=entry.queue.name,
                    skill=entry.skill,
                    channel=entry.channel,
                    lang=entry.lang,
                    priority=entry.priority,
                    waited_s=entry.waited(now),
                )
            )
            touched[(entry.queue.name, entry.skill)] = None
        events.extend(QueueChanged(queue, skill) for queue, skill in touched)
        return events
