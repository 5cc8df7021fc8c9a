"""Video and voice sessions: caller verification, signalling relay, real-time text and the caller's card."""

from __future__ import annotations

import logging

from gateway.domain.privacy import id_check_char
from gateway.web.keys import REPO
from tests.conftest import recv_until

ID = "11010519491231002X"          # a valid GB 11643 number (check character computed below)
CERT = ID + "12"                   # disability certificate: the holder's ID + category 1 + level 2


def test_the_fixture_id_is_valid():
    assert id_check_char(ID[:17]) == ID[17]


async def _video_session(gw, **extra):
    body = {"channel": "video", "lang": "csl", "id_number": ID, "disability_cert": CERT, **extra}
    r = await gw.client.post("/api/v1/sessions", json=body)
    return r, await r.json()


async def test_video_needs_a_valid_id_and_certificate_before_queueing(gw, caplog):
    caplog.set_level(logging.DEBUG)
    for body, needle in (
        ({"channel": "video", "lang": "csl"}, "ID card number"),
        ({"channel": "video", "lang": "csl", "id_number": ID}, "disability certificate"),
        ({"channel": "video", "lang": "csl", "id_number": ID[:-1] + "1", "disability_cert": CERT}, "id_number"),
        ({"channel": "video", "lang": "csl", "id_number": ID, "disability_cert": ID + "92"}, "disability"),
        ({"channel": "video", "lang": "csl", "id_number": ID,
          "disability_cert": "11010519491231003812"}, "does not belong"),
    ):
        r = await gw.client.post("/api/v1/sessions", json=body)
        err = (await r.json())["error"]
        assert r.status == 422 and err["code"] == "invalid_field" and needle in err["message"], err
        assert err["field"] in ("id_number", "disability_cert")
        assert ID[:10] not in err["message"]            # the number is never echoed back
    assert gw.service.acd.snapshot()["queues"] == []   # nobody was queued
    r, sess = await _video_session(gw, consent_recording=True)
    assert r.status == 201 and sess["queue"]["position"] == 1
    stored = await gw.app[REPO].get_session(sess["id"])
    assert stored.meta["caller"]["id_masked"] == "110***********002X" and stored.meta["consent_recording"] is True
    assert ID not in str(stored.meta) and CERT not in str(stored.meta)
    logged = "\n".join(f"{r.getMessage()} {vars(r)}" for r in caplog.records)
    assert ID not in logged and "1231002" not in logged


async def test_video_goes_to_a_sign_seat_and_relays_signalling_and_rtt(gw):
    r, sess = await _video_session(gw)
    caller = await gw.caller_ws(sess)
    await recv_until(caller, "hello")
    # ringing a language seat is not possible: video needs sign:csl
    lang_token = await gw.add_seat("seat-en", {"lang:en": 5})
    lang_seat = await gw.seat_ws(lang_token)
    await recv_until(lang_seat, "hello")
    await lang_seat.send_json({"type": "set_state", "state": "available"})
    token = await gw.add_seat("seat-csl", {"sign:csl": 5, "lang:zh": 5})
    seat = await gw.seat_ws(token)
    await recv_until(seat, "hello")
    await seat.send_json({"type": "set_state", "state": "available"})
    offer = await recv_until(seat, "offer")
    assert offer["session"]["channel"] == "video"
    await seat.send_json({"type": "accept", "session": sess["id"]})
    opened = await recv_until(seat, "session")
    assert opened["session"]["caller"]["id_masked"] == "110***********002X"
    assert "id_hash" not in opened["session"]["caller"]
    await recv_until(caller, "connected")

    sdp = {"type": "offer", "sdp": "v=0\r\n..."}
    await caller.send_json({"type": "rtc", "data": sdp})
    got = await recv_until(seat, "rtc")
    assert got["data"] == sdp and got["session"] == sess["id"]
    await seat.send_json({"type": "rtc", "session": sess["id"], "data": {"type": "answer", "sdp": "v=0"}})
    assert (await recv_until(caller, "rtc"))["data"]["type"] == "answer"
    for partial in ("上", "上海", "上海市"):
        await caller.send_json({"type": "rtt", "data": {"text": partial}})
        assert (await recv_until(seat, "rtt"))["data"]["text"] == partial


async def test_relay_before_a_seat_answers_is_refused(gw):
    r, sess = await _video_session(gw)
    caller = await gw.caller_ws(sess)
    await recv_until(caller, "hello")
    await caller.send_json({"type": "rtc", "data": {"type": "offer", "sdp": "x"}})
    assert (await recv_until(caller, "error"))["code"] == "conflict"
    await caller.send_json({"type": "rtt", "data": "not an object"})
    assert (await recv_until(caller, "error"))["code"] == "invalid_field"


async def test_card_goes_to_the_seat_and_into_the_ticket_draft(gw):
    r, sess = await _video_session(gw)
    caller = await gw.caller_ws(sess)
    await recv_until(caller, "hello")
    token = await gw.add_seat("seat-csl", {"sign:csl": 5})
    seat = await gw.seat_ws(token)
    await recv_until(seat, "hello")
    await seat.send_json({"type": "set_state", "state": "available"})
    await recv_until(seat, "offer")
    await seat.send_json({"type": "accept", "session": sess["id"]})
    await recv_until(caller, "connected")
    await caller.send_json({"type": "card", "card": {"address": "杨浦区国权路100号", "phone": "138 1234 5678",
                                                     "what": "楼上邻居昨晚噪音到凌晨两点", "chips": ["noise"]}})
    saved = await recv_until(caller, "card_saved")
    assert saved["card"]["phone_masked"] == "+86 138****5678" and "phone_hash" not in saved["card"]
    card = await recv_until(seat, "card")
    assert card["card"]["address"] == "杨浦区国权路100号" and card["card"]["chips"] == ["noise"]
    await caller.send_json({"type": "card", "card": {"phone": "12345"}})
    err = await recv_until(caller, "error")
    assert err["code"] == "invalid_field" and err["field"] == "phone"
    await caller.send_json({"type": "card", "card": {"chips": ["teleport"]}})
    assert (await recv_until(caller, "error"))["code"] == "invalid_field"

    await seat.send_json({"type": "end", "session": sess["id"]})
    ended = await recv_until(seat, "ended")
    r = await gw.client.get(f"/api/v1/tickets/{ended['ticket']['id']}", headers={"Authorization": f"Bearer {token}"})
    t = await r.json()
    assert t["channel"] == "video" and t["address"] == "杨浦区国权路100号" and t["district"] == "yangpu"
    assert t["caller"]["phone_masked"] == "+86 138****5678" and t["caller"]["id_masked"] == "110***********002X"
    assert "13812345678" not in str(t) and ID not in str(t)
    assert t["department"] == "POLICE"          # neighbour noise at night
