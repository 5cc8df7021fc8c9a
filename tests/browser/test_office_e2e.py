"""The back office (/office) and the supervisor dashboard (/supervisor) in a real Chromium against a
real gateway: a department signs and replies, a refused action leaves the page as it was, the review
team re-routes a ticket returned twice, the callback team records a satisfied callback in the
caller's language and closes, and the dashboard shows the API's live figures with Chart.js charts."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ROOT, start_gateway

pytestmark = pytest.mark.browser
ROLES = {"supervisor": None, "department": "WATER", "reviewer": None, "callback": None}


def create_user(db: Path, role: str, department: str | None) -> str:
    exe = Path(sys.executable).with_name("hotline-gateway")
    cmd = [str(exe), "users", "create", "--role", role, "--name", f"Test {role}", "--db", str(db)]
    if department:
        cmd += ["--department", department]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=True)
    return out.stdout.split()[-1]


@pytest.fixture(scope="module")
def office(tmp_path_factory) -> Iterator[tuple[str, dict[str, str]]]:
    """A gateway whose database already holds the back-office users (made with the CLI first)."""
    tmp = tmp_path_factory.mktemp("office")
    tokens = {role: create_user(tmp / "gw.sqlite3", role, dept) for role, dept in ROLES.items()}
    for base in start_gateway(tmp):
        login = {"login": "seat-zh", "password": "demo"}        # a demo seat: the agent who dispatches
        tokens["agent"] = call(base, None, "POST", "/api/v1/auth/login", login)[1]["token"]
        yield base, tokens


def call(base: str, token: str | None, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    req = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json",
                                          **({"Authorization": f"Bearer {token}"} if token else {})})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")


def dispatched_ticket(base: str, tokens: dict[str, str], text: str, lang: str = "ja") -> dict:
    s, t = call(base, tokens["agent"], "POST", "/api/v1/tickets", {
        "lang": lang, "text": text, "category": "REPORT", "district": "pudong", "address": "浦东新区川沙河畔",
        "text_zh": "来电人反映川沙河边有人用弹弓打鱼。"})
    assert s == 201, t
    s, t = call(base, tokens["agent"], "POST", f"/api/v1/tickets/{t['id']}/dispatch", {"department": "WATER"})
    assert s == 200 and t["status"] == "dispatched", t
    return t


def open_page(browser, base: str, path: str, token: str, errors: list[str]):
    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text)
            if m.type == "error" and "Content Security Policy" in m.text else None)
    page.goto(base + path)
    page.fill("#token-input", token)
    page.click("#token-submit")
    return ctx, page


def test_department_signs_and_replies_and_a_refusal_changes_nothing(office, browser):
    base, tokens = office
    t = dispatched_ticket(base, tokens, "川沙の川辺でパチンコで魚を撃っている人がいます。")
    errors: list[str] = []
    ctx, page = open_page(browser, base, "/office", tokens["department"], errors)

    expect(page.locator("#user-role")).to_have_attribute("data-role", "department")
    item = page.locator(f'.q-item[data-ticket-id="{t["id"]}"]')
    expect(item).to_be_visible()
    expect(item).to_have_attribute("data-deadline", t["deadline_info"]["state"])
    item.click()
    expect(page.locator("#ticket-number")).to_have_text(t["number"])
    expect(page.locator("#ticket-deadline")).to_have_attribute("data-state", t["deadline_info"]["state"])
    expect(page.locator("#ticket-original")).to_contain_text("パチンコ")
    expect(page.locator("#ticket-zh")).to_contain_text("弹弓")
    expect(page.locator("#ticket-audit li")).not_to_have_count(0)

    # Sign: the audit trail records it, and the sign button goes.
    page.click("#sign-submit")
    expect(page.locator("#ticket-signed")).not_to_contain_text("未签收")
    expect(page.locator('#ticket-audit li[data-action="sign"][data-field="signed_at"]')).to_have_count(1)
    expect(page.locator("#sign-submit")).to_have_count(0)

    # A refused action (422: "other" needs a note) shows the error and leaves everything as it was.
    page.fill("#reply-text", "已派人到现场巡查。")
    page.select_option("#return-reason", "other")
    page.click("#return-submit")
    expect(page.locator("#office-error")).to_be_visible()
    expect(page.locator("#office-error")).to_contain_text("422")
    expect(page.locator("#ticket-status")).to_have_attribute("data-status", "dispatched")
    expect(page.locator("#reply-text")).to_have_value("已派人到现场巡查。")
    assert call(base, tokens["supervisor"], "GET", f"/api/v1/tickets/{t['id']}")[1]["status"] == "dispatched"

    # Reply.
    page.fill("#reply-text", "已派人到现场巡查，劝离打鱼人员并设置警示牌。")
    page.click("#reply-submit")
    expect(page.locator("#ticket-status")).to_have_attribute("data-status", "replied")
    expect(page.locator("#ticket-replies")).to_contain_text("设置警示牌")
    expect(page.locator("#office-error")).to_be_hidden()
    stored = call(base, tokens["supervisor"], "GET", f"/api/v1/tickets/{t['id']}")[1]
    assert stored["status"] == "replied" and stored["replies"][-1]["text"].endswith("设置警示牌。")
    assert stored["signed_at"]
    assert errors == []
    ctx.close()


def test_reviewer_reroutes_a_ticket_returned_twice(office, browser):
    base, tokens = office
    t = dispatched_ticket(base, tokens, "川の水が茶色く濁っています。", lang="ja")
    for _ in range(2):
        s, r = call(base, tokens["department"], "POST", f"/api/v1/tickets/{t['id']}/return",
                    {"reason": "not_our_remit"})
        assert s == 200, r
        if r["status"] == "returned" and r["return_count"] < 2:
            s, r = call(base, tokens["reviewer"], "POST", f"/api/v1/tickets/{t['id']}/reroute",
                        {"department": "WATER", "reason": "确属水务", "force": True})
            assert s == 200, r
    errors: list[str] = []
    ctx, page = open_page(browser, base, "/office", tokens["reviewer"], errors)
    item = page.locator(f'.q-item[data-ticket-id="{t["id"]}"]')
    expect(item.locator('[data-flag="returned_repeatedly"]')).to_be_visible()
    item.click()
    expect(page.locator('#ticket-marks [data-flag="returned_repeatedly"]')).to_be_visible()
    expect(page.locator("#ticket-returns")).to_have_attribute("data-count", "2")
    expect(page.locator('#ticket-routing li[data-field="department"]')).not_to_have_count(0)
    expect(page.locator("#ticket-transcript")).to_have_attribute("data-loaded", "true")
    expect(page.locator("#ticket-duplicates")).to_have_attribute("data-loaded", "true")
    page.select_option("#reroute-department", "ECOLOGY_ENVIRONMENT")
    page.fill("#reroute-reason", "水体污染归生态环境局")
    page.click("#reroute-submit")
    expect(page.locator("#ticket-status")).to_have_attribute("data-status", "dispatched")
    moved = page.locator('#ticket-audit li[data-action="reroute"][data-field="department"]').last
    expect(moved).to_contain_text("水体污染归生态环境局")        # who, what, why, old → new
    expect(moved.locator("del")).to_contain_text("WATER")
    expect(moved.locator("ins")).to_contain_text("ECOLOGY_ENVIRONMENT")
    stored = call(base, tokens["supervisor"], "GET", f"/api/v1/tickets/{t['id']}")[1]
    assert stored["department"] == "ECOLOGY_ENVIRONMENT" and stored["status"] == "dispatched"

    # The department asks for three more working days; the reviewer finds and approves the request.
    x = dispatched_ticket(base, tokens, "下水道が詰まっています。")
    s, r = call(base, tokens["department"], "POST", f"/api/v1/tickets/{x['id']}/extend",
                {"working_days": 3, "reason": "需要现场取证"})
    assert s == 200 and r["extension_request"]["working_days"] == 3, r
    page.click('.view-tab[data-view="extensions"]')
    page.locator(f'.q-item[data-ticket-id="{x["id"]}"]').click()
    expect(page.locator("#ticket-extension")).to_contain_text("需要现场取证")
    page.fill("#extension-reason", "同意")
    page.click("#extension-approve")
    expect(page.locator("#ticket-extension")).to_have_count(0)
    expect(page.locator('#ticket-audit li[data-action="extension"][data-field="deadline"]')).to_contain_text("approved")
    stored = call(base, tokens["supervisor"], "GET", f"/api/v1/tickets/{x['id']}")[1]
    assert stored["extension_request"] is None and stored["deadline"] > x["deadline"]
    assert errors == []
    ctx.close()


def test_callback_records_a_satisfied_caller_and_closes(office, browser):
    base, tokens = office
    t = dispatched_ticket(base, tokens, "川沙の川辺で毎日魚を撃っている人がいます。")
    s, t = call(base, tokens["department"], "POST", f"/api/v1/tickets/{t['id']}/reply",
                {"text": "已联合执法，没收弹弓。"})
    assert s == 200 and t["status"] == "replied", t
    survey = call(base, tokens["callback"], "GET", "/api/v1/survey?lang=ja")[1]
    errors: list[str] = []
    ctx, page = open_page(browser, base, "/office", tokens["callback"], errors)
    page.locator(f'.q-item[data-ticket-id="{t["id"]}"]').click()
    expect(page.locator("#ticket-replies")).to_contain_text("没收弹弓")
    questions = page.locator("#survey-questions")
    expect(questions).to_have_attribute("data-loaded", "true")
    expect(questions.locator('.caller-lang[lang="ja"]').first).to_be_visible()
    shown = " ".join(questions.locator(".caller-lang").all_inner_texts())
    assert any("\u3040" <= ch <= "\u30ff" for ch in shown), (shown, survey)      # Japanese kana
    assert questions.locator(".zh-lang").count() >= 1
    page.check("#cb-resolved-yes")
    page.check("#cb-sat-5")
    page.click("#callback-submit")
    expect(page.locator("#ticket-status")).to_have_attribute("data-status", "callback")
    expect(page.locator("#ticket-survey")).to_contain_text("5")
    page.click("#close-submit")
    expect(page.locator("#ticket-status")).to_have_attribute("data-status", "closed")
    stored = call(base, tokens["supervisor"], "GET", f"/api/v1/tickets/{t['id']}")[1]
    assert stored["status"] == "closed"
    assert stored["survey"]["satisfaction"] == 5 and stored["survey"]["resolved"] is True
    expect(page.locator(f'.q-item[data-ticket-id="{t["id"]}"]')).to_have_count(0)     # gone from the queue
    assert errors == []
    ctx.close()


def answered_chat(browser, base: str) -> None:
    """A caller chats in Japanese, the Japanese desk answers, then ends the session."""
    caller_ctx, agent_ctx = browser.new_context(locale="ja-JP"), browser.new_context(locale="zh-CN")
    caller, agent = caller_ctx.new_page(), agent_ctx.new_page()
    caller.goto(base + "/chat?lang=ja")
    caller.locator("#start-chat").click()
    expect(caller.locator("#queue-status")).to_be_visible()
    agent.goto(base + "/console")
    agent.fill("#login-name", "seat-ja")
    agent.fill("#login-password", "demo")
    agent.click("#login-submit")
    expect(agent.locator("#ws-status")).to_have_attribute("data-status", "open")   # a click before that is refused
    agent.click("#state-available")
    expect(agent.locator("#offer")).to_be_visible()
    agent.click("#offer-accept")
    expect(caller.locator("#chat-state")).to_have_attribute("data-state", "connected")
    caller.fill("#chat-input", "川で魚を撃っている人がいます。")
    caller.click("#send")
    expect(agent.locator("#agent-log .msg.from-caller")).to_contain_text("魚を撃って")
    agent.click("#end-session")
    expect(agent.locator("#ticket")).to_be_visible()
    caller_ctx.close()
    agent_ctx.close()


def test_supervisor_dashboard_shows_the_live_figures(office, browser):
    base, tokens = office
    answered_chat(browser, base)
    errors: list[str] = []
    ctx, page = open_page(browser, base, "/supervisor", tokens["supervisor"], errors)
    expect(page.locator("#updated")).not_to_have_attribute("data-loads", "0")
    period = f"from={page.input_value('#from')}&to={page.input_value('#to')}"
    s, stats = call(base, tokens["supervisor"], "GET", f"/api/v1/stats?{period}")
    assert s == 200 and stats["contacts"]["answered"] >= 1, stats

    # The figures as text: each element carries the API's number (data-value), and its text shows it.
    def shown(name: str) -> float:
        return float(page.locator(f'[data-metric="{name}"]').first.get_attribute("data-value"))

    for name in ("answered_within_30s", "answered_within_120s", "aht_seconds"):
        assert shown(name) == pytest.approx(stats[name]), name
    expect(page.locator('[data-metric="answered_within_30s"]')).to_contain_text(
        f"{stats['answered_within_30s'] * 100:.1f} %")
    assert shown("contacts_answered") == stats["contacts"]["answered"]
    assert shown("overdue_count") == stats["overdue"]["count"]
    expect(page.locator("#target-30s")).to_have_attribute("data-met", str(stats["answered_within_30s"] >= 0.85).lower())
    for state in stats["seats"]["by_state"]:          # live counts: the rows, not the (changing) numbers
        expect(page.locator(f'#table-seats tr[data-key="{state}"] td')).to_have_count(1)

    # The charts are Chart.js charts that were drawn.
    for cid in ("chart-speed", "chart-seats", "chart-satisfaction"):
        drawn = page.evaluate("""id => { const c = document.getElementById(id);
            return {width: c.width, height: c.height, chart: !!Chart.getChart(c)}; }""", cid)
        assert drawn["width"] > 0 and drawn["height"] > 0 and drawn["chart"], (cid, drawn)
    speed = page.evaluate("() => Chart.getChart(document.getElementById('chart-speed')).data.datasets[0].data")
    assert speed[0] == round(stats["answered_within_30s"] * 100, 1)

    # CSV export: fetched with the token and handed over as a file.
    with page.expect_download() as dl:
        page.click("#csv")
    assert Path(dl.value.path()).read_text(encoding="utf-8").splitlines()[0] == "metric,key,value"
    assert errors == []
    ctx.close()
