"""Recording of a caller's analysis copy, only with the caller's consent (the caller of this module
enforces consent; this module only records when it is asked to).

Container and codecs: **fragmented MP4 with H.264 (libx264) video and AAC audio**.  Both encoders
ship inside the PyAV wheel, the file plays in every browser, and a fragmented MP4
(``empty_moov+frag_keyframe``) stays readable up to the last fragment even if the gateway dies
mid-call, which a plain MP4 (index written at the end) would not.  VP8+Opus in WebM also works
offline at about the same CPU cost (libvpx ``realtime`` ~ libx264 ``veryfast``, ~2 ms a 640x480
frame here); MP4 was chosen because every player a supervisor may use (Safari and the Windows and
macOS default players included) opens it.

The encoder runs in one thread per recording, fed through a bounded queue: the event loop only
enqueues decoded frames, and a recording that cannot keep up drops frames instead of slowing the
media path.  Timestamps come from arrival time (monotonic clock), so audio and video stay aligned
even though their RTP clocks start at unrelated random offsets.
"""

from __future__ import annotations

import asyncio
import builtins
import logging
import os
import queue
import re
import threading
import time
from collections import deque
from collections.abc import Collection
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
from av.audio.resampler import AudioResampler

from gateway.errors import InvalidField

logger = logging.getLogger(__name__)

SUFFIX = ".mp4"
_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
_MS = Fraction(1, 1000)
_AUDIO_RATE = 48_000
_AUDIO_TB = Fraction(1, _AUDIO_RATE)


#: The recorder thread and a session's analysis thread may convert the very same decoded
#: frame at once; libswscale is not safe for that and was seen to deadlock.  Conversions are
#: short (about a millisecond), so one lock for all of them costs nothing measurable.
FRAME_CONVERSION_LOCK = threading.Lock()


def check_session_id(session_id: str) -> str:
    """Session ids become file names: allow only letters, digits, ``_``, ``-`` and ``.``."""
    if not _SAFE_ID.match(session_id) or ".." in session_id:
        raise InvalidField(f"Session id {session_id!r} cannot name a recording; use letters, digits, '_', '-' or '.'.")
    return session_id


def _matches(path: Path, session_id: str) -> bool:
    stem = path.name[: -len(SUFFIX)]
    return stem == session_id or (stem.startswith(session_id + ".") and stem[len(session_id) + 1:].isdigit())


def recording_path(directory: Path, session_id: str) -> Path:
    """``<dir>/<session_id>.mp4``, or ``<dir>/<session_id>.<n>.mp4`` if the caller reconnected."""
    check_session_id(session_id)
    path = directory / f"{session_id}{SUFFIX}"
    n = 1
    while path.exists():
        n += 1
        path = directory / f"{session_id}.{n}{SUFFIX}"
    return path


def _private_dir(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)


@dataclass
class RecordingStore:
    """The recordings folder: naming, listing and retention.  Files are created mode 0600."""

    directory: Path
    retention_days: float = 30.0

    def __post_init__(self) -> None:
        self.directory = Path(self.directory)
        if self.retention_days <= 0:
            raise InvalidField("retention_days must be positive.")
        _private_dir(self.directory)

    def path_for(self, session_id: str) -> Path:
        """Where the next recording of ``session_id`` will be written (the file does not exist yet)."""
        return recording_path(self.directory, session_id)

    def list(self, session_id: str) -> builtins.list[Path]:
        check_session_id(session_id)
        found = [p for p in self.directory.glob(f"{session_id}*{SUFFIX}") if _matches(p, session_id)]
        return sorted(found, key=lambda p: (p.stat().st_mtime, p.name))

    def purge_expired(self, now: float) -> builtins.list[Path]:
        """Delete recordings last written more than ``retention_days`` before ``now`` (epoch seconds)."""
        cutoff = now - self.retention_days * 86_400
        removed: builtins.list[Path] = []
        for path in sorted(self.directory.glob(f"*{SUFFIX}")):
            try:
                if path.is_file() and path.stat().st_mtime < cutoff:
                    path.unlink()
                    removed.append(path)
            except FileNotFoundError:
                continue
        return removed


@dataclass(frozen=True)
class RecordingOptions:
    preset: str = "veryfast"  # libx264; "ultrafast" costs half the CPU but files are several times larger
    crf: int = 28
    nominal_fps: int = 20
    gop_seconds: float = 2.0  # one fragment per keyframe
    audio_bitrate: int = 64_000
    max_queue: int = 60  # frames waiting for the encoder thread before new ones are dropped
    max_pending_audio: int = 150  # audio frames held until the first video frame (3 s)


@dataclass
class RecordingResult:
    path: Path
    written: bool
    video_frames: int = 0
    audio_frames: int = 0
    dropped: int = 0
    errors: int = 0


@dataclass
class _Writer:
    """State owned by the encoder thread only."""

    path: Path
    kinds: frozenset[str]
    options: RecordingOptions
    container: Any = None
    video: Any = None
    audio: Any = None
    size: tuple[int, int] = (0, 0)
    t0: float | None = None
    last_vpts: int = -1
    next_apts: int | None = None
    resampler: AudioResampler | None = None
    pending_audio: deque[tuple[Any, float]] = field(default_factory=deque)

    def open(self, first_video: av.VideoFrame | None) -> None:
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.close(fd)
        self.container = av.open(str(self.path), mode="w", format="mp4",
                                 options={"movflags": "empty_moov+frag_keyframe+default_base_moof"})
        if first_video is not None:
            o = self.options
            self.size = (first_video.width - first_video.width % 2, first_video.height - first_video.height % 2)
            self.video = self.container.add_stream(
                "libx264", rate=o.nominal_fps,
                options={"preset": o.preset, "tune": "zerolatency", "crf": str(o.crf), "threads": "1"})
            self.video.width, self.video.height = self.size
            self.video.pix_fmt = "yuv420p"
            self.video.gop_size = max(1, int(o.gop_seconds * o.nominal_fps))
            self.video.time_base = _MS
            self.video.codec_context.time_base = _MS
        if "audio" in self.kinds:
            self.audio = self.container.add_stream("aac", rate=_AUDIO_RATE)
            self.audio.layout = "stereo"
            self.audio.bit_rate = self.options.audio_bitrate
            self.audio.time_base = _AUDIO_TB

    def write_video(self, frame: av.VideoFrame, t: float) -> None:
        w, h = self.size
        if frame.width != w or frame.height != h or frame.format.name != "yuv420p":
            with FRAME_CONVERSION_LOCK:
                frame = frame.reformat(width=w, height=h, format="yuv420p")
        assert self.t0 is not None
        pts = max(int((t - self.t0) * 1000), self.last_vpts + 1)
        self.last_vpts = pts
        frame.pts, frame.time_base = pts, _MS
        for packet in self.video.encode(frame):
            self.container.mux(packet)

    def write_audio(self, frame: av.AudioFrame, t: float) -> None:
        if self.resampler is None:
            self.resampler = AudioResampler(format="fltp", layout="stereo", rate=_AUDIO_RATE)
        try:
            converted = self.resampler.resample(frame)
        except ValueError:  # the source changed format mid-call: start a new conversion
            self.resampler = AudioResampler(format="fltp", layout="stereo", rate=_AUDIO_RATE)
            converted = self.resampler.resample(frame)
        assert self.t0 is not None
        expected = int((t - self.t0) * _AUDIO_RATE)
        if self.next_apts is None or abs(self.next_apts - expected) > _AUDIO_RATE // 4:
            self.next_apts = max(expected, self.next_apts or 0)  # resync after loss; never go back
        for out in converted:
            out.pts, out.time_base = self.next_apts, _AUDIO_TB
            self.next_apts += out.samples
            for packet in self.audio.encode(out):
                self.container.mux(packet)

    def close(self) -> None:
        if self.container is None:
            return
        for stream in (self.video, self.audio):
            if stream is not None:
                for packet in stream.encode(None):
                    self.container.mux(packet)
        self.container.close()
        self.container = None
        os.chmod(self.path, 0o600)


class SessionRecorder:
    """Writes one session's tracks to ``path``.  Feed it with :meth:`push` from the event loop."""

    def __init__(self, path: Path, kinds: Collection[str], options: RecordingOptions | None = None) -> None:
        self.path = Path(path)
        self.options = options or RecordingOptions()
        self._writer = _Writer(self.path, frozenset(kinds), self.options)
        self._queue: queue.Queue[tuple[str, Any, float] | None] = queue.Queue()
        self._result = RecordingResult(path=self.path, written=False)
        self._closed = False
        self._failed = False
        _private_dir(self.path.parent)
        self._thread = threading.Thread(target=self._run, name=f"recorder-{self.path.stem}", daemon=True)
        self._thread.start()

    @property
    def result(self) -> RecordingResult:
        return self._result

    def push(self, kind: str, frame: av.VideoFrame | av.AudioFrame, arrival: float | None = None) -> bool:
        """Queue a decoded frame; returns False (and counts a drop) if the encoder is behind."""
        if self._closed or self._failed:
            return False
        if self._queue.qsize() >= self.options.max_queue:
            self._result.dropped += 1
            return False
        self._queue.put((kind, frame, time.monotonic() if arrival is None else arrival))
        return True

    async def stop(self) -> RecordingResult:
        """Flush the encoders, close the file and wait for the thread.  Safe to call twice."""
        if not self._closed:
            self._closed = True
            self._queue.put(None)
        await asyncio.to_thread(self._thread.join)
        return self._result

    def _run(self) -> None:
        w, r = self._writer, self._result
        try:
            while (item := self._queue.get()) is not None:
                kind, frame, t = item
                try:
                    self._handle(kind, frame, t)
                except Exception as exc:  # keep recording the other frames; never raise into the call
                    r.errors += 1
                    if r.errors <= 3:
                        logger.warning("recording %s: %s on a %s frame", self.path.name, type(exc).__name__, kind)
                    if w.container is None:  # could not even open the file: give up
                        self._failed = True
                        break
        finally:
            try:
                w.close()
            except Exception as exc:
                r.errors += 1
                logger.warning("recording %s: closing failed with %s", self.path.name, type(exc).__name__)
            r.written = self.path.exists() and (r.video_frames + r.audio_frames) > 0

    def _handle(self, kind: str, frame: Any, t: float) -> None:
        w, r = self._writer, self._result
        if w.t0 is None:
            w.t0 = t
        if w.container is None:
            if kind == "audio" and "video" in w.kinds:
                w.pending_audio.append((frame, t))
                while len(w.pending_audio) > self.options.max_pending_audio:
                    w.pending_audio.popleft()
                    r.dropped += 1
                return
            w.open(frame if kind == "video" else None)
            while w.pending_audio:
                pending, pt = w.pending_audio.popleft()
                w.write_audio(pending, pt)
                r.audio_frames += 1
        if kind == "video" and w.video is not None:
            w.write_video(frame, t)
            r.video_frames += 1
        elif kind == "audio" and w.audio is not None:
            w.write_audio(frame, t)
            r.audio_frames += 1
