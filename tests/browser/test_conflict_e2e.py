"""Two people change one ticket (real gateway, real Chromium): the pages send ``If-Match`` with the
version they show, and when someone else got there first (412) they say so in words, show what
changed, write nothing, and let the person reapply their edit (console) or press the action
again (/office) — nothing is overwritten silently."""

from __future__ import annotations

import json
import re
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
EXE = Path(sys.executable).with_name("hotline-gateway")


def cli(*args: str) -> str:
    out = subprocess.run([str(EXE), *args], capture_output=True, text=True, cwd=ROOT, check=True, timeout=120)
    return out.stdout.split()[-1]


def call(base: str, token: str | None, method: str, path: str, body: dict | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, dict, dict[str, str]]:
    req = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                 headers={"Content-Type": "application/json", **(headers or {}),
                                          **({"Authorization": f"Bearer {token}"} if token else {})})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, json.loads(r.read() or b"null"), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null"), dict(e.headers)


def login(base: str, name: str) -> str:
    s, body, _ = call(base, None, "POST", "/api/v1/auth/login", {"login": name, "password": "demo"})
    assert s == 200, body
    return body["token"]


@pytest.fixture(scope="module")
def gw(tmp_path_factory) -> Iterator[tuple[str, dict[str, str]]]:
    """A gateway with a mini-program API key (self-service drafts reach the console's inbox) and two
    users of one department; the demo seats seat-en (the page) and seat-zh (the other agent)."""
    tmp = tmp_path_factory.mktemp("gw-conflict")
    db = str(tmp / "gw.sqlite3")
    keys = {"apikey": cli("apikeys", "create", "--name", "conflict", "--db", db)}
    for who in ("dept_page", "dept_other"):
        keys[who] = cli("users", "create", "--role", "department", "--department", "WATER", "--name", who, "--db", db)
    for base in start_gateway(tmp):
        keys["other_agent"] = login(base, "seat-zh")
        yield base, keys


def watch(page, errors: list[str], sent: list[tuple[str, str, str | None]]) -> None:
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    page.on("request", lambda r: sent.append((r.method, r.url, r.headers.get("if-match")))
            if r.method in ("PATCH", "POST") and "/api/v1/tickets/" in r.url else None)


def test_console_save_meets_a_change_by_another_agent_and_reapplies(gw, browser):
    base, keys = gw
    body = {"service_code": "URBAN_MANAGEMENT", "lang": "en", "address": "88 Huaihai Road",
            "description": "The street light outside my building is not working."}
    req = urllib.request.Request(base + "/api/v1/miniapp/requests", data=json.dumps(body).encode(),
                                 headers={"X-Api-Key": keys["apikey"], "Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        number = json.loads(r.read())["id"]

    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    errors: list[str] = []
    sent: list[tuple[str, str, str | None]] = []
    watch(page, errors, sent)
    page.goto(base + "/console")
    page.fill("#login-name", "seat-en")
    page.fill("#login-password", "demo")
    page.click("#login-submit")
    page.click("#inbox-toggle")
    page.locator(f'#inbox-list .inbox-item[data-number="{number}"]').click()
    expect(page.locator("#ticket-number")).to_have_text(number)
    expect(page.locator("#ticket")).to_have_attribute("data-ticket-id", re.compile(r"\S"))
    expect(page.locator('#ticket-category option[value="REPORT"]')).to_have_count(1)     # catalog in
    expect(page.locator("#ticket-message")).to_have_text("")                                # loaded
    tid = page.locator("#ticket").get_attribute("data-ticket-id")
    s, start, headers = call(base, keys["other_agent"], "GET", f"/api/v1/tickets/{tid}")
    assert s == 200 and headers["ETag"] == f'"{start["version"]}"', (s, headers)
    v0 = start["version"]

    # The agent edits the address and the category in the page ...
    page.fill("#ticket-address", "淮海中路88号门口")
    page.select_option("#ticket-category", "REPORT")
    # ... while another agent changes the district and the category over HTTP.
    s, theirs, _ = call(base, keys["other_agent"], "PATCH", f"/api/v1/tickets/{tid}",
                        {"district": "xuhui", "category": "SUGGESTION"}, {"If-Match": f'"{v0}"'})
    assert s == 200 and theirs["version"] > v0, theirs
    v1 = theirs["version"]

    # Save: refused with 412, said in words, with what changed; nothing of the page's is stored.
    page.click("#ticket-save")
    notice = page.locator("#ticket-conflict")
    expect(notice).to_be_visible()
    expect(notice).to_have_attribute("role", "alert")
    expect(notice).to_contain_text("此工单已被他人修改")
    expect(notice).to_contain_text("Someone else changed this ticket while you were editing. Nothing of yours was saved.")
    expect(notice).to_have_attribute("data-version", str(v1))
    expect(notice.locator('#ticket-conflict-theirs li[data-field="district"]')).to_contain_text("区 District")
    expect(notice.locator('#ticket-conflict-theirs li[data-field="district"] ins')).to_contain_text("xuhui")
    expect(notice.locator('#ticket-conflict-theirs li[data-field="category"]')).to_be_visible()
    expect(notice.locator('#ticket-conflict-mine li[data-field="address"] ins')).to_have_text("淮海中路88号门口")
    expect(notice.locator('#ticket-conflict-mine li[data-field="category"]')).to_have_attribute("data-conflict", "true")
    expect(notice.locator('#ticket-conflict-mine li[data-field="address"]')).not_to_have_attribute("data-conflict", "true")
    expect(page.locator("#ticket-save")).to_be_disabled()
    expect(page.locator("#ticket-address")).to_have_value("淮海中路88号门口")               # the edit is not lost
    stored = call(base, keys["other_agent"], "GET", f"/api/v1/tickets/{tid}")[1]
    assert stored["version"] == v1
    assert stored["district"] == "xuhui" and stored["category"] == "SUGGESTION"
    assert stored["address"] != "淮海中路88号门口"

    # Reapply (keyboard-reachable button, focused): the ticket as it is now plus the agent's edits, unsaved.
    reapply = page.locator("#ticket-reapply")
    expect(reapply).to_be_focused()
    page.keyboard.press("Enter")
    expect(notice).to_be_hidden()
    expect(page.locator("#ticket-district")).to_have_value("xuhui")                   # theirs, kept
    expect(page.locator("#ticket-address")).to_have_value("淮海中路88号门口")           # mine, reapplied
    expect(page.locator("#ticket-category")).to_have_value("REPORT")                 # mine, over theirs
    expect(page.locator('.field[data-field="category"]')).to_have_class(re.compile(r"\bconflict\b"))
    expect(page.locator('.field[data-field="category"] .note-conflict')).to_contain_text("SUGGESTION")
    expect(page.locator('.field[data-field="address"]')).to_have_class(re.compile(r"\bunsaved\b"))
    expect(page.locator('.field[data-field="district"]')).not_to_have_class(re.compile(r"\bunsaved\b"))
    expect(page.locator("#ticket-message")).to_contain_text("尚未保存")
    assert call(base, keys["other_agent"], "GET", f"/api/v1/tickets/{tid}")[1]["version"] == v1   # still nothing sent

    # Save again, now with the new version: both edits are stored.
    page.click("#ticket-save")
    expect(page.locator("#ticket-message")).to_contain_text("已保存")
    expect(page.locator('.field[data-field="address"]')).not_to_have_class(re.compile(r"\bunsaved\b"))
    expect(page.locator('.field[data-field="category"]')).not_to_have_class(re.compile(r"\bconflict\b"))
    stored = call(base, keys["other_agent"], "GET", f"/api/v1/tickets/{tid}")[1]
    assert stored["version"] > v1
    assert stored["district"] == "xuhui"                        # the other agent's
    assert stored["address"] == "淮海中路88号门口"                 # the page's
    assert stored["category"] == "REPORT"                       # the page's, chosen after seeing the conflict
    edits = {(h["field"], h["new"]): h["actor"] for h in stored["history"] if h["action"] == "edit"}
    assert ("district", "xuhui") in edits and ("address", "淮海中路88号门口") in edits, edits
    assert ("category", "SUGGESTION") in edits and ("category", "REPORT") in edits, edits
    assert edits[("district", "xuhui")] != edits[("address", "淮海中路88号门口")]    # two different agents

    patches = [(m, h) for m, u, h in sent if m == "PATCH"]
    assert patches == [("PATCH", f'"{v0}"'), ("PATCH", f'"{v1}"')], sent
    assert errors == []
    ctx.close()


def test_office_action_on_a_ticket_changed_meanwhile_is_refused_then_done(gw, browser):
    base, keys = gw
    agent = keys["other_agent"]
    s, t, _ = call(base, agent, "POST", "/api/v1/tickets", {
        "lang": "zh", "text": "川沙河边有人用弹弓打鱼。", "category": "REPORT", "district": "pudong",
        "address": "浦东新区川沙河畔", "text_zh": "来电人反映川沙河边有人用弹弓打鱼。"})
    assert s == 201, t
    s, t, _ = call(base, agent, "POST", f"/api/v1/tickets/{t['id']}/dispatch", {"department": "WATER"},
                   {"If-Match": f'"{t["version"]}"'})
    assert s == 200 and t["status"] == "dispatched", t

    ctx = browser.new_context(locale="zh-CN", viewport={"width": 1400, "height": 1000})
    page = ctx.new_page()
    errors: list[str] = []
    sent: list[tuple[str, str, str | None]] = []
    watch(page, errors, sent)
    page.goto(base + "/office")
    page.fill("#token-input", keys["dept_page"])
    page.click("#token-submit")
    page.locator(f'.q-item[data-ticket-id="{t["id"]}"]').click()
    expect(page.locator("#ticket-number")).to_have_text(t["number"])
    v0 = call(base, agent, "GET", f"/api/v1/tickets/{t['id']}")[1]["version"]

    # The page's user types a reply; a colleague asks for more time over HTTP meanwhile.
    reply = "已派人到现场巡查，劝离打鱼人员并设置警示牌。"
    page.fill("#reply-text", reply)
    s, x, _ = call(base, keys["dept_other"], "POST", f"/api/v1/tickets/{t['id']}/extend",
                   {"working_days": 3, "reason": "需要现场取证"}, {"If-Match": f'"{v0}"'})
    assert s == 200 and x["version"] > v0, x
    v1 = x["version"]

    page.click("#reply-submit")
    notice = page.locator("#ticket-conflict")
    expect(notice).to_be_visible()
    expect(notice).to_have_attribute("role", "alert")
    expect(notice).to_contain_text("此工单已被他人修改")
    expect(notice).to_contain_text("Your action (Reply) was not carried out; nothing was saved.")
    expect(notice.locator('li[data-field="extension_request"]')).to_contain_text("需要现场取证")
    expect(page.locator("#ticket-extension")).to_contain_text("需要现场取证")       # the view is as it is now
    expect(page.locator("#reply-text")).to_have_value(reply)                        # what was typed is kept
    expect(page.locator("#office-error")).to_be_hidden()
    stored = call(base, agent, "GET", f"/api/v1/tickets/{t['id']}")[1]
    assert stored["version"] == v1 and stored["status"] == "dispatched" and not stored["replies"]

    # After looking, the same button again: done, with the new version.
    page.click("#ticket-conflict-close")
    expect(notice).to_be_hidden()
    page.click("#reply-submit")
    expect(page.locator("#ticket-status")).to_have_attribute("data-status", "replied")
    expect(page.locator("#ticket-replies")).to_contain_text("设置警示牌")
    stored = call(base, agent, "GET", f"/api/v1/tickets/{t['id']}")[1]
    assert stored["status"] == "replied" and stored["replies"][-1]["text"] == reply
    asked = [h for h in stored["history"] if h["action"] == "extend" and h["field"] == "extension_request"]
    assert len(asked) == 1 and asked[0]["reason"] == "需要现场取证", stored["history"]   # the colleague's, kept
    posts = [h for m, u, h in sent if m == "POST" and u.endswith("/reply")]
    assert posts == [f'"{v0}"', f'"{v1}"'], sent
    assert errors == []
    ctx.close()
