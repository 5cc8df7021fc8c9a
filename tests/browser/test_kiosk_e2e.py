"""The airport kiosk in a real Chromium against a real gateway: attract loop, Japanese, QR code, a chat
in the iframe, and the idle reset that ends the call and wipes everything the visitor typed."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ROOT, start_gateway

pytestmark = pytest.mark.browser
KIOSK = "PVG-T2-01"


@pytest.fixture(scope="module")
def gateway(tmp_path_factory) -> Iterator[tuple[str, Path]]:
    """Like ``server``, but the test also needs the database, to create a supervisor with the CLI."""
    tmp = tmp_path_factory.mktemp("kiosk")
    for base in start_gateway(tmp):
        yield base, tmp / "gw.sqlite3"


def supervisor_token(db: Path) -> str:
    exe = Path(sys.executable).with_name("hotline-gateway")
    out = subprocess.run([str(exe), "users", "create", "--role", "supervisor", "--name", "Promotion team",
                          "--db", str(db)], capture_output=True, text=True, cwd=ROOT, check=True)
    return out.stdout.split()[-1]


def get_json(url: str, token: str | None = None) -> dict:
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"} if token else {})
    return json.load(urllib.request.urlopen(req))


def counts(base: str, token: str) -> dict[tuple[str, str, str | None], int]:
    today = datetime.now(timezone(timedelta(hours=8))).date()
    body = get_json(f"{base}/api/v1/kiosk/report?from={today - timedelta(days=1)}&to={today + timedelta(days=1)}"
                    f"&kiosk={KIOSK}", token)
    return {(r["event"], r["lang"], r["channel"]): r["count"] for r in body["rows"]}


def test_kiosk_attract_japanese_qr_chat_and_idle_reset(gateway, browser):
    base, db = gateway
    token = supervisor_token(db)
    errors: list[str] = []

    # A Japanese desk is logged in (away: online, but it takes no call), so "talk now" is offered.
    agent_ctx = browser.new_context()
    agent = agent_ctx.new_page()
    agent.goto(base + "/console")
    agent.fill("#login-name", "seat-ja")
    agent.fill("#login-password", "demo")
    agent.click("#login-submit")
    expect(agent.locator("#state-available")).to_be_visible()

    ctx = browser.new_context(viewport={"width": 1280, "height": 1024})
    page = ctx.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{base}/kiosk?kiosk={KIOSK}&idle=5")

    # 1. The attract loop cycles through the languages, large enough to read from a metre away.
    headline = page.locator("#attract-headline")
    expect(headline).not_to_be_empty()
    page.evaluate("""() => { const h = document.getElementById('attract-headline');
        window.__seen = new Set([h.getAttribute('lang')]);
        new MutationObserver(() => window.__seen.add(h.getAttribute('lang'))).observe(h, {attributes: true}); }""")
    page.wait_for_function("() => window.__seen.size >= 3", timeout=15_000)
    assert float(headline.evaluate("h => parseFloat(getComputedStyle(h).fontSize)")) >= 48
    assert page.locator("#attract-all").inner_text().count("·") == 18          # all 19 languages at once

    # 2. A tap anywhere shows the 19 languages by native name; 日本語 is chosen.
    page.mouse.click(200, 200)
    grid = page.locator("#language-grid button")
    expect(grid).to_have_count(19)
    ja = page.locator('#language-grid button[data-lang="ja"]')
    expect(ja).to_contain_text("日本語")
    expect(page.locator('#language-grid button[data-lang="zh"]')).to_contain_text("中文")
    assert ja.bounding_box()["height"] >= 64
    ja.click()

    # 3. The two choices, in Japanese; a seat is online, so "talk now" is enabled.
    expect(page.locator("html")).to_have_attribute("lang", "ja")
    expect(page.locator("#talk-now")).to_contain_text("今すぐ相談")
    expect(page.locator("#take-away")).to_contain_text("スマホで持ち帰る")
    expect(page.locator("#talk-now")).to_be_enabled()
    assert page.locator("#talk-now").bounding_box()["height"] >= 64

    # 4. Take it with you: the QR code is loaded and large.
    page.click("#take-away")
    qr = page.locator("#qr-img")
    expect(qr).to_be_visible()
    expect(page.locator("#qr-heading")).to_have_text("このコードをスキャンしてください")
    page.wait_for_function("() => { const i = document.getElementById('qr-img'); return i.complete && i.naturalWidth > 0; }")
    assert qr.bounding_box()["width"] >= 300
    assert qr.get_attribute("src").startswith(f"/api/v1/kiosk/qr.svg?lang=ja&kiosk={KIOSK}")

    # The counters were recorded (anonymously) and the promotion team sees them.
    deadline = time.time() + 5
    while counts(base, token).get(("qr_shown", "ja", None)) != 1 and time.time() < deadline:
        time.sleep(0.1)
    assert counts(base, token) == {("language_chosen", "ja", None): 1, ("qr_shown", "ja", None): 1}

    # 5. Back, talk now, text chat: the caller page opens in the iframe and starts a session.
    page.click("#back")
    page.click("#talk-now")
    page.click('#channel-list button[data-channel="chat"]')
    frame = page.frame_locator("#call-frame")
    expect(frame.locator("#start-chat")).to_contain_text("チャットを始める")
    frame.locator("#start-chat").click()
    expect(frame.locator("#queue-status")).to_be_visible()
    saved = page.evaluate("JSON.parse(sessionStorage.getItem('hotline.caller.session'))")
    sid, caller_token = saved["id"], saved["token"]
    assert counts(base, token)[("call_started", "ja", "chat")] == 1
    frame.locator("#chat-input").fill("パスポートをなくしました 090-1234-5678")     # typed, never sent

    # 6. Nobody touches the kiosk: a visible countdown, then everything is wiped.
    expect(page.locator("#idle-warning")).to_be_visible(timeout=10_000)
    expect(page.locator("#idle-count")).to_have_text(re.compile(r"^[12]$"))
    expect(page.locator("#view-attract")).to_be_visible(timeout=10_000)
    expect(page.locator("#idle-warning")).to_be_hidden()
    assert page.locator("iframe").count() == 0
    assert page.evaluate("sessionStorage.length + localStorage.length") == 0
    assert "パスポート" not in page.content()
    deadline = time.time() + 5
    state = None
    while time.time() < deadline:
        state = get_json(f"{base}/api/v1/sessions/{sid}?token={caller_token}")["state"]
        if state in ("abandoned", "ended"):
            break
        time.sleep(0.1)
    assert state == "abandoned"                 # ended while still queued: nobody is left waiting
    assert get_json(f"{base}/api/v1/queues", agent.evaluate("JSON.parse(sessionStorage.getItem('hotline.seat')).token")) \
        in ([], [{"queue": "chat", "skill": "lang:ja", "waiting": 0, "oldest_wait_s": 0}])

    # The attract loop runs again, in every language.
    page.evaluate("window.__seen = new Set()")
    page.wait_for_function("() => window.__seen.size >= 2", timeout=15_000)
    assert errors == []
    ctx.close()
    agent_ctx.close()


@pytest.mark.parametrize("query", ["", "?kiosk=pvg-t2-01", "?kiosk=PVG%20T2"])
def test_kiosk_without_a_valid_id_says_so_and_counts_nothing(gateway, browser, query):
    base, db = gateway
    ctx = browser.new_context()
    page = ctx.new_page()
    page.goto(base + "/kiosk" + query)
    expect(page.locator("#view-error")).to_be_visible()
    expect(page.locator("#view-error")).to_contain_text("This kiosk is not set up")
    expect(page.locator("#view-attract")).to_be_hidden()
    ctx.close()


def test_report_page_shows_counts_by_kiosk_and_hour(gateway, browser):
    base, db = gateway
    token = supervisor_token(db)
    req = urllib.request.Request(base + "/api/v1/kiosk/events", method="POST",
                                 data=json.dumps({"kiosk": "SHA-T2-03", "event": "language_chosen", "lang": "ko"}).encode(),
                                 headers={"Content-Type": "application/json"})
    assert urllib.request.urlopen(req).status == 204
    ctx = browser.new_context()
    page = ctx.new_page()
    page.goto(base + "/kiosk/report")
    page.fill("#token-input", token)
    page.click("#token-submit")
    table = page.locator("#hour-table")
    expect(table).to_contain_text("SHA-T2-03")
    expect(page.locator('#lang-table tr[data-key="ko"]')).to_contain_text("한국어")
    with page.expect_download() as dl:
        page.click("#csv")
    text = Path(dl.value.path()).read_text(encoding="utf-8")
    assert text.splitlines()[0] == "kiosk,hour,event,lang,channel,count" and "SHA-T2-03" in text
    ctx.close()
