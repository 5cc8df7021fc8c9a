"""Receive-only peer connections for the caller's *analysis copy*.

Caller and seat exchange media peer-to-peer.  In addition the caller's browser opens a second
peer connection to the gateway that only sends (caller video + audio).  :class:`AnalysisPeers`
answers those offers and, for each session:

* reads every video frame as soon as aiortc has decoded it, so aiortc's queues never back up;
* keeps per-session stats (fps over a sliding window, size, counts);
* hands only the newest frame to ``on_frame`` in the session's own single analysis thread, at
  most ``analysis_fps`` times per second.  A frame that comes due while that thread is still busy
  is dropped (counted in ``dropped_for_analysis``), never queued.  The RGB conversion happens in
  that thread, and only for frames that will be analysed;
* records audio and video to ``<record_to>/<session_id>.mp4`` when (and only when) ``record_to`` is
  given -- the caller of this module is responsible for consent;
* reports connection state changes it did not cause itself to ``on_state(session_id, state)``
  and cleans up on ``failed`` / ``closed``.

ICE servers: ``ice(session_id)`` gives each new peer connection its ``RTCConfiguration``; the
gateway builds it from the same settings as the browsers' (``gateway.domain.ice``, TURN REST
credentials minted for ``gateway-<session>``; see :func:`rtc_configuration`).  Without it the copy
runs over loopback or the LAN (``iceServers=[]``).  aiortc uses only the first STUN and the first
TURN URL it can handle (``turn:`` over udp or tcp, ``turns:`` over tcp); aiortc 1.16 does honour
``iceTransportPolicy`` ("relay": only relayed candidates of its own, like the browsers).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import math
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import av
import numpy as np
from aiortc import (MediaStreamTrack, RTCConfiguration, RTCIceServer, RTCIceTransportPolicy, RTCPeerConnection,
                    RTCSessionDescription)
from aiortc.mediastreams import MediaStreamError
from numpy.typing import NDArray

from gateway.errors import GatewayError, UnknownSession
from video.recording import FRAME_CONVERSION_LOCK, RecordingOptions, SessionRecorder, check_session_id, recording_path
from video.sdp import BadSdp, validate_offer

logger = logging.getLogger(__name__)

FrameCallback = Callable[[NDArray[np.uint8], float, int, int], None]
"""``on_frame(rgb, ts, width, height)``: ``rgb`` is an HxWx3 uint8 array, ``ts`` the arrival time
(``time.monotonic()``).  Called in the session's analysis thread, never on the event loop."""

ArrivalCallback = Callable[[float, int, int], None]
"""``on_arrival(ts, width, height)`` for *every* video frame, on the event loop: must be cheap
(e.g. ``video.quality.StreamQuality().add_frame``)."""

StateCallback = Callable[[str, str], "Awaitable[None] | None"]
"""``on_state(session_id, state)`` with an RTCPeerConnection ``connectionState``; may be async."""

IceProvider = Callable[[str], RTCConfiguration]
"""``ice(session_id)``: the RTCConfiguration of the session's new analysis peer (fresh TURN credentials)."""

TERMINAL_STATES = ("failed", "closed")


def rtc_configuration(ice: Mapping[str, Any] | None) -> RTCConfiguration:
    """aiortc's ``RTCConfiguration`` from the browser-shaped dict of ``gateway.domain.ice.ice_config``
    (``{"iceServers": [{"urls", "username"?, "credential"?}], "iceTransportPolicy": "all"|"relay"}``)."""
    servers: list[RTCIceServer] = []
    for entry in (ice or {}).get("iceServers") or []:
        urls = entry.get("urls")
        urls = [urls] if isinstance(urls, str) else [u for u in (urls or []) if isinstance(u, str)]
        if urls:
            servers.append(RTCIceServer(urls=urls, username=entry.get("username"), credential=entry.get("credential")))
    relay = (ice or {}).get("iceTransportPolicy") == "relay"
    return RTCConfiguration(iceServers=servers,
                            iceTransportPolicy=RTCIceTransportPolicy.RELAY if relay else RTCIceTransportPolicy.ALL)


def selected_local_candidate_type(pc: RTCPeerConnection) -> str | None:
    """"host", "srflx" or "relay": the local side of the nominated ICE pair, None before there is one.
    Read from aiortc's and aioice's internals (no public API for it), so best effort only."""
    try:
        for transceiver in pc.getTransceivers():
            ice = transceiver.receiver.transport.transport
            nominated = getattr(getattr(ice, "_connection", None), "_nominated", None) or {}
            for pair in nominated.values():
                return str(pair.local_candidate.type)
    except Exception:  # internals moved: report nothing rather than fail the stats
        return None
    return None


class TooManyPeers(GatewayError):
    code = "too_many_peers"
    status = 503


@dataclass(frozen=True)
class PeerOptions:
    analysis_fps: float = 4.0
    stats_window: float = 2.0  # seconds of frame arrivals behind "fps"
    connect_timeout: float = 30.0  # not connected by then: reported as "failed" and closed
    max_peers: int = 32
    recording: RecordingOptions = field(default_factory=RecordingOptions)


@dataclass
class _Session:
    session_id: str
    pc: RTCPeerConnection
    on_frame: FrameCallback | None
    executor: ThreadPoolExecutor | None
    on_arrival: ArrivalCallback | None = None
    recorder: SessionRecorder | None = None
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)
    recent: deque[tuple[float, int, int]] = field(default_factory=deque)
    first_frame_at: float | None = None
    width: int = 0
    height: int = 0
    frames: int = 0
    audio_frames: int = 0
    analysed: int = 0
    dropped_for_analysis: int = 0
    analysis_errors: int = 0
    callback_errors: int = 0
    busy: bool = False
    last_submit: float = -math.inf
    closing: bool = False
    reported: str = "new"


def _analyse(on_frame: FrameCallback, frame: av.VideoFrame, ts: float) -> None:
    """Runs in the session's analysis thread."""
    with FRAME_CONVERSION_LOCK:      # the recorder may be converting this same frame
        rgb: NDArray[np.uint8] = frame.to_ndarray(format="rgb24")  # type: ignore[assignment]  # uint8 for rgb24
    on_frame(rgb, ts, frame.width, frame.height)


class AnalysisPeers:
    """All analysis-copy peer connections of one gateway, keyed by session id."""

    def __init__(self, *, analysis_fps: float | None = None, on_state: StateCallback | None = None,
                 options: PeerOptions | None = None, ice: IceProvider | None = None) -> None:
        self.options = options or PeerOptions()
        self.ice = ice
        self.analysis_fps = float(analysis_fps if analysis_fps is not None else self.options.analysis_fps)
        if self.analysis_fps <= 0:
            raise ValueError("analysis_fps must be positive")
        self.on_state = on_state
        self._sessions: dict[str, _Session] = {}
        self._background: set[asyncio.Future[Any]] = set()

    def __contains__(self, session_id: object) -> bool:
        return session_id in self._sessions

    def __len__(self) -> int:
        return len(self._sessions)

    # -- signalling -------------------------------------------------------------------------

    async def accept(self, session_id: str, sdp: str, type_: str, *, on_frame: FrameCallback | None = None,
                     record_to: Path | None = None, on_arrival: ArrivalCallback | None = None) -> dict[str, str]:
        """Answer the caller's send-only offer; returns ``{"sdp", "type"}`` for the browser."""
        validate_offer(sdp, type_)
        if record_to is not None:
            check_session_id(session_id)
        if session_id in self._sessions:  # a new offer for a live session replaces it
            await self.close(session_id)
        if len(self._sessions) >= self.options.max_peers:
            raise TooManyPeers(f"The gateway already analyses {len(self._sessions)} calls, its limit; try again later.")

        pc = RTCPeerConnection(self._configuration(session_id))
        executor = None
        if on_frame is not None:
            executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"analysis-{session_id[:16]}")
        s = _Session(session_id=session_id, pc=pc, on_frame=on_frame, executor=executor, on_arrival=on_arrival)
        self._sessions[session_id] = s
        kinds: list[str] = []

        @pc.on("track")
        def _on_track(track: MediaStreamTrack) -> None:
            kinds.append(track.kind)
            self._spawn(s, self._consume(s, track))

        @pc.on("connectionstatechange")
        def _on_connection_state() -> None:
            self._state_changed(s, pc.connectionState)

        @pc.on("iceconnectionstatechange")
        def _on_ice_state() -> None:
            if pc.iceConnectionState == "failed":
                self._state_changed(s, "failed")

        try:
            await pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
            await pc.setLocalDescription(await pc.createAnswer())
        except Exception as exc:
            await self._close(s)
            raise BadSdp(f"The offer was refused while negotiating ({type(exc).__name__}: {exc}).") from exc
        if record_to is not None and kinds:
            s.recorder = SessionRecorder(recording_path(Path(record_to), session_id), kinds, self.options.recording)
        self._spawn(s, self._connect_deadline(s))
        local = pc.localDescription
        return {"sdp": local.sdp, "type": local.type}

    def _configuration(self, session_id: str) -> RTCConfiguration:
        if self.ice is None:
            return RTCConfiguration(iceServers=[])
        try:
            return self.ice(session_id)
        except Exception as exc:      # a broken provider must not refuse the call: loopback/LAN still works
            logger.warning("analysis peer %s: no ICE servers (%s); trying without STUN/TURN", session_id,
                           type(exc).__name__)
            return RTCConfiguration(iceServers=[])

    # -- media ------------------------------------------------------------------------------

    async def _consume(self, s: _Session, track: MediaStreamTrack) -> None:
        """Drain one remote track as fast as frames arrive."""
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return
            now = time.monotonic()
            try:
                if isinstance(frame, av.VideoFrame):
                    self._on_video(s, frame, now)
                elif isinstance(frame, av.AudioFrame):
                    s.audio_frames += 1
                    if s.recorder is not None:
                        s.recorder.push("audio", frame, now)
            except Exception as exc:  # never let bookkeeping or on_arrival end the call
                s.callback_errors += 1
                if s.callback_errors <= 3:
                    logger.warning("analysis peer %s: %s while handling a %s frame", s.session_id,
                                   type(exc).__name__, track.kind)

    def _on_video(self, s: _Session, frame: av.VideoFrame, now: float) -> None:
        s.frames += 1
        s.width, s.height = frame.width, frame.height
        if s.first_frame_at is None:
            s.first_frame_at = now
        s.recent.append((now, frame.width, frame.height))
        self._trim(s, now)
        if s.recorder is not None:
            s.recorder.push("video", frame, now)
        self._maybe_analyse(s, frame, now)
        if s.on_arrival is not None:
            s.on_arrival(now, frame.width, frame.height)

    def _maybe_analyse(self, s: _Session, frame: av.VideoFrame, now: float) -> None:
        if s.on_frame is None or s.executor is None or now - s.last_submit < 1.0 / self.analysis_fps:
            return
        if s.busy:
            s.dropped_for_analysis += 1
            return
        s.busy = True
        s.last_submit = now
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(s.executor, _analyse, s.on_frame, frame, now)
        future.add_done_callback(lambda f: self._analysis_done(s, f))

    def _analysis_done(self, s: _Session, future: asyncio.Future[None]) -> None:
        s.busy = False
        if future.cancelled():
            return
        exc = future.exception()
        if exc is None:
            s.analysed += 1
            return
        s.analysis_errors += 1
        if s.analysis_errors <= 3 or s.analysis_errors % 100 == 0:
            logger.warning("analysis peer %s: on_frame raised %s (%d so far)", s.session_id,
                           type(exc).__name__, s.analysis_errors)

    def _trim(self, s: _Session, now: float) -> None:
        horizon = now - self.options.stats_window
        while s.recent and s.recent[0][0] < horizon:
            s.recent.popleft()

    # -- state ------------------------------------------------------------------------------

    def stats(self, session_id: str) -> dict[str, Any]:
        s = self._sessions.get(session_id)
        if s is None:
            raise UnknownSession(f"No analysis peer for session {session_id!r}.")
        return self._stats(s)

    def _stats(self, s: _Session) -> dict[str, Any]:
        now = time.monotonic()
        self._trim(s, now)
        fps = 0.0
        if s.first_frame_at is not None and s.recent:
            span = min(self.options.stats_window, now - s.first_frame_at)
            if span >= self.options.stats_window * 0.999:
                fps = len(s.recent) / self.options.stats_window
            elif len(s.recent) >= 2:
                fps = (len(s.recent) - 1) / max(s.recent[-1][0] - s.recent[0][0], 1e-6)
        rec = s.recorder
        return {
            "fps": round(fps, 2), "width": s.width, "height": s.height, "frames": s.frames,
            "dropped_for_analysis": s.dropped_for_analysis, "analysed": s.analysed,
            "connection_state": s.pc.connectionState, "audio_frames": s.audio_frames,
            "analysis_errors": s.analysis_errors + s.callback_errors,
            "recording": str(rec.path) if rec is not None else None,
            "recording_dropped": rec.result.dropped if rec is not None else 0,
            "ice_local_candidate_type": selected_local_candidate_type(s.pc),
        }

    def _state_changed(self, s: _Session, state: str) -> None:
        if s.closing or state == s.reported or s.reported in TERMINAL_STATES:
            return
        s.reported = state
        self._notify(s.session_id, state)
        if state in TERMINAL_STATES:
            self._track(asyncio.ensure_future(self._close(s)))

    def _notify(self, session_id: str, state: str) -> None:
        if self.on_state is None:
            return
        try:
            result = self.on_state(session_id, state)
            if inspect.isawaitable(result):
                self._track(asyncio.ensure_future(result))
        except Exception as exc:
            logger.warning("on_state(%s, %s) raised %s", session_id, state, type(exc).__name__)

    async def _connect_deadline(self, s: _Session) -> None:
        await asyncio.sleep(self.options.connect_timeout)
        if s.pc.connectionState != "connected":
            logger.info("analysis peer %s did not connect within %.1f s", s.session_id, self.options.connect_timeout)
            self._state_changed(s, "failed")

    def _spawn(self, s: _Session, coro: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coro)
        s.tasks.add(task)
        task.add_done_callback(s.tasks.discard)

    def _track(self, future: asyncio.Future[Any]) -> None:
        self._background.add(future)

        def _done(f: asyncio.Future[Any]) -> None:
            self._background.discard(f)
            if not f.cancelled() and f.exception() is not None:
                logger.warning("analysis peers background task raised %s", type(f.exception()).__name__)

        future.add_done_callback(_done)

    # -- teardown ---------------------------------------------------------------------------

    async def close(self, session_id: str) -> dict[str, Any] | None:
        """Close one session's peer connection, stop its recording; returns its final stats."""
        s = self._sessions.get(session_id)
        return None if s is None else await self._close(s)

    async def _close(self, s: _Session) -> dict[str, Any] | None:
        if s.closing or self._sessions.get(s.session_id) is not s:  # closing, closed, or replaced
            return None
        s.closing = True
        current = asyncio.current_task()
        try:
            await s.pc.close()
        finally:
            pending = [t for t in s.tasks if t is not current]
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
            if s.executor is not None:
                s.executor.shutdown(wait=False, cancel_futures=True)
            if s.recorder is not None:
                result = await s.recorder.stop()
                if result.errors or result.dropped:
                    logger.info("recording %s: %d dropped, %d errors", result.path.name, result.dropped, result.errors)
            # Only now is the session gone: its recording is complete on disk.
            if self._sessions.get(s.session_id) is s:
                del self._sessions[s.session_id]
        return self._stats(s)

    async def close_all(self) -> None:
        await asyncio.gather(*(self.close(sid) for sid in list(self._sessions)), return_exceptions=True)
        if self._background:
            await asyncio.gather(*list(self._background), return_exceptions=True)
