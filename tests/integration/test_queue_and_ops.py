"""Live queue position, metrics, health, and logs that carry no personal data."""

from __future__ import annotations

import logging

from tests.conftest import recv_until


async def test_waiting_callers_see_their_position_move_live(gw):
    first, second = await gw.new_session("th"), await gw.new_session("th")
    c1, c2 = await gw.caller_ws(first), await gw.caller_ws(second)
    await recv_until(c1, "hello")
    await recv_until(c2, "hello")
    q2 = await recv_until(c2, "queue")
    assert q2["position"] == 2 and q2["seats_online"] is False and q2["eta_s"] is None

    token = await gw.add_seat("seat-th", {"lang:th": 5})
    seat = await gw.seat_ws(token)
    await recv_until(seat, "hello")
    # A seat logging in, even away, makes an estimate possible.
    q2 = await recv_until(c2, "queue", match=lambda m: m["seats_online"])
    assert q2["position"] == 2 and q2["eta_s"] > 0
    await seat.send_json({"type": "set_state", "state": "available"})
    offer = await recv_until(seat, "offer")
    assert offer["session"]["id"] == first["id"]
    await seat.send_json({"type": "accept", "session": first["id"]})
    q2 = await recv_until(c2, "queue", match=lambda m: m["position"] == 1)
    assert q2["position"] == 1
    queues = await recv_until(seat, "queues", match=lambda m: any(q["waiting"] == 1 for q in m["queues"]))
    assert {"queue": "chat", "skill": "lang:th", "waiting": 1} .items() <= queues["queues"][0].items()


async def test_volunteer_takes_the_chat_after_the_tier_widens(gw):
    sess = await gw.new_session("uk")
    caller = await gw.caller_ws(sess)
    await recv_until(caller, "hello")
    token = await gw.add_seat("vol-uk", {"lang:uk": 3}, kind="volunteer")
    vol = await gw.seat_ws(token)
    await recv_until(vol, "hello")
    await vol.send_json({"type": "set_state", "state": "available"})
    # Not offered yet: volunteers join after 120 s.  Once one is idle, the caller's estimate
    # drops to the time until that tier opens (it was a full handle time before).
    status = await recv_until(caller, "queue", match=lambda m: m["eta_s"] is not None and m["eta_s"] <= 120)
    assert status["position"] == 1 and status["seats_online"]
    gw.clock.advance(121)
    await gw.service.tick()
    offer = await recv_until(vol, "offer")
    assert offer["session"]["id"] == sess["id"]


async def test_metrics_expose_queues_seats_and_sessions(gw):
    await gw.new_session("ja")
    await gw.new_session("ja")
    await gw.new_session("es")
    token = await gw.add_seat("seat-ko", {"lang:ko": 5})
    seat = await gw.seat_ws(token)
    await recv_until(seat, "hello")
    r = await gw.client.get("/metrics")
    text = await r.text()
    assert r.status == 200 and r.headers["Content-Type"].startswith("text/plain")
    assert 'hotline_queue_waiting{queue="chat",skill="lang:ja"} 2.0' in text
    assert 'hotline_queue_waiting{queue="chat",skill="lang:es"} 1.0' in text
    assert 'hotline_sessions_created_total{channel="chat",lang="ja"} 2.0' in text
    assert 'hotline_seats{kind="agent",state="away"} 1.0' in text
    assert 'hotline_ws_connections{role="seat"} 1.0' in text
    assert "hotline_db_commit_seconds_count" in text


async def test_healthz(gw):
    r = await gw.client.get("/healthz")
    body = await r.json()
    assert r.status == 200 and body["status"] == "ok" and body["db"] == "ok"


async def test_logs_never_carry_message_text_or_tokens(gw, caplog):
    caplog.set_level(logging.DEBUG)
    sess = await gw.new_session("en")
    caller = await gw.caller_ws(sess)
    await recv_until(caller, "hello")
    secret_text = "My ID is 11010519491231002X and my phone 13812345678"
    await caller.send_json({"type": "msg", "client_id": "p1", "text": secret_text})
    await recv_until(caller, "ack")
    await caller.send_json({"type": "end"})
    await recv_until(caller, "ended")
    logged = "\n".join(f"{r.getMessage()} {vars(r)}" for r in caplog.records)
    assert "session_created" in logged                # it did log, and structured
    for needle in ("11010519491231002X", "13812345678", sess["token"], "My ID is"):
        assert needle not in logged


async def test_security_headers_on_pages(gw):
    r = await gw.client.get("/chat")
    assert r.status == 200
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    r = await gw.client.get("/api/v1/languages")
    langs = await r.json()
    assert [l["code"] for l in langs][:3] == ["en", "ja", "ko"] and len(langs) == 18
    assert {l["code"]: l["dir"] for l in langs}["fa"] == "rtl"
    r = await gw.client.get("/api/v1/languages/ja/strings")
    assert (await r.json())["start_chat"] != ""
    r = await gw.client.get("/api/v1/languages/klingon/strings")
    assert r.status == 400 and (await r.json())["error"]["code"] == "unknown_language"


async def test_info_tells_pages_the_real_retention(gateway_factory):
    gw = await gateway_factory(recording_retention_days=90)
    body = await (await gw.client.get("/api/v1/info")).json()
    assert body["recording_retention_days"] == 90 and body["video"] is True
    strings = await (await gw.client.get("/api/v1/languages/ru/strings")).json()
    assert "{n}" in strings["consent_explain_video"]          # the page puts the real number in
