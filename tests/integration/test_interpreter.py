"""A volunteer interpreter joins a call as a third party: invitation through the ACD, the
three-way conversation, signalling between any two parties, leaving, and what happens when a
party drops."""

from __future__ import annotations

import asyncio

from gateway.web.keys import REPO
from tests.conftest import recv_until

ID = "11010519491231002X"
CERT = ID + "12"


async def _answered(gw, *, channel="voice", lang="ja", seat_skills=None, body=None):
    """A caller connected to a seat; returns (session, caller ws, seat ws, seat token)."""
    r = await gw.client.post("/api/v1/sessions", json=body or {"channel": channel, "lang": lang})
    assert r.status == 201, await r.text()
    sess = await r.json()
    caller = await gw.caller_ws(sess)
    await recv_until(caller, "hello")
    token = await gw.add_seat(f"seat-{sess['id'][:6]}", seat_skills or {f"lang:{lang}": 5}, name="Desk A")
    seat = await gw.seat_ws(token)
    await recv_until(seat, "hello")
    await seat.send_json({"type": "set_state", "state": "available"})
    await recv_until(seat, "offer")
    await seat.send_json({"type": "accept", "session": sess["id"]})
    await recv_until(seat, "session")
    await recv_until(caller, "connected")
    return sess, caller, seat, token


async def _volunteer(gw, login, skills, name=None):
    token = await gw.add_seat(login, skills, kind="volunteer", name=name or login)
    ws = await gw.seat_ws(token)
    await recv_until(ws, "hello")
    await ws.send_json({"type": "set_state", "state": "available"})
    await recv_until(ws, "state", match=lambda m: m["state"] == "available")
    return ws, token


def _seat_id(gw, login_prefix):
    return next(v.seat_id for v in gw.service.acd.seats() if v.name.startswith(login_prefix))


async def test_three_way_voice_call_with_a_volunteer_interpreter(gw):
    sess, caller, seat, _ = await _answered(gw)
    sid = sess["id"]
    await caller.send_json({"type": "msg", "client_id": "c1", "text": "駅で財布をなくしました"})
    await recv_until(seat, "msg")
    vol, _ = await _volunteer(gw, "vol-ja", {"lang:ja": 3}, name="Volunteer Aiko")

    await seat.send_json({"type": "invite", "session": sid})           # the caller's language by default
    assert (await recv_until(seat, "interpreter"))["state"] == "requested"
    assert (await recv_until(caller, "interpreter"))["state"] == "requested"
    offer = await recv_until(vol, "offer")
    leg = offer["session"]
    assert leg["channel"] == "interpret" and leg["lang"] == "ja" and leg["parent"]["channel"] == "voice"
    assert leg["id"] != sid                                            # the leg is not the caller's session

    await vol.send_json({"type": "accept", "session": leg["id"]})
    opened = await recv_until(vol, "session")
    view = opened["session"]
    assert view["id"] == sid and view["role"] == "interpreter" and view["interpret_lang"] == "ja"
    assert view["caller"] == {} and view["card"] is None              # the interpreter is not told who calls
    assert [m["text"] for m in opened["transcript"]] == ["駅で財布をなくしました"]
    joined = await recv_until(caller, "interpreter")
    assert joined["state"] == "joined" and joined["name"] == "Volunteer Aiko"
    assert (await recv_until(seat, "interpreter"))["state"] == "joined"
    assert gw.service.acd.seat(_seat_id(gw, "Volunteer Aiko")).state == "busy"

    # everyone reads everyone
    await caller.send_json({"type": "msg", "client_id": "c2", "text": "新宿駅です"})
    assert (await recv_until(vol, "msg"))["text"] == "新宿駅です"
    await vol.send_json({"type": "msg", "session": sid, "client_id": "v1", "text": "来电人在新宿站丢了钱包"})
    assert (await recv_until(vol, "ack"))["client_id"] == "v1"
    for ws in (seat, caller):
        got = await recv_until(ws, "msg", match=lambda m: m["from"] == "interpreter")
        assert got["text"] == "来电人在新宿站丢了钱包"
    await seat.send_json({"type": "msg", "session": sid, "client_id": "s1", "text": "请问是什么时候？"})
    assert (await recv_until(vol, "msg", match=lambda m: m["from"] == "seat"))["text"] == "请问是什么时候？"
    stored = await gw.app[REPO].messages(sid)
    assert [m.sender for m in stored] == ["caller", "caller", "interpreter", "seat"]

    # signalling between any two of the three, marked with who sent it
    await vol.send_json({"type": "rtc", "session": sid, "to": "caller", "data": {"type": "offer", "sdp": "v=0 i->c"}})
    got = await recv_until(caller, "rtc")
    assert got["from"] == "interpreter" and got["data"]["sdp"] == "v=0 i->c"
    await caller.send_json({"type": "rtc", "to": "interpreter", "data": {"type": "answer", "sdp": "v=0 c->i"}})
    got = await recv_until(vol, "rtc")
    assert got["from"] == "caller" and got["data"]["sdp"] == "v=0 c->i"
    await vol.send_json({"type": "rtc", "session": sid, "to": "seat", "data": {"type": "offer", "sdp": "v=0 i->s"}})
    assert (await recv_until(seat, "rtc"))["from"] == "interpreter"
    await seat.send_json({"type": "rtc", "session": sid, "to": "interpreter", "data": {"candidate": {"c": 1}}})
    assert (await recv_until(vol, "rtc"))["from"] == "seat"
    # real-time text over the socket goes to both others
    await caller.send_json({"type": "rtt", "data": {"text": "昨日"}})
    for ws in (seat, vol):
        assert (await recv_until(ws, "rtt"))["data"]["text"] == "昨日"

    # the interpreter cannot end the call, only leave it
    await vol.send_json({"type": "end", "session": sid})
    assert (await recv_until(vol, "error"))["code"] == "forbidden"
    await vol.send_json({"type": "leave", "session": sid})
    ended = await recv_until(vol, "ended")
    assert ended["session"] == sid and ended["role"] == "interpreter" and ended["ticket"] is None
    left = await recv_until(caller, "interpreter")
    assert left["state"] == "left" and left["reason"] == "left"
    assert gw.service.acd.seat(_seat_id(gw, "Volunteer Aiko")).state == "wrap_up"
    meta = (await gw.app[REPO].get_session(sid)).meta["interpreting"]
    assert len(meta) == 1 and meta[0]["name"] == "Volunteer Aiko" and meta[0]["lang"] == "ja"
    assert meta[0]["left_at"] >= meta[0]["joined_at"] and meta[0]["reason"] == "left"

    # the call goes on between caller and seat
    await seat.send_json({"type": "msg", "session": sid, "client_id": "s2", "text": "好的"})
    assert (await recv_until(caller, "msg", match=lambda m: m["from"] == "seat"))["text"] == "好的"
    await vol.send_json({"type": "msg", "session": sid, "client_id": "v2", "text": "still here?"})
    assert (await recv_until(vol, "error"))["code"] == "forbidden"


async def test_bad_invitations_and_relays_are_refused_clearly(gw):
    sess, caller, seat, _ = await _answered(gw, channel="video", lang="csl", seat_skills={"sign:csl": 5},
                                            body={"channel": "video", "lang": "csl", "id_number": ID,
                                                  "disability_cert": CERT})
    sid = sess["id"]
    other_token = await gw.add_seat("other", {"lang:ja": 5})
    other = await gw.seat_ws(other_token)
    await recv_until(other, "hello")

    await seat.send_json({"type": "invite", "session": sid})             # a signed call: say which language
    err = await recv_until(seat, "error")
    assert err["code"] == "invalid_field" and err["field"] == "lang"
    await seat.send_json({"type": "invite", "session": sid, "lang": "klingon"})
    assert (await recv_until(seat, "error"))["code"] == "unknown_language"
    await other.send_json({"type": "invite", "session": sid, "lang": "ja"})
    assert (await recv_until(other, "error"))["code"] == "forbidden"      # not their call
    await seat.send_json({"type": "dismiss", "session": sid})
    assert (await recv_until(seat, "error"))["code"] == "conflict"        # nothing to dismiss
    await seat.send_json({"type": "rtc", "session": sid, "to": "interpreter", "data": {"type": "offer", "sdp": "x"}})
    assert (await recv_until(seat, "error"))["code"] == "conflict"        # nobody there yet
    await seat.send_json({"type": "rtc", "session": sid, "to": "seat", "data": {"type": "offer", "sdp": "x"}})
    assert (await recv_until(seat, "error"))["field"] == "to"
    await caller.send_json({"type": "rtc", "to": "everyone", "data": {"type": "offer", "sdp": "x"}})
    assert (await recv_until(caller, "error"))["field"] == "to"
    await other.send_json({"type": "rtt", "session": sid, "data": {"text": "eavesdrop"}})
    assert (await recv_until(other, "error"))["code"] == "forbidden"
    await other.send_json({"type": "leave", "session": sid})
    assert (await recv_until(other, "error"))["code"] == "forbidden"

    await seat.send_json({"type": "invite", "session": sid, "lang": "en"})
    assert (await recv_until(seat, "interpreter"))["lang"] == "en"
    await seat.send_json({"type": "invite", "session": sid, "lang": "en"})
    assert (await recv_until(seat, "error"))["code"] == "conflict"        # one at a time
    # nobody speaks English here: the request waits in the interpret queue until the seat cancels it
    queues = {q["queue"]: q for q in gw.service.queue_summary()}
    assert queues["interpret"]["waiting"] == 1 and queues["interpret"]["skill"] == "lang:en"
    await seat.send_json({"type": "dismiss", "session": sid})
    cancelled = await recv_until(caller, "interpreter", match=lambda m: m["state"] != "requested")
    assert cancelled["state"] == "cancelled" and cancelled["reason"] == "dismissed"
    assert all(q["queue"] != "interpret" for q in gw.service.queue_summary())


async def test_ending_the_call_releases_the_interpreter_and_drafts_the_ticket(gw):
    sess, caller, seat, token = await _answered(gw, lang="uk")
    sid = sess["id"]
    vol, _ = await _volunteer(gw, "vol-uk", {"lang:uk": 3})
    await seat.send_json({"type": "invite", "session": sid, "lang": "uk"})
    leg = (await recv_until(vol, "offer"))["session"]
    await vol.send_json({"type": "accept", "session": leg["id"]})
    await recv_until(vol, "session")
    await caller.send_json({"type": "msg", "client_id": "c1", "text": "У мене вкрали телефон у метро"})
    await recv_until(vol, "msg")
    await seat.send_json({"type": "end", "session": sid})
    ended = await recv_until(vol, "ended")
    assert ended["by"] == "call_ended" and ended["ticket"] is None
    ticket = (await recv_until(seat, "ended"))["ticket"]
    assert ticket["status"] == "draft"
    assert gw.service.acd.seat(_seat_id(gw, "vol-uk")).state == "wrap_up"
    assert gw.service.interp.legs == {}
    r = await gw.client.get(f"/api/v1/tickets/{ticket['id']}", headers={"Authorization": f"Bearer {token}"})
    assert r.status == 200


async def test_an_interpreter_who_drops_is_replaced_and_a_seat_that_drops_ends_interpreting(gateway_factory):
    gw = await gateway_factory(seat_reconnect_grace_s=0.3)
    sess, caller, seat, _ = await _answered(gw, lang="ar")
    sid = sess["id"]
    vol1, _ = await _volunteer(gw, "vol-ar-1", {"lang:ar": 3}, name="Karim")
    await seat.send_json({"type": "invite", "session": sid})
    leg = (await recv_until(vol1, "offer"))["session"]
    await vol1.send_json({"type": "accept", "session": leg["id"]})
    await recv_until(vol1, "session")
    await recv_until(caller, "interpreter", match=lambda m: m["state"] == "joined")
    vol2, _ = await _volunteer(gw, "vol-ar-2", {"lang:ar": 4}, name="Layla")

    await vol1.close()                                      # Karim's connection is lost
    assert (await recv_until(caller, "interpreter"))["state"] == "away"
    await recv_until(seat, "interpreter", match=lambda m: m["state"] == "away")
    # after the grace period the request goes back to the queue and the next volunteer rings
    await asyncio.sleep(0.5)
    again = await recv_until(caller, "interpreter", timeout=3)
    assert again["state"] == "requested" and again["reason"] == "interpreter_lost"
    offer = await recv_until(vol2, "offer")
    assert offer["session"]["id"] == leg["id"]
    await vol2.send_json({"type": "accept", "session": leg["id"]})
    assert (await recv_until(vol2, "session"))["session"]["id"] == sid
    assert (await recv_until(seat, "interpreter", match=lambda m: m.get("name") == "Layla"))["state"] == "joined"
    meta = (await gw.app[REPO].get_session(sid)).meta["interpreting"]
    assert [(x["name"], x.get("reason")) for x in meta] == [("Karim", "connection_lost"), ("Layla", None)]

    # a reconnecting interpreter gets the session back with its role
    await seat.close()                                      # now the seat is lost: no seat, no interpreting
    await asyncio.sleep(0.5)
    ended = await recv_until(vol2, "ended", timeout=3)
    assert ended["by"] == "seat_lost" and ended["session"] == sid
    assert (await recv_until(caller, "requeued"))["reason"] == "seat_disconnected"
    assert gw.service.interp.legs == {}


async def test_a_reconnecting_interpreter_gets_the_call_back(gw):
    sess, caller, seat, _ = await _answered(gw, lang="ko")
    sid = sess["id"]
    vol, token = await _volunteer(gw, "vol-ko", {"lang:ko": 3})
    await seat.send_json({"type": "invite", "session": sid})
    leg = (await recv_until(vol, "offer"))["session"]
    await vol.send_json({"type": "accept", "session": leg["id"]})
    await recv_until(vol, "session")
    await recv_until(seat, "interpreter", match=lambda m: m["state"] == "joined")
    await vol.close()
    assert (await recv_until(seat, "interpreter"))["state"] == "away"
    vol = await gw.seat_ws(token)
    hello = await recv_until(vol, "hello")
    assert [(s["id"], s["role"]) for s in hello["sessions"]] == [(sid, "interpreter")]
    assert (await recv_until(seat, "interpreter"))["state"] == "joined"
    # the seat's view (sent on every reconnect) says who is interpreting
    view = gw.service.seat_view(gw.service.sessions[sid])
    assert view["interpreter"]["state"] == "joined" and view["interpreter"]["lang"] == "ko"
