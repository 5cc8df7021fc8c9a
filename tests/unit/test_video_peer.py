"""The analysis copy, with real aiortc peer connections in one process.

A caller RTCPeerConnection sends a synthetic 640x480 moving pattern at 20 fps (VP8, aiortc's
default) and a 440 Hz tone (Opus) to ``AnalysisPeers``; offer and answer go through ``accept``.
"""

from __future__ import annotations

import asyncio
import logging
import math
import re
import threading
import time
from collections.abc import AsyncIterator, Callable
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest
from aiortc import MediaStreamTrack, RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError
from numpy.typing import NDArray

from gateway.errors import GatewayError, UnknownSession
from video.peer import AnalysisPeers, PeerOptions
from video.sdp import BadSdp, UnsupportedCodec, supported_codecs, validate_offer

FPS = 20
W, H = 640, 480


class MovingPattern(MediaStreamTrack):
    """640x480 yuv420p frames at a steady ``fps``: a scrolling gradient and a travelling box."""

    kind = "video"

    def __init__(self, fps: int = FPS, width: int = W, height: int = H) -> None:
        super().__init__()
        self.fps, self.width, self.height = fps, width, height
        self._n = 0
        self._start: float | None = None
        self._ramp = (np.arange(width * 2) % 256).astype(np.uint8)

    async def recv(self) -> av.VideoFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.monotonic()
        else:
            await asyncio.sleep(max(0.0, self._start + self._n / self.fps - time.monotonic()))
        n, w, h = self._n, self.width, self.height
        self._n += 1
        yuv = np.full((h * 3 // 2, w), 128, dtype=np.uint8)
        shift = (n * 8) % w
        yuv[:h] = self._ramp[shift:shift + w]
        x = (n * 16) % (w - 80)
        yuv[h // 3: h // 3 + 80, x:x + 80] = 255
        frame = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
        frame.pts, frame.time_base = n * 90_000 // self.fps, Fraction(1, 90_000)
        return frame


class Tone(MediaStreamTrack):
    """20 ms frames of a 440 Hz tone, 48 kHz mono s16."""

    kind = "audio"

    def __init__(self, hz: float = 440.0, rate: int = 48_000) -> None:
        super().__init__()
        self.hz, self.rate = hz, rate
        self._sent = 0
        self._start: float | None = None

    async def recv(self) -> av.AudioFrame:
        if self.readyState != "live":
            raise MediaStreamError
        samples = self.rate // 50
        if self._start is None:
            self._start = time.monotonic()
        else:
            await asyncio.sleep(max(0.0, self._start + self._sent / self.rate - time.monotonic()))
        t = (np.arange(samples) + self._sent) / self.rate
        pcm = (0.3 * 32767 * np.sin(2 * math.pi * self.hz * t)).astype(np.int16)
        frame = av.AudioFrame.from_ndarray(pcm.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate, frame.pts, frame.time_base = self.rate, self._sent, Fraction(1, self.rate)
        self._sent += samples
        return frame


class Caller:
    """The caller browser's send-only analysis connection, played by aiortc."""

    def __init__(self, video: bool = True, audio: bool = True) -> None:
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        if video:
            self.pc.addTransceiver(MovingPattern(), direction="sendonly")
        if audio:
            self.pc.addTransceiver(Tone(), direction="sendonly")

    async def offer(self) -> RTCSessionDescription:
        await self.pc.setLocalDescription(await self.pc.createOffer())
        return self.pc.localDescription

    async def answer(self, answer: dict[str, str]) -> None:
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type=answer["type"]))


async def wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)


class Rig:
    def __init__(self) -> None:
        self.peers: list[AnalysisPeers] = []
        self.callers: list[Caller] = []
        self.states: list[tuple[str, str]] = []

    def make(self, **kwargs: Any) -> AnalysisPeers:
        kwargs.setdefault("on_state", lambda sid, state: self.states.append((sid, state)))
        peers = AnalysisPeers(**kwargs)
        self.peers.append(peers)
        return peers

    async def connect(self, peers: AnalysisPeers, sid: str, *, on_frame: Any = None,
                      record_to: Path | None = None, on_arrival: Any = None, video: bool = True,
                      audio: bool = True) -> Caller:
        caller = Caller(video=video, audio=audio)
        self.callers.append(caller)
        offer = await caller.offer()
        answer = await peers.accept(sid, offer.sdp, offer.type, on_frame=on_frame, record_to=record_to,
                                    on_arrival=on_arrival)
        assert answer["type"] == "answer" and ("m=video" in answer["sdp"]) == video
        await caller.answer(answer)
        key = "frames" if video else "audio_frames"
        await wait_for(lambda: peers.stats(sid)[key] > 0, timeout=10)
        return caller


@pytest.fixture
async def rig() -> AsyncIterator[Rig]:
    r = Rig()
    yield r
    for caller in r.callers:
        await caller.pc.close()
    for peers in r.peers:
        await peers.close_all()


async def test_frames_arrive_at_full_rate_and_size(rig: Rig) -> None:
    arrivals: list[tuple[float, int, int]] = []
    peers = rig.make()
    await rig.connect(peers, "s1", on_arrival=lambda ts, w, h: arrivals.append((ts, w, h)))
    await asyncio.sleep(2.2)
    stats = peers.stats("s1")
    assert len(arrivals) == stats["frames"] and {a[1:] for a in arrivals} == {(W, H)}
    assert stats["connection_state"] == "connected"
    assert (stats["width"], stats["height"]) == (W, H)
    assert 14 <= stats["fps"] <= 24, stats
    assert stats["frames"] >= 35 and stats["audio_frames"] > 50
    assert stats["analysed"] == 0 and stats["dropped_for_analysis"] == 0 and stats["recording"] is None
    assert ("s1", "connected") in rig.states


async def test_on_frame_gets_rgb_at_most_analysis_fps_in_one_thread(rig: Rig) -> None:
    calls: list[tuple[float, tuple[int, ...], int, int, str]] = []

    def on_frame(rgb: NDArray[np.uint8], ts: float, w: int, h: int) -> None:
        assert rgb.dtype == np.uint8
        calls.append((ts, rgb.shape, w, h, threading.current_thread().name))

    peers = rig.make(analysis_fps=4)
    await rig.connect(peers, "s2", on_frame=on_frame)
    start = time.monotonic()
    await asyncio.sleep(2.5)
    elapsed = time.monotonic() - start
    stats = peers.stats("s2")
    assert 7 <= len(calls) <= 4 * elapsed + 2, (len(calls), elapsed)
    assert stats["analysed"] == len(calls) and stats["fps"] >= 14
    assert {c[1] for c in calls} == {(H, W, 3)} and {(c[2], c[3]) for c in calls} == {(W, H)}
    gaps = np.diff([c[0] for c in calls])
    assert gaps.min() >= 0.25 - 1e-6
    threads = {c[4] for c in calls}
    assert len(threads) == 1 and threading.main_thread().name not in threads


async def test_slow_on_frame_drops_frames_but_media_keeps_flowing(rig: Rig) -> None:
    calls: list[float] = []

    def slow(rgb: NDArray[np.uint8], ts: float, w: int, h: int) -> None:
        calls.append(ts)
        time.sleep(0.5)

    peers = rig.make(analysis_fps=4)
    await rig.connect(peers, "slow", on_frame=slow)
    before = peers.stats("slow")["frames"]
    await asyncio.sleep(3.0)
    stats = peers.stats("slow")
    assert stats["fps"] >= 14, stats
    assert stats["frames"] - before >= 45
    assert stats["dropped_for_analysis"] > 5
    assert len(calls) <= 3.0 / 0.5 + 2  # never queued: at most one call per 0.5 s of work


async def test_raising_on_frame_is_logged_by_type_and_never_ends_the_call(
        rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    def broken(rgb: NDArray[np.uint8], ts: float, w: int, h: int) -> None:
        raise RuntimeError("secret caller detail")

    peers = rig.make(analysis_fps=10)
    with caplog.at_level(logging.WARNING, logger="video.peer"):
        await rig.connect(peers, "err", on_frame=broken)
        await asyncio.sleep(1.5)
    stats = peers.stats("err")
    assert stats["analysis_errors"] >= 5 and stats["analysed"] == 0
    assert stats["connection_state"] == "connected" and stats["fps"] >= 14
    assert "RuntimeError" in caplog.text and "secret caller detail" not in caplog.text


async def test_caller_hanging_up_fires_on_state_and_cleans_up(rig: Rig) -> None:
    peers = rig.make()
    caller = await rig.connect(peers, "bye")
    await caller.pc.close()
    await wait_for(lambda: ("bye", "closed") in rig.states, timeout=10)
    await wait_for(lambda: "bye" not in peers)
    with pytest.raises(UnknownSession):
        peers.stats("bye")
    assert len(peers) == 0


async def test_local_close_returns_final_stats_without_on_state(rig: Rig) -> None:
    peers = rig.make()
    await rig.connect(peers, "a")
    await rig.connect(peers, "b", video=False)
    final = await peers.close("a")
    assert final is not None and final["frames"] > 0 and final["connection_state"] == "closed"
    assert await peers.close("a") is None
    await peers.close_all()
    assert len(peers) == 0
    assert [s for s in rig.states if s[1] in ("failed", "closed")] == []


async def test_offer_never_answered_times_out_as_failed(rig: Rig) -> None:
    peers = rig.make(options=PeerOptions(connect_timeout=0.5))
    caller = Caller()
    rig.callers.append(caller)
    offer = await caller.offer()
    await peers.accept("ghost", offer.sdp, offer.type)  # the answer never reaches the caller
    await wait_for(lambda: ("ghost", "failed") in rig.states, timeout=5)
    await wait_for(lambda: "ghost" not in peers)


# -- SDP validation --------------------------------------------------------------------------

async def real_offer(video: bool = True, audio: bool = True) -> str:
    caller = Caller(video=video, audio=audio)
    try:
        return (await caller.offer()).sdp
    finally:
        await caller.pc.close()


def only_codec(sdp: str, kind: str, rtpmap: str) -> str:
    """Rewrite the ``kind`` section so it offers payload type 100 = ``rtpmap`` and nothing else."""
    out: list[str] = []
    section = ""
    for line in sdp.splitlines():
        if line.startswith("m="):
            section = line[2:].split()[0]
            if section == kind:
                parts = line.split()
                line = " ".join([*parts[:3], "100"])
                out.append(line)
                out.append(f"a=rtpmap:100 {rtpmap}")
                continue
        if section == kind and re.match(r"a=(rtpmap|fmtp|rtcp-fb):", line):
            continue
        out.append(line)
    return "\r\n".join(out) + "\r\n"


async def test_bad_offers_are_refused_with_a_reason() -> None:
    peers = AnalysisPeers()
    offer = await real_offer()
    cases: list[tuple[str, str, type[GatewayError], str]] = [
        ("hello, I am not SDP", "offer", BadSdp, "v=0"),
        ("", "offer", BadSdp, "empty"),
        (offer, "answer", BadSdp, "offer"),
        ("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n", "offer", BadSdp, "no audio or video"),
        (re.sub(r"m=video \d+", "m=video nine", offer), "offer", BadSdp, "parsed"),
        (offer.replace("a=rtpmap:", "a=rtpmap:x"), "offer", BadSdp, "parsed"),
        (re.sub(r"a=ice-pwd:.*\r\n", "", offer), "offer", BadSdp, "ICE"),
        (offer.replace("a=rtcp-mux\r\n", ""), "offer", BadSdp, "rtcp-mux"),
        (offer + "a=x:" + "y" * 70_000 + "\r\n", "offer", BadSdp, "limit"),
        (only_codec(offer, "video", "VP9/90000"), "offer", UnsupportedCodec, "VP9"),
        (only_codec(offer, "video", "AV1/90000"), "offer", UnsupportedCodec, "VP8"),
        (only_codec(offer, "audio", "ISAC/16000"), "offer", UnsupportedCodec, "opus"),
    ]
    for sdp, type_, error, words in cases:
        with pytest.raises(error) as info:
            await peers.accept("bad", sdp, type_)
        assert words in info.value.message, info.value.message
        assert info.value.status == 400 and len(peers) == 0
    assert BadSdp("x").code == "bad_sdp" and UnsupportedCodec("x").code == "unsupported_codec"


async def test_supported_codecs_are_what_aiortc_can_receive() -> None:
    assert supported_codecs("video") == ["VP8", "H264"]
    assert {"opus", "PCMU", "PCMA"} <= set(supported_codecs("audio"))
    offer = await real_offer()
    validate_offer(offer, "offer")
    validate_offer(only_codec(offer, "audio", "PCMU/8000"), "offer")
    validate_offer(await real_offer(video=False), "offer")
    high = "H264/90000\r\na=fmtp:100 packetization-mode=1;profile-level-id=640c1f"
    with pytest.raises(UnsupportedCodec):
        validate_offer(only_codec(offer, "video", high), "offer")
    baseline = "H264/90000\r\na=fmtp:100 packetization-mode=1;profile-level-id=42e01f"
    validate_offer(only_codec(offer, "video", baseline), "offer")


def test_rtc_configuration_from_the_gateway_ice_settings() -> None:
    """The browsers' configuration (gateway.domain.ice.ice_config) as aiortc's RTCConfiguration."""
    from aiortc import RTCIceTransportPolicy

    from gateway.domain.ice import IceSettings, ice_config
    from video.peer import rtc_configuration

    settings = IceSettings(turn_urls=("turn:127.0.0.1:3478?transport=udp", "turn:127.0.0.1:3478?transport=tcp"),
                           turn_secret="s3cret-s3cret-s3cret", stun_urls=("stun:127.0.0.1:3478",), policy="relay")
    body = ice_config(settings, "gateway-s1", 1_800_000_000)
    cfg = rtc_configuration(body)
    assert cfg.iceTransportPolicy == RTCIceTransportPolicy.RELAY
    stun, turn = cfg.iceServers
    assert stun.urls == ["stun:127.0.0.1:3478"] and stun.username is None and stun.credential is None
    assert turn.urls == list(settings.turn_urls)
    assert (turn.username, turn.credential) == (body["iceServers"][1]["username"], body["iceServers"][1]["credential"])
    assert turn.username == "1800003600:gateway-s1"
    assert rtc_configuration(ice_config(IceSettings(), "x", 0)).iceServers == []
    assert rtc_configuration(None).iceTransportPolicy == RTCIceTransportPolicy.ALL
    assert rtc_configuration({"iceServers": [{"urls": "stun:h:1"}, {"urls": []}, {}]}).iceServers[0].urls == ["stun:h:1"]


async def test_the_ice_provider_configures_each_new_peer(rig: Rig) -> None:
    from aiortc import RTCIceServer
    asked: list[str] = []

    def ice(sid: str) -> RTCConfiguration:
        asked.append(sid)
        return RTCConfiguration(iceServers=[RTCIceServer(urls="stun:127.0.0.1:9")])   # nobody answers there

    peers = rig.make(ice=ice)
    await rig.connect(peers, "s-ice")
    assert asked == ["s-ice"]
    assert peers.stats("s-ice")["ice_local_candidate_type"] == "host"
