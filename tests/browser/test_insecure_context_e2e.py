"""No call is ever queued without a camera or microphone; the caller is told why, in their language,
and offered the text chat instead.  Headless Chromium against the real server.

* Insecure context: the gateway is opened as ``http://hotline.test:PORT`` (Chromium maps the name to
  127.0.0.1 with ``--host-resolver-rules``).  A plain-http address that is not localhost is not a
  secure context, so the browser gives the page no ``navigator.mediaDevices``.  (127.0.0.2 would not
  do: Chromium treats every 127.x address as potentially trustworthy, i.e. secure.)
* Permission refused / no device: on a secure origin (127.0.0.1), getUserMedia rejects with
  ``NotAllowedError`` (replaced by an init script, as a refused prompt would).

Each case counts the sessions in the gateway's database before and after, and watches the page's
requests: there must be no ``POST /api/v1/sessions``.
"""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import CHROMIUM_FLAGS, chromium_path, start_gateway
from tests.browser.test_video_e2e import VALID_CERT, VALID_ID

pytestmark = pytest.mark.browser

UI = Path(__file__).resolve().parents[2] / "languages" / "data" / "ui"
HOST = "hotline.test"

DENY_MEDIA = """(() => {
  const refuse = () => Promise.reject(new DOMException("Permission denied", "NotAllowedError"));
  if (navigator.mediaDevices) navigator.mediaDevices.getUserMedia = refuse;
})();"""


def ui(lang: str, key: str) -> str:
    return json.loads((UI / f"{lang}.json").read_text(encoding="utf-8"))[key]


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gw-insecure")
    for base in start_gateway(tmp):
        yield base, tmp / "gw.sqlite3"


@pytest.fixture(scope="module")
def mapped_browser():
    """Chromium that resolves hotline.test to 127.0.0.1 (an http origin that is not secure).  The only
    browser of this module: Playwright's sync API runs one instance per thread at a time."""
    from playwright.sync_api import expect as _expect, sync_playwright
    _expect.set_options(timeout=20_000)
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium_path(), headless=True,
                               args=[*CHROMIUM_FLAGS, f"--host-resolver-rules=MAP {HOST} 127.0.0.1"])
        yield b
        b.close()


def session_count(db: Path) -> int:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM sessions").fetchone()[0])


def watch_posts(page) -> list[str]:
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" and "/api/v1/sessions" in r.url else None)
    return posts


def test_http_address_says_https_is_needed_and_offers_chat(gateway, mapped_browser):
    base, db = gateway
    insecure = base.replace("127.0.0.1", HOST)
    before = session_count(db)
    ctx = mapped_browser.new_context(locale="zh-CN")
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    posts = watch_posts(page)

    # Video, in Chinese: the reason instead of the form, and the chat offer in Chinese.
    page.goto(insecure + "/video?lang=zh")
    assert page.evaluate("window.isSecureContext") is False
    assert page.evaluate("typeof navigator.mediaDevices") == "undefined"
    box = page.locator("#media-unavailable")
    expect(box).to_be_visible()
    expect(box).to_have_attribute("data-reason", "insecure_context")
    expect(page.locator("#media-unavailable-text")).to_have_text(ui("zh", "insecure_context"))
    expect(page.locator("#media-unavailable-text")).to_contain_text("https")
    expect(box).to_contain_text(ui("zh", "chat_offer"))
    link = page.locator("#chat-offer-link")
    expect(link).to_have_text(ui("zh", "open_chat"))
    expect(link).to_have_attribute("href", "/chat?lang=zh")
    expect(page.locator("#view-form")).to_be_hidden()            # nothing to fill in: no call can start
    expect(page.locator("#start-video")).to_be_hidden()

    # Arabic, right to left: the same, in Arabic; switching the language redraws it.
    page.select_option("#ui-lang", "ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("#media-unavailable-text")).to_have_text(ui("ar", "insecure_context"))
    expect(link).to_have_text(ui("ar", "open_chat"))
    expect(link).to_have_attribute("href", "/chat?lang=ar")

    # Voice, in Arabic: the start button is gone, the reason and the chat offer are there.
    page.goto(insecure + "/voice?lang=ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    expect(page.locator("#view-start")).to_be_visible()
    expect(page.locator("#media-unavailable-text")).to_have_text(ui("ar", "insecure_context"))
    expect(page.locator("#start-voice")).to_be_hidden()
    expect(page.locator("#chat-offer-link")).to_have_text(ui("ar", "open_chat"))
    expect(page.locator("#chat-offer-link")).to_have_attribute("href", "/chat?lang=ar")

    # The offer leads to the chat page in the same language (text chat needs no https).
    page.click("#chat-offer-link")
    page.wait_for_url(re.compile(r"/chat\?lang=ar$"))
    expect(page.locator("html")).to_have_attribute("lang", "ar")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")

    assert posts == [], posts
    assert session_count(db) == before
    assert errors == []
    ctx.close()


def test_refused_camera_or_microphone_queues_nothing(gateway, mapped_browser):
    base, db = gateway
    before = session_count(db)
    ctx = mapped_browser.new_context(locale="ar")     # on 127.0.0.1: a secure context
    ctx.add_init_script(DENY_MEDIA)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    posts = watch_posts(page)

    # Video in Arabic: the camera is refused at once; a valid form still queues nothing.
    page.goto(base + "/video?lang=ar")
    assert page.evaluate("window.isSecureContext") is True
    expect(page.locator("#media-unavailable")).to_have_attribute("data-reason", "media_denied_video")
    expect(page.locator("#media-unavailable-text")).to_have_text(ui("ar", "media_denied_video"))
    page.fill("#id-number", VALID_ID)
    page.fill("#disability-cert", VALID_CERT)
    page.click("#start-video")
    expect(page.locator("#start-video")).to_be_enabled()             # the attempt is over ...
    expect(page.locator("#media-unavailable")).to_be_visible()       # ... and refused again, with the reason
    expect(page.locator("#media-unavailable-text")).to_have_text(ui("ar", "media_denied_video"))
    expect(page.locator("#chat-offer-link")).to_have_attribute("href", "/chat?lang=ar")
    expect(page.locator("#view-call")).to_be_hidden()
    assert page.evaluate("sessionStorage.getItem('hotline.caller.video')") is None

    # Voice in Chinese: no microphone, no queue; the reason and the chat offer in Chinese.
    page.goto(base + "/voice?lang=zh")
    page.click("#start-voice")
    expect(page.locator("#media-unavailable")).to_have_attribute("data-reason", "media_denied_voice")
    expect(page.locator("#media-unavailable-text")).to_have_text(ui("zh", "media_denied_voice"))
    expect(page.locator("#chat-offer-link")).to_have_text(ui("zh", "open_chat"))
    expect(page.locator("#chat-offer-link")).to_have_attribute("href", "/chat?lang=zh")
    expect(page.locator("#view-call")).to_be_hidden()
    expect(page.locator("#start-voice")).to_be_enabled()             # the caller may allow it and try again

    assert posts == [], posts
    assert session_count(db) == before
    assert errors == []
    ctx.close()
