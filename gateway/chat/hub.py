"""Who is connected: caller sockets by session, seat sockets by seat.  Sending never raises and never waits
for a client.

Every socket has its own bounded outgoing queue (an :class:`Outbox`) written by its own task, so a client
that stops reading holds up nobody else: a frame it has not taken within ``SEND_TIMEOUT_S``, or a queue
longer than ``MAX_QUEUED`` messages / ``MAX_QUEUED_BYTES``, drops that client (close code 1013 "try again
later", logged once; the pages reconnect and resume from disk).  ``close_all`` closes every socket at once
and aborts whatever is still open after a deadline, so shutdown never waits on a client.
"""

from __future__ import annotations

import asyncio
import json
import logging
import weakref
from collections import defaultdict, deque
from typing import Any

from aiohttp import web

log = logging.getLogger("gateway.hub")

SEND_TIMEOUT_S = 5.0                 # one frame may wait this long for the client to read
MAX_QUEUED = 500                     # messages waiting to be written to one socket
MAX_QUEUED_BYTES = 1024 * 1024       # ... and their size
CLOSE_TIMEOUT_S = 3.0                # close handshake (after flushing the queue), then the transport is aborted
SLOW_CLOSE_CODE = 1013               # "try again later": the client did not read what it was sent
SLOW_CLOSE_MESSAGE = b"too slow: messages not read"


def dumps(obj: dict[str, Any]) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def abort(ws: web.WebSocketResponse) -> None:
    """Drop the connection now, discarding anything still buffered for it."""
    writer = getattr(ws, "_writer", None)
    transport = getattr(writer, "transport", None)
    if transport is not None:
        try:
            transport.abort()
        except Exception:  # already gone
            pass


class Outbox:
    """One socket's outgoing messages, written in order by one task; bounded in length, size and time."""

    def __init__(self, ws: web.WebSocketResponse) -> None:
        self.ws = ws
        self.label = "websocket"         # "caller <session>" / "seat <seat id>"; never a token
        self._queue: deque[str] = deque()
        self._bytes = 0
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closer: asyncio.Task[None] | None = None
        self._done = False               # no more messages accepted (closing, released or dropped)
        self.dropped = False

    def put(self, text: str) -> bool:
        """Queue one message; False if the socket is gone.  Never waits."""
        if self._done or self.ws.closed:
            return False
        if len(self._queue) >= MAX_QUEUED or self._bytes + len(text) > MAX_QUEUED_BYTES:
            self.drop(f"more than {MAX_QUEUED} messages or {MAX_QUEUED_BYTES} bytes waiting")
            return False
        self._queue.append(text)
        self._bytes += len(text)
        self._wake.set()
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="ws-outbox")
        return True

    def pending(self) -> int:
        return len(self._queue)

    async def _run(self) -> None:
        ws = self.ws
        while True:
            while not self._queue:
                if self._done:
                    return
                self._wake.clear()
                await self._wake.wait()
            text = self._queue.popleft()
            self._bytes -= len(text)
            try:
                async with asyncio.timeout(SEND_TIMEOUT_S):
                    await ws.send_str(text)
            except TimeoutError:
                self.drop(f"a message waited more than {SEND_TIMEOUT_S:g} s to be sent")
                return
            except (ConnectionError, RuntimeError) as exc:  # peer went away mid-send
                log.debug("send failed", extra={"event": "ws_send_failed", "error": type(exc).__name__})
                self._done = True
                self._queue.clear()
                self._bytes = 0
                return

    def drop(self, reason: str) -> None:
        """The client does not read: forget its queue, close it with 1013 (abort if that does not go through)."""
        if self.dropped:
            return
        self.dropped = self._done = True
        self._queue.clear()
        self._bytes = 0
        log.warning("websocket client is not reading; dropped", extra={
            "event": "ws_slow_client_dropped", "who": self.label, "reason": reason, "code": SLOW_CLOSE_CODE})
        if self._task is not None and self._task is not asyncio.current_task():
            self._task.cancel()
        self._closer = asyncio.create_task(self._close(SLOW_CLOSE_CODE, SLOW_CLOSE_MESSAGE), name="ws-drop")

    def release(self) -> None:
        """The handler is done with the socket: write what is queued (bounded by the send timeout), then stop."""
        self._done = True
        self._wake.set()

    async def close(self, code: int, message: bytes, timeout: float = CLOSE_TIMEOUT_S) -> None:
        """Flush the queue, close with ``code``; abort the transport if that takes longer than ``timeout``."""
        self._done = True
        self._wake.set()
        try:
            async with asyncio.timeout(timeout):
                if self._task is not None and not self._task.done() and not self.dropped:
                    await asyncio.shield(self._task)
                if self._closer is not None:
                    await asyncio.shield(self._closer)
                else:
                    await self.ws.close(code=code, message=message)
        except TimeoutError:
            abort(self.ws)
        except Exception:  # closing is best effort
            abort(self.ws)
        finally:
            if self._task is not None:
                self._task.cancel()

    async def _close(self, code: int, message: bytes) -> None:
        try:
            async with asyncio.timeout(CLOSE_TIMEOUT_S):
                await self.ws.close(code=code, message=message)
        except Exception:  # timed out (the close frame is stuck behind what it did not read) or gone
            abort(self.ws)


_outboxes: "weakref.WeakKeyDictionary[web.WebSocketResponse, Outbox]" = weakref.WeakKeyDictionary()


def outbox(ws: web.WebSocketResponse) -> Outbox:
    box = _outboxes.get(ws)
    if box is None:
        box = _outboxes[ws] = Outbox(ws)
    return box


class Hub:
    def __init__(self) -> None:
        self.callers: dict[str, set[web.WebSocketResponse]] = defaultdict(set)
        self.seats: dict[str, set[web.WebSocketResponse]] = defaultdict(set)

    # -- membership ----------------------------------------------------------
    def add_caller(self, session_id: str, ws: web.WebSocketResponse) -> bool:
        """Returns True if this is the caller's first open connection."""
        outbox(ws).label = f"caller {session_id}"
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
        outbox(ws).label = f"seat {seat_id}"
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
        return self._send(self.callers.get(session_id), msg)

    async def to_seat(self, seat_id: str, msg: dict[str, Any]) -> int:
        return self._send(self.seats.get(seat_id), msg)

    @staticmethod
    async def send(ws: web.WebSocketResponse, msg: dict[str, Any]) -> bool:
        """Queue ``msg`` for ``ws`` (written in order by the socket's own task); False if the socket is gone."""
        if ws.closed:
            return False
        return outbox(ws).put(dumps(msg))

    @staticmethod
    async def close(ws: web.WebSocketResponse, code: int, message: bytes, timeout: float = CLOSE_TIMEOUT_S) -> None:
        """Send what is queued, then close; never takes much longer than ``timeout``."""
        await outbox(ws).close(code, message, timeout)

    @staticmethod
    def release(ws: web.WebSocketResponse) -> None:
        """The socket's handler has finished: its writer task ends once the queue is written or the socket gone."""
        box = _outboxes.get(ws)
        if box is not None:
            box.release()

    def _send(self, conns: set[web.WebSocketResponse] | None, msg: dict[str, Any]) -> int:
        if not conns:
            return 0
        text = dumps(msg)
        sent = 0
        for ws in list(conns):
            sent += (not ws.closed) and outbox(ws).put(text)
        return sent

    async def close_all(self, code: int, message: bytes, timeout: float = CLOSE_TIMEOUT_S) -> None:
        """Close every socket at once; whatever is not closed after ``timeout`` is aborted."""
        socks = [ws for group in (self.callers, self.seats) for conns in list(group.values()) for ws in list(conns)]
        if not socks:
            return
        tasks = [asyncio.create_task(outbox(ws).close(code, message, timeout)) for ws in socks]
        _done, pending = await asyncio.wait(tasks, timeout=timeout + 1.0)
        for task in pending:
            task.cancel()
        for ws in socks:
            if not ws.closed:
                abort(ws)
