"""Live queue position for waiting callers, queue sizes for seats, and the metrics snapshot.

Callers are told only when what they would see changes (position, the wait in
5-second steps, whether any seat is online), so a busy queue does not flood them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from gateway.chat.service import ChatService

_SEATS_KEY = "__seats__"


class QueueBroadcaster:
    def __init__(self, service: "ChatService") -> None:
        self.service = service
        self._last: dict[str, tuple[Any, ...]] = {}

    def forget(self, session_id: str) -> None:
        self._last.pop(session_id, None)

    async def push(self) -> None:
        """Positions for every waiting caller are computed once per push (``ACD.waiting_statuses``),
        and a caller hears only a change: a tick stays cheap with thousands waiting."""
        from gateway.chat.service import queue_message
        svc = self.service
        hub = svc.hub
        statuses = svc.acd.waiting_statuses()
        for sid in [s.id for s in svc.sessions.values() if s.state == "queued"]:
            st = statuses.get(sid)
            if st is None or not hub.caller_present(sid):
                continue
            msg = queue_message(st)
            eta = msg["eta_s"]
            key = (msg["position"], None if eta is None else eta // 5, msg["seats_online"], msg["state"])
            if self._last.get(sid) != key:
                self._last[sid] = key
                await hub.to_caller(sid, msg)
        queues = self.summary()
        key = tuple((q["queue"], q["skill"], q["waiting"]) for q in queues)
        if self._last.get(_SEATS_KEY) != key:
            self._last[_SEATS_KEY] = key
            for seat_id in list(hub.seats):
                await hub.to_seat(seat_id, {"type": "queues", "queues": queues})

    def summary(self) -> list[dict[str, Any]]:
        return [{"queue": q["queue"], "skill": q["skill"], "waiting": q["waiting"],
                 "oldest_wait_s": round(q.get("oldest_wait_s") or 0)}
                for q in self.service.acd.snapshot().get("queues", [])]

    def snapshot(self) -> dict[str, Any]:
        """For /metrics: queues, seats by (state, kind), open sessions by (channel, state), connections."""
        svc = self.service
        snap = svc.acd.snapshot()
        seats: dict[tuple[str, str], int] = {}
        for kind, states in snap.get("seats", {}).get("by_kind", {}).items():
            for state, n in states.items():
                seats[(state, kind)] = n
        sessions: dict[tuple[str, str], int] = {}
        for s in svc.sessions.values():
            sessions[(s.channel, s.state)] = sessions.get((s.channel, s.state), 0) + 1
        return {"queues": snap.get("queues", []), "seats": seats, "sessions": sessions,
                "connections": svc.hub.counts()}
