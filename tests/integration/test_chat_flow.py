"""End to end over HTTP and WebSocket: a Japanese caller and a Japanese seat, through the real app."""

from __future__ import annotations

import pytest

from tests.conftest import recv_until


async def connect_seat(gw, login: str, skills: dict[str, int], kind: str = "agent"):
    token = await gw.add_seat(login, skills, kind)
    ws = await gw.seat_ws(token)
    hello = await recv_until(ws, "hello")
    assert hello["seat"]["state"] == "away"          # a seat starts away until it says otherwise
    await ws.send_json({"type": "set_state", "state": "available"})
    return token, ws


async def test_full_chat_creates_a_draft_ticket_then_accepts_it(gw):
    sess = await gw.new_session("ja")
    assert sess["state"] == "queued" and sess["queue"]["position"] == 1
    caller = await gw.caller_ws(sess)
    hello = await recv_until(caller, "hello")
    assert hello["session"]["id"] == sess["id"] and hello["transcript"] == []

    # The caller may describe the problem while waiting.
    await caller.send_json({"type": "msg", "client_id": "c1", "text": "ビザの延長について相談したいです"})
    ack = await recv_until(caller, "ack")
    assert ack["client_id"] == "c1" and ack["seq"] == 1

    token, seat = await connect_seat(gw, "seat-ja", {"lang:ja": 5})
    offer = await recv_until(seat, "offer")
    assert offer["session"]["id"] == sess["id"] and offer["session"]["lang"] == "ja"
    await seat.send_json({"type": "accept", "session": sess["id"]})
    opened = await recv_until(seat, "session")
    assert [m["text"] for m in opened["transcript"]] == ["ビザの延長について相談したいです"]
    connected = await recv_until(caller, "connected")
    assert connected["seat"]["name"] == "seat-ja"

    await seat.send_json({"type": "msg", "session": sess["id"], "client_id": "s1", "text": "はい、どうぞ。"})
    got = await recv_until(caller, "msg", match=lambda m: m["from"] == "seat")
    assert got["text"] == "はい、どうぞ。" and got["seq"] == 2
    await caller.send_json({"type": "msg", "client_id": "c2", "text": "12月3日に切れます"})
    got = await recv_until(seat, "msg", match=lambda m: m["from"] == "caller")
    assert got["text"] == "12月3日に切れます" and got["seq"] == 3

    await seat.send_json({"type": "end", "session": sess["id"]})
    ended = await recv_until(seat, "ended")
    ticket = ended["ticket"]
    assert ticket["status"] == "draft"
    caller_end = await recv_until(caller, "ended")
    assert caller_end["reference"] == ticket["number"]
    state = await recv_until(seat, "state", match=lambda m: m["state"] == "wrap_up")
    assert state["until"] is not None

    auth = {"Authorization": f"Bearer {token}"}
    r = await gw.client.get(f"/api/v1/tickets/{ticket['id']}", headers=auth)
    t = await r.json()
    assert r.status == 200 and t["status"] == "draft" and t["lang"] == "ja" and t["channel"] == "chat"
    assert "ビザの延長" in t["text_original"] and "12月3日" in t["text_original"]
    assert "はい、どうぞ" not in t["text_original"]      # the seat's words are not the caller's request

    # Submitting without a request type is refused with a sentence, not a 500.
    r = await gw.client.patch(f"/api/v1/tickets/{ticket['id']}", headers=auth, json={"category": None})
    assert r.status == 200 and (await r.json())["category"] is None
    r = await gw.client.post(f"/api/v1/tickets/{ticket['id']}/submit", headers=auth)
    assert r.status == 422 and (await r.json())["error"]["code"] == "invalid_field"

    r = await gw.client.patch(f"/api/v1/tickets/{ticket['id']}", headers=auth,
                              json={"category": "CONSULTATION", "department": "EXIT_ENTRY",
                                    "text_zh": "咨询签证延期，签证12月3日到期。"})
    t = await r.json()
    assert r.status == 200, t
    changed = {h["field"] for h in t["history"] if h["action"] == "edit"}
    assert {"category", "text_zh"} <= changed
    # The draft came from the transcript: a visa extension in Japanese goes to Exit-Entry.
    assert t["draft_fields"]["department"] == "EXIT_ENTRY" and t["department"] == "EXIT_ENTRY"

    r = await gw.client.post(f"/api/v1/tickets/{ticket['id']}/submit", headers=auth)
    t = await r.json()
    assert r.status == 200 and t["status"] == "accepted" and t["deadline"] is not None
    # Submitting twice is an illegal transition.
    r = await gw.client.post(f"/api/v1/tickets/{ticket['id']}/submit", headers=auth)
    body = await r.json()
    assert r.status == 409 and body["error"]["code"] == "illegal_transition"
    assert "accepted" in body["error"]["message"]
    await caller.close()
    await seat.close()


async def test_caller_reconnect_resumes_without_loss_or_duplicates(gw):
    sess = await gw.new_session("en")
    _, seat = await connect_seat(gw, "seat-en", {"lang:en": 5})
    caller = await gw.caller_ws(sess)
    await recv_until(caller, "hello")
    await recv_until(seat, "offer")
    await seat.send_json({"type": "accept", "session": sess["id"]})
    await recv_until(caller, "connected")
    await caller.send_json({"type": "msg", "client_id": "dup-1", "text": "first"})
    await recv_until(caller, "ack")
    await caller.close()
    await recv_until(seat, "peer", match=lambda m: m["present"] is False)

    # While the caller is away the seat writes; nothing may be lost.
    await seat.send_json({"type": "msg", "session": sess["id"], "client_id": "s-1", "text": "are you there?"})
    await recv_until(seat, "ack")

    caller = await gw.caller_ws(sess)
    hello = await recv_until(caller, "hello")
    assert [(m["seq"], m["text"]) for m in hello["transcript"]] == [(1, "first"), (2, "are you there?")]
    await recv_until(seat, "peer", match=lambda m: m["present"] is True)
    # The page re-sends an unacknowledged message with the same client_id: stored once.
    await caller.send_json({"type": "msg", "client_id": "dup-1", "text": "first"})
    ack = await recv_until(caller, "ack")
    assert ack["seq"] == 1
    r = await gw.client.get(f"/api/v1/sessions/{sess['id']}", headers={"Authorization": f"Bearer {sess['token']}"})
    assert [m["text"] for m in (await r.json())["transcript"]] == ["first", "are you there?"]


async def test_seat_drop_mid_chat_puts_caller_back_at_head_with_transcript(gateway_factory):
    gw = await gateway_factory(seat_reconnect_grace_s=0.2)
    first = await gw.new_session("de")
    _, seat = await connect_seat(gw, "seat-de-1", {"lang:de": 5})
    caller = await gw.caller_ws(first)
    await recv_until(caller, "hello")
    await recv_until(seat, "offer")
    await seat.send_json({"type": "accept", "session": first["id"]})
    await recv_until(caller, "connected")
    await caller.send_json({"type": "msg", "client_id": "a", "text": "Mein Pass ist weg"})
    await recv_until(caller, "ack")
    gw.clock.advance(30)
    later = await gw.new_session("de")           # arrives after the first caller

    await seat.close()                          # the seat's browser crashes
    assert (await recv_until(caller, "peer"))["present"] is False
    requeued = await recv_until(caller, "requeued", timeout=3)
    assert requeued["reason"] == "seat_disconnected"
    status = await recv_until(caller, "queue")
    assert status["position"] == 1              # ahead of the caller who came later

    _, seat2 = await connect_seat(gw, "seat-de-2", {"lang:de": 5})
    offer = await recv_until(seat2, "offer")
    assert offer["session"]["id"] == first["id"] and offer["session"]["id"] != later["id"]
    await seat2.send_json({"type": "accept", "session": first["id"]})
    opened = await recv_until(seat2, "session")
    assert [m["text"] for m in opened["transcript"]] == ["Mein Pass ist weg"]


async def test_seat_that_does_not_answer_is_set_away_and_caller_keeps_head(gw):
    sess = await gw.new_session("ko")
    _, seat = await connect_seat(gw, "seat-ko", {"lang:ko": 5})
    await recv_until(seat, "offer")
    gw.clock.advance(60)                        # well past the ring timeout
    await gw.service.tick()
    withdrawn = await recv_until(seat, "offer_withdrawn")
    assert withdrawn["reason"] == "timeout"
    away = await recv_until(seat, "state", match=lambda m: m["state"] == "away")
    assert away["reason"] == "no_answer"
    assert gw.service.acd.status(sess["id"]).position == 1


async def test_caller_leaving_the_queue_abandons_without_ticket(gw):
    sess = await gw.new_session("fr")
    caller = await gw.caller_ws(sess)
    await recv_until(caller, "hello")
    await caller.send_json({"type": "end"})
    ended = await recv_until(caller, "ended")
    assert ended["by"] == "caller" and ended["reference"] is None
    r = await gw.client.get(f"/api/v1/sessions/{sess['id']}", headers={"Authorization": f"Bearer {sess['token']}"})
    assert (await r.json())["state"] == "abandoned"


async def test_restart_loses_nothing(gateway_factory, tmp_path):
    gw = await gateway_factory()
    sess = await gw.new_session("ru")
    caller = await gw.caller_ws(sess)
    await recv_until(caller, "hello")
    for i in range(3):
        await caller.send_json({"type": "msg", "client_id": f"m{i}", "text": f"сообщение {i}"})
        await recv_until(caller, "ack")
    await caller.close()
    await gw.client.close()                    # runs on_shutdown and on_cleanup: a clean stop

    gw2 = await gateway_factory()
    assert gw2.service.acd.status(sess["id"]).position == 1
    caller = await gw2.caller_ws(sess)
    hello = await recv_until(caller, "hello")
    assert [m["text"] for m in hello["transcript"]] == ["сообщение 0", "сообщение 1", "сообщение 2"]
    assert hello["session"]["state"] == "queued"


async def test_seat_back_after_the_grace_period_can_work_again(gateway_factory):
    import asyncio
    gw = await gateway_factory(seat_reconnect_grace_s=0.05)
    token, seat = await connect_seat(gw, "seat-it", {"lang:it": 5})
    await recv_until(seat, "state", match=lambda m: m["state"] == "available")
    await seat.close()
    await asyncio.sleep(0.3)                     # grace period over: the seat is logged out
    assert gw.service.acd.seat(gw.service.acd.seats()[0].seat_id).state == "offline"
    _, seat = await connect_seat(gw, "seat-it-again", {"lang:it": 5})   # another seat, unaffected
    seat_ws = await gw.seat_ws(token)            # the first seat logs back in
    hello = await recv_until(seat_ws, "hello")
    assert hello["seat"]["state"] == "away"
    await seat_ws.send_json({"type": "set_state", "state": "available"})
    state = await recv_until(seat_ws, "state", match=lambda m: m["state"] == "available")
    assert state["state"] == "available"
