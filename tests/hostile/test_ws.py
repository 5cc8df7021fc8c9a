"""Hostile frames on both WebSocket hubs, from a caller with a live session and a logged-in seat.

Each frame is followed by a ping: the socket must answer pong (it survived), any error reply
must not be ``internal_error``, the log must hold no traceback, and a refused frame stores nothing."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import WSMsgType

from gateway.web.keys import CONFIG
from tests.conftest import recv_until
from tests.hostile import corpus
from tests.hostile.harness import STATS, TIMEOUT_S, Problems, fingerprint, tracebacks


async def frame_case(gw: Any, caplog: Any, problems: Problems, ws: Any, who: str, label: str,
                     frame: str | bytes) -> None:
    STATS["ws"] += 1
    caplog.clear()
    where = f"{who} {label}"
    before = await fingerprint(gw)
    replies: list[dict[str, Any]] = []
    try:
        if isinstance(frame, bytes):
            await ws.send_bytes(frame)
        else:
            await ws.send_str(frame)
        await ws.send_str('{"type": "ping"}')
        async with asyncio.timeout(TIMEOUT_S):
            while True:
                msg = await ws.receive()
                if msg.type != WSMsgType.TEXT:
                    problems.add(where, f"the socket closed ({msg.type.name} {ws.close_code})")
                    return
                data = json.loads(msg.data)
                replies.append(data)
                if data.get("type") == "pong":
                    break
    except TimeoutError:
        problems.add(where, f"no pong within {TIMEOUT_S}s")
        return
    except ConnectionError as exc:          # the gateway dropped the socket
        problems.add(where, f"the socket broke ({type(exc).__name__})")
        await ws.close()
        return
    errors = [r for r in replies if r.get("type") == "error"]
    if any(e.get("code") == "internal_error" for e in errors):
        problems.add(where, f"internal_error: {errors}")
    tb = tracebacks(caplog)
    if tb:
        problems.add(where, f"logged {tb[0]}")
    if errors and await fingerprint(gw) != before:
        problems.add(where, "refused, but the store changed")


async def run_frames(gw: Any, caplog: Any) -> tuple[Problems, int]:
    problems, n0 = Problems(), STATS["ws"]
    sess = await gw.new_session("en")
    token = await gw.add_seat("hostile-ws-seat", {"lang:en": 5})

    async def connect(who: str) -> Any:
        ws = await (gw.caller_ws(sess) if who == "caller" else gw.seat_ws(token))
        await recv_until(ws, "hello")
        return ws

    caller, seat = await connect("caller"), await connect("seat")
    for label, frame in corpus.WS_COMMON:
        if caller.closed:                  # a failure above broke it: carry on with a fresh one
            caller = await connect("caller")
        await frame_case(gw, caplog, problems, caller, "caller", label, frame)
    for label, frame in corpus.WS_COMMON + corpus.WS_SEAT:
        if seat.closed:
            seat = await connect("seat")
        await frame_case(gw, caplog, problems, seat, "seat", label, frame)
    await caller.close()
    await seat.close()
    caller, seat = await connect("caller"), await connect("seat")   # fresh ones for the oversize frames
    # a frame over max_ws_frame_bytes: the socket is closed with 1009, nothing else happens
    for who, ws in (("caller", caller), ("seat", seat)):
        STATS["ws"] += 1
        caplog.clear()
        limit = gw.app[CONFIG].max_ws_frame_bytes
        await ws.send_str('{"type":"msg","client_id":"big","text":"' + "x" * (limit + 10) + '"}')
        msg = await asyncio.wait_for(ws.receive(), TIMEOUT_S)
        while msg.type == WSMsgType.TEXT:
            msg = await asyncio.wait_for(ws.receive(), TIMEOUT_S)
        if ws.close_code != 1009:
            problems.add(f"{who} oversize", f"closed with {ws.close_code}, expected 1009 (message too big)")
        if tracebacks(caplog):
            problems.add(f"{who} oversize", f"logged {tracebacks(caplog)[0]}")
    # and the hubs still work: a fresh caller connection says hello
    again = await gw.caller_ws(sess)
    await recv_until(again, "hello")
    await again.close()
    await seat.close()
    return problems, STATS["ws"] - n0


async def test_hostile_frames_on_both_hubs(gw, caplog):
    problems, n = await run_frames(gw, caplog)
    print(f"hostile WebSocket corpus: {n} frames, {len(problems.items)} failures")
    problems.check(n)
