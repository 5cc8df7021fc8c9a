"""Machine translation inside a chat, tested above the engine with a named test double.

The real Argos path (tiny trained packages) is exercised in test_chat_translation_argos.py;
here a dictionary stands in for the engine so the chat rules themselves are checked:
Chinese beneath caller messages, composing in Chinese, and refusing broken output.
"""

from __future__ import annotations

from gateway.chat.translation import Translated
from gateway.web.app import create_app
from tests.conftest import Gateway, make_config, recv_until


class DictionaryTranslatorDouble:
    """Test double for the translation engine: fixed phrase table, zh<->en only."""

    TABLE = {("en", "zh"): {"My passport was stolen.": "我的护照被偷了。"},
             ("zh", "en"): {"请到出入境管理局补办。": "Please apply for a new one at the Exit-Entry Bureau.",
                            "坏": "坏"}}            # a "translation" that returns its input

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str]] = []

    def can_translate(self, source: str, target: str) -> bool:
        return (source, target) in self.TABLE

    async def translate(self, text: str, source: str, target: str) -> Translated:
        self.calls.append((text, source, target))
        out = self.TABLE[(source, target)].get(text, "")
        flags = ["mt_identical"] if out == text else ([] if out else ["mt_empty"])
        return Translated(out, flags, [source, target])


async def _gateway(aiohttp_client, tmp_path, clock, translator) -> Gateway:
    app = create_app(make_config(tmp_path), clock=clock, run_ticker=False, translator=translator)
    return Gateway(await aiohttp_client(app), clock)


async def _connected(gw, lang: str):
    sess = await gw.new_session(lang)
    caller = await gw.caller_ws(sess)
    await recv_until(caller, "hello")
    token = await gw.add_seat(f"seat-{lang}", {f"lang:{lang}": 5})
    seat = await gw.seat_ws(token)
    await recv_until(seat, "hello")
    await seat.send_json({"type": "set_state", "state": "available"})
    await recv_until(seat, "offer")
    await seat.send_json({"type": "accept", "session": sess["id"]})
    opened = await recv_until(seat, "session")
    await recv_until(caller, "connected")
    return sess, caller, seat, opened


async def test_caller_message_gets_chinese_beneath_it_and_keeps_it(aiohttp_client, tmp_path, clock):
    double = DictionaryTranslatorDouble()
    gw = await _gateway(aiohttp_client, tmp_path, clock, double)
    sess, caller, seat, opened = await _connected(gw, "en")
    assert opened["session"]["mt"] == {"from_caller": True, "to_caller": True}
    await caller.send_json({"type": "msg", "client_id": "c1", "text": "My passport was stolen."})
    original = await recv_until(seat, "msg", match=lambda m: m["from"] == "caller")
    assert original["text"] == "My passport was stolen." and "translation" not in original
    tr = await recv_until(seat, "translation")
    assert tr["seq"] == original["seq"] and tr["text"] == "我的护照被偷了。" and tr["mt"] is True
    # After a reload the console gets it with the transcript; the caller never sees it.
    await seat.close()
    seat = await gw.seat_ws((await (await gw.client.post("/api/v1/auth/login", json={
        "login": "seat-en", "password": "test-password"})).json())["token"])
    hello = await recv_until(seat, "hello")
    msg = hello["sessions"][0]["transcript"][0]
    assert msg["translation"]["text"] == "我的护照被偷了。"
    r = await gw.client.get(f"/api/v1/sessions/{sess['id']}", headers={"Authorization": f"Bearer {sess['token']}"})
    assert "translation" not in (await r.json())["transcript"][0]


async def test_seat_writes_chinese_and_caller_reads_it_marked_as_machine_translation(aiohttp_client, tmp_path, clock):
    gw = await _gateway(aiohttp_client, tmp_path, clock, DictionaryTranslatorDouble())
    sess, caller, seat, _ = await _connected(gw, "en")
    await seat.send_json({"type": "msg", "session": sess["id"], "client_id": "s1",
                          "text": "请到出入境管理局补办。", "compose_lang": "zh"})
    ack = await recv_until(seat, "ack")
    got = await recv_until(caller, "msg", match=lambda m: m["from"] == "seat")
    assert got["seq"] == ack["seq"]
    assert got["text"] == "Please apply for a new one at the Exit-Entry Bureau." and got["mt"] is True
    assert got["original"] == {"lang": "zh", "text": "请到出入境管理局补办。"}
    mine = await recv_until(seat, "msg", match=lambda m: m["from"] == "seat")
    assert mine["text"] == "请到出入境管理局补办。"
    assert mine["translation"]["text"].startswith("Please apply")
    # the caller's transcript after a reload is in the caller's language too
    caller2 = await gw.caller_ws(sess)
    hello = await recv_until(caller2, "hello")
    assert hello["transcript"][-1]["text"].startswith("Please apply") and hello["transcript"][-1]["mt"]


async def test_broken_translation_is_never_sent_to_the_caller(aiohttp_client, tmp_path, clock):
    gw = await _gateway(aiohttp_client, tmp_path, clock, DictionaryTranslatorDouble())
    sess, caller, seat, _ = await _connected(gw, "en")
    await seat.send_json({"type": "msg", "session": sess["id"], "client_id": "bad", "text": "坏", "compose_lang": "zh"})
    err = await recv_until(seat, "error")
    assert err["code"] == "mt_suspect" and err["ref"] == "bad" and "mt_identical" in err["message"]
    r = await gw.client.get(f"/api/v1/sessions/{sess['id']}", headers={"Authorization": f"Bearer {sess['token']}"})
    assert (await r.json())["transcript"] == []          # nothing stored, nothing sent


async def test_no_model_for_the_language_is_a_clear_refusal(aiohttp_client, tmp_path, clock):
    gw = await _gateway(aiohttp_client, tmp_path, clock, DictionaryTranslatorDouble())
    sess, caller, seat, opened = await _connected(gw, "ja")
    assert opened["session"]["mt"] == {"from_caller": False, "to_caller": False}
    await seat.send_json({"type": "msg", "session": sess["id"], "client_id": "x", "text": "你好", "compose_lang": "zh"})
    err = await recv_until(seat, "error")
    assert err["code"] == "mt_unavailable" and "'ja'" in err["message"]
    # Writing in the caller's own language still works, untranslated.
    await seat.send_json({"type": "msg", "session": sess["id"], "client_id": "y", "text": "こんにちは"})
    got = await recv_until(caller, "msg", match=lambda m: m["from"] == "seat")
    assert got["text"] == "こんにちは" and "mt" not in got
