"""The gateway's own aiortc peer (the analysis copy) through a real coturn (tests/turn.py).

An aiortc "browser" plays the caller: relay-only, with the TURN credentials the gateway gives it at
``GET /api/v1/ice``.  The gateway's peer gets credentials of its own (``gateway-<session>``) from the
same settings, so with ``ice_transport_policy = "relay"`` both ends of the copy are relayed.
"""

from __future__ import annotations

import time

from aiortc import RTCConfiguration, RTCIceTransportPolicy, RTCPeerConnection

from gateway.domain.ice import IceSettings, ice_config
from gateway.web.keys import VIDEO
from tests.integration.test_calls import CERT, ID
from tests.turn import coturn  # noqa: F401  (fixture)
from tests.unit.test_video_peer import Caller, MovingPattern, Tone, wait_for
from video.peer import AnalysisPeers, PeerOptions, rtc_configuration, selected_local_candidate_type


class RelayCaller(Caller):
    """The caller's send-only copy, with the browser's RTCConfiguration (as GET /api/v1/ice gives it)."""

    def __init__(self, config: RTCConfiguration) -> None:     # Caller's, with this configuration
        self.pc = RTCPeerConnection(config)
        self.pc.addTransceiver(MovingPattern(), direction="sendonly")
        self.pc.addTransceiver(Tone(), direction="sendonly")


async def test_the_analysis_copy_comes_through_turn_end_to_end(gateway_factory, coturn):
    gw = await gateway_factory(turn_urls=[coturn.url], turn_secret=coturn.secret, ice_transport_policy="relay",
                               video_analysis_fps=2.0)
    gw.clock.advance(time.time() - gw.clock.now())          # coturn checks the expiry against its own clock
    r = await gw.client.post("/api/v1/sessions", json={"channel": "video", "lang": "csl", "id_number": ID,
                                                       "disability_cert": CERT, "consent_recording": False})
    sess = await r.json()
    auth = {"Authorization": f"Bearer {sess['token']}"}
    ice = await (await gw.client.get(f"/api/v1/ice?session={sess['id']}", headers=auth)).json()
    assert ice["iceTransportPolicy"] == "relay"
    caller = RelayCaller(rtc_configuration(ice))
    try:
        offer = await caller.offer()
        assert " typ relay" in offer.sdp and " typ host" not in offer.sdp          # the caller is relay-only
        r = await gw.client.post(f"/api/v1/sessions/{sess['id']}/media", json={"sdp": offer.sdp, "type": offer.type},
                                 headers=auth)
        answer = await r.json()
        assert r.status == 200, answer
        assert " typ relay" in answer["sdp"] and " typ host" not in answer["sdp"]  # and so is the gateway
        await caller.answer(answer)
        video = gw.app[VIDEO]
        await wait_for(lambda: (video.stats(sess["id"]) or {}).get("frames", 0) > 20, timeout=30)
        stats = video.stats(sess["id"])
        assert stats["connection_state"] == "connected" and stats["width"] == 640
        assert stats["ice_local_candidate_type"] == "relay"
        assert selected_local_candidate_type(caller.pc) == "relay"
    finally:
        await caller.pc.close()


async def test_the_gateway_mints_its_own_credentials_for_each_copy(gateway_factory, coturn):
    gw = await gateway_factory(turn_urls=[coturn.url], turn_secret=coturn.secret, stun_urls=["stun:127.0.0.1:3478"])
    video = gw.app[VIDEO]
    assert video.ice_settings.turn_urls == (coturn.url,)
    cfg = video._ice("abc-123_x")
    assert cfg.iceTransportPolicy == RTCIceTransportPolicy.ALL
    stun, turn = cfg.iceServers
    assert stun.urls == ["stun:127.0.0.1:3478"] and stun.username is None
    expiry, subject = turn.username.split(":", 1)
    assert subject == "gateway-abc-123_x" and int(expiry) == int(gw.clock.now() + 3600)
    assert turn.urls == [coturn.url] and turn.credential and coturn.secret not in turn.credential
    gw.clock.advance(time.time() - gw.clock.now())
    real = video._ice("s1").iceServers[1]
    assert coturn.check(real.username, real.credential) is True


async def test_a_refused_credential_never_connects_and_is_reported_failed(coturn):
    wrong = IceSettings(turn_urls=(coturn.url,), turn_secret="not-the-secret-0123456789", policy="relay")
    states: list[tuple[str, str]] = []
    peers = AnalysisPeers(options=PeerOptions(connect_timeout=6.0), on_state=lambda sid, st: states.append((sid, st)),
                          ice=lambda sid: rtc_configuration(ice_config(wrong, f"gateway-{sid}", time.time())))
    good = IceSettings(turn_urls=(coturn.url,), turn_secret=coturn.secret, policy="relay")
    caller = RelayCaller(rtc_configuration(ice_config(good, "caller-x", time.time())))
    try:
        offer = await caller.offer()
        answer = await peers.accept("s-bad", offer.sdp, offer.type)
        assert " typ relay" not in answer["sdp"]            # coturn refused the gateway: no relayed candidate
        await caller.answer(answer)
        await wait_for(lambda: ("s-bad", "failed") in states, timeout=30)
        await wait_for(lambda: "s-bad" not in peers, timeout=10)
        assert ("s-bad", "connected") not in states
    finally:
        await caller.pc.close()
        await peers.close_all()


async def test_without_ice_settings_the_copy_uses_no_servers() -> None:
    peers = AnalysisPeers()
    assert peers._configuration("s").iceServers == []

    def broken(sid: str) -> RTCConfiguration:
        raise RuntimeError("no settings")

    assert AnalysisPeers(ice=broken)._configuration("s").iceServers == []   # a warning, not a refused call
