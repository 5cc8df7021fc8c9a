"""The agent console's "自助工单 Self-service" inbox: reports residents submitted themselves through
the mini-program API (one with a photo) are listed for any seat, open in the ticket editor with the
Chinese draft, the original words and the photo, and leave the inbox once the agent accepts them.
Real server process (with the tiny trained en->zh Argos package, so drafts are in Chinese), real Chromium."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import urllib.request
import uuid
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import ROOT, start_gateway

pytestmark = pytest.mark.browser
FIXTURES = ROOT / "tests" / "fixtures" / "argos"
XSS = '<img src=x onerror="window.__pwned=1">'
# whole sentences of the fixture corpus, which the tiny model translates exactly
LAMP = ("The street light outside my building is not working.", "我家楼外的路灯不亮。")
NOISE = ("There is construction noise after ten at night.", "晚上十点以后还有施工噪音。")
GARBAGE = ("Garbage has not been collected for a week.", "垃圾已经一个星期没有清运了。")


@pytest.fixture(scope="module")
def inbox_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gw-inbox")
    exe = str(Path(sys.executable).with_name("hotline-gateway"))
    subprocess.run([exe, "models", "install", str(FIXTURES / "en_zh.argosmodel"),
                    "--translate-dir", str(tmp / "translate")], check=True, capture_output=True, timeout=120)
    out = subprocess.run([exe, "apikeys", "create", "--name", "t", "--db", str(tmp / "gw.sqlite3")],
                         check=True, capture_output=True, text=True, timeout=60)
    key = out.stdout.split()[-1]
    for base in start_gateway(tmp):
        yield base, key


def _jpeg() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (80, 60), (30, 120, 200)).save(buf, "JPEG")
    return buf.getvalue()


def _post(req: urllib.request.Request) -> dict:
    with urllib.request.urlopen(req, timeout=60) as r:
        assert r.status == 201
        return json.loads(r.read())


def submit(base: str, key: str, description: str, address: str, photo: bytes | None = None) -> dict:
    body = {"service_code": "URBAN_MANAGEMENT", "lang": "en", "description": description, "address": address}
    if photo is None:
        return _post(urllib.request.Request(base + "/api/v1/miniapp/requests", data=json.dumps(body).encode(),
                                            headers={"X-Api-Key": key, "Content-Type": "application/json"}))
    boundary = "----inbox" + uuid.uuid4().hex
    parts = [
        (f'--{boundary}\r\nContent-Disposition: form-data; name="request"\r\n'
         f"Content-Type: application/json\r\n\r\n").encode() + json.dumps(body).encode() + b"\r\n",
        (f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="photo.jpg"\r\n'
         f"Content-Type: image/jpeg\r\n\r\n").encode() + photo + b"\r\n",
        f"--{boundary}--\r\n".encode(),
    ]
    return _post(urllib.request.Request(base + "/api/v1/miniapp/requests", data=b"".join(parts), headers={
        "X-Api-Key": key, "Content-Type": f"multipart/form-data; boundary={boundary}"}))


def seat_api(base: str, path: str) -> object:
    login = json.loads(urllib.request.urlopen(urllib.request.Request(
        base + "/api/v1/auth/login", data=json.dumps({"login": "seat-en", "password": "demo"}).encode(),
        headers={"Content-Type": "application/json"}), timeout=60).read())
    req = urllib.request.Request(base + path, headers={"Authorization": f"Bearer {login['token']}"})
    return json.loads(urllib.request.urlopen(req, timeout=60).read())


def test_self_service_reports_are_checked_and_accepted_from_the_inbox(inbox_server, browser):
    base, key = inbox_server
    plain = submit(base, key, f"{LAMP[0]} {XSS}", "88 Huaihai Road")
    with_photo = submit(base, key, NOISE[0], "Jing'an Temple", _jpeg())
    assert with_photo["media_url"] and not plain["media_url"]
    drafts = {t["number"]: t for t in seat_api(base, "/api/v1/tickets?status=draft&channel=miniapp")}
    assert set(drafts) == {plain["id"], with_photo["id"]}

    ctx = browser.new_context(locale="zh-CN")
    agent = ctx.new_page()
    errors: list[str] = []
    agent.on("pageerror", lambda e: errors.append(str(e)))
    agent.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    agent.goto(base + "/console")
    agent.fill("#login-name", "seat-en")
    agent.fill("#login-password", "demo")
    agent.click("#login-submit")

    # The badge counts the drafts while the panel is still closed; opening it lists them, newest first.
    expect(agent.locator("#inbox-count")).to_have_text("2")
    expect(agent.locator("#inbox-body")).to_be_hidden()
    agent.click("#inbox-toggle")
    expect(agent.locator("#inbox-toggle")).to_have_attribute("aria-expanded", "true")
    items = agent.locator("#inbox-list .inbox-item")
    expect(items).to_have_count(2)
    expect(items.nth(0)).to_have_attribute("data-number", with_photo["id"])
    expect(items.nth(1)).to_have_attribute("data-number", plain["id"])

    photo_item = agent.locator(f'#inbox-list .inbox-item[data-number="{with_photo["id"]}"]')
    plain_item = agent.locator(f'#inbox-list .inbox-item[data-number="{plain["id"]}"]')
    expect(photo_item.locator(".inbox-number")).to_have_text(with_photo["id"])
    expect(photo_item.locator(".inbox-lang")).to_have_text("English")
    expect(photo_item.locator(".inbox-text")).to_contain_text(NOISE[1])
    expect(photo_item.locator(".inbox-time")).not_to_be_empty()
    expect(photo_item.locator(".inbox-photo")).to_have_count(1)
    expect(plain_item.locator(".inbox-photo")).to_have_count(0)
    for number, item in ((with_photo["id"], photo_item), (plain["id"], plain_item)):
        expect(item.locator(".inbox-flag")).to_have_count(1 if drafts[number]["draft_flags"] else 0)
    # the resident's markup is text, never HTML
    assert agent.locator("#inbox-list img").count() == 0

    # The one with the photo opens in the editor: Chinese draft, the resident's English, the photo.
    photo_item.click()
    expect(agent.locator("#ticket")).to_be_visible()
    expect(agent.locator("#ticket-number")).to_have_text(with_photo["id"])
    expect(agent.locator("#ticket-status")).to_have_text("draft")
    expect(agent.locator("#ticket-text-zh")).to_have_value(re.compile(re.escape(NOISE[1])))
    expect(agent.locator("#ticket-text-original")).to_have_text(NOISE[0])
    photo = agent.locator("#ticket-photos img")
    expect(photo).to_have_count(1)
    expect(photo).to_have_attribute("src", re.compile(r"^/api/v1/miniapp/media/[0-9a-f]{64}\.jpg$"))
    agent.wait_for_function("() => { const i = document.querySelector('#ticket-photos img');"
                            " return !!i && i.complete && i.naturalWidth > 0; }", timeout=20_000)
    expect(photo_item).to_have_attribute("aria-current", "true")

    # Accept it: it leaves the inbox; the other one stays.
    if not agent.locator("#ticket-category").input_value():
        agent.select_option("#ticket-category", "COMPLAINT")
    agent.click("#ticket-submit")
    expect(agent.locator("#ticket-status")).to_have_text("accepted")
    expect(items).to_have_count(1)
    expect(agent.locator("#inbox-count")).to_have_text("1")
    expect(items.nth(0)).to_have_attribute("data-number", plain["id"])
    assert seat_api(base, f"/api/v1/tickets/{drafts[with_photo['id']]['id']}")["status"] == "accepted"

    # A report that arrives later shows when the panel is opened again (no need to wait for the 30 s refresh).
    later = submit(base, key, GARBAGE[0], "Xujiahui")
    agent.click("#inbox-toggle")
    expect(agent.locator("#inbox-body")).to_be_hidden()
    agent.click("#inbox-toggle")
    expect(items).to_have_count(2)
    expect(agent.locator("#inbox-count")).to_have_text("2")
    expect(items.nth(0)).to_have_attribute("data-number", later["id"])

    # The plain one opens without photos; nothing of the resident's markup ever ran.
    plain_item.click()
    expect(agent.locator("#ticket-number")).to_have_text(plain["id"])
    expect(agent.locator("#ticket-text-original")).to_contain_text(XSS)
    expect(agent.locator("#ticket-photos-box")).to_be_hidden()
    for flag in drafts[plain["id"]]["draft_flags"]:      # e.g. "draft_suggests_department:DISTRICT", in words
        expect(agent.locator(f'#ticket-flags li[data-flag="{flag}"]')).to_be_visible()
    assert agent.locator("#ticket img").count() == 0
    assert agent.evaluate("window.__pwned") is None
    assert errors == []
    ctx.close()


def test_a_finished_call_does_not_replace_a_draft_with_unsaved_edits(inbox_server, browser):
    """The agent is correcting a self-service draft when a chat ends: the call's ticket is offered
    with a button instead of replacing the editor, so nothing typed is lost."""
    base, key = inbox_server
    report = submit(base, key, GARBAGE[0], "Xujiahui")
    ctx = browser.new_context(locale="zh-CN")
    agent, caller = ctx.new_page(), browser.new_context().new_page()
    agent.goto(base + "/console")
    agent.fill("#login-name", "seat-ko")
    agent.fill("#login-password", "demo")
    agent.click("#login-submit")
    agent.click("#inbox-toggle")
    agent.locator(f'#inbox-list .inbox-item[data-number="{report["id"]}"]').click()
    expect(agent.locator("#ticket-number")).to_have_text(report["id"])
    agent.fill("#ticket-address", "徐汇区漕溪北路 (being corrected)")            # not saved

    caller.goto(base + "/chat?lang=ko")
    caller.locator("#start-chat").click()
    expect(caller.locator("#queue-status")).to_be_visible()
    agent.click("#state-available")
    expect(agent.locator("#offer")).to_be_visible(timeout=15_000)
    agent.click("#offer-accept")
    caller.locator("#chat-input").fill("지하철역 앞에 쓰레기가 쌓여 있어요")
    caller.locator("#chat-input").press("Enter")
    expect(agent.locator("#agent-log .from-caller")).to_have_count(1, timeout=15_000)
    agent.click("#end-session")

    offer = agent.locator("#agent-log button[data-open-ticket]")
    expect(offer).to_be_visible(timeout=15_000)
    expect(agent.locator("#ticket-number")).to_have_text(report["id"])          # still the draft being edited
    expect(agent.locator("#ticket-address")).to_have_value("徐汇区漕溪北路 (being corrected)")
    agent.click("#ticket-save")
    offer.click()                                                               # now open the call's ticket
    expect(agent.locator("#ticket-number")).not_to_have_text(report["id"])
    expect(agent.locator("#ticket-status")).to_have_text("draft")
    saved = [t for t in seat_api(base, "/api/v1/tickets?status=draft&channel=miniapp") if t["number"] == report["id"]]
    assert seat_api(base, f"/api/v1/tickets/{saved[0]['id']}")["address"] == "徐汇区漕溪北路 (being corrected)"
    ctx.close()
