"""Who is connected: caller sockets by session, seat sockets by seat.  Sending never raises."""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from typing import Any

from aiohttp import web

log = logging.getLogger("gateway.hub")


def dumps(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


class Hub:
    def __init__(self) -> None:
        self.callers: dict[str, set[web.WebSocketResponse]] = defaultdict(set)
        self.seats: dict[str, set[web.WebSocketResponse]] = defaultdict(set)

    # -- membership ----------------------------------------------------------
    def add_caller(self, session_id: str, ws: web.WebSocketResponse) -> bool:
        """Returns True if this is the caller's first open connection."""
        first = not self.callers.get(session_id)
        self.callers[session_id].add(ws)
        return first

    def remove_caller(self, session_id: str, ws: web.WebSocketResponse) -> bool:
        """Returns True if the caller has no open connection left."""
        conns = self.callers.get(session_id)
        if conns is None:
            return True
        conns.discard(ws)
        if not conns:
            del self.callers[session_id]
            return True
        return False

    def add_seat(self, seat_id: str, ws: web.WebSocketResponse) -> bool:
        first = not self.seats.get(seat_id)
        self.seats[seat_id].add(ws)
        return first

    def remove_seat(self, seat_id: str, ws: web.WebSocketResponse) -> bool:
        conns = self.seats.get(seat_id)
        if conns is None:
            return True
        conns.discard(ws)
        if not conns:
            del self.seats[seat_id]
            return True
        return False

    def caller_present(self, session_id: str) -> bool:
        return bool(self.callers.get(session_id))

    def seat_present(self, seat_id: str) -> bool:
        return bool(self.seats.get(seat_id))

    def counts(self) -> dict[str, int]:
        return {"caller": sum(len(s) for s in self.callers.values()),
                "seat": sum(len(s) for s in self.seats.values())}

    # -- sending ---------------------------------------------------------------
    async def to_caller(self, session_id: str, msg: dict[str, Any]) -> int:
        return await self._send(self.callers.get(session_id), msg)

    async def to_seat(self, seat_id: str, msg: dict[str, Any]) -> int:
        return await self._send(self.seats.get(seat_id), msg)

    @staticmethod
    async def send(ws: web.WebSocketResponse, msg: dict[str, Any]) -> bool:
        if ws.closed:
            return False
        try:
            await ws.send_str(dumps(msg))
            return True
        except (ConnectionError, RuntimeError) as exc:  # peer went away mid-send
            log.debug("send failed", extra={"event": "ws_send_failed", "error": type(exc).__name__})
            return False

    async def _send(self, conns: set[web.WebSocketResponse] | None, msg: dict[str, Any]) -> int:
        if not conns:
            return 0
        sent = 0
        for ws in list(conns):
            sent += await self.send(ws, msg)
        return sent

    async def close_all(self, code: int, message: bytes) -> None:
        for group in (self.callers, self.seats):
            for conns in list(group.values()):
                for ws in list(conns):
                    try:
                        await ws.close(code=code, message=message)
                    except Exception:  # closing is best effort at shutdown
                        pass
