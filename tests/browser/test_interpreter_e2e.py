"""A volunteer interpreter joins a call as a third party, through the real server, in headless Chromium.

Three browser contexts: the caller page, the seat's console and the volunteer's console.  Media runs
as a browser mesh (each party has a peer connection with each of the other two; the gateway only
relays signalling), so the test reads every page's own RTCPeerConnection statistics: each page must
have two connected connections and receive audio on both.  A signed video call checks that the
interpreter really receives the signer's picture.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.test_video_e2e import VALID_CERT, VALID_ID, assert_frames, login_seat

pytestmark = pytest.mark.browser

UI = Path(__file__).resolve().parents[2] / "languages" / "data" / "ui"

# Per page: the mesh's peer connections (Hotline.RTC.debugPeers), their state and the audio/video
# received on each so far.
MESH_STATS = """async () => {
  const pcs = window.Hotline.RTC.debugPeers();
  return Promise.all(pcs.map(async (pc) => {
    const got = {state: pc.connectionState, audio: 0, frames: 0};
    (await pc.getStats()).forEach((r) => {
      if (r.type !== "inbound-rtp") return;
      if (r.kind === "audio") got.audio += r.packetsReceived || 0;
      if (r.kind === "video") got.frames += r.framesDecoded || 0;
    });
    return got;
  }));
}"""


def wait_for_mesh(page, who: str, timeout_s: float = 60) -> list[dict]:
    """Two connected peer connections on this page (polled: ICE on a busy CI machine takes a while)."""
    deadline = time.monotonic() + timeout_s
    while True:
        stats = page.evaluate(MESH_STATS)
        if len(stats) == 2 and all(s["state"] == "connected" for s in stats):
            return stats
        if time.monotonic() > deadline:
            raise AssertionError(f"{who}: expected two connected peer connections, got {stats}")
        page.wait_for_timeout(500)


def assert_audio_on_both(page, who: str) -> None:
    """Audio packets keep arriving on both connections (compared with an earlier reading, not timed)."""
    before = wait_for_mesh(page, who)
    deadline = time.monotonic() + 30
    while True:
        page.wait_for_timeout(1000)
        after = page.evaluate(MESH_STATS)
        grew = len(after) == 2 and all(b["audio"] > a["audio"] for a, b in zip(before, after))
        if grew:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{who}: audio does not arrive on both connections: {before} -> {after}")


def strings(lang: str) -> dict[str, str]:
    return json.loads((UI / f"{lang}.json").read_text(encoding="utf-8"))


def go_available(page) -> None:
    page.click("#state-available")
    expect(page.locator("#seat-state")).to_have_attribute("data-state", "available")


def accept_interpreting(volunteer) -> None:
    expect(volunteer.locator("#offer")).to_be_visible(timeout=20_000)
    expect(volunteer.locator("#offer-channel")).to_contain_text("口译邀请")
    expect(volunteer.locator("#offer-channel")).to_contain_text("Interpreting request")
    volunteer.click("#offer-accept")
    expect(volunteer.locator("#offer")).to_be_hidden()
    expect(volunteer.locator("#call-panel")).to_be_visible()
    expect(volunteer.locator("#session-info .session-role")).to_contain_text("口译")
    expect(volunteer.locator("#end-session")).to_contain_text("离开")
    expect(volunteer.locator("#interp-bar")).to_be_hidden()          # an interpreter does not invite


def new_pages(browser, *locales):
    ctxs = [browser.new_context(locale=loc) for loc in locales]
    pages = [c.new_page() for c in ctxs]
    errors: list[str] = []
    for p in pages:
        p.on("pageerror", lambda e: errors.append(str(e)))
    return ctxs, pages, errors


def test_voice_call_with_a_volunteer_interpreter(server, browser):
    uk = strings("uk")
    (c1, c2, c3), (caller, seat, volunteer), errors = new_pages(browser, "uk-UA", "zh-CN", "zh-CN")

    # The volunteer is available before anyone asks.
    login_seat(volunteer, server, "volunteer-1")
    go_available(volunteer)

    # A Ukrainian caller starts a voice call; the Ukrainian desk answers.
    caller.goto(server + "/voice?lang=uk")
    expect(caller.locator("html")).to_have_attribute("lang", "uk")
    caller.click("#start-voice")
    expect(caller.locator("#view-call")).to_be_visible()
    login_seat(seat, server, "seat-uk")
    go_available(seat)
    expect(seat.locator("#offer")).to_be_visible(timeout=20_000)
    seat.click("#offer-accept")
    expect(seat.locator("#call-panel")).to_have_attribute("data-channel", "voice")
    expect(seat.locator("#call-media-state")).to_have_attribute("data-state", "connected", timeout=30_000)
    expect(caller.locator("#call-state")).to_have_attribute("data-state", "connected")

    # The seat invites an interpreter; the caller's language is the default.
    expect(seat.locator("#interp-bar")).to_be_visible()
    expect(seat.locator("#interp-lang")).to_have_value("uk")
    seat.click("#interp-invite")
    expect(seat.locator("#interp-status")).to_be_visible()
    expect(caller.locator("#call-log .notice").last).to_have_text(uk["interpreter_requested"])

    # The volunteer sees an interpreting request, for a voice call, and accepts.
    expect(volunteer.locator("#offer-parent")).to_contain_text("语音")
    accept_interpreting(volunteer)
    expect(seat.locator("#interp-bar")).to_have_attribute("data-state", "joined")
    expect(seat.locator("#interp-status")).to_contain_text("Olena")
    expect(seat.locator("#interp-dismiss")).to_be_visible()
    expect(caller.locator("#call-log .notice").last).to_contain_text("Olena")

    # The mesh: on every page two connected peer connections, and sound arriving on both.
    for page, who in ((caller, "caller"), (seat, "seat"), (volunteer, "interpreter")):
        assert_audio_on_both(page, who)
    expect(caller.locator("#remote-interpreter")).to_have_attribute("data-live", "true")
    expect(seat.locator("#call-third")).to_have_attribute("data-live", "true")
    expect(volunteer.locator("#call-third")).to_have_attribute("data-live", "true")
    expect(volunteer.locator("#call-media-state")).to_have_attribute("data-state", "connected")
    # Each page plays both voices (the browser mixes them): two media elements, both playing.
    for page, ids in ((caller, ("remote-audio", "remote-interpreter")), (seat, ("call-remote", "call-third")),
                      (volunteer, ("call-remote", "call-third"))):
        for el in ids:
            page.wait_for_function("(id) => { const e = document.getElementById(id); "
                                   "return !!e.srcObject && !e.paused && e.srcObject.getAudioTracks().length > 0; }", arg=el)

    # Real-time text from the interpreter reaches the caller labelled as the interpreter's.
    volunteer.click("#call-rtt-input")
    volunteer.keyboard.type("Добрий день", delay=30)
    expect(caller.locator("#rtt-remote-text")).to_have_text("Добрий день")
    expect(caller.locator("#rtt-remote")).to_have_attribute("data-from", "interpreter")
    expect(caller.locator("#rtt-remote-who")).to_contain_text(uk["interpreter"])
    expect(seat.locator("#call-rtt-third")).to_have_text("Добрий день")

    # The interpreter's line is stored once and everyone sees it as the interpreter's.
    volunteer.keyboard.press("Enter")
    expect(volunteer.locator("#agent-log .msg.from-interpreter[data-seq] .msg-text")).to_have_text("Добрий день")
    expect(volunteer.locator("#agent-log .msg.from-interpreter .msg-who")).to_contain_text("我")
    line = caller.locator("#call-log .msg.from-interpreter")
    expect(line.locator(".msg-text")).to_have_text("Добрий день")
    expect(line.locator(".msg-who")).to_have_text(uk["interpreter"])
    expect(seat.locator("#agent-log .msg.from-interpreter .msg-text")).to_have_text("Добрий день")
    expect(seat.locator("#agent-log .msg.from-interpreter .msg-who")).to_contain_text("口译员")
    expect(caller.locator("#rtt-remote")).to_be_hidden()
    # ... and the caller's line reaches the interpreter.
    caller.fill("#rtt-input", "Мене звати Тарас")
    caller.keyboard.press("Enter")
    expect(volunteer.locator("#agent-log .msg.from-caller .msg-text")).to_have_text("Мене звати Тарас")

    # The caller reloads the page: the caller offers to the seat again, the interpreter (told the
    # caller is back) offers to the caller again, and the whole mesh comes back.
    caller.reload()
    expect(caller.locator("#call-state")).to_have_attribute("data-state", "connected", timeout=20_000)
    expect(caller.locator("#call-log .msg.from-interpreter .msg-who")).to_have_text(uk["interpreter"])
    for page, who in ((caller, "caller after reload"), (seat, "seat after reload"), (volunteer, "interpreter after reload")):
        assert_audio_on_both(page, who)
    expect(caller.locator("#remote-interpreter")).to_have_attribute("data-live", "true")

    # The interpreter leaves: the caller is told, the seat can invite again, the call goes on.
    volunteer.click("#end-session")
    expect(volunteer.locator("#agent-log .notice").last).to_contain_text("离开")
    expect(caller.locator("#call-log .notice").last).to_have_text(uk["interpreter_left"])
    expect(caller.locator("#remote-interpreter")).to_have_attribute("data-live", "false")
    expect(seat.locator("#interp-status")).to_be_hidden()
    expect(seat.locator("#interp-ask")).to_be_visible()
    expect(seat.locator("#interp-invite")).to_be_enabled()
    expect(seat.locator("#call-third")).to_have_attribute("data-live", "false")
    expect(volunteer.locator("#ticket")).to_be_hidden()                  # no ticket for an interpreter
    volunteer.wait_for_function("() => window.Hotline.RTC.debugPeers().length === 0")
    caller.wait_for_function("() => window.Hotline.RTC.debugPeers().length === 1")
    expect(seat.locator("#call-media-state")).to_have_attribute("data-state", "connected")

    caller.click("#end-call")
    expect(seat.locator("#ticket")).to_be_visible(timeout=20_000)
    for console in (seat, volunteer):
        expect(console.locator("#console-error")).to_be_hidden()
    assert errors == []
    for c in (c1, c2, c3):
        c.close()


def test_signed_video_call_with_an_interpreter_in_english(server, browser):
    (c1, c2, c3), (caller, seat, volunteer), errors = new_pages(browser, "zh-CN", "zh-CN", "zh-CN")

    login_seat(volunteer, server, "volunteer-1")
    go_available(volunteer)                                 # may still be wrapping up the previous call

    caller.goto(server + "/video")
    caller.fill("#id-number", VALID_ID)
    caller.fill("#disability-cert", VALID_CERT)
    caller.click("#start-video")
    expect(caller.locator("#view-call")).to_be_visible()
    login_seat(seat, server, "seat-csl")
    go_available(seat)
    expect(seat.locator("#offer")).to_be_visible(timeout=20_000)
    seat.click("#offer-accept")
    expect(seat.locator("#call-panel")).to_have_attribute("data-channel", "video")
    assert_frames(seat, "call-remote", "seat sees caller")

    # A signed call has no default language: the seat must choose one.
    expect(seat.locator("#interp-lang")).to_have_value("")
    expect(seat.locator("#interp-invite")).to_be_disabled()
    seat.select_option("#interp-lang", "en")
    seat.click("#interp-invite")
    expect(seat.locator("#interp-bar")).to_have_attribute("data-state", "requested")

    expect(volunteer.locator("#offer-parent")).to_contain_text("视频")
    accept_interpreting(volunteer)
    expect(volunteer.locator("#call-panel")).to_have_attribute("data-channel", "video")
    expect(volunteer.locator("#call-panel")).to_have_attribute("data-role", "interpreter")
    expect(seat.locator("#interp-bar")).to_have_attribute("data-state", "joined")

    # The interpreter sees the signer (640x480 from the fake camera), and the seat in a tile.
    wait_for_mesh(volunteer, "interpreter")
    assert_frames(volunteer, "call-remote", "interpreter sees caller")
    assert volunteer.evaluate("document.getElementById('call-remote').videoWidth") == 640
    assert_frames(volunteer, "call-third", "interpreter sees seat")
    # The caller and the seat see the interpreter's tile.
    assert_frames(caller, "remote-interpreter", "caller sees interpreter")
    assert_frames(seat, "call-third", "seat sees interpreter")
    # Decoded video keeps growing on both of the interpreter's connections.
    before = volunteer.evaluate(MESH_STATS)
    deadline = time.monotonic() + 30
    while True:
        volunteer.wait_for_timeout(1000)
        after = volunteer.evaluate(MESH_STATS)
        if len(after) == 2 and all(b["frames"] > a["frames"] for a, b in zip(before, after)):
            break
        assert time.monotonic() < deadline, (before, after)

    # The seat dismisses the interpreter: the interpreter's part ends, the call goes on.
    seat.click("#interp-dismiss")
    expect(volunteer.locator("#agent-log .notice").last).to_contain_text("坐席已结束口译")
    expect(seat.locator("#interp-ask")).to_be_visible()
    expect(caller.locator("#remote-interpreter")).to_have_attribute("data-live", "false")
    expect(seat.locator("#call-media-state")).to_have_attribute("data-state", "connected")

    seat.click("#end-session")
    expect(seat.locator("#ticket")).to_be_visible(timeout=20_000)
    assert errors == []
    for c in (c1, c2, c3):
        c.close()


def test_text_chat_with_an_interpreter(server, browser):
    """No media at all: the interpreter reads and writes in the chat, the caller page says who they are."""
    ru = strings("ru")
    (c1, c2, c3), (caller, seat, volunteer), errors = new_pages(browser, "ru-RU", "zh-CN", "zh-CN")
    login_seat(volunteer, server, "volunteer-1")
    go_available(volunteer)

    caller.goto(server + "/chat?lang=ru")
    caller.click("#start-chat")
    expect(caller.locator("#queue-status")).to_be_visible()
    login_seat(seat, server, "seat-ru")
    go_available(seat)
    expect(seat.locator("#offer")).to_be_visible(timeout=20_000)
    seat.click("#offer-accept")
    expect(caller.locator("#chat-state")).to_have_attribute("data-state", "connected", timeout=20_000)
    expect(seat.locator("#call-panel")).to_be_hidden()

    expect(seat.locator("#interp-lang")).to_have_value("ru")
    seat.click("#interp-invite")
    expect(caller.locator("#chat-log .notice").last).to_have_text(ru["interpreter_requested"])
    expect(volunteer.locator("#offer")).to_be_visible(timeout=20_000)
    expect(volunteer.locator("#offer-parent")).to_contain_text("文字")
    volunteer.click("#offer-accept")
    expect(volunteer.locator("#end-session")).to_contain_text("离开")
    expect(volunteer.locator("#compose-zh-box")).to_be_hidden()
    expect(caller.locator("#chat-log .notice").last).to_contain_text("Olena")

    volunteer.fill("#agent-input", "Я перекладач, чим можу допомогти?")
    volunteer.click("#agent-send")
    line = caller.locator("#chat-log .msg.from-interpreter")
    expect(line.locator(".msg-text")).to_have_text("Я перекладач, чим можу допомогти?")
    expect(line.locator(".msg-who")).to_have_text(ru["interpreter"])
    expect(seat.locator("#agent-log .msg.from-interpreter .msg-who")).to_contain_text("口译员")
    seat.fill("#agent-input", "请问有什么事？")
    seat.click("#agent-send")
    expect(volunteer.locator("#agent-log .msg.from-seat .msg-who")).to_contain_text("坐席")

    # The seat lets the interpreter go.
    seat.click("#interp-dismiss")
    expect(caller.locator("#chat-log .notice").last).to_have_text(ru["interpreter_left"])
    expect(volunteer.locator("#end-session")).to_be_hidden()             # nothing left to leave
    expect(volunteer.locator("#agent-input")).to_be_disabled()
    seat.click("#end-session")
    expect(seat.locator("#ticket")).to_be_visible(timeout=20_000)
    expect(volunteer.locator("#ticket")).to_be_hidden()
    assert errors == []
    for c in (c1, c2, c3):
        c.close()
