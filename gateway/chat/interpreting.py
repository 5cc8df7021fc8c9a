"""A volunteer interpreter joins a call as a third party.

- **Invitation.** The seat holding a session asks for an interpreter in a language
  (``invite``).  The request is a *leg*: an entry of its own in the ACD on the
  ``interpret`` channel, so ringing, ring timeouts, volunteers first and the
  widening tiers all work as they do for callers (routing is configuration).
- **Joining.** The volunteer accepts the offer like any other; from then on the
  interpreter sees the transcript, their messages reach both the caller and the
  seat, and everyone's messages reach them.  WebRTC signalling is relayed between
  any two of the three parties (``to``/``from`` on ``rtc``), so media runs as a
  browser mesh: each party receives the other two directly and the browser plays
  (mixes) both, with no added server hop.
- **Leaving.** The interpreter leaves, the seat dismisses them, or the call ends
  or goes back to the queue.  An interpreter whose connection is lost for longer
  than the seat grace period is replaced: the ACD puts the leg back at the head of
  its queue and the next volunteer is rung.

Who interpreted, in which language and when is kept in the session's
``meta["interpreting"]`` on disk.  Legs themselves live in memory: after a restart
every answered call goes back to the queue, and with it any interpreting.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import languages
from gateway import acd as acd_mod
from gateway.errors import Conflict, Forbidden, InvalidField, UnknownLanguage
from gateway.storage.records import SessionRecord, UserRecord

if TYPE_CHECKING:
    from gateway.chat.service import ChatService

log = logging.getLogger("gateway.interpreting")
CHANNEL = "interpret"


@dataclass
class Leg:
    id: str                       # the ACD entry id
    session_id: str
    lang: str
    invited_by: str               # the seat that asked
    requested_at: float
    state: str = "requested"      # requested | ringing | joined
    seat_id: str | None = None    # the interpreter, once ringing or joined
    name: str | None = None
    joined_at: float | None = None

    def public(self, now: float) -> dict[str, Any]:
        out: dict[str, Any] = {"state": self.state, "lang": self.lang, "waiting_s": round(now - self.requested_at)}
        if self.state == "joined":
            out["name"] = self.name
        return out


class InterpreterDesk:
    def __init__(self, svc: "ChatService") -> None:
        self.svc = svc
        self.legs: dict[str, Leg] = {}          # leg id -> leg
        self._by_session: dict[str, str] = {}   # session id -> leg id (one at a time)

    # -- lookups ------------------------------------------------------------------
    def leg_of(self, session_id: str) -> Leg | None:
        leg_id = self._by_session.get(session_id)
        return self.legs.get(leg_id) if leg_id else None

    def interpreter_of(self, session_id: str) -> str | None:
        leg = self.leg_of(session_id)
        return leg.seat_id if leg and leg.state == "joined" else None

    def interpreting(self, seat_id: str) -> list[SessionRecord]:
        """Open sessions in which this seat is the joined interpreter."""
        out = []
        for leg in self.legs.values():
            s = self.svc.sessions.get(leg.session_id)
            if leg.state == "joined" and leg.seat_id == seat_id and s is not None:
                out.append(s)
        return out

    def role(self, user: UserRecord, session_id: Any) -> tuple[SessionRecord, str]:
        """The open, answered session and this user's part in it: ``seat`` or ``interpreter``."""
        s = self.svc.sessions.get(str(session_id))
        if s is not None and s.state == "active":
            if s.seat_id == user.id:
                return s, "seat"
            if self.interpreter_of(s.id) == user.id:
                return s, "interpreter"
        raise Forbidden("you are not connected to that session")

    def status(self, session_id: str) -> dict[str, Any] | None:
        leg = self.leg_of(session_id)
        return leg.public(self.svc.clock.now()) if leg else None

    # -- the seat's side ----------------------------------------------------------------
    def _check_lang(self, s: SessionRecord, lang: Any) -> str:
        served = {l.code for l in languages.foreign_languages()} | {"zh"}
        if lang in (None, ""):
            if s.lang not in served:
                raise InvalidField("'lang' is required: which language should the interpreter speak?", field="lang")
            return s.lang
        if not isinstance(lang, str) or lang.strip().lower() not in served:
            raise UnknownLanguage(f"no interpreters are routed for language {lang!r}; "
                                  f"choose one of: {', '.join(sorted(served))}")
        return lang.strip().lower()

    async def invite(self, user: UserRecord, session_id: Any, lang: Any) -> Leg:
        svc = self.svc
        s = svc.held(user, session_id)
        code = self._check_lang(s, lang)
        async with svc._lock:
            if self.leg_of(s.id) is not None:
                raise Conflict("an interpreter is already requested or taking part in this call; "
                               "dismiss them first to ask for another")
            now = svc.clock.now()
            leg = Leg(id="interp-" + uuid.uuid4().hex, session_id=s.id, lang=code, invited_by=user.id, requested_at=now)
            # Validates the route first: a routing without an 'interpret' queue refuses cleanly.
            events = svc.acd.enqueue(leg.id, CHANNEL, code, priority=svc.routing.priority_for(CHANNEL))
            self.legs[leg.id] = leg
            self._by_session[s.id] = leg.id
            await self._tell_all(s, {"type": "interpreter", "state": "requested", "lang": code})
            await svc._apply(events)
        svc.metrics.interpreter_requests.labels(code).inc()
        log.info("interpreter requested", extra={"event": "interpreter_requested", "session": s.id, "lang": code})
        await svc.push_queue_status()
        return leg

    async def dismiss(self, user: UserRecord, session_id: Any) -> None:
        """The seat cancels its request, or thanks the interpreter and lets them go."""
        s = self.svc.held(user, session_id)
        if self.leg_of(s.id) is None:
            raise Conflict("no interpreter is requested for this call")
        await self.close(s.id, "dismissed")

    # -- the interpreter's side ---------------------------------------------------------------
    async def leave(self, user: UserRecord, session_id: Any) -> None:
        s, part = self.role(user, session_id)
        if part != "interpreter":
            raise Forbidden("only the interpreter can leave; the seat ends the call instead")
        await self.close(s.id, "left")

    async def message(self, user: UserRecord, session_id: Any, client_id: Any, text: Any) -> Any:
        """The interpreter writes: stored (on disk) before the caller, the seat and they see it."""
        from gateway.chat.translation import message_json
        svc = self.svc
        s, part = self.role(user, session_id)
        if part != "interpreter":
            raise Forbidden("you are the seat of this call")
        m = await svc._store(s, "interpreter", svc.check_text(text), client_id, user.id)
        await svc.hub.to_seat(user.id, {"type": "ack", "session": s.id, "client_id": m.client_id, "seq": m.seq})
        await svc.hub.to_seat(user.id, message_json(m, "seat"))
        if s.seat_id:
            await svc.hub.to_seat(s.seat_id, message_json(m, "seat"))
        await svc.hub.to_caller(s.id, message_json(m, "caller"))
        return m

    # -- closing ------------------------------------------------------------------------------
    async def close(self, session_id: str, reason: str) -> None:
        """End the session's leg, whatever state it is in (no-op without one)."""
        svc = self.svc
        async with svc._lock:
            leg = self.leg_of(session_id)
            if leg is None:
                return
            events: list[Any] = []
            if svc.acd.has_session(leg.id):
                if leg.state == "joined":
                    events = svc.acd.finish(leg.seat_id, leg.id)  # type: ignore[arg-type]
                else:
                    events = svc.acd.cancel(leg.id)
            del self.legs[leg.id]
            self._by_session.pop(session_id, None)
            s = svc.sessions.get(session_id)
            if leg.state == "joined":
                await self._record(session_id, leg, left_at=svc.clock.now(), reason=reason)
            if s is not None:
                await self._tell_all(s, {"type": "interpreter", "state": "left" if leg.state == "joined" else "cancelled",
                                         "reason": reason, "lang": leg.lang, "name": leg.name})
            if leg.state == "joined" and leg.seat_id:
                await svc.hub.to_seat(leg.seat_id, {"type": "ended", "session": session_id, "by": reason,
                                                    "role": "interpreter", "ticket": None})
            await svc._apply(events)
        log.info("interpreter leg closed", extra={"event": "interpreter_closed", "session": session_id, "reason": reason})
        await svc.push_queue_status()

    # -- ACD events for legs ----------------------------------------------------------------
    async def on_event(self, ev: Any) -> bool:
        """Handle an ACD event that concerns a leg; False when it is not about one."""
        leg = self.legs.get(getattr(ev, "session_id", "") or "")
        if leg is None:
            return False
        svc, E = self.svc, acd_mod
        s = svc.sessions.get(leg.session_id)
        if isinstance(ev, E.Offered):
            leg.state, leg.seat_id = "ringing", ev.seat_id
            parent = {"channel": s.channel if s else None, "lang": s.lang if s else None,
                      "seat_name": s.seat_name if s else None}
            await svc.hub.to_seat(ev.seat_id, {
                "type": "offer", "expires_in_s": max(0, round(ev.expires_at - svc.clock.now())),
                "session": {"id": leg.id, "channel": CHANNEL, "lang": leg.lang, "priority": ev.priority,
                            "waiting_s": round(svc.clock.now() - leg.requested_at), "parent": parent}})
        elif isinstance(ev, E.OfferWithdrawn):
            await svc.hub.to_seat(ev.seat_id, {"type": "offer_withdrawn", "session": leg.id, "reason": ev.reason})
        elif isinstance(ev, E.Answered) and s is not None:
            view = svc.acd.seat(ev.seat_id)
            leg.state, leg.seat_id, leg.name, leg.joined_at = "joined", ev.seat_id, view.name, svc.clock.now()
            await self._record(s.id, leg)
            await svc.hub.to_seat(ev.seat_id, {"type": "session", "session": self.interpreter_view(s),
                                               "caller_present": svc.hub.caller_present(s.id),
                                               "transcript": await svc.transcript(s.id)})
            await self._tell_all(s, {"type": "interpreter", "state": "joined", "lang": leg.lang, "name": leg.name},
                                 skip=ev.seat_id)
        elif isinstance(ev, E.Requeued):
            was_joined = leg.state == "joined"
            if was_joined:
                await self._record(leg.session_id, leg, left_at=svc.clock.now(), reason="connection_lost")
            leg.state, leg.seat_id, leg.name, leg.joined_at = "requested", None, None, None
            if s is not None and was_joined:
                await self._tell_all(s, {"type": "interpreter", "state": "requested", "lang": leg.lang,
                                         "reason": "interpreter_lost"})
        return True

    # -- views and fan-out -------------------------------------------------------------------
    def interpreter_view(self, s: SessionRecord) -> dict[str, Any]:
        """What the interpreter's console gets: the conversation, not who the caller is."""
        leg = self.leg_of(s.id)
        return {**s.public(), "role": "interpreter", "interpret_lang": leg.lang if leg else None,
                "seat_name": s.seat_name, "caller_present": self.svc.hub.caller_present(s.id),
                "mt": {"from_caller": False, "to_caller": False}, "caller": {}, "card": None,
                "consent_recording": bool(s.meta.get("consent_recording"))}

    async def to_interpreter(self, session_id: str, msg: dict[str, Any]) -> None:
        seat_id = self.interpreter_of(session_id)
        if seat_id:
            await self.svc.hub.to_seat(seat_id, msg)

    async def _tell_all(self, s: SessionRecord, msg: dict[str, Any], *, skip: str | None = None) -> None:
        """The caller, the seat and the interpreter (if any) of ``s``, except ``skip``."""
        hub = self.svc.hub
        await hub.to_caller(s.id, msg)
        targets = {s.seat_id, self.interpreter_of(s.id)} - {None, skip}
        for seat_id in targets:
            await hub.to_seat(seat_id, {**msg, "session": s.id})  # type: ignore[arg-type]

    async def presence(self, seat_id: str, present: bool) -> None:
        """An interpreter's console connection dropped or came back."""
        for s in self.interpreting(seat_id):
            await self._tell_all(s, {"type": "interpreter", "state": "joined" if present else "away",
                                     "lang": self.leg_of(s.id).lang, "name": self.leg_of(s.id).name},  # type: ignore[union-attr]
                                 skip=seat_id)

    async def _record(self, session_id: str, leg: Leg, *, left_at: float | None = None, reason: str | None = None) -> None:
        """Who interpreted, when: appended to (or completed in) the session's meta, on disk."""
        svc = self.svc
        s = svc.sessions.get(session_id)
        if s is None:
            return
        history = [dict(x) for x in s.meta.get("interpreting", [])]
        if left_at is None:
            history.append({"leg": leg.id, "seat_id": leg.seat_id, "name": leg.name, "lang": leg.lang,
                            "invited_by": leg.invited_by, "joined_at": leg.joined_at})
        else:
            for x in history:
                if x.get("leg") == leg.id and "left_at" not in x:
                    x["left_at"], x["reason"] = left_at, reason
        meta = {**s.meta, "interpreting": history}
        await svc.repo.update_session(s.id, meta=meta)
        s.meta = meta
