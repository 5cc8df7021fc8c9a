"""The gateway side of a video call: the caller's analysis copy.

For each session whose caller sends a copy (``POST /api/v1/sessions/{id}/media``):

- frames are sampled a few times a second in the session's own analysis thread
  (``video.peer.AnalysisPeers`` drops frames rather than queue them, so analysis never
  slows the media); MediaPipe (``video.guidance.FrameAnalyzer``) judges hands, face,
  light and distance, and ``GuidanceState`` smooths the result so the caller is not
  flickered at;
- when the smoothed issues change, the caller gets short messages with pictograms in
  their language, and the seat's console gets a quality indicator; fps and resolution
  are checked against EN 301 549 (``video.quality.StreamQuality``) and pushed to the seat
  every two seconds;
- the copy is recorded only if the caller consented when the session started.

The gateway's own peer connection gets ICE servers from the same settings as the browsers
(``config.ice()``), with TURN credentials minted for ``gateway-<session>``: with
``ice_transport_policy = "relay"`` the copy, too, comes through the TURN server.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from gateway.errors import Conflict
from gateway.storage.records import SessionRecord
from video.guidance import FrameAnalyzer, GuidanceState, messages
from video.peer import AnalysisPeers, PeerOptions, rtc_configuration
from video.quality import StreamQuality
from video.recording import RecordingStore

if TYPE_CHECKING:
    from aiortc import RTCConfiguration

    from gateway.chat.service import ChatService
    from gateway.domain.ice import IceSettings

log = logging.getLogger("video.service")
QUALITY_EVERY_S = 2.0


@dataclass
class _Copy:
    session_id: str
    lang: str
    guidance: GuidanceState = field(default_factory=GuidanceState)
    quality: StreamQuality = field(default_factory=StreamQuality)
    analyzer: FrameAnalyzer | None = None     # created in, and only used by, the session's analysis thread
    issues: list[str] = field(default_factory=list)
    pusher: asyncio.Task[None] | None = None


class VideoService:
    def __init__(self, chat: "ChatService", *, recordings_dir: str | Path, retention_days: float = 30.0,
                 analysis_fps: float = 2.0, ice: "IceSettings | None" = None) -> None:
        """``ice``: the STUN/TURN settings; by default the chat service's ``config.ice()``."""
        self.chat = chat
        self.store = RecordingStore(Path(recordings_dir), retention_days)
        if ice is None:
            config = getattr(chat, "config", None)
            ice = config.ice() if config is not None and hasattr(config, "ice") else None
        self.ice_settings = ice
        self.peers = AnalysisPeers(options=PeerOptions(analysis_fps=analysis_fps), on_state=self._on_state,
                                   ice=self._ice if ice is not None else None)
        self._copies: dict[str, _Copy] = {}
        self._loop: asyncio.AbstractEventLoop | None = None

    def _ice(self, session_id: str) -> "RTCConfiguration":
        """The analysis peer's RTCConfiguration, with TURN credentials fresh for this connection."""
        from gateway.domain.ice import ice_config
        subject = "gateway-" + "".join(ch for ch in session_id if ch.isalnum() or ch in "-_.")[:48]
        clock = getattr(self.chat, "clock", None)
        now = clock.now() if clock is not None else time.time()
        assert self.ice_settings is not None
        return rtc_configuration(ice_config(self.ice_settings, subject, now))

    # -- the analysis copy ------------------------------------------------------------
    async def accept(self, s: SessionRecord, sdp: Any, type_: Any, ui_lang: str | None = None) -> dict[str, str]:
        if not s.is_open or s.channel not in ("video", "voice"):
            raise Conflict("only an open video or voice call sends a copy to the gateway")
        if s.channel == "voice" and s.meta.get("consent_recording") is not True:
            raise Conflict("a voice call sends a copy only to be recorded, and the caller did not consent")
        self._loop = asyncio.get_running_loop()
        await self.close(s.id)
        copy = _Copy(s.id, ui_lang or ("zh" if s.lang == "csl" else s.lang))
        self._copies[s.id] = copy
        record_to = self.store.directory if s.meta.get("consent_recording") is True else None
        try:
            answer = await self.peers.accept(
                s.id, sdp if isinstance(sdp, str) else "", type_ if isinstance(type_, str) else "",
                on_frame=(lambda rgb, ts, w, h: self._analyse(copy, rgb, ts)) if s.channel == "video" else None,
                on_arrival=copy.quality.add_frame, record_to=record_to)
        except Exception:
            self._copies.pop(s.id, None)
            raise
        if s.channel == "video":
            copy.pusher = asyncio.create_task(self._push_quality(copy))
        log.info("analysis copy connected", extra={"event": "video_copy", "session": s.id,
                                                   "recording": record_to is not None})
        return answer

    def _analyse(self, copy: _Copy, rgb: np.ndarray, ts: float) -> None:
        """In the session's analysis thread: one sampled frame."""
        if copy.analyzer is None:
            copy.analyzer = FrameAnalyzer()
        update = copy.guidance.update(copy.analyzer.analyze(rgb), now=ts)
        if update.changed and self._loop is not None:
            self._loop.call_soon_threadsafe(self._issues_changed, copy, list(update.issues))

    def _issues_changed(self, copy: _Copy, issues: list[str]) -> None:
        copy.issues = issues
        task = asyncio.ensure_future(self._send_guidance(copy))
        task.add_done_callback(lambda t: t.exception() if not t.cancelled() else None)

    async def _send_guidance(self, copy: _Copy) -> None:
        msgs = [{**m, "pictogram": {"id": m["pictogram"]["id"], "src": m["pictogram"]["src"]}}
                for m in messages(copy.issues, copy.lang)]     # the page needs only the data: URL
        await self.chat.hub.to_caller(copy.session_id, {"type": "guidance", "issues": copy.issues, "messages": msgs})
        await self._send_quality(copy)

    async def _send_quality(self, copy: _Copy) -> None:
        live = self.chat.sessions.get(copy.session_id)
        if live is None or not live.seat_id:
            return
        snap = copy.quality.snapshot(time.monotonic(), guidance=copy.issues)
        await self.chat.hub.to_seat(live.seat_id, {"type": "quality", "session": copy.session_id, **snap})

    async def _push_quality(self, copy: _Copy) -> None:
        while True:
            await asyncio.sleep(QUALITY_EVERY_S)
            try:
                await self._send_quality(copy)
            except Exception as exc:  # a failed push must not end the loop
                log.warning("quality push failed", extra={"event": "quality_push_failed", "error": type(exc).__name__})

    def stats(self, session_id: str) -> dict[str, Any] | None:
        copy = self._copies.get(session_id)
        if copy is None or session_id not in self.peers:
            return None
        return {**self.peers.stats(session_id), "issues": copy.issues,
                "quality": copy.quality.snapshot(time.monotonic(), guidance=copy.issues)}

    # -- ending ---------------------------------------------------------------------------
    async def _on_state(self, session_id: str, state: str) -> None:
        if state in ("failed", "closed"):
            await self._drop(session_id)

    async def _drop(self, session_id: str) -> None:
        copy = self._copies.pop(session_id, None)
        if copy is None:
            return
        if copy.pusher is not None:
            copy.pusher.cancel()
        if copy.analyzer is not None:
            analyzer = copy.analyzer
            copy.analyzer = None
            await asyncio.to_thread(analyzer.close)

    async def close(self, session_id: str) -> None:
        if session_id in self.peers:
            await self.peers.close(session_id)
        await self._drop(session_id)

    async def close_all(self) -> None:
        for sid in list(self._copies):
            await self.close(sid)
        await self.peers.close_all()

    def purge_recordings(self, now: float) -> list[Path]:
        return self.store.purge_expired(now)
