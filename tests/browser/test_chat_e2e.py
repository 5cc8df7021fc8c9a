"""A caller page and an agent console chat in Japanese through the real server, in headless Chromium."""

from __future__ import annotations

import json
import urllib.request

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

XSS = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'


def test_japanese_chat_from_caller_page_to_accepted_ticket(server, browser):
    caller_ctx, agent_ctx = browser.new_context(locale="ja-JP"), browser.new_context(locale="zh-CN")
    caller, agent = caller_ctx.new_page(), agent_ctx.new_page()
    errors: list[str] = []
    for p in (caller, agent):
        p.on("pageerror", lambda e: errors.append(str(e)))

    # The caller picks 日本語 among the native names and starts a chat.
    caller.goto(server + "/chat")
    ja = caller.locator('button[data-lang="ja"]')
    expect(ja).to_contain_text("日本語")
    expect(caller.locator('button[data-lang="ar"]')).to_contain_text("العربية")
    ja.click()
    expect(caller.locator("html")).to_have_attribute("lang", "ja")
    caller.locator("#start-chat").click()
    expect(caller.locator("#queue-status")).to_be_visible()
    expect(caller.locator("#queue-position")).to_contain_text("1")

    # The Japanese desk logs in, goes available and accepts the offer.
    agent.goto(server + "/console")
    agent.fill("#login-name", "seat-ja")
    agent.fill("#login-password", "demo")
    agent.click("#login-submit")
    agent.click("#state-available")
    expect(agent.locator("#offer")).to_be_visible(timeout=10_000)
    expect(agent.locator("#offer")).to_contain_text("日本語")
    agent.click("#offer-accept")
    expect(caller.locator("#chat-state")).to_have_attribute("data-state", "connected", timeout=10_000)

    # Both directions, in Japanese.
    caller.fill("#chat-input", "在留カードをなくしました。どうすればいいですか？")
    caller.click("#send")
    expect(agent.locator("#agent-log .msg.from-caller")).to_contain_text("在留カードをなくしました")
    agent.fill("#agent-input", "警察に届けてから、出入境管理局で再発行を申請してください。")
    agent.click("#agent-send")
    expect(caller.locator("#chat-log .msg.from-seat")).to_contain_text("出入境管理局で再発行")
    expect(caller.locator("#chat-log .msg.from-caller[data-seq]")).to_have_count(1)   # acknowledged, not pending

    # Markup typed by a caller is shown as text on both pages and never runs.
    caller.fill("#chat-input", XSS)
    caller.click("#send")
    expect(agent.locator("#agent-log .msg.from-caller").last).to_contain_text("<img src=x")
    assert agent.locator("#agent-log img").count() == 0 and caller.locator("#chat-log img").count() == 0
    assert agent.evaluate("window.__pwned") is None and caller.evaluate("window.__pwned") is None

    # Ending the chat opens the draft ticket; the agent completes and submits it.
    agent.click("#end-session")
    expect(agent.locator("#ticket")).to_be_visible(timeout=10_000)
    expect(agent.locator("#ticket-status")).to_have_text("draft")
    number = agent.locator("#ticket-number").inner_text().strip()
    assert number.isdigit() and len(number) == 14
    expect(caller.locator("#reference")).to_have_text(number)
    agent.select_option("#ticket-category", "HELP")
    agent.select_option("#ticket-department", "EXIT_ENTRY")
    agent.fill("#ticket-text-zh", "来电人在留卡（居留证件）遗失，咨询补办流程。")
    agent.click("#ticket-submit")
    expect(agent.locator("#ticket-status")).to_have_text("accepted", timeout=10_000)
    assert errors == []

    # What the page showed is what the server stored.
    tid = agent.locator("#ticket").get_attribute("data-ticket-id")
    login = json.loads(urllib.request.urlopen(urllib.request.Request(
        server + "/api/v1/auth/login", data=json.dumps({"login": "seat-ja", "password": "demo"}).encode(),
        headers={"Content-Type": "application/json"})).read())
    req = urllib.request.Request(f"{server}/api/v1/tickets/{tid}", headers={"Authorization": f"Bearer {login['token']}"})
    stored = json.load(urllib.request.urlopen(req))
    assert stored["number"] == number and stored["status"] == "accepted"
    assert stored["category"] == "HELP" and stored["department"] == "EXIT_ENTRY"
    assert "在留カード" in stored["text_original"] and stored["text_zh"].startswith("来电人在留卡")

    # The accepted ticket goes out to its department from the same editor.
    expect(agent.locator("#ticket-dispatch")).to_be_visible()
    agent.click("#ticket-dispatch")
    expect(agent.locator("#ticket-status")).to_have_text("dispatched", timeout=10_000)
    expect(agent.locator("#ticket-dispatch")).to_be_hidden()
    stored = json.load(urllib.request.urlopen(req))
    assert stored["status"] == "dispatched" and stored["department"] == "EXIT_ENTRY"
    assert stored["deadline_info"]["state"] in ("ok", "due_soon")
    assert errors == []
    caller_ctx.close()
    agent_ctx.close()


def test_arabic_caller_page_is_right_to_left_and_translated(server, browser):
    ctx = browser.new_context()
    page = ctx.new_page()
    page.goto(server + "/chat?lang=ar")
    html = page.locator("html")
    expect(html).to_have_attribute("dir", "rtl")
    expect(html).to_have_attribute("lang", "ar")
    start = page.locator("#start-chat")
    expect(start).to_be_visible()
    text = start.inner_text()
    assert any("\u0600" <= ch <= "\u06ff" for ch in text), text     # the button speaks Arabic
    ctx.close()
