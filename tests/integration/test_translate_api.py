"""Translation, detection, models and drafting through the real app and real (tiny, trained) Argos packages."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from tests.conftest import recv_until
from gateway.web.keys import TRANSLATION

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "argos"
with open(ROOT / "scripts" / "fixture_corpus" / "hotline_en_zh_ja.tsv", encoding="utf-8") as fh:
    CORPUS = list(csv.DictReader(fh, delimiter="\t"))


@pytest.fixture
async def mt(gateway_factory):
    gw = await gateway_factory(mt_enabled=True)
    svc = gw.app[TRANSLATION]
    svc.engine.install([FIXTURES / n for n in ("en_zh.argosmodel", "zh_en.argosmodel", "ja_en.argosmodel",
                                               "ko_zh-random.argosmodel")])
    return gw


async def test_translate_direct_and_pivot_like_libretranslate(mt):
    row = CORPUS[1]
    r = await mt.client.post("/api/v1/translate", json={"q": row["en"], "source": "en", "target": "zh"})
    body = await r.json()
    assert r.status == 200, body
    assert body["translatedText"] == row["zh"] and body["route"] == ["en", "zh"]
    r = await mt.client.post("/api/v1/translate", json={"q": row["ja"], "source": "ja", "target": "zh"})
    body = await r.json()
    assert body["route"] == ["ja", "en", "zh"] and body["translatedText"] == row["zh"]
    # batch of texts, and automatic source detection
    r = await mt.client.post("/api/v1/translate", json={"q": [CORPUS[2]["en"], CORPUS[3]["en"]],
                                                        "source": "auto", "target": "zh"})
    body = await r.json()
    assert body["translatedText"] == [CORPUS[2]["zh"], CORPUS[3]["zh"]]
    assert body["detectedLanguage"][0]["language"] == "en"


async def test_glossary_terms_are_translated_consistently(mt):
    r = await mt.client.post("/api/v1/translate", json={"q": "Hongqiao Railway Station", "source": "en", "target": "zh"})
    assert (await r.json())["translatedText"] == "虹桥火车站"


async def test_random_model_output_is_flagged_not_trusted(mt):
    r = await mt.client.post("/api/v1/translate", json={"q": "여권을 잃어버렸습니다.", "source": "ko", "target": "zh"})
    body = await r.json()
    assert r.status == 200 and body["flags"], body     # garbage from a real model is caught


async def test_languages_report_installed_targets(mt):
    r = await mt.client.get("/api/v1/languages")
    langs = {l["code"]: l for l in await r.json()}
    assert "zh" in langs["en"]["targets"] and "zh" in langs["ja"]["targets"]
    assert langs["fr"]["targets"] == []
    r = await mt.client.get("/api/v1/models")
    pairs = {(p["from"], p["to"], p["via"]) for p in (await r.json())["pairs"]}
    assert ("ja", "zh", "en") in pairs and ("en", "zh", None) in pairs


async def test_bad_translate_requests(mt):
    async def err(body, status, code):
        r = await mt.client.post("/api/v1/translate", json=body)
        got = await r.json()
        assert r.status == status and got["error"]["code"] == code, got
        return got["error"]["message"]
    msg = await err({"q": "Bonjour", "source": "fr", "target": "zh"}, 400, "unsupported_pair")
    assert "en→zh" in msg or "en->zh" in msg or "en" in msg
    await err({"q": "", "source": "en", "target": "zh"}, 400, "empty_text")
    await err({"q": 42, "source": "en", "target": "zh"}, 422, "invalid_field")
    await err({"q": "x" * 6000, "source": "en", "target": "zh"}, 413, "payload_too_large")
    await err({"q": "hello", "source": "xx", "target": "zh"}, 400, "unknown_language")


async def test_detect(mt):
    r = await mt.client.post("/api/v1/detect", json={"q": "Мой работодатель не платит мне зарплату."})
    ranked = await r.json()
    assert ranked[0]["language"] == "ru" and ranked[0]["confidence"] > 50


async def test_drafts_endpoint(mt):
    r = await mt.client.post("/api/v1/drafts", json={
        "id": "t1", "lang": "en", "reference_time": "2026-11-28T10:00:00+08:00",
        "text": "My landlord in Jing'an refuses to return my deposit after I moved out on November 15."})
    d = await r.json()
    assert r.status == 200, d
    assert d["department"] == "HOUSING" and d["district"] == "jingan" and d["event_date"] == "2026-11-15"
    assert d["summary_zh"] and set(d["confidence"]) >= {"category", "department", "district", "event_date"}
    r = await mt.client.post("/api/v1/drafts", json={"text": "   "})
    assert r.status == 400 and (await r.json())["error"]["code"] == "empty_text"


async def test_chat_console_shows_chinese_from_the_real_engine(mt):
    row = CORPUS[4]
    sess = await mt.new_session("en")
    caller = await mt.caller_ws(sess)
    await recv_until(caller, "hello")
    token = await mt.add_seat("seat-en", {"lang:en": 5})
    seat = await mt.seat_ws(token)
    await recv_until(seat, "hello")
    await seat.send_json({"type": "set_state", "state": "available"})
    await recv_until(seat, "offer")
    await seat.send_json({"type": "accept", "session": sess["id"]})
    opened = await recv_until(seat, "session")
    assert opened["session"]["mt"] == {"from_caller": True, "to_caller": True}
    await caller.send_json({"type": "msg", "client_id": "c1", "text": row["en"]})
    tr = await recv_until(seat, "translation", timeout=20)
    assert tr["text"] == row["zh"] and tr["flags"] == []
    # the seat answers in Chinese; the caller reads English marked as machine translation
    reply = CORPUS[5]
    await seat.send_json({"type": "msg", "session": sess["id"], "client_id": "s1", "text": reply["zh"],
                          "compose_lang": "zh"})
    got = await recv_until(caller, "msg", match=lambda m: m["from"] == "seat", timeout=20)
    assert got["text"] == reply["en"] and got["mt"] is True


async def test_drafts_work_with_mt_switched_off(gw):
    r = await gw.client.post("/api/v1/drafts", json={
        "lang": "de", "reference_time": "2026-11-28T10:00:00+08:00",
        "text": "Der Müll in unserer Straße in Hongkou wird seit Montag nicht abgeholt."})
    d = await r.json()
    assert r.status == 200, d
    assert d["district"] == "hongkou" and d["event_date"] == "2026-11-23"
    assert "mt_unavailable" in d["flags"]
    r = await gw.client.post("/api/v1/translate", json={"q": "hi", "source": "en", "target": "zh"})
    assert r.status == 503 and (await r.json())["error"]["code"] == "mt_unavailable"
