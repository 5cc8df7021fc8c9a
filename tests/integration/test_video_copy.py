"""The caller's analysis copy through the real app: an aiortc 'browser' sends frames with nobody in them;
the caller is told, in Chinese, with a pictogram; the seat sees the quality; recording only with consent."""

from __future__ import annotations

import asyncio

import av

from gateway.web.keys import VIDEO
from tests.conftest import recv_until
from tests.integration.test_calls import CERT, ID
from tests.unit.test_video_peer import Caller


async def _start(gw, consent: bool):
    r = await gw.client.post("/api/v1/sessions", json={"channel": "video", "lang": "csl", "id_number": ID,
                                                       "disability_cert": CERT, "consent_recording": consent})
    sess = await r.json()
    caller_ws = await gw.caller_ws(sess)
    await recv_until(caller_ws, "hello")
    browser = Caller()
    offer = await browser.offer()
    r = await gw.client.post(f"/api/v1/sessions/{sess['id']}/media", json={"sdp": offer.sdp, "type": offer.type},
                             headers={"Authorization": f"Bearer {sess['token']}"})
    answer = await r.json()
    assert r.status == 200, answer
    await browser.answer(answer)
    return sess, caller_ws, browser


async def test_guidance_reaches_the_caller_and_quality_the_seat(gateway_factory):
    gw = await gateway_factory(video_analysis_fps=4.0)
    sess, caller_ws, browser = await _start(gw, consent=False)
    try:
        # while still queued: a picture with no person in it
        g = await recv_until(caller_ws, "guidance", timeout=25)
        assert "no_person" in g["issues"]
        msg = next(m for m in g["messages"] if m["code"] == "no_person")
        assert any("\u4e00" <= ch <= "\u9fff" for ch in msg["text"])              # Chinese by default
        assert msg["pictogram"]["src"].startswith("data:image/svg+xml")
        token = await gw.add_seat("seat-csl", {"sign:csl": 5})
        seat = await gw.seat_ws(token)
        await recv_until(seat, "hello")
        await seat.send_json({"type": "set_state", "state": "available"})
        await recv_until(seat, "offer")
        await seat.send_json({"type": "accept", "session": sess["id"]})
        q = await recv_until(seat, "quality", timeout=10)
        assert q["session"] == sess["id"] and q["width"] == 640 and q["height"] == 480
        assert q["level"] in ("good", "fair", "poor") and "no_person" in q["guidance"]
        stats = gw.app[VIDEO].stats(sess["id"])
        assert stats["frames"] > 20 and stats["analysed"] >= 1
        assert gw.app[VIDEO].store.list(sess["id"]) == []                           # no consent, no file
        await seat.send_json({"type": "end", "session": sess["id"]})
        await recv_until(seat, "ended")
        for _ in range(50):                                                         # copy closed with the call
            if gw.app[VIDEO].stats(sess["id"]) is None:
                break
            await asyncio.sleep(0.1)
        assert gw.app[VIDEO].stats(sess["id"]) is None
    finally:
        await browser.pc.close()


async def test_recorded_only_with_consent_and_playable_for_review(gateway_factory):
    gw = await gateway_factory()
    sess, caller_ws, browser = await _start(gw, consent=True)
    await asyncio.sleep(3)
    await browser.pc.close()
    for _ in range(100):        # the peer notices the hang-up, then finishes the file
        if sess["id"] not in gw.app[VIDEO].peers:
            break
        await asyncio.sleep(0.1)
    files = gw.app[VIDEO].store.list(sess["id"])
    assert len(files) == 1 and files[0].stat().st_mode & 0o077 == 0
    with av.open(str(files[0])) as f:
        assert sum(1 for _ in f.decode(video=0)) > 10
    # a reviewer can list and fetch it; an unrelated seat cannot
    from gateway.auth import new_token, token_hash
    from gateway.storage.records import UserRecord
    from gateway.web.keys import REPO
    await gw.app[REPO].create_user(UserRecord(id="rev1", login="rev", name="Reviewer", role="reviewer", created_at=0))
    tok = new_token()
    await gw.app[REPO].add_token(token_hash(tok), "rev1", 0, None)
    r = await gw.client.get(f"/api/v1/sessions/{sess['id']}/recordings", headers={"Authorization": f"Bearer {tok}"})
    listing = await r.json()
    assert r.status == 200 and listing[0]["bytes"] > 1000
    r = await gw.client.get(listing[0]["url"], headers={"Authorization": f"Bearer {tok}"})
    assert r.status == 200 and len(await r.read()) == listing[0]["bytes"]
    other = await gw.add_seat("seat-other", {"lang:en": 5})
    r = await gw.client.get(f"/api/v1/sessions/{sess['id']}/recordings", headers={"Authorization": f"Bearer {other}"})
    assert r.status == 403


async def test_bad_media_offers(gw):
    r = await gw.client.post("/api/v1/sessions", json={"channel": "video", "lang": "csl", "id_number": ID,
                                                       "disability_cert": CERT})
    sess = await r.json()
    auth = {"Authorization": f"Bearer {sess['token']}"}
    r = await gw.client.post(f"/api/v1/sessions/{sess['id']}/media", json={"sdp": "garbage", "type": "offer"}, headers=auth)
    assert r.status == 400 and (await r.json())["error"]["code"] == "bad_sdp"
    r = await gw.client.post(f"/api/v1/sessions/{sess['id']}/media", json={"sdp": "v=0", "type": "offer"},
                             headers={"Authorization": "Bearer wrong"})
    assert r.status == 404 and (await r.json())["error"]["code"] == "unknown_session"
    chat = await gw.new_session("en")
    r = await gw.client.post(f"/api/v1/sessions/{chat['id']}/media", json={"sdp": "v=0", "type": "offer"},
                             headers={"Authorization": f"Bearer {chat['token']}"})
    assert r.status == 409
