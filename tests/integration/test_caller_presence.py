"""A waiting caller who is gone (tab closed, page never connected, network lost for good) is
abandoned after ``caller_abandon_s``, so no seat is rung for nobody; one who comes back in time
keeps their place."""

from __future__ import annotations

import asyncio

from gateway.web.keys import REPO
from tests.conftest import recv_until


async def _wait_until(pred, timeout=3.0):
    for _ in range(int(timeout / 0.05)):
        if pred():
            return True
        await asyncio.sleep(0.05)
    return pred()


async def test_a_page_that_never_connects_is_abandoned(gateway_factory):
    gw = await gateway_factory(caller_abandon_s=0.3)
    sess = await gw.new_session("ja")
    assert gw.service.acd.has_session(sess["id"])
    assert await _wait_until(lambda: sess["id"] not in gw.service.sessions)
    stored = await gw.app[REPO].get_session(sess["id"])
    assert stored.state == "abandoned" and stored.ended_by == "system"
    assert not gw.service.acd.has_session(sess["id"])


async def test_a_caller_who_leaves_the_queue_is_abandoned_and_one_who_returns_is_not(gateway_factory):
    gw = await gateway_factory(caller_abandon_s=0.4)
    stays, leaves = await gw.new_session("ja"), await gw.new_session("ko")
    ws_stay = await gw.caller_ws(stays)
    ws_leave = await gw.caller_ws(leaves)
    await recv_until(ws_stay, "hello")
    await recv_until(ws_leave, "hello")
    await ws_leave.close()
    await ws_stay.close()
    await asyncio.sleep(0.1)
    ws_stay = await gw.caller_ws(stays)            # back within the window: a flaky network
    await recv_until(ws_stay, "hello")
    assert await _wait_until(lambda: leaves["id"] not in gw.service.sessions)
    await asyncio.sleep(0.5)
    assert stays["id"] in gw.service.sessions and gw.service.sessions[stays["id"]].state == "queued"
    assert (await gw.app[REPO].get_session(leaves["id"])).state == "abandoned"


async def test_an_answered_call_is_not_abandoned_by_the_caller_dropping(gateway_factory):
    gw = await gateway_factory(caller_abandon_s=0.2)
    sess = await gw.new_session("ja")
    caller = await gw.caller_ws(sess)
    await recv_until(caller, "hello")
    seat = await gw.seat_ws(await gw.add_seat("seat-ja", {"lang:ja": 5}))
    await recv_until(seat, "hello")
    await seat.send_json({"type": "set_state", "state": "available"})
    await recv_until(seat, "offer")
    await seat.send_json({"type": "accept", "session": sess["id"]})
    await recv_until(seat, "session")
    await caller.close()
    assert (await recv_until(seat, "peer"))["present"] is False
    await asyncio.sleep(0.4)
    assert gw.service.sessions[sess["id"]].state == "active"     # the seat decides


async def test_a_new_session_that_never_connects_leaves_sooner_than_a_caller_who_dropped(gateway_factory):
    """A page that never opens its socket (a flood script) gets caller_connect_s, not the
    caller_abandon_s that a real caller who lost the network gets."""
    gw = await gateway_factory(caller_abandon_s=30, caller_connect_s=0.3)
    ghost = await gw.new_session("ja")
    real = await gw.new_session("ja")
    ws = await gw.caller_ws(real)
    await recv_until(ws, "hello")
    await ws.close()                                           # dropped: 30 s to come back
    assert gw.service.presence.never_connected() == 1          # the ghost
    assert await _wait_until(lambda: ghost["id"] not in gw.service.sessions)
    assert (await gw.app[REPO].get_session(ghost["id"])).state == "abandoned"
    assert real["id"] in gw.service.sessions and gw.service.acd.has_session(real["id"])
    assert gw.service.presence.never_connected() == 0
