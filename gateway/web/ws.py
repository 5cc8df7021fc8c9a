"""WebSocket hubs for callers (``/ws/caller``) and seats (``/ws/seat``).  Protocol: docs/PROTOCOL.md."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import WSMsgType, web

from gateway.chat import calls
from gateway.chat.hub import Hub
from gateway.errors import BadJson, GatewayError, InvalidField
from gateway.web.api import current_user
from gateway.web.keys import CONFIG, SERVICE
from gateway.web.middleware import loads_json

log = logging.getLogger("gateway.ws")
routes = web.RouteTableDef()


async def _prepare(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse(heartbeat=20.0, max_msg_size=request.app[CONFIG].max_ws_frame_bytes)
    await ws.prepare(request)
    return ws


async def _refuse(request: web.Request, exc: GatewayError) -> web.WebSocketResponse:
    """Browsers cannot read an HTTP error on a WebSocket upgrade: accept, explain, close."""
    ws = await _prepare(request)
    await Hub.send(ws, {"type": "error", **exc.to_dict()["error"]})
    await Hub.close(ws, 4401 if exc.status == 401 else 4404 if exc.status == 404 else 4400, exc.code.encode())
    return ws


async def _pump(ws: web.WebSocketResponse, on_message: Callable[[dict[str, Any]], Awaitable[None]]) -> None:
    """Read frames until the socket closes; a bad frame gets an error reply, never a crash."""
    async for frame in ws:
        if frame.type != WSMsgType.TEXT:
            if frame.type == WSMsgType.BINARY:
                await Hub.send(ws, {"type": "error", "code": "bad_json", "message": "send JSON text frames"})
            continue
        try:
            msg = loads_json(frame.data, what="the message")
            if not isinstance(msg, dict) or not isinstance(msg.get("type"), str):
                raise BadJson("each message must be a JSON object with a 'type'")
            if msg["type"] == "ping":
                await Hub.send(ws, {"type": "pong"})
                continue
            await on_message(msg)
        except GatewayError as exc:
            await Hub.send(ws, {"type": "error", **exc.to_dict()["error"], "ref": _ref(frame.data)})
        except Exception as exc:  # our bug: keep the connection, report it
            log.exception("ws handler failed", extra={"event": "ws_handler_failed", "error": type(exc).__name__})
            await Hub.send(ws, {"type": "error", "code": "internal_error", "message": "the gateway failed to handle that message"})


def _ref(data: Any) -> Any:
    try:
        msg = loads_json(data, what="the message")
    except GatewayError:
        return None
    return msg.get("client_id") if isinstance(msg, dict) else None


@routes.get("/ws/caller")
async def caller_ws(request: web.Request) -> web.WebSocketResponse:
    service = request.app[SERVICE]
    try:
        s = await service.caller_session(request.query.get("session", ""), request.query.get("token"))
    except GatewayError as exc:
        return await _refuse(request, exc)
    ws = await _prepare(request)
    hub = service.hub
    first = hub.add_caller(s.id, ws)
    try:
        live = service.sessions.get(s.id, s)
        await Hub.send(ws, {"type": "hello", "session": live.public(), "transcript": await service.transcript(s.id, "caller")})
        if live.state == "queued":
            status = service.queue_status(s.id)
            if status:
                await Hub.send(ws, status)
        elif live.state == "active":
            await Hub.send(ws, {"type": "connected", "seat": {"name": live.seat_name},
                                "seat_present": hub.seat_present(live.seat_id or "")})
            interp = service.interp.status(s.id)
            if interp:
                await Hub.send(ws, {"type": "interpreter", "session": s.id, **interp})
        else:
            await Hub.send(ws, {"type": "ended", "by": live.ended_by, "reference": None})
        if first:
            await service.caller_connected(live)

        async def handle(msg: dict[str, Any]) -> None:
            t = msg["type"]
            if t == "msg":
                await service.caller_message(service.sessions.get(s.id, s), msg.get("client_id"), msg.get("text"))
            elif t == "end":
                await service.caller_end(s.id)
            elif t in calls.RELAY_TYPES:
                await calls.relay_from_caller(service, s, msg)
            elif t == "card":
                await calls.caller_card(service, s, msg.get("card"))
            else:
                raise InvalidField(f"unknown message type {t!r}; callers send msg, end, rtc, rtt, card or ping")

        await _pump(ws, handle)
    finally:
        Hub.release(ws)
        if hub.remove_caller(s.id, ws):
            await service.caller_disconnected(s)
    return ws


@routes.get("/ws/seat")
async def seat_ws(request: web.Request) -> web.WebSocketResponse:
    service = request.app[SERVICE]
    try:
        user = await current_user(request, request.query.get("token"))
        if not user.is_seat:
            raise InvalidField("this account is not a seat")
    except GatewayError as exc:
        return await _refuse(request, exc)
    ws = await _prepare(request)
    hub = service.hub
    hub.add_seat(user.id, ws)
    try:
        held = await service.seat_connected(user)
        view = service.acd.seat(user.id)
        await Hub.send(ws, {
            "type": "hello",
            "seat": {"id": user.id, "name": user.name, "kind": user.seat_kind, "skills": user.skills,
                     "state": view.state},
            "sessions": [{**service.view_for(user, s), "transcript": await service.transcript(s.id)} for s in held],
        })
        await Hub.send(ws, {"type": "queues", "queues": service.queue_summary()})

        async def handle(msg: dict[str, Any]) -> None:
            t = msg["type"]
            if t == "set_state":
                await service.seat_set_state(user, msg.get("state"))
            elif t == "accept":
                await service.seat_accept(user, msg.get("session"))
            elif t == "reject":
                await service.seat_reject(user, msg.get("session"))
            elif t == "msg":
                if service.interp.role(user, msg.get("session"))[1] == "interpreter":
                    await service.interp.message(user, msg.get("session"), msg.get("client_id"), msg.get("text"))
                else:
                    await service.seat_message(user, msg.get("session"), msg.get("client_id"), msg.get("text"),
                                               msg.get("compose_lang"))
            elif t == "end":
                await service.seat_end(user, msg.get("session"))
            elif t in calls.RELAY_TYPES:
                await calls.relay_from_seat(service, user, msg)
            elif t == "invite":
                await service.interp.invite(user, msg.get("session"), msg.get("lang"))
            elif t == "dismiss":
                await service.interp.dismiss(user, msg.get("session"))
            elif t == "leave":
                await service.interp.leave(user, msg.get("session"))
            else:
                raise InvalidField(f"unknown message type {t!r}; seats send set_state, accept, reject, msg, end, "
                                   f"rtc, rtt, invite, dismiss, leave or ping")

        await _pump(ws, handle)
    finally:
        Hub.release(ws)
        if hub.remove_seat(user.id, ws):
            await service.seat_disconnected(user)
    return ws
