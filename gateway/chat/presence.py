"""Waiting callers who are gone: a queued session whose caller has had no open connection for
``caller_abandon_s`` is abandoned, so no seat is rung for a closed tab.

The clock starts when the caller's last connection closes, and for every waiting session
restored after a restart.  A NEW session whose page never opens its socket at all (a script
flooding the queue, a kiosk wiped mid-request, a page that crashed) is given only
``caller_connect_s`` (30 s): real pages connect within a second.  Any connection stops the
clock.  Answered calls are not watched here: the seat sees the caller's presence and decides.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from gateway.chat.service import ChatService

log = logging.getLogger("gateway.chat")


class CallerPresence:
    def __init__(self, svc: "ChatService") -> None:
        self.svc = svc
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._never_connected: set[str] = set()

    def watch(self, session_id: str, *, new: bool = False) -> None:
        """Start the clock; ``new``: the session was just created and its page never connected."""
        self.connected(session_id)
        loop = asyncio.get_running_loop()
        cfg = self.svc.config
        delay = min(cfg.caller_connect_s, cfg.caller_abandon_s) if new else cfg.caller_abandon_s
        if new:
            self._never_connected.add(session_id)
        self._timers[session_id] = loop.call_later(delay, lambda: self.svc._spawn(self._gone(session_id)))

    def never_connected(self) -> int:
        """How many sessions wait for their page's first connection (the flood cap counts these)."""
        return len(self._never_connected)

    def connected(self, session_id: str) -> None:
        self._never_connected.discard(session_id)
        handle = self._timers.pop(session_id, None)
        if handle is not None:
            handle.cancel()

    def watched(self, session_id: str) -> bool:
        return session_id in self._timers

    def cancel_all(self) -> None:
        for handle in self._timers.values():
            handle.cancel()
        self._timers.clear()
        self._never_connected.clear()

    async def _gone(self, session_id: str) -> None:
        self._timers.pop(session_id, None)
        self._never_connected.discard(session_id)
        svc = self.svc
        live = svc.sessions.get(session_id)
        if live is None or live.state != "queued" or svc.hub.caller_present(session_id):
            return
        log.info("waiting caller left", extra={"event": "caller_abandoned", "session": session_id})
        await svc.end_session(session_id, by="system")
