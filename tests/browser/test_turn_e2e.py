"""Calls forced through a real TURN server (coturn, tests/turn.py), in headless Chromium.

The gateway runs with ``--ice-transport-policy relay``: every browser peer connection asks
``GET /api/v1/ice`` for fresh TURN credentials and may use relayed candidates only, and the
gateway's own aiortc peer (the analysis copy) gets TURN credentials of its own.

* good secret: a sign-language video call connects caller <-> seat through the relay; media flows
  both ways; on both pages the selected candidate pair's local candidate is a relay candidate; the
  analysis copy also goes through the relay and the gateway receives its frames (the caller gets
  guidance computed from them, the seat gets the measured quality);
* wrong secret: coturn refuses every credential the gateway mints, so nothing can connect; the caller
  page says so in its language, offers the text chat, and the call ends cleanly (the seat's console
  says the media never connected).
"""

from __future__ import annotations

import json
import re
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import start_gateway
from tests.browser.test_video_e2e import connect_video_call
from tests.turn import coturn  # noqa: F401  (fixture)

pytestmark = pytest.mark.browser

UI = Path(__file__).resolve().parents[2] / "languages" / "data" / "ui"

# The peer connections of a page (the calls, or the analysis copies): their configuration, state,
# the candidate types of the selected pair, and packets/frames so far.
PC_STATS = """async (which) => {
  const pcs = which === "analysis" ? window.Hotline.RTC.debugAnalysis() : window.Hotline.RTC.debugPeers();
  return Promise.all(pcs.map(async (pc) => {
    const stats = await pc.getStats();
    const byId = {};
    stats.forEach((r) => { byId[r.id] = r; });
    let pair = null;
    stats.forEach((r) => { if (r.type === "transport" && r.selectedCandidatePairId) pair = byId[r.selectedCandidatePairId]; });
    const local = pair ? byId[pair.localCandidateId] : null;
    const remote = pair ? byId[pair.remoteCandidateId] : null;
    const got = {state: pc.connectionState, policy: pc.getConfiguration().iceTransportPolicy,
                 servers: (pc.getConfiguration().iceServers || []).map((s) => [].concat(s.urls).join(" ")),
                 local: local ? local.candidateType : null, remote: remote ? remote.candidateType : null,
                 audio_in: 0, video_in: 0, frames: 0, sent: 0};
    stats.forEach((r) => {
      if (r.type === "inbound-rtp" && r.kind === "audio") got.audio_in += r.packetsReceived || 0;
      if (r.type === "inbound-rtp" && r.kind === "video") { got.video_in += r.packetsReceived || 0; got.frames += r.framesDecoded || 0; }
      if (r.type === "outbound-rtp") got.sent += r.packetsSent || 0;
    });
    return got;
  }));
}"""


def wait_stats(page, who: str, which: str, check, timeout_s: float = 60) -> list[dict]:
    """Poll the page's statistics until ``check(stats)`` holds (ICE on a busy 2-core machine takes a while)."""
    deadline = time.monotonic() + timeout_s
    while True:
        stats = page.evaluate(PC_STATS, which)
        if check(stats):
            return stats
        if time.monotonic() > deadline:
            raise AssertionError(f"{who} ({which}): condition not met, statistics: {stats}")
        page.wait_for_timeout(500)


def connected_via_relay(stats: list[dict]) -> bool:
    return len(stats) == 1 and stats[0]["state"] == "connected" and stats[0]["local"] == "relay"


def ui(lang: str, key: str) -> str:
    return json.loads((UI / f"{lang}.json").read_text(encoding="utf-8"))[key]


def api(server: str, path: str, token: str) -> dict:
    req = urllib.request.Request(server + path, headers={"Authorization": f"Bearer {token}"})
    return json.loads(urllib.request.urlopen(req, timeout=10).read())


def start_video_call(browser, server: str):
    """A caller page (Chinese) queued for a sign-language video call, accepted by the csl seat."""
    caller_ctx, agent_ctx = browser.new_context(locale="zh-CN"), browser.new_context(locale="zh-CN")
    caller, agent = caller_ctx.new_page(), agent_ctx.new_page()
    errors: list[str] = []
    for p in (caller, agent):
        p.on("pageerror", lambda e: errors.append(str(e)))
    connect_video_call(caller, agent, server, "?lang=zh")
    saved = json.loads(caller.evaluate("sessionStorage.getItem('hotline.caller.video')"))
    return caller_ctx, agent_ctx, caller, agent, saved, errors


@pytest.fixture(scope="module")
def relay_server(tmp_path_factory, coturn):
    yield from start_gateway(tmp_path_factory.mktemp("gw-turn"), "--turn-urls", coturn.url,
                             "--turn-secret", coturn.secret, "--ice-transport-policy", "relay")


@pytest.fixture(scope="module")
def refused_server(tmp_path_factory, coturn):
    wrong = "not-the-coturn-secret-" + coturn.secret[:4][::-1]
    assert wrong != coturn.secret
    yield from start_gateway(tmp_path_factory.mktemp("gw-turn-bad"), "--turn-urls", coturn.url,
                             "--turn-secret", wrong, "--ice-transport-policy", "relay")


def test_video_call_and_analysis_copy_go_through_turn(relay_server, browser, coturn):
    caller_ctx, agent_ctx, caller, agent, saved, errors = start_video_call(browser, relay_server)
    try:
        # Both ends: one call connection, relay-only, connected on a relayed candidate of our coturn.
        for page, who in ((caller, "caller"), (agent, "seat")):
            stats = wait_stats(page, who, "call", connected_via_relay, timeout_s=90)
            assert stats[0]["policy"] == "relay", (who, stats)
            assert any(f"127.0.0.1:{coturn.port}" in s for s in stats[0]["servers"]), (who, stats)

        # Media flows both ways: packets and decoded frames keep rising on each end.
        for page, who in ((caller, "caller"), (agent, "seat")):
            before = page.evaluate(PC_STATS, "call")[0]
            wait_stats(page, who, "call", lambda s, b=before: connected_via_relay(s) and s[0]["frames"] > b["frames"] + 5
                       and s[0]["video_in"] > b["video_in"] and s[0]["audio_in"] > b["audio_in"], timeout_s=30)
        expect(caller.locator("#call-state")).to_have_attribute("data-state", "connected")
        expect(agent.locator("#call-media-state")).to_have_attribute("data-state", "connected")

        # The analysis copy to the gateway: relay-only too, connected on a relayed candidate; the
        # gateway's aiortc is relay-only as well, so the remote side of the pair is a relay candidate.
        expect(caller.locator("body")).to_have_attribute("data-analysis", "on", timeout=30_000)
        copy = wait_stats(caller, "caller", "analysis",
                          lambda s: connected_via_relay(s) and s[0]["remote"] == "relay" and s[0]["sent"] > 50, timeout_s=90)
        assert copy[0]["policy"] == "relay", copy
        # ... and the gateway really gets its frames: guidance computed from them reaches the caller
        # (the fake camera shows nobody), the measured fps and size reach the seat.
        expect(caller.locator("#guidance .guidance-msg").first).to_be_visible(timeout=45_000)
        expect(agent.locator("#call-quality .q-facts")).to_contain_text("fps", timeout=30_000)
        expect(agent.locator("#call-quality .q-facts")).to_contain_text(re.compile(r"[1-9]\d*(\.\d+)? fps"))

        # The caller's ICE servers were minted for this call, under its own session.
        ice = api(relay_server, f"/api/v1/ice?session={saved['id']}", saved["token"])
        assert ice["iceTransportPolicy"] == "relay" and ice["iceServers"][0]["urls"] == [coturn.url]

        caller.click("#end-call")
        expect(caller.locator("#ended-panel")).to_be_visible(timeout=20_000)
        expect(caller.locator("#media-unavailable")).to_be_hidden()
        assert errors == []
    finally:
        caller_ctx.close()
        agent_ctx.close()


def test_refused_turn_credentials_end_the_call_with_the_chat_offer(refused_server, browser):
    caller_ctx, agent_ctx, caller, agent, saved, errors = start_video_call(browser, refused_server)
    try:
        # The caller's connection to the seat is relay-only (and can get no relayed candidate).
        caller.wait_for_function("""() => window.Hotline.RTC.debugPeers().some(
            (pc) => pc.getConfiguration().iceTransportPolicy === "relay")""", timeout=30_000)

        # The page gives up, says so in Chinese, offers the text chat in the same language ...
        box = caller.locator("#media-unavailable")
        expect(box).to_be_visible(timeout=120_000)
        expect(box).to_have_attribute("data-reason", "media_failed_video")
        expect(caller.locator("#media-unavailable-text")).to_have_text(ui("zh", "media_failed_video"))
        link = caller.locator("#chat-offer-link")
        expect(link).to_have_text(ui("zh", "open_chat"))
        expect(link).to_have_attribute("href", "/chat?lang=zh")
        # ... and ends the call cleanly with the ordinary `end`.
        expect(caller.locator("#ended-panel")).to_be_visible(timeout=30_000)
        expect(caller.locator("#ended-text")).to_have_text(ui("zh", "media_failed_video"))
        state = api(refused_server, f"/api/v1/sessions/{saved['id']}", saved["token"])["state"]
        assert state in ("ended", "closed"), state
        assert caller.evaluate("window.Hotline.RTC.debugPeers().length") == 0

        # The seat's console: the call ended (a draft ticket opens), and it says the media never connected.
        expect(agent.locator("#call-panel")).to_have_class(re.compile(r"\bended\b"), timeout=30_000)
        expect(agent.locator("#call-status")).to_contain_text("未能接通")

        # The offer works: the chat page opens in the caller's language.
        link.click()
        caller.wait_for_url(re.compile(r"/chat\?lang=zh$"))
        expect(caller.locator("html")).to_have_attribute("lang", "zh")
        assert errors == []
    finally:
        caller_ctx.close()
        agent_ctx.close()
