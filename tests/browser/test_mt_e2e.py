"""In the agent console, each English caller message shows its Chinese machine translation beneath
it, and a reply written in Chinese reaches the caller's page in English marked as machine translation.
Real server process, real tiny trained Argos packages installed with the CLI, real Chromium."""

from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import ROOT, start_gateway

pytestmark = pytest.mark.browser
FIXTURES = ROOT / "tests" / "fixtures" / "argos"
with open(ROOT / "scripts" / "fixture_corpus" / "hotline_en_zh_ja.tsv", encoding="utf-8") as fh:
    CORPUS = list(csv.DictReader(fh, delimiter="\t"))


@pytest.fixture(scope="module")
def mt_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("gw-mt")
    exe = str(Path(sys.executable).with_name("hotline-gateway"))
    subprocess.run([exe, "models", "install", str(FIXTURES / "en_zh.argosmodel"), str(FIXTURES / "zh_en.argosmodel"),
                    "--translate-dir", str(tmp / "translate")], check=True, capture_output=True, timeout=120)
    yield from start_gateway(tmp)


def test_console_shows_chinese_and_sends_machine_translated_replies(mt_server, browser):
    server = mt_server
    caller = browser.new_context().new_page()
    agent = browser.new_context().new_page()
    caller.goto(server + "/chat?lang=en")
    caller.locator("#start-chat").click()
    expect(caller.locator("#queue-status")).to_be_visible()
    agent.goto(server + "/console")
    agent.fill("#login-name", "seat-en")
    agent.fill("#login-password", "demo")
    agent.click("#login-submit")
    agent.click("#state-available")
    agent.click("#offer-accept")
    expect(caller.locator("#chat-state")).to_have_attribute("data-state", "connected")

    question = next(r for r in CORPUS if r["en"].startswith("My visa expires"))
    caller.fill("#chat-input", question["en"])
    caller.click("#send")
    msg = agent.locator("#agent-log .msg.from-caller").last
    expect(msg.locator(".msg-text")).to_have_text(question["en"])
    expect(msg.locator(".msg-extra")).to_contain_text(question["zh"])      # Chinese beneath the original

    answer = next(r for r in CORPUS if r["zh"].startswith("请") and len(r["zh"]) < 30)
    expect(agent.locator("#compose-zh-box")).to_be_visible()
    agent.check("#compose-zh")
    agent.fill("#agent-input", answer["zh"])
    agent.click("#agent-send")
    reply = caller.locator("#chat-log .msg.from-seat").last
    expect(reply.locator(".msg-text")).to_have_text(answer["en"])
    expect(reply.locator(".msg-extra")).to_be_visible()                     # "machine translation" note
    expect(agent.locator("#agent-log .msg.from-seat").last.locator(".msg-text")).to_have_text(answer["zh"])
