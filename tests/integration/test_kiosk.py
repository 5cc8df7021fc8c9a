"""Airport kiosks through the real app: anonymous counters, kiosk sessions, the report, the QR code."""

from __future__ import annotations

import csv
import io
import re
import sqlite3
import uuid
import xml.etree.ElementTree as ET

import cv2
import numpy as np
import pytest
import segno

from gateway.auth import new_token, token_hash
from gateway.storage.records import UserRecord
from gateway.web.keys import CONFIG, REPO
from tests.conftest import recv_until

KIOSK = "PVG-T2-01"
DAY = "2026-11-28"          # ManualClock starts at 2026-11-28T00:00Z = 08:00 in Shanghai
TEST_ID, TEST_CERT = "11010519491231002X", "11010519491231002X12"


async def user_token(gw, role: str) -> str:
    uid = uuid.uuid4().hex
    await gw.app[REPO].create_user(UserRecord(id=uid, login=f"{role}-{uid[:6]}", name=role, role=role,
                                              created_at=gw.clock.now()))
    token = new_token()
    await gw.app[REPO].add_token(token_hash(token), uid, gw.clock.now(), None)
    return token


async def event(gw, kiosk: str = KIOSK, name: str = "language_chosen", lang: str = "ja", **extra):
    return await gw.client.post("/api/v1/kiosk/events", json={"kiosk": kiosk, "event": name, "lang": lang, **extra})


async def report(gw, token: str, **query: str):
    q = {"from": DAY, "to": DAY, **query}
    return await gw.client.get("/api/v1/kiosk/report", params=q, headers={"Authorization": f"Bearer {token}"})


async def test_counters_are_grouped_by_kiosk_and_shanghai_hour(gw):
    for _ in range(2):
        assert (await event(gw)).status == 204
    assert (await event(gw, name="qr_shown")).status == 204
    assert (await event(gw, kiosk="SHA-T2-03", lang="ko")).status == 204
    gw.clock.advance(3600)
    assert (await event(gw)).status == 204

    body = await (await report(gw, await user_token(gw, "supervisor"))).json()
    rows = {(r["kiosk"], r["hour"], r["event"], r["lang"]): r["count"] for r in body["rows"]}
    assert rows == {
        (KIOSK, "2026-11-28T08", "language_chosen", "ja"): 2,
        (KIOSK, "2026-11-28T08", "qr_shown", "ja"): 1,
        (KIOSK, "2026-11-28T09", "language_chosen", "ja"): 1,
        ("SHA-T2-03", "2026-11-28T08", "language_chosen", "ko"): 1,
    }
    assert all(r["channel"] is None for r in body["rows"])
    totals = body["totals"]
    assert totals["by_language"]["ja"] == {"language_chosen": 3, "qr_shown": 1, "call_started": 0}
    assert totals["by_kiosk"]["SHA-T2-03"]["language_chosen"] == 1
    assert totals["all"] == {"language_chosen": 4, "qr_shown": 1, "call_started": 0}
    assert body["timezone"] == "Asia/Shanghai"

    only = await (await report(gw, await user_token(gw, "admin"), kiosk="SHA-T2-03")).json()
    assert [r["kiosk"] for r in only["rows"]] == ["SHA-T2-03"]


async def test_a_shanghai_day_is_the_report_day(gw):
    gw.clock.advance(15 * 3600 + 59 * 60)         # 23:59 in Shanghai, still the 28th
    await event(gw)
    gw.clock.advance(120)                         # 00:01 on the 29th in Shanghai
    await event(gw)
    token = await user_token(gw, "supervisor")
    day1 = await (await report(gw, token)).json()
    assert [r["hour"] for r in day1["rows"]] == ["2026-11-28T23"]
    both = await (await report(gw, token, to="2026-11-29")).json()
    assert [r["hour"] for r in both["rows"]] == ["2026-11-28T23", "2026-11-29T00"]


async def test_only_the_six_anonymous_columns_exist(gw):
    await event(gw)
    db = gw.app[CONFIG].db
    if db.startswith("postgresql://"):
        import psycopg
        with psycopg.connect(db) as conn:
            cols = [r[0] for r in conn.execute("SELECT column_name FROM information_schema.columns WHERE "
                                               "table_name = 'kiosk_counts' ORDER BY ordinal_position")]
    else:
        with sqlite3.connect(db) as conn:
            cols = [r[1] for r in conn.execute("PRAGMA table_info(kiosk_counts)")]
    assert cols == ["kiosk", "hour", "event", "lang", "channel", "count"]


@pytest.mark.parametrize("body, status, code", [
    ({"kiosk": KIOSK, "event": "coffee", "lang": "ja"}, 422, "invalid_field"),
    ({"kiosk": KIOSK, "event": "call_started", "lang": "ja"}, 422, "invalid_field"),
    ({"kiosk": KIOSK, "event": "language_chosen", "lang": "xx"}, 400, "unknown_language"),
    ({"kiosk": KIOSK, "event": "language_chosen", "lang": "csl"}, 400, "unknown_language"),
    ({"kiosk": KIOSK, "event": "language_chosen", "lang": 7}, 422, "invalid_field"),
    ({"kiosk": "pvg-t2-01", "event": "language_chosen", "lang": "ja"}, 422, "invalid_field"),
    ({"kiosk": "P", "event": "language_chosen", "lang": "ja"}, 422, "invalid_field"),
    ({"kiosk": "X" * 33, "event": "language_chosen", "lang": "ja"}, 422, "invalid_field"),
    ({"kiosk": "-PVG", "event": "language_chosen", "lang": "ja"}, 422, "invalid_field"),
    ({"kiosk": ["PVG"], "event": "language_chosen", "lang": "ja"}, 422, "invalid_field"),
    ({"event": "language_chosen", "lang": "ja"}, 422, "invalid_field"),
    ({"kiosk": KIOSK, "event": "qr_shown", "lang": "ja", "channel": "chat"}, 422, "invalid_field"),
    ({"kiosk": KIOSK, "event": "qr_shown", "lang": "ja", "ip": "10.0.0.1"}, 422, "invalid_field"),
])
async def test_bad_events_are_refused_and_not_counted(gw, body, status, code):
    r = await gw.client.post("/api/v1/kiosk/events", json=body)
    err = (await r.json())["error"]
    assert r.status == status and err["code"] == code and len(err["message"]) > 10
    rows = await gw.app[REPO].kiosk_report("2000-01-01T00", "2100-01-01T00")
    assert rows == []


@pytest.mark.parametrize("raw", [b"", b"{", b"[]", b'"x"'])
async def test_malformed_event_bodies(gw, raw):
    r = await gw.client.post("/api/v1/kiosk/events", data=raw, headers={"Content-Type": "application/json"})
    assert r.status == 400 and (await r.json())["error"]["code"] == "bad_json"


@pytest.mark.parametrize("path", [
    "/api/v1/kiosk/availability", "/api/v1/kiosk/availability?kiosk=bad id",
    f"/api/v1/kiosk/availability?kiosk={KIOSK}&lang=xx", f"/api/v1/kiosk/qr.svg?kiosk={KIOSK}",
    "/api/v1/kiosk/qr.svg?lang=ja", f"/api/v1/kiosk/qr.svg?lang=ja&kiosk={KIOSK}%0A",
])
async def test_bad_queries_get_4xx(gw, path):
    r = await gw.client.get(path)
    assert 400 <= r.status < 500 and "error" in await r.json()


async def test_kiosk_session_gets_priority_and_counts_one_call(gw):
    r = await gw.client.post("/api/v1/sessions", json={"channel": "chat", "lang": "ja", "kiosk": KIOSK})
    assert r.status == 201
    chat = await r.json()
    plain = await gw.new_session("ja")
    video = await (await gw.client.post("/api/v1/sessions", json={
        "channel": "video", "lang": "csl", "id_number": TEST_ID, "disability_cert": TEST_CERT, "kiosk": KIOSK})).json()
    repo = gw.app[REPO]
    stored = await repo.get_session(chat["id"])
    assert stored.meta["kiosk"] == KIOSK and stored.priority == 5           # routing priorities: kiosk = 5
    assert (await repo.get_session(plain["id"])).priority == 0 and "kiosk" not in (await repo.get_session(plain["id"])).meta
    assert (await repo.get_session(video["id"])).priority == 10             # video's own 10 is higher
    # the kiosk caller is offered first although the ordinary one waited longer
    seat = await gw.add_seat("ja-desk", {"lang:ja": 5})
    ws = await gw.seat_ws(seat)
    await recv_until(ws, "hello")
    await ws.send_json({"type": "set_state", "state": "available"})
    offer = await recv_until(ws, "offer")
    assert offer["session"]["id"] == chat["id"]
    await ws.close()

    body = await (await report(gw, await user_token(gw, "supervisor"))).json()
    calls = {(r["lang"], r["channel"]): r["count"] for r in body["rows"] if r["event"] == "call_started"}
    assert calls == {("ja", "chat"): 1, ("csl", "video"): 1}
    assert body["totals"]["calls_by_channel"] == {"chat": 1, "video": 1}


@pytest.mark.parametrize("kiosk", ["bad id", "", 5, "a" * 40])
async def test_bad_kiosk_on_a_session_is_refused_before_anything_is_stored(gw, kiosk):
    r = await gw.client.post("/api/v1/sessions", json={"channel": "chat", "lang": "ja", "kiosk": kiosk})
    assert r.status == 422 and (await r.json())["error"]["field"] == "kiosk"
    assert gw.service.sessions == {}
    assert await gw.app[REPO].kiosk_report("2000-01-01T00", "2100-01-01T00") == []


async def test_configured_kiosks_refuse_others(gateway_factory):
    gw = await gateway_factory(kiosks=[KIOSK])
    assert (await event(gw)).status == 204
    r = await event(gw, kiosk="PVG-T9-99")
    assert r.status == 400 and (await r.json())["error"]["code"] == "unknown_kiosk"
    r = await gw.client.get("/api/v1/kiosk/availability?kiosk=PVG-T9-99")
    assert r.status == 400


async def test_caller_can_end_a_session_over_http(gw):
    s = await gw.new_session("en")
    wrong = await gw.client.post(f"/api/v1/sessions/{s['id']}/end", headers={"Authorization": "Bearer nope"})
    assert wrong.status == 404
    for _ in range(2):                                   # ending twice is harmless
        r = await gw.client.post(f"/api/v1/sessions/{s['id']}/end", headers={"Authorization": f"Bearer {s['token']}"})
        assert r.status == 200 and (await r.json())["state"] == "abandoned"
    assert gw.service.sessions == {}


async def test_report_requires_supervisor_or_admin_and_exports_csv(gw):
    await event(gw, name="qr_shown", lang="ar")
    assert (await gw.client.get(f"/api/v1/kiosk/report?from={DAY}&to={DAY}")).status == 401
    agent = await gw.add_seat("agent-1", {"lang:en": 4})
    assert (await report(gw, agent)).status == 403
    assert (await report(gw, await user_token(gw, "reviewer"))).status == 403
    r = await report(gw, await user_token(gw, "supervisor"), format="csv")
    assert r.status == 200 and r.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in r.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(await r.text())))
    assert rows == [["kiosk", "hour", "event", "lang", "channel", "count"],
                    [KIOSK, "2026-11-28T08", "qr_shown", "ar", "", "1"]]


@pytest.mark.parametrize("query", [
    {"from": "2026-11-30", "to": "2026-11-28"}, {"from": "2026-02-30", "to": "2026-03-01"},
    {"from": "yesterday", "to": DAY}, {"from": DAY}, {"from": "2024-01-01", "to": "2026-01-01"},
    {"from": DAY, "to": DAY, "format": "xlsx"}, {"from": DAY, "to": DAY, "kiosk": "no good"},
])
async def test_bad_report_queries(gw, query):
    token = await user_token(gw, "admin")
    r = await gw.client.get("/api/v1/kiosk/report", params=query, headers={"Authorization": f"Bearer {token}"})
    assert r.status == 422 and (await r.json())["error"]["code"] == "invalid_field"


async def test_availability_follows_seats_and_shows_nothing_personal(gw):
    r = await gw.client.get(f"/api/v1/kiosk/availability?kiosk={KIOSK}&lang=ja")
    body = await r.json()
    assert body == {"kiosk": KIOSK, "idle_reset_s": 60.0, "lang": "ja",
                    "channels": {"chat": False, "voice": False, "video": False}, "any": False}
    ja = await gw.seat_ws(await gw.add_seat("seat-ja", {"lang:ja": 4}, name="Tanaka"))
    csl = await gw.seat_ws(await gw.add_seat("seat-csl", {"sign:csl": 5, "lang:zh": 5}))
    await recv_until(ja, "hello")
    await recv_until(csl, "hello")
    body = await (await gw.client.get(f"/api/v1/kiosk/availability?kiosk={KIOSK}&lang=ja")).json()
    assert body["channels"] == {"chat": True, "voice": True, "video": False} and body["any"] is True
    assert "Tanaka" not in str(body)
    zh = await (await gw.client.get(f"/api/v1/kiosk/availability?kiosk={KIOSK}&lang=zh")).json()
    assert zh["channels"] == {"chat": True, "voice": True, "video": True}      # video is offered in Chinese only
    no_lang = await (await gw.client.get(f"/api/v1/kiosk/availability?kiosk={KIOSK}")).json()
    assert no_lang["channels"] is None and no_lang["idle_reset_s"] == 60.0
    await ja.close()
    await csl.close()


async def test_strings_cover_every_kiosk_language(gw):
    body = await (await gw.client.get("/api/v1/kiosk/strings")).json()
    codes = [l["code"] for l in body["languages"]]
    assert len(codes) == 19 and codes[-1] == "zh" and "csl" not in codes
    en_keys = set(body["strings"]["en"])
    for code in codes:
        table = body["strings"][code]
        assert set(table) == en_keys, code
        if code != "en":                          # really translated, not English filled in
            assert table["need_help"] != body["strings"]["en"]["need_help"], code
            assert table["talk_now"] != body["strings"]["en"]["talk_now"], code
        assert "{n}" in table["idle_countdown"], code
    assert body["strings"]["ja"]["talk_now"] == "今すぐ相談"


def svg_modules(svg: bytes) -> np.ndarray:
    """The dark modules of segno's SVG path (M/m moves, h runs of stroke width 1), as a 0/1 matrix."""
    root = ET.fromstring(svg)
    ns = {"s": "http://www.w3.org/2000/svg"}
    _, _, w, h = (int(float(v)) for v in root.attrib["viewBox"].split())
    grid = np.zeros((h, w), dtype=np.uint8)
    path = next(p for p in root.findall("s:path", ns) if p.get("stroke"))
    x = y = 0.0
    for op, args in re.findall(r"([Mmh])([^Mmh]*)", path.get("d")):
        nums = [float(v) for v in args.split()]
        if op == "M":
            x, y = nums
        elif op == "m":
            x, y = x + nums[0], y + nums[1]
        else:
            grid[int(y), int(x):int(x + nums[0])] = 1
            x += nums[0]
    return grid


def decode(image: np.ndarray) -> str:
    """OpenCV's QR reader; its classic detector misses some perfectly sharp images at some scales,
    so the ArUco-based one (also offline, same wheel) reads what the classic one did not."""
    for detector in (cv2.QRCodeDetector(), cv2.QRCodeDetectorAruco()):
        text = detector.detectAndDecode(image)[0]
        if text:
            return text
    return ""


def raster(modules: np.ndarray, scale: int = 8) -> np.ndarray:
    """Dark modules as black squares of ``scale`` pixels on white."""
    return np.kron(1 - modules, np.ones((scale, scale), dtype=np.uint8)) * 255


async def test_qr_svg_is_valid_stable_and_decodes_to_the_miniapp_link(gw):
    url = "https://12345.sh.gov.cn/miniapp?lang=ja&src=kiosk-PVG-T2-01"
    r = await gw.client.get(f"/api/v1/kiosk/qr.svg?lang=ja&kiosk={KIOSK}")
    assert r.status == 200 and r.headers["Content-Type"] == "image/svg+xml"
    svg = await r.read()
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    size = segno.make(url, error="m").symbol_size(scale=1, border=4)[0]
    assert root.attrib["viewBox"] == f"0 0 {size} {size}"
    again = await (await gw.client.get(f"/api/v1/kiosk/qr.svg?lang=ja&kiosk={KIOSK}")).read()
    other = await (await gw.client.get(f"/api/v1/kiosk/qr.svg?lang=ko&kiosk={KIOSK}")).read()
    assert again == svg and other != svg

    # Rasterise the served SVG's own modules and let OpenCV read it back.
    modules = svg_modules(svg)
    assert decode(raster(modules)) == url
    # ... and segno's own PNG of that URL has exactly the same modules and reads the same.
    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="png", scale=10)
    png = cv2.imdecode(np.frombuffer(buf.getvalue(), np.uint8), cv2.IMREAD_GRAYSCALE)
    assert decode(png) == url
    assert np.array_equal(png[::10, ::10] == 0, modules == 1)


async def test_miniapp_url_is_configurable_and_keeps_its_query(gateway_factory):
    gw = await gateway_factory(miniapp_url="https://example.org/app?channel=x&lang=de")
    svg = await (await gw.client.get(f"/api/v1/kiosk/qr.svg?lang=fa&kiosk={KIOSK}")).read()
    assert decode(raster(svg_modules(svg))) == "https://example.org/app?channel=x&lang=fa&src=kiosk-PVG-T2-01"


async def test_only_caller_pages_may_be_framed_and_only_by_this_origin(gw):
    for path in ("/chat", "/voice", "/video"):
        csp = (await gw.client.get(path)).headers["Content-Security-Policy"]
        assert "frame-ancestors 'self'" in csp and "script-src 'self'" in csp
    for path in ("/kiosk", "/kiosk/report", "/console", "/"):
        r = await gw.client.get(path)
        assert r.status == 200 and "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]


async def test_a_flood_of_kiosk_events_is_refused_not_counted(gw):
    body = {"kiosk": "PVG-T2-01", "event": "language_chosen", "lang": "ja"}
    statuses = [(await gw.client.post("/api/v1/kiosk/events", json=body)).status for _ in range(30)]
    assert statuses[:20] == [204] * 20 and 429 in statuses[20:]
    r = await gw.client.post("/api/v1/kiosk/events", json=body)
    assert r.status == 429 and int(r.headers["Retry-After"]) >= 1
    gw.clock.advance(60)                                  # the bucket refills with time
    assert (await gw.client.post("/api/v1/kiosk/events", json=body)).status == 204
