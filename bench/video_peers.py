"""Media pieces and child-process roles for ``bench/video_bench.py``.

Everything here runs in a child process started by the bench (``--role NAME --spec JSON``), talks
JSON lines on stdout (events) and, for the caller, JSON lines on stdin (commands).  All traffic is
on 127.0.0.1; every role has its own hard deadline so nothing outlives the bench.

Media:

- :class:`Scene`: a 640x480 "caller": a real photograph of a person (matplotlib's
  ``grace_hopper.jpg``) swaying left and right, so MediaPipe has a person to track and the encoder
  has motion to code, with a **time stamp** in the top 64 rows.
- The stamp: 40 big blocks (2 rows x 20 blocks of 32x32 px, macroblock aligned, luma 16 or 235,
  neutral chroma): the low 32 bits of ``time.time()`` in milliseconds plus an 8-bit CRC, read back
  from the decoded picture by the mean of each block's inner 16x16.  Both ends run on this machine,
  so latency = receive wall clock - stamped wall clock.
- :class:`StampedCamera`: a track whose frames each sender encodes itself (aiortc's own VP8
  encoder per peer connection, as a browser does).
- :class:`FanoutSource` / :class:`PacketTrack`: ONE VP8 encoder whose packets go to many peer
  connections.  Used for the gateway-load steps so the load generator's CPU does not grow with the
  number of copies (on 2 cores, N encoders in the load generator would starve the gateway).  What
  the receiver gets is the same: VP8 over RTP, 640x480, 20 fps.  PLI/FIR from any receiver forces a
  key frame (as a browser's encoder would), new subscribers start on a key frame.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import sys
import time
import zlib
from fractions import Fraction
from typing import Any

import av
import numpy as np
from aiortc import MediaStreamTrack, RTCConfiguration, RTCPeerConnection, RTCRtpSender, RTCSessionDescription
from aiortc.mediastreams import MediaStreamError

W, H, FPS = 640, 480, 20
BLOCK, COLS, ROWS = 32, 20, 2          # stamp: 2 rows x 20 blocks of 32x32 px = the top 64 rows
STAMP_ROWS = BLOCK * ROWS
VIDEO_CLOCK = 90_000


# ------------------------------------------------------------------------------------ stamps
def _bits(ms: int) -> list[int]:
    ms &= 0xFFFFFFFF
    raw = ms.to_bytes(4, "big")
    check = zlib.crc32(raw) & 0xFF
    word = (ms << 8) | check
    return [(word >> (39 - i)) & 1 for i in range(COLS * ROWS)]


def stamp_luma(y: np.ndarray, ms: int) -> None:
    """Write ``ms`` (mod 2**32) into the top 64 rows of a luma plane, in place."""
    for i, bit in enumerate(_bits(ms)):
        r, c = divmod(i, COLS)
        y[r * BLOCK:(r + 1) * BLOCK, c * BLOCK:(c + 1) * BLOCK] = 235 if bit else 16


def read_stamp(y: np.ndarray) -> int | None:
    """The stamped milliseconds (mod 2**32), or None if the CRC does not match."""
    word = 0
    q = BLOCK // 4
    for i in range(COLS * ROWS):
        r, c = divmod(i, COLS)
        block = y[r * BLOCK + q:(r + 1) * BLOCK - q, c * BLOCK + q:(c + 1) * BLOCK - q]
        word = (word << 1) | int(block.mean() > 125)
    ms, check = word >> 8, word & 0xFF
    return ms if zlib.crc32(ms.to_bytes(4, "big")) & 0xFF == check else None


def now_ms() -> int:
    return int(time.time() * 1000) & 0xFFFFFFFF


def latency_ms(stamp: int, at_ms: int) -> int:
    return (at_ms - stamp) & 0xFFFFFFFF


def luma_of(frame: av.VideoFrame) -> np.ndarray:
    """The decoded frame's Y plane as a (height, width) view, without a colour conversion."""
    plane = frame.planes[0]
    arr = np.frombuffer(plane, np.uint8).reshape(plane.height, plane.line_size)
    return arr[:, :plane.width]


# ------------------------------------------------------------------------------------ scene
class Scene:
    """A 2-second loop of 640x480 yuv420p pictures of a person swaying; stamped per frame."""

    def __init__(self, width: int = W, height: int = H, fps: int = FPS) -> None:
        import cv2
        import matplotlib

        path = os.path.join(matplotlib.get_data_path(), "sample_data", "grace_hopper.jpg")
        rgb = cv2.cvtColor(cv2.imread(path), cv2.COLOR_BGR2RGB)
        ph = height - STAMP_ROWS // 2
        pw = round(rgb.shape[1] * ph / rgb.shape[0])
        person = cv2.resize(rgb, (pw, ph), interpolation=cv2.INTER_AREA)
        wall = np.empty((height, width, 3), np.uint8)
        wall[...] = np.linspace(70, 130, width, dtype=np.uint8)[None, :, None]
        self.frames: list[np.ndarray] = []
        rng = np.random.default_rng(7)
        for i in range(2 * fps):
            img = wall.copy()
            x = (width - pw) // 2 + int(40 * np.sin(2 * np.pi * i / (2 * fps)))
            top = STAMP_ROWS // 2
            img[top:top + ph, x:x + pw] = person[: height - top]
            # sensor noise, different in every frame, as a real camera has: it is what makes an
            # encoder spend its bit rate (a clean synthetic picture codes to almost nothing)
            img = np.clip(img.astype(np.int16) + rng.normal(0, 4, img.shape).round().astype(np.int16), 0, 255)
            img = img.astype(np.uint8)
            yuv = cv2.cvtColor(img, cv2.COLOR_RGB2YUV_I420)     # (h*3/2, w)
            yuv[height:height + STAMP_ROWS // 4, :] = 128         # neutral chroma under the stamp (U rows)
            yuv[height + height // 4:height + height // 4 + STAMP_ROWS // 4, :] = 128   # (V rows)
            self.frames.append(yuv)
        self.width, self.height, self.fps = width, height, fps

    def frame(self, n: int, ms: int) -> av.VideoFrame:
        yuv = self.frames[n % len(self.frames)].copy()
        stamp_luma(yuv[:self.height], ms)
        return av.VideoFrame.from_ndarray(yuv, format="yuv420p")


class StampedCamera(MediaStreamTrack):
    """Stamped frames at a steady fps; each sender that reads it encodes for itself."""

    kind = "video"

    def __init__(self, scene: Scene) -> None:
        super().__init__()
        self.scene = scene
        self.n = 0
        self._start: float | None = None

    async def recv(self) -> av.VideoFrame:
        if self.readyState != "live":
            raise MediaStreamError
        if self._start is None:
            self._start = time.monotonic()
        else:
            await asyncio.sleep(max(0.0, self._start + self.n / self.scene.fps - time.monotonic()))
        frame = self.scene.frame(self.n, now_ms())
        frame.pts, frame.time_base = self.n * VIDEO_CLOCK // self.scene.fps, Fraction(1, VIDEO_CLOCK)
        self.n += 1
        return frame


class FanoutSource:
    """One libvpx VP8 encoder (real-time settings) feeding many :class:`PacketTrack` s."""

    def __init__(self, scene: Scene, bitrate: int = 1_000_000) -> None:
        self.scene, self.bitrate = scene, bitrate
        self.subscribers: list[PacketTrack] = []
        self.produced = 0
        self.bytes = 0
        self.keyframes = 0
        self._want_key = True
        self._last_key = 0.0
        self._task: asyncio.Task[None] | None = None
        codec = av.CodecContext.create("libvpx", "w")
        codec.width, codec.height, codec.pix_fmt = scene.width, scene.height, "yuv420p"
        codec.time_base = Fraction(1, VIDEO_CLOCK)
        codec.framerate = Fraction(scene.fps, 1)
        codec.bit_rate = bitrate
        codec.gop_size = 100_000                   # key frames only when asked for
        codec.thread_count = 1
        codec.options = {"deadline": "realtime", "cpu-used": "8", "lag-in-frames": "0",
                         "maxrate": str(bitrate), "minrate": str(bitrate), "bufsize": str(bitrate),
                         "error-resilient": "1"}
        self.codec = codec

    def request_keyframe(self) -> None:
        self._want_key = True

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.ensure_future(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def _run(self) -> None:
        start = time.monotonic()
        n = 0
        while True:
            await asyncio.sleep(max(0.0, start + n / self.scene.fps - time.monotonic()))
            frame = self.scene.frame(n, now_ms())
            frame.pts, frame.time_base = n * VIDEO_CLOCK // self.scene.fps, Fraction(1, VIDEO_CLOCK)
            key = self._want_key and time.monotonic() - self._last_key > 0.3    # PLI storms: one key per 0.3 s
            if key:
                self._want_key = False
                self._last_key = time.monotonic()
                self.keyframes += 1
                frame.pict_type = av.video.frame.PictureType.I
            packets = await asyncio.to_thread(self.codec.encode, frame)
            n += 1
            self.produced += 1
            for p in packets:
                p.time_base = Fraction(1, VIDEO_CLOCK)
                self.bytes += p.size
                for sub in list(self.subscribers):
                    sub.offer(p)


class PacketTrack(MediaStreamTrack):
    """Hands the shared encoder's packets to one RTCRtpSender (aiortc packetises them as VP8)."""

    kind = "video"

    def __init__(self, source: FanoutSource) -> None:
        super().__init__()
        self.source = source
        self.queue: asyncio.Queue[av.Packet] = asyncio.Queue()
        self.started = False
        self.dropped = 0
        source.subscribers.append(self)
        source.request_keyframe()
        source.start()

    def offer(self, packet: av.Packet) -> None:
        if not self.started:
            if not packet.is_keyframe:
                return
            self.started = True
        if self.queue.qsize() >= 5:            # a stalled sender drops, never buffers
            self.queue.get_nowait()
            self.dropped += 1
        self.queue.put_nowait(packet)

    async def recv(self) -> av.Packet:
        if self.readyState != "live":
            raise MediaStreamError
        return await self.queue.get()

    def stop(self) -> None:
        if self in self.source.subscribers:
            self.source.subscribers.remove(self)
        super().stop()


def vp8_only(transceiver: Any) -> None:
    caps = RTCRtpSender.getCapabilities("video").codecs
    transceiver.setCodecPreferences([c for c in caps if c.mimeType in ("video/VP8", "video/rtx")])


def add_sender(pc: RTCPeerConnection, track: MediaStreamTrack, source: FanoutSource | None = None) -> None:
    t = pc.addTransceiver(track, direction="sendonly")
    vp8_only(t)
    if source is not None:     # PLI / FIR from the receiver: the shared encoder makes a key frame
        t.sender._send_keyframe = source.request_keyframe  # type: ignore[method-assign]


async def wait_connected(pc: RTCPeerConnection, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while pc.connectionState != "connected":
        if pc.connectionState in ("failed", "closed") or time.monotonic() > deadline:
            raise RuntimeError(f"peer connection {pc.connectionState}")
        await asyncio.sleep(0.02)


async def sent_bytes(pc: RTCPeerConnection) -> int:
    stats = await pc.getStats()
    return sum(getattr(s, "bytesSent", 0) for s in stats.values() if s.type == "outbound-rtp")


# ------------------------------------------------------------------------------------ child plumbing
def emit(**event: Any) -> None:
    sys.stdout.write(json.dumps({"t": time.time(), **event}) + "\n")
    sys.stdout.flush()


def _quiet() -> None:
    logging.basicConfig(level=logging.WARNING)
    for name in ("aioice", "aiortc", "aiohttp"):
        logging.getLogger(name).setLevel(logging.ERROR)


def run_role(role: str, spec: dict[str, Any]) -> None:
    _quiet()
    main = {"sink": sink_main, "relay": relay_main, "seat": seat_main, "caller": caller_main}[role]
    try:
        asyncio.run(asyncio.wait_for(main(spec), timeout=spec.get("deadline", 600)))
    except asyncio.TimeoutError:
        emit(ev="deadline")


# ------------------------------------------------------------------------------------ receive-only sink
async def sink_main(spec: dict[str, Any]) -> None:
    """The bare baseline: answers offers on POST /offer and just drains the frames."""
    from aiohttp import web

    pcs: list[RTCPeerConnection] = []
    counts = {"frames": 0, "w": 0, "h": 0}

    async def drain(track: MediaStreamTrack) -> None:
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            if isinstance(frame, av.VideoFrame):
                counts["frames"] += 1
                counts["w"], counts["h"] = frame.width, frame.height

    async def offer(request: web.Request) -> web.Response:
        body = await request.json()
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        pcs.append(pc)
        pc.on("track", lambda track: asyncio.ensure_future(drain(track)))
        await pc.setRemoteDescription(RTCSessionDescription(sdp=body["sdp"], type=body["type"]))
        await pc.setLocalDescription(await pc.createAnswer())
        return web.json_response({"sdp": pc.localDescription.sdp, "type": pc.localDescription.type})

    app = web.Application()
    app.router.add_post("/offer", offer)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", spec["port"]).start()
    emit(ev="ready")
    try:
        while True:
            emit(ev="frames", n=counts["frames"], w=counts["w"], h=counts["h"], peers=len(pcs))
            await asyncio.sleep(0.5)
    finally:
        await asyncio.gather(*(pc.close() for pc in pcs), return_exceptions=True)
        await runner.cleanup()


# ------------------------------------------------------------------------------------ relay (SFU-like, re-encoding)
class _Counting(MediaStreamTrack):
    kind = "video"

    def __init__(self, inner: MediaStreamTrack, counts: dict[str, int]) -> None:
        super().__init__()
        self.inner, self.counts = inner, counts

    async def recv(self) -> Any:
        frame = await self.inner.recv()
        self.counts["frames"] += 1
        return frame


async def relay_main(spec: dict[str, Any]) -> None:
    """Receives a call on POST /offer and relays it (decode, re-encode, send) to ``spec['to']``."""
    import aiohttp
    from aiohttp import web
    from aiortc.contrib.media import MediaRelay

    relay = MediaRelay()
    pcs: list[RTCPeerConnection] = []
    counts = {"frames": 0}
    http = aiohttp.ClientSession()

    async def forward(track: MediaStreamTrack) -> None:
        out = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        pcs.append(out)
        add_sender(out, _Counting(relay.subscribe(track, buffered=False), counts))
        await out.setLocalDescription(await out.createOffer())
        async with http.post(spec["to"], json={"sdp": out.localDescription.sdp, "type": "offer"}) as r:
            answer = await r.json()
        await out.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type=answer["type"]))

    async def offer(request: web.Request) -> web.Response:
        body = await request.json()
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        pcs.append(pc)
        pc.on("track", lambda track: asyncio.ensure_future(forward(track)) if track.kind == "video" else None)
        await pc.setRemoteDescription(RTCSessionDescription(sdp=body["sdp"], type=body["type"]))
        await pc.setLocalDescription(await pc.createAnswer())
        return web.json_response({"sdp": pc.localDescription.sdp, "type": pc.localDescription.type})

    app = web.Application()
    app.router.add_post("/offer", offer)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", spec["port"]).start()
    emit(ev="ready")
    try:
        while True:
            sent = await asyncio.gather(*(sent_bytes(pc) for pc in pcs))
            emit(ev="relayed", n=counts["frames"], sent=sum(sent))
            await asyncio.sleep(0.5)
    finally:
        await asyncio.gather(*(pc.close() for pc in pcs), return_exceptions=True)
        await http.close()
        await runner.cleanup()


# ------------------------------------------------------------------------------------ seats (+ the P2P receiver)
async def seat_main(spec: dict[str, Any]) -> None:
    """Seats on the gateway's WebSocket: accept every offered call, report the gateway's ``quality``
    pushes (its own fps / size of the analysis copy), and play the seat browser's side of the
    peer-to-peer call: answer the caller's ``rtc`` offer, decode stamps, report latency."""
    import aiohttp

    pcs: list[RTCPeerConnection] = []
    p2p = {"frames": 0, "bad": 0, "w": 0, "h": 0, "lat": []}

    async def receive(track: MediaStreamTrack) -> None:
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            at = now_ms()
            if not isinstance(frame, av.VideoFrame):
                continue
            p2p["frames"] += 1
            p2p["w"], p2p["h"] = frame.width, frame.height
            stamp = read_stamp(luma_of(frame))
            if stamp is None:
                p2p["bad"] += 1
            else:
                p2p["lat"].append(latency_ms(stamp, at))

    async def answer(ws: aiohttp.ClientWebSocketResponse, sid: str, data: dict[str, Any]) -> None:
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        pcs.append(pc)
        pc.on("track", lambda track: asyncio.ensure_future(receive(track)) if track.kind == "video" else None)
        await pc.setRemoteDescription(RTCSessionDescription(sdp=data["sdp"], type=data["type"]))
        await pc.setLocalDescription(await pc.createAnswer())
        await ws.send_json({"type": "rtc", "session": sid,
                            "data": {"type": "answer", "sdp": pc.localDescription.sdp}})

    async def seat(http: aiohttp.ClientSession, token: str, hello: asyncio.Event) -> None:
        async with http.ws_connect(f"/ws/seat?token={token}", heartbeat=None) as ws:
            async for msg in ws:
                m = json.loads(msg.data)
                t = m.get("type")
                if t == "hello":
                    await ws.send_json({"type": "set_state", "state": "available"})
                    hello.set()
                elif t == "offer":
                    await ws.send_json({"type": "accept", "session": m["session"]["id"]})
                elif t == "session":
                    emit(ev="accepted", session=m["session"]["id"])
                elif t == "quality":
                    emit(ev="quality", session=m["session"], fps=m.get("fps"), width=m.get("width"),
                         height=m.get("height"), level=m.get("level"))
                elif t == "rtc" and m.get("data", {}).get("type") == "offer":
                    asyncio.ensure_future(answer(ws, m["session"], m["data"]))
                elif t == "error":
                    emit(ev="seat_error", code=m.get("code"), message=m.get("message"))

    async with aiohttp.ClientSession(spec["base"]) as http:
        hellos = [asyncio.Event() for _ in spec["tokens"]]
        tasks = [asyncio.ensure_future(seat(http, tok, ev)) for tok, ev in zip(spec["tokens"], hellos)]
        await asyncio.wait_for(asyncio.gather(*(e.wait() for e in hellos)), 30)
        emit(ev="ready", seats=len(tasks))
        try:
            while True:
                await asyncio.sleep(0.5)
                lat, p2p["lat"] = p2p["lat"], []
                if p2p["frames"]:
                    emit(ev="p2p", n=p2p["frames"], bad=p2p["bad"], w=p2p["w"], h=p2p["h"], lat=lat)
        finally:
            await asyncio.gather(*(pc.close() for pc in pcs), return_exceptions=True)
            for t in tasks:
                t.cancel()


# ------------------------------------------------------------------------------------ callers
class _Copy:
    def __init__(self, pc: RTCPeerConnection, label: str, session: str | None = None, ws: Any = None) -> None:
        self.pc, self.label, self.session, self.ws = pc, label, session, ws


async def caller_main(spec: dict[str, Any]) -> None:
    """The caller browser(s).  Commands on stdin (one JSON object a line):

    - ``{"cmd": "p2p"}``: one video call: session, caller WebSocket, wait for a seat, then a P2P
      connection to the seat signalled over the WebSockets AND the analysis copy to the gateway,
      both from one stamped camera, each encoded by aiortc (as a browser encodes per connection);
    - ``{"cmd": "add", "n": N}``: grow to N analysis copies from the shared encoder (to the gateway,
      each with its own session, or to ``spec['offer_url']``);
    - ``{"cmd": "stats"}``: frames produced, bytes sent;  ``{"cmd": "stop"}``: hang up and exit.
    """
    import aiohttp
    from aiortc.contrib.media import MediaRelay

    scene = Scene()
    fanout = FanoutSource(scene, bitrate=spec.get("bitrate", 1_000_000))
    camera: StampedCamera | None = None
    copies: list[_Copy] = []
    base = spec.get("base")
    http = aiohttp.ClientSession(base) if base else aiohttp.ClientSession()
    headers_of: dict[str, str] = {}
    emit(ev="ready")

    async def session() -> tuple[dict[str, Any], Any, asyncio.Event, asyncio.Queue[dict[str, Any]]]:
        async with http.post("/api/v1/sessions", json={
                "channel": "video", "lang": "csl", "id_number": "11010519491231002X",
                "disability_cert": "11010519491231002X12", "consent_recording": False}) as r:
            sess = await r.json()
            if r.status != 201:
                raise RuntimeError(f"session refused: {r.status} {sess}")
        ws = await http.ws_connect(sess["ws_url"], heartbeat=None)
        connected = asyncio.Event()
        rtc: asyncio.Queue[dict[str, Any]] = asyncio.Queue()

        async def read() -> None:
            async for msg in ws:
                m = json.loads(msg.data)
                if m.get("type") == "connected":
                    connected.set()
                elif m.get("type") == "rtc":
                    rtc.put_nowait(m["data"])
        asyncio.ensure_future(read())
        headers_of[sess["id"]] = sess["token"]
        return sess, ws, connected, rtc

    async def offer_copy(pc: RTCPeerConnection, sess: dict[str, Any] | None) -> None:
        await pc.setLocalDescription(await pc.createOffer())
        body = {"sdp": pc.localDescription.sdp, "type": "offer"}
        if sess is None:
            async with http.post(spec["offer_url"], json=body) as r:
                answer = await r.json()
        else:
            async with http.post(f"/api/v1/sessions/{sess['id']}/media", json={**body, "lang": "zh"},
                                 headers={"Authorization": f"Bearer {sess['token']}"}) as r:
                answer = await r.json()
                if r.status != 200:
                    raise RuntimeError(f"media offer refused: {r.status} {answer}")
        await pc.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type=answer["type"]))

    async def add_copy() -> _Copy:
        sess = ws = None
        if base:
            sess, ws, _, _ = await session()
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        add_sender(pc, PacketTrack(fanout), fanout)
        await offer_copy(pc, sess)
        c = _Copy(pc, "copy", sess["id"] if sess else None, ws)
        copies.append(c)
        return c

    async def p2p() -> list[_Copy]:
        nonlocal camera
        sess, ws, connected, rtc = await session()
        await asyncio.wait_for(connected.wait(), 30)
        camera = StampedCamera(scene)
        split = MediaRelay()
        peer = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        add_sender(peer, split.subscribe(camera))
        await peer.setLocalDescription(await peer.createOffer())
        await ws.send_json({"type": "rtc", "data": {"type": "offer", "sdp": peer.localDescription.sdp}})
        answer = await asyncio.wait_for(rtc.get(), 30)
        await peer.setRemoteDescription(RTCSessionDescription(sdp=answer["sdp"], type=answer["type"]))
        copy = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        add_sender(copy, split.subscribe(camera))
        await offer_copy(copy, sess)
        made = [_Copy(peer, "p2p", sess["id"], ws), _Copy(copy, "copy", sess["id"], None)]
        copies.extend(made)
        return made

    loop = asyncio.get_running_loop()
    try:
        while True:
            line = await loop.run_in_executor(None, sys.stdin.readline)
            if not line:
                break
            cmd = json.loads(line)
            try:
                if cmd["cmd"] == "p2p":
                    made = await p2p()
                    await asyncio.gather(*(wait_connected(c.pc) for c in made))
                    emit(ev="ok", sessions=[made[0].session])
                elif cmd["cmd"] == "add":
                    new = [add_copy() for _ in range(cmd["n"] - len(copies))]
                    made = await asyncio.gather(*new)
                    await asyncio.gather(*(wait_connected(c.pc) for c in made))
                    emit(ev="ok", sessions=[c.session for c in copies], n=len(copies))
                elif cmd["cmd"] == "stats":
                    sent = await asyncio.gather(*(sent_bytes(c.pc) for c in copies))
                    emit(ev="ok", produced=fanout.produced, camera=camera.n if camera else 0,
                         keyframes=fanout.keyframes, labels=[c.label for c in copies], sent=list(sent),
                         states=[c.pc.connectionState for c in copies])
                elif cmd["cmd"] == "stop":
                    break
            except Exception as exc:  # report, keep serving: the bench decides
                emit(ev="error", error=f"{type(exc).__name__}: {exc}")
    finally:
        for c in copies:
            if c.ws is not None:
                try:
                    await c.ws.send_json({"type": "end"})
                except Exception:
                    pass
        await asyncio.gather(*(c.pc.close() for c in copies), return_exceptions=True)
        await fanout.stop()
        for c in copies:
            if c.ws is not None:
                await c.ws.close()
        await http.close()
        emit(ev="bye")
