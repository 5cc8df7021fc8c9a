"""The chat contact service: sessions, the queue, seats and transcripts, tied together.

Data flows one way: a caller session is stored, queued in the ACD, offered to a
seat, answered, its messages stored, and on its end a draft ticket is written
from the transcript.  Every state change is committed to the repository
before anybody is told about it.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import languages
from gateway.acd import ACD, RoutingConfig
from gateway.acd.model import QueueStatus
from gateway.auth import token_hash
from gateway.chat import acd_events
from gateway.chat.broadcast import QueueBroadcaster
from gateway.chat.drafting import Drafter
from gateway.chat.ticketing import draft_ticket
from gateway.chat.hub import Hub
from gateway.chat.interpreting import InterpreterDesk
from gateway.chat.presence import CallerPresence
from gateway.chat.translation import ChatTranslator, compose_for_caller, message_json, translate_caller_message
from gateway.clock import Clock, utc_iso
from gateway.config import Config
from gateway.domain.ticket import CallerInfo, Ticket
from gateway.errors import Conflict, Forbidden, InvalidField, NotFound, PayloadTooLarge, UnknownChannel, UnknownLanguage, UnknownSession
from gateway.kiosk import hour_bucket
from gateway.metrics import Metrics
from gateway.storage.records import MessageRecord, SessionRecord, UserRecord
from gateway.storage.repository import Repository

log = logging.getLogger("gateway.chat")
LIVE_CHANNELS = ("chat", "voice", "video")


def queue_message(st: QueueStatus) -> dict[str, Any]:
    """What a waiting caller is told about its place in the queue."""
    return {"type": "queue", "position": st.position, "eta_s": None if st.eta_s is None else round(st.eta_s),
            "waiting_s": round(st.waiting_s), "seats_online": st.seats_online, "state": st.state}


class ChatService:
    def __init__(self, *, repo: Repository, routing: RoutingConfig, clock: Clock, config: Config,
                 metrics: Metrics, drafter: Drafter, hub: Hub | None = None,
                 translator: ChatTranslator | None = None, secret: bytes = b"") -> None:
        self.repo = repo
        self.routing = routing
        self.clock = clock
        self.config = config
        self.metrics = metrics
        self.drafter = drafter
        self.translator = translator
        self.secret = secret            # HMAC key for caller identifiers
        # Called with a session id after it ended and was stored (e.g. to close its video copy).
        self.on_session_end: list[Callable[[str], Awaitable[None]]] = []
        self._background: set[asyncio.Task[None]] = set()
        self.hub = hub or Hub()
        self.acd = ACD(routing, clock)
        self.sessions: dict[str, SessionRecord] = {}      # open sessions only
        self.broadcaster = QueueBroadcaster(self)
        self.interp = InterpreterDesk(self)          # volunteer interpreters as a third party
        self._seat_grace: dict[str, asyncio.TimerHandle] = {}
        self.presence = CallerPresence(self)      # waiting callers with no connection are abandoned
        self._seat_state_before_drop: dict[str, str] = {}
        self._wake = asyncio.Event()
        self._ticker: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    # -- lifecycle -----------------------------------------------------------
    async def start(self, *, run_ticker: bool = True) -> None:
        """Restore every open session from disk, then start the timer loop."""
        restored = 0
        for s in await self.repo.open_sessions():
            if s.state == "active":
                # The seat's connection did not survive the restart: the caller goes
                # back to the head of the queue (original enqueue time) with the transcript.
                s.state, s.seat_id, s.seat_name = "queued", None, None
                await self.repo.update_session(s.id, state="queued", seat_id=None, seat_name=None)
            self.sessions[s.id] = s
            await self._apply(self.acd.enqueue(s.id, s.channel, s.lang, priority=s.priority, enqueued_at=s.enqueued_at))
            self.presence.watch(s.id)           # nobody is connected yet after a restart
            restored += 1
        if restored:
            log.info("restored open sessions", extra={"event": "sessions_restored", "count": restored})
        if run_ticker:
            self._ticker = asyncio.create_task(self._tick_loop(), name="acd-ticker")

    async def stop(self) -> None:
        if self._ticker is not None:
            self._ticker.cancel()
            try:
                await self._ticker
            except asyncio.CancelledError:
                pass
        for h in self._seat_grace.values():
            h.cancel()
        self.presence.cancel_all()
        for task in list(self._background):
            task.cancel()
        # 1012 "service restart": the pages reconnect and resume from disk.
        await self.hub.close_all(1012, b"server restarting")

    async def _tick_loop(self) -> None:
        period = self.config.queue_update_interval_s
        while True:
            nxt = self.acd.next_deadline()
            delay = period if nxt is None else max(0.0, min(period, nxt - self.clock.now()))
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=delay)
            except asyncio.TimeoutError:
                pass
            self._wake.clear()
            try:
                await self.tick()
            except Exception:  # the loop must survive anything one tick does
                log.exception("tick failed", extra={"event": "tick_failed"})

    async def tick(self) -> None:
        async with self._lock:
            await self._apply(self.acd.tick())
        await self.push_queue_status()

    # -- callers ---------------------------------------------------------------
    async def create_session(self, channel: str, lang: str, *, caller: CallerInfo | None = None,
                             consent_recording: bool = False,
                             kiosk: str | None = None) -> tuple[SessionRecord, str]:
        """``kiosk``: an already validated airport-kiosk id.  Such a session carries it in its meta,
        is served with the "kiosk" priority when that is higher than the channel's (a visitor is
        standing at the kiosk), and counts one anonymous ``call_started`` for the kiosk's report."""
        if channel not in LIVE_CHANNELS:
            raise UnknownChannel(f"channel {channel!r} is not served here; use one of: {', '.join(LIVE_CHANNELS)}")
        lang = self._check_lang(channel, lang)
        queue, skill = self.routing.route(channel, lang)
        now = self.clock.now()
        token = secrets.token_urlsafe(24)
        priority = self.routing.priority_for(channel)
        meta: dict[str, Any] = {"caller": (caller or CallerInfo()).to_dict(), "consent_recording": consent_recording}
        if kiosk is not None:
            priority = max(priority, self.routing.priority_for("kiosk"))
            meta["kiosk"] = kiosk
        s = SessionRecord(id=uuid.uuid4().hex, channel=channel, lang=lang, state="queued",
                          token_hash=token_hash(token), queue=queue.name, skill=skill,
                          priority=priority, created_at=now, enqueued_at=now, meta=meta)
        await self.repo.create_session(s)     # on disk before the caller hears of it
        if kiosk is not None:
            await self.repo.kiosk_count(kiosk, hour_bucket(now), "call_started", lang, channel)
        self.sessions[s.id] = s
        self.metrics.sessions_created.labels(channel, lang).inc()
        async with self._lock:
            await self._apply(self.acd.enqueue(s.id, channel, lang, priority=s.priority, enqueued_at=now))
        self.presence.watch(s.id, new=True)     # until the caller's page connects (30 s at most)
        log.info("session created", extra={"event": "session_created", "session": s.id, "channel": channel, "lang": lang})
        return s, token

    def _check_lang(self, channel: str, lang: Any) -> str:
        if not isinstance(lang, str) or not lang.strip():
            raise InvalidField("'lang' must be a language code such as 'en' or 'ja'")
        code = lang.strip().lower()
        if channel == "video" and code == "csl":
            return code
        served = {l.code for l in languages.foreign_languages()} | {"zh"}
        if code not in served:
            raise UnknownLanguage(f"language {lang!r} is not served on the {channel} channel; "
                                  f"served: {', '.join(sorted(served))}")
        return code

    async def caller_session(self, session_id: str, token: str | None) -> SessionRecord:
        s = self.sessions.get(session_id) or await self.repo.get_session(session_id)
        if s is None or not token or not secrets.compare_digest(s.token_hash, token_hash(token)):
            # Same answer for "no such session" and "wrong token": ids cannot be probed.
            raise UnknownSession("no session with that id and token")
        return s

    def queue_status(self, session_id: str) -> dict[str, Any] | None:
        s = self.sessions.get(session_id)
        if s is None or s.state != "queued":
            return None
        return queue_message(self.acd.status(session_id))

    def check_text(self, text: Any) -> str:
        if not isinstance(text, str) or not text.strip():
            raise InvalidField("'text' must be a non-empty string")
        if len(text) > self.config.max_message_chars:
            raise PayloadTooLarge(f"a message may have at most {self.config.max_message_chars} characters, "
                                  f"this one has {len(text)}")
        return text

    async def _store(self, s: SessionRecord, sender: str, text: str, client_id: Any, author: str | None,
                     meta: dict[str, Any] | None = None) -> MessageRecord:
        if client_id is not None and (not isinstance(client_id, str) or not 0 < len(client_id) <= 64):
            raise InvalidField("'client_id' must be a string of 1 to 64 characters")
        m = MessageRecord(session_id=s.id, seq=0, sender=sender, text=text, created_at=self.clock.now(),
                          author=author, client_id=client_id, meta=meta or {})
        stored, new = await self.repo.append_message(m)
        if new:
            self.metrics.messages.labels(sender).inc()
        return stored

    async def caller_message(self, s: SessionRecord, client_id: Any, text: Any) -> MessageRecord:
        if not s.is_open:
            raise Conflict("this session has ended; start a new one")
        m = await self._store(s, "caller", self.check_text(text), client_id, None)
        await self.hub.to_caller(s.id, {"type": "ack", "client_id": m.client_id, "seq": m.seq})
        await self.hub.to_caller(s.id, message_json(m, "caller"))
        if s.state == "active" and s.seat_id:
            await self.hub.to_seat(s.seat_id, message_json(m, "seat"))
            await self.interp.to_interpreter(s.id, message_json(m, "seat"))
        if "zh" not in m.meta:
            self._spawn(self._translate_for_seat(s, m))
        return m

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _translate_for_seat(self, s: SessionRecord, m: MessageRecord) -> None:
        """Chinese beneath the caller's words in the console; never delays the relay itself."""
        try:
            meta = await translate_caller_message(self.translator, m, s.lang)
        except Exception as exc:  # MT trouble must not touch the chat
            log.warning("caller message not translated", extra={"event": "mt_failed", "session": s.id,
                                                                 "error": type(exc).__name__})
            return
        if meta is None:
            return
        await self.repo.merge_message_meta(s.id, m.seq, meta)
        m.meta.update(meta)
        live = self.sessions.get(s.id)
        if live is not None and live.seat_id:
            zh = meta["zh"]
            await self.hub.to_seat(live.seat_id, {"type": "translation", "session": s.id, "seq": m.seq, "lang": "zh",
                                                  "text": zh["text"], "flags": zh["flags"], "mt": True})

    async def caller_connected(self, s: SessionRecord) -> None:
        self.presence.connected(s.id)
        if s.state == "active" and s.seat_id:
            await self.hub.to_seat(s.seat_id, {"type": "peer", "session": s.id, "present": True})
            await self.interp.to_interpreter(s.id, {"type": "peer", "session": s.id, "present": True})

    async def caller_disconnected(self, s: SessionRecord) -> None:
        live = self.sessions.get(s.id)
        if live is not None and live.state == "queued":
            self.presence.watch(s.id)
        if live is not None and live.state == "active" and live.seat_id:
            await self.hub.to_seat(live.seat_id, {"type": "peer", "session": s.id, "present": False})
            await self.interp.to_interpreter(s.id, {"type": "peer", "session": s.id, "present": False})

    async def caller_end(self, session_id: str) -> None:
        await self.end_session(session_id, by="caller")

    # -- seats -------------------------------------------------------------------
    def _seat_of(self, user: UserRecord) -> None:
        if not user.is_seat:
            raise Forbidden("this account is not a seat")

    async def seat_connected(self, user: UserRecord) -> list[SessionRecord]:
        self._seat_of(user)
        handle = self._seat_grace.pop(user.id, None)
        if handle is not None:
            handle.cancel()
        async with self._lock:
            try:
                known = self.acd.seat(user.id).state != "offline"
            except NotFound:
                known = False
            if not known:   # first connection, or back after the grace period ran out
                await self._apply(self.acd.login(user.id, user.name, user.seat_kind or "agent", dict(user.skills)))
            else:
                held = [s for s in self.sessions.values() if s.seat_id == user.id and s.state == "active"]
                for s in held:
                    await self.hub.to_caller(s.id, {"type": "peer", "present": True})
                if self._seat_state_before_drop.pop(user.id, None) == "available":
                    await self._apply(self.acd.set_state(user.id, "available"))
        await self.push_queue_status()      # a seat online changes every waiting caller's estimate
        await self.interp.presence(user.id, True)
        return ([s for s in self.sessions.values() if s.seat_id == user.id and s.state == "active"]
                + self.interp.interpreting(user.id))

    async def seat_disconnected(self, user: UserRecord) -> None:
        """The seat's last socket closed.  Give it a grace period to come back."""
        async with self._lock:
            try:
                view = self.acd.seat(user.id)
            except NotFound:
                return
            held = [s for s in self.sessions.values() if s.seat_id == user.id and s.state == "active"]
            if view.ringing:
                await self._apply(self.acd.seat_lost(user.id))          # a ringing seat that vanished
            elif not held and view.state == "available":
                self._seat_state_before_drop[user.id] = "available"
                await self._apply(self.acd.set_state(user.id, "away"))  # never offer to a seat that cannot see it
            for s in held:
                await self.hub.to_caller(s.id, {"type": "peer", "present": False})
        await self.interp.presence(user.id, False)
        loop = asyncio.get_running_loop()
        self._seat_grace[user.id] = loop.call_later(
            self.config.seat_reconnect_grace_s, lambda: asyncio.ensure_future(self._seat_gone(user.id)))

    async def _seat_gone(self, seat_id: str) -> None:
        self._seat_grace.pop(seat_id, None)
        self._seat_state_before_drop.pop(seat_id, None)
        if self.hub.seat_present(seat_id):
            return
        async with self._lock:
            try:
                self.acd.seat(seat_id)
            except NotFound:
                return
            # logout requeues a held session at the head of the queue.
            await self._apply(self.acd.logout(seat_id))
        await self.push_queue_status()

    async def seat_set_state(self, user: UserRecord, state: Any) -> None:
        self._seat_of(user)
        if state not in ("available", "away"):
            raise InvalidField("'state' must be 'available' or 'away'")
        async with self._lock:
            await self._apply(self.acd.set_state(user.id, state))
        await self.push_queue_status()

    async def seat_accept(self, user: UserRecord, session_id: Any) -> None:
        self._seat_of(user)
        async with self._lock:
            await self._apply(self.acd.accept(user.id, str(session_id)))
        await self.push_queue_status()

    async def seat_reject(self, user: UserRecord, session_id: Any) -> None:
        self._seat_of(user)
        async with self._lock:
            await self._apply(self.acd.reject(user.id, str(session_id)))
        await self.push_queue_status()

    def held(self, user: UserRecord, session_id: Any) -> SessionRecord:
        s = self.sessions.get(str(session_id))
        if s is None or s.state != "active" or s.seat_id != user.id:
            raise Forbidden("you are not connected to that session")
        return s

    async def seat_message(self, user: UserRecord, session_id: Any, client_id: Any, text: Any,
                           compose_lang: Any = None) -> MessageRecord:
        s = self.held(user, session_id)
        text = self.check_text(text)
        meta = await compose_for_caller(self.translator, text, compose_lang, s.lang)
        m = await self._store(s, "seat", text, client_id, user.id, meta)
        await self.hub.to_seat(user.id, {"type": "ack", "session": s.id, "client_id": m.client_id, "seq": m.seq})
        await self.hub.to_seat(user.id, message_json(m, "seat"))
        await self.hub.to_caller(s.id, message_json(m, "caller"))
        await self.interp.to_interpreter(s.id, message_json(m, "seat"))
        return m

    async def seat_end(self, user: UserRecord, session_id: Any) -> None:
        if self.interp.interpreter_of(str(session_id)) == user.id:
            raise Forbidden("an interpreter leaves the call with 'leave'; only the seat ends it")
        self.held(user, session_id)
        await self.end_session(str(session_id), by="seat")

    def seat_view(self, s: SessionRecord) -> dict[str, Any]:
        """A session as the console needs it: machine translation available, the caller's
        verified identity (masked) and card, whether recording was consented."""
        t = self.translator
        mt = {"from_caller": bool(t and s.lang not in ("zh", "csl") and t.can_translate(s.lang, "zh")),
              "to_caller": bool(t and s.lang not in ("zh", "csl") and t.can_translate("zh", s.lang))}
        caller = {k: v for k, v in (s.meta.get("caller") or {}).items() if not k.endswith("_hash")}
        card = {k: v for k, v in (s.meta.get("card") or {}).items() if k != "phone_hash"}
        return {**s.public(), "role": "seat", "mt": mt, "caller_present": self.hub.caller_present(s.id),
                "caller": caller, "card": card or None, "consent_recording": bool(s.meta.get("consent_recording")),
                "interpreter": self.interp.status(s.id)}

    def view_for(self, user: UserRecord, s: SessionRecord) -> dict[str, Any]:
        return self.interp.interpreter_view(s) if s.seat_id != user.id else self.seat_view(s)

    async def transcript(self, session_id: str, view: str = "seat") -> list[dict[str, Any]]:
        return [message_json(m, view) for m in await self.repo.messages(session_id)]

    # -- ending ------------------------------------------------------------------
    async def end_session(self, session_id: str, *, by: str) -> Ticket | None:
        self.presence.connected(session_id)          # no longer watched, whoever ended it
        async with self._lock:
            s = self.sessions.get(session_id)
            if s is None:
                return None                                   # already ended: ending twice is harmless
            now = self.clock.now()
            ticket = None
            later: list[Any] = []
            if s.state == "queued":
                await self.repo.update_session(s.id, state="abandoned", ended_at=now, ended_by=by)
                del self.sessions[s.id]
                await self._apply(self.acd.cancel(s.id))
                self.metrics.sessions_ended.labels(s.channel, "abandoned").inc()
            else:
                ticket = await draft_ticket(self.repo, self.drafter, s, now)
                await self.repo.end_session_with_ticket(s.id, ended_at=now, ended_by=by, ticket=ticket)
                del self.sessions[s.id]
                self.metrics.sessions_ended.labels(s.channel, "handled").inc()
                self.metrics.tickets.labels(s.channel).inc()
                if s.seat_id:
                    later = self.acd.finish(s.seat_id, s.id)   # applied after "ended" is sent
            s.state = "ended" if ticket else "abandoned"
            self.broadcaster.forget(s.id)
        await self.interp.close(s.id, "call_ended")
        await self.hub.to_caller(s.id, {"type": "ended", "by": by, "reference": ticket.number if ticket else None})
        if ticket is not None and s.seat_id:
            await self.hub.to_seat(s.seat_id, {"type": "ended", "session": s.id, "by": by,
                                               "ticket": {"id": ticket.id, "number": ticket.number, "status": ticket.status}})
        if later:
            async with self._lock:
                await self._apply(later)
        for listener in self.on_session_end:
            try:
                await listener(s.id)
            except Exception as exc:  # a listener's trouble never undoes the end of a call
                log.warning("session-end listener failed", extra={"event": "end_listener_failed",
                                                                  "error": type(exc).__name__})
        log.info("session ended", extra={"event": "session_ended", "session": s.id, "by": by,
                                         "ticket": ticket.id if ticket else None})
        await self.push_queue_status()
        return ticket

    # -- ACD events -> storage and sockets ------------------------------------------
    async def _apply(self, events: list[Any]) -> None:
        for ev in events:
            await self._apply_one(ev)

    async def _apply_one(self, ev: Any) -> None:
        await acd_events.apply(self, ev)

    # -- live queue position (see broadcast.py) ----------------------------------------
    async def push_queue_status(self) -> None:
        await self.broadcaster.push()

    def queue_summary(self) -> list[dict[str, Any]]:
        return self.broadcaster.summary()

    def snapshot(self) -> dict[str, Any]:
        return self.broadcaster.snapshot()
