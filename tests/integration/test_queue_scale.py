"""A tick's cost must not grow with the square of the queue: positions are sorted once per skill
per push, not once per waiting caller (issue 12, item 4).  The figure itself is in
bench/ (timing never goes in a test); this counts the work."""

from __future__ import annotations

import gateway.acd.estimate as estimate
from tests.conftest import recv_until


async def test_one_sort_per_skill_per_push_however_many_wait(gw, monkeypatch):
    sockets = []
    for i in range(60):
        sess = await gw.new_session("ja" if i % 2 else "ko")
        ws = await gw.caller_ws(sess)
        await recv_until(ws, "queue")
        sockets.append(ws)
    calls = []
    real = estimate.routing_order

    def counting(entries):
        calls.append(1)
        return real(entries)
    monkeypatch.setattr(estimate, "routing_order", counting)
    gw.clock.advance(30)                       # everyone's wait moves on
    await gw.service.push_queue_status()
    assert len(calls) <= 2                     # one per skill (lang:ja, lang:ko), not one per caller
    positions = sorted(st.position for st in gw.service.acd.waiting_statuses().values())
    assert positions == sorted(list(range(1, 31)) * 2)       # 1..30 in each language's queue
    for ws in sockets:
        await ws.close()
