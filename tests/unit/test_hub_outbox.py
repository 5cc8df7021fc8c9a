"""The hub's per-socket outgoing queues: a socket that does not take its messages is dropped (1013),
the others get theirs, and close_all finishes on time whatever the sockets do."""

from __future__ import annotations

import asyncio
import logging

import pytest

from gateway.chat import hub as hubmod
from gateway.chat.hub import Hub


class FakeTransport:
    def __init__(self) -> None:
        self.aborted = False

    def abort(self) -> None:
        self.aborted = True


class FakeWriter:
    def __init__(self) -> None:
        self.transport = FakeTransport()


class FakeWS:
    """``stuck``: sends and closes never complete, like a client whose TCP window stays shut."""

    def __init__(self, stuck: bool = False) -> None:
        self.stuck = stuck
        self.sent: list[str] = []
        self.closed = False
        self.close_code: int | None = None
        self._writer = FakeWriter()

    async def send_str(self, text: str) -> None:
        if self.stuck:
            await asyncio.Event().wait()
        self.sent.append(text)

    closing_now = 0                 # stuck closes in progress at this moment, across sockets
    most_at_once = 0

    async def close(self, *, code: int = 1000, message: bytes = b"") -> bool:
        self.close_code = code
        if self.stuck:
            FakeWS.closing_now += 1
            FakeWS.most_at_once = max(FakeWS.most_at_once, FakeWS.closing_now)
            try:
                await asyncio.Event().wait()
            finally:
                FakeWS.closing_now -= 1
        self.closed = True
        return True


@pytest.fixture
def short_limits(monkeypatch):
    monkeypatch.setattr(hubmod, "SEND_TIMEOUT_S", 0.2)
    monkeypatch.setattr(hubmod, "CLOSE_TIMEOUT_S", 0.2)
    monkeypatch.setattr(hubmod, "MAX_QUEUED", 20)


async def test_a_full_queue_drops_only_that_socket(short_limits, caplog) -> None:
    hub = Hub()
    slow, fast = FakeWS(stuck=True), FakeWS()
    hub.add_caller("s1", slow)
    hub.add_caller("s1", fast)
    caplog.set_level(logging.WARNING, "gateway.hub")
    for i in range(50):                                 # never waits, whatever the slow socket does
        await asyncio.wait_for(hub.to_caller("s1", {"type": "msg", "n": i}), 0.05)
    await asyncio.sleep(0.05)
    assert len(fast.sent) == 50
    assert hubmod.outbox(slow).dropped and slow.close_code == hubmod.SLOW_CLOSE_CODE == 1013
    await asyncio.sleep(0.4)                            # the close frame cannot go out either: aborted
    assert slow._writer.transport.aborted and not fast._writer.transport.aborted
    drops = [r for r in caplog.records if getattr(r, "event", "") == "ws_slow_client_dropped"]
    assert len(drops) == 1 and drops[0].who == "caller s1"
    assert await hub.to_caller("s1", {"type": "more"}) == 1     # only the reading socket takes it


async def test_a_frame_that_is_not_taken_in_time_drops_the_socket(short_limits) -> None:
    slow = FakeWS(stuck=True)
    assert await Hub.send(slow, {"type": "hello"})
    await asyncio.sleep(0.5)
    assert hubmod.outbox(slow).dropped and slow.close_code == 1013
    assert not await Hub.send(slow, {"type": "again"})


async def test_messages_keep_their_order_and_close_waits_for_them(short_limits) -> None:
    ws = FakeWS()
    for i in range(10):
        await Hub.send(ws, {"n": i})
    await Hub.close(ws, 4404, b"not_found")
    assert [int(t.split(":")[1].rstrip("}")) for t in ws.sent] == list(range(10))
    assert ws.closed and ws.close_code == 4404


async def test_close_all_is_concurrent_and_bounded(short_limits) -> None:
    hub = Hub()
    stuck = [FakeWS(stuck=True) for _ in range(5)]
    fine = FakeWS()
    for n, ws in enumerate(stuck):
        hub.add_seat(f"seat{n}", ws)
    hub.add_caller("s1", fine)
    FakeWS.most_at_once = 0
    await asyncio.wait_for(hub.close_all(1012, b"server restarting", timeout=0.3), 5)   # a hang guard
    assert FakeWS.most_at_once == 5                      # all five stuck closes waited at once, not in turn
    assert fine.closed and fine.close_code == 1012 and not fine._writer.transport.aborted
    assert all(ws._writer.transport.aborted for ws in stuck)
