"""ACD events, applied: each becomes storage writes and messages to the caller and the seats.

Called by ``ChatService._apply`` with the service lock held, in the order the ACD produced them.
Events about an interpreter leg go to ``interpreting.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from gateway import acd as acd_mod

if TYPE_CHECKING:
    from gateway.chat.service import ChatService


async def apply(svc: "ChatService", ev: Any) -> None:
    E = acd_mod
    if await svc.interp.on_event(ev):      # an interpreter leg, not a caller
        return
    if isinstance(ev, E.Offered):
        s = svc.sessions.get(ev.session_id)
        if s is None:
            return
        await svc.hub.to_seat(ev.seat_id, {
            "type": "offer", "expires_in_s": max(0, round(ev.expires_at - svc.clock.now())),
            "session": {"id": s.id, "channel": s.channel, "lang": s.lang, "priority": s.priority,
                        "waiting_s": round(svc.clock.now() - s.enqueued_at)}})
    elif isinstance(ev, E.OfferWithdrawn):
        await svc.hub.to_seat(ev.seat_id, {"type": "offer_withdrawn", "session": ev.session_id, "reason": ev.reason})
    elif isinstance(ev, E.Answered):
        s = svc.sessions.get(ev.session_id)
        if s is None:
            return
        seat = svc.acd.seat(ev.seat_id)
        now = svc.clock.now()
        await svc.repo.update_session(s.id, state="active", seat_id=ev.seat_id, seat_name=seat.name, answered_at=now)
        s.state, s.seat_id, s.seat_name, s.answered_at = "active", ev.seat_id, seat.name, now
        svc.broadcaster.forget(s.id)
        svc.metrics.queue_wait.labels(s.queue).observe(ev.waited_s)
        await svc.hub.to_caller(s.id, {"type": "connected", "seat": {"name": seat.name}})
        await svc.hub.to_seat(ev.seat_id, {"type": "session", "session": svc.seat_view(s),
                                            "caller_present": svc.hub.caller_present(s.id),
                                            "transcript": await svc.transcript(s.id)})
    elif isinstance(ev, E.Requeued):
        s = svc.sessions.get(ev.session_id)
        if s is None:
            return
        if s.state == "active":
            await svc.repo.update_session(s.id, state="queued", seat_id=None, seat_name=None)
            s.state, s.seat_id, s.seat_name = "queued", None, None
        svc.metrics.requeues.labels(ev.reason).inc()
        await svc.hub.to_caller(s.id, {"type": "requeued", "reason": ev.reason})
        if svc.interp.leg_of(s.id) is not None:     # no seat, no interpreting (we hold the lock here)
            svc._spawn(svc.interp.close(s.id, "seat_lost"))
    elif isinstance(ev, E.SeatStateChanged):
        await svc.hub.to_seat(ev.seat_id, {"type": "state", "state": ev.new, "reason": ev.reason,
                                            "until": getattr(ev, "until", None)})

