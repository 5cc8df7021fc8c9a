"""Bad input gets a 4xx with a machine-readable code and a sentence; never a 500, never a crash."""

from __future__ import annotations

import json

import pytest

from tests.conftest import recv_until


async def _error(resp, status: int, code: str) -> str:
    body = await resp.json()
    assert resp.status == status, body
    assert body["error"]["code"] == code
    assert len(body["error"]["message"]) > 10
    return body["error"]["message"]


async def test_unknown_language(gw):
    msg = await _error(await gw.client.post("/api/v1/sessions", json={"channel": "chat", "lang": "xx"}),
                       400, "unknown_language")
    assert "xx" in msg


async def test_unknown_channel(gw):
    await _error(await gw.client.post("/api/v1/sessions", json={"channel": "fax", "lang": "en"}),
                 400, "unknown_channel")


@pytest.mark.parametrize("raw", [b"{not json", b"", b"[1, 2]", b"\xff\xfe", b'"just a string"'])
async def test_malformed_json(gw, raw):
    r = await gw.client.post("/api/v1/sessions", data=raw, headers={"Content-Type": "application/json"})
    await _error(r, 400, "bad_json")


async def test_oversized_body(gateway_factory):
    gw = await gateway_factory(max_body_bytes=2048)
    r = await gw.client.post("/api/v1/sessions", data=json.dumps({"lang": "en", "pad": "x" * 5000}),
                             headers={"Content-Type": "application/json"})
    await _error(r, 413, "payload_too_large")


async def test_oversized_chat_message_is_refused_and_not_stored(gateway_factory):
    gw = await gateway_factory(max_message_chars=100)
    sess = await gw.new_session("en")
    caller = await gw.caller_ws(sess)
    await recv_until(caller, "hello")
    await caller.send_json({"type": "msg", "client_id": "big", "text": "x" * 101})
    err = await recv_until(caller, "error")
    assert err["code"] == "payload_too_large" and err["ref"] == "big"
    # the connection survives and the next message works
    await caller.send_json({"type": "msg", "client_id": "ok", "text": "short"})
    assert (await recv_until(caller, "ack"))["seq"] == 1


async def test_bad_ws_frames_get_errors_and_the_socket_survives(gw):
    sess = await gw.new_session("en")
    caller = await gw.caller_ws(sess)
    await recv_until(caller, "hello")
    await caller.send_str("{oops")
    assert (await recv_until(caller, "error"))["code"] == "bad_json"
    await caller.send_json({"type": "teleport"})
    assert (await recv_until(caller, "error"))["code"] == "invalid_field"
    await caller.send_json({"type": "msg", "client_id": "x", "text": ""})
    assert (await recv_until(caller, "error"))["code"] == "invalid_field"
    await caller.send_json({"type": "ping"})
    await recv_until(caller, "pong")


async def test_unknown_session_or_token(gw):
    sess = await gw.new_session("en")
    ws = await gw.client.ws_connect(f"/ws/caller?session={sess['id']}&token=wrong")
    err = await recv_until(ws, "error")
    assert err["code"] == "unknown_session"
    await ws.receive()
    assert ws.close_code == 4404
    r = await gw.client.get("/api/v1/sessions/nope", headers={"Authorization": "Bearer nope"})
    assert r.status in (401, 403, 404)
    ws = await gw.client.ws_connect("/ws/seat?token=forged")
    assert (await recv_until(ws, "error"))["code"] == "unauthorized"


async def test_seat_cannot_write_into_a_session_it_does_not_hold(gw):
    sess = await gw.new_session("en")
    token = await gw.add_seat("seat-x", {"lang:en": 5})
    seat = await gw.seat_ws(token)
    await recv_until(seat, "hello")
    await seat.send_json({"type": "msg", "session": sess["id"], "client_id": "z", "text": "hi"})
    assert (await recv_until(seat, "error"))["code"] == "forbidden"


async def test_illegal_state_and_unknown_ticket(gw):
    token = await gw.add_seat("seat-y", {"lang:en": 5})
    auth = {"Authorization": f"Bearer {token}"}
    await _error(await gw.client.get("/api/v1/tickets/does-not-exist", headers=auth), 404, "not_found")
    await _error(await gw.client.get("/api/v1/tickets/x"), 401, "unauthorized")
    r = await gw.client.post("/api/v1/tickets", headers=auth,
                             json={"lang": "en", "text": "Where do I renew my residence permit?",
                                   "category": "NOT_A_CATEGORY"})
    await _error(r, 422, "invalid_field")


async def test_unknown_api_path_is_json_404(gw):
    await _error(await gw.client.get("/api/v1/nothing-here"), 404, "not_found")
