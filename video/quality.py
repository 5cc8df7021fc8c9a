"""Stream quality of the caller's video as the seat receives it: frame rate and resolution.

EN 301 549 clause 6.5 sets the floors for two-way video used for sign language and lip-reading:

* 6.5.2 resolution: at least QVGA, 320x240 (VGA preferred);
* 6.5.3 frame rate: at least 20 frames per second in v3.x (v2.1.2 required 12 and recommended 20;
  its informative 6.5.1 calls 12 fps "still usable with some restrictions").

:class:`StreamQuality` is fed ``(timestamp, width, height)`` for each received frame, keeps the
last few seconds and gives the agent console's quality indicator through :meth:`snapshot`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import Any, Literal

MIN_FPS = 20.0          # EN 301 549 v3.2.1 6.5.3
USABLE_FPS = 12.0       # EN 301 549 v2.1.2 6.5.3 a); below this signing is not readable
MIN_WIDTH, MIN_HEIGHT = 320, 240  # EN 301 549 6.5.2, QVGA
CLAUSE = "EN 301 549 6.5"

Level = Literal["good", "fair", "poor"]

#: Guidance issues that make the signing unreadable (level "poor"); any other makes it "fair".
SEVERE_GUIDANCE = frozenset({"no_person", "too_dark", "hands_not_visible"})


class StreamQuality:
    """Rolling frame rate over the last ``window`` seconds, plus the latest resolution.

    Timestamps are seconds (e.g. ``time.monotonic()`` at reception, or RTP time / 90000).  A
    timestamp earlier than the previous one (a clock reset) restarts the window.  The frame rate
    is unknown (None) until the frames in the window span ``warmup`` seconds, so a call's first
    frames do not raise "low_fps".  Resolution is judged regardless of orientation: a portrait
    240x320 phone stream is QVGA too.  Not thread-safe; one instance per stream.
    """

    def __init__(self, window: float = 2.5, warmup: float = 1.0, *, min_fps: float = MIN_FPS,
                 usable_fps: float = USABLE_FPS, min_size: tuple[int, int] = (MIN_WIDTH, MIN_HEIGHT),
                 fps_tolerance: float = 0.5) -> None:
        if window <= 0 or warmup < 0 or warmup > window:
            raise ValueError("need window > 0 and 0 <= warmup <= window")
        self.window, self.warmup = window, warmup
        self.min_fps, self.usable_fps, self.fps_tolerance = min_fps, usable_fps, fps_tolerance
        self.min_size = (max(min_size), min(min_size))
        self._frames: deque[float] = deque()
        self._total = 0
        self._size: tuple[int, int] | None = None

    def add_frame(self, timestamp: float, width: int, height: int) -> None:
        """Record one received frame."""
        if self._frames and timestamp < self._frames[-1]:
            self._frames.clear()
        self._frames.append(float(timestamp))
        self._size = (int(width), int(height))
        self._total += 1
        self._trim(timestamp)

    def _trim(self, now: float) -> None:
        while self._frames and self._frames[0] <= now - self.window:
            self._frames.popleft()

    def fps(self, now: float | None = None) -> float | None:
        """Frames per second over the window ending at ``now`` (default: the last frame).

        Counted from the spacing of the frames in the window; when ``now`` lies further past
        the last frame than one usual interval (the stream stalled) that wait counts too, so
        the rate falls while nothing arrives and reaches 0 once the window is empty.
        """
        if not self._frames:
            return 0.0 if self._total else None
        ref = self._frames[-1] if now is None else max(now, self._frames[-1])
        self._trim(ref)
        if not self._frames:
            return 0.0
        first, last, n = self._frames[0], self._frames[-1], len(self._frames)
        interval = (last - first) / (n - 1) if n > 1 else 0.0
        span = (last - first) + max(0.0, ref - last - interval)
        if span < self.warmup:
            return None
        return (n - 1) / span if span > 0 else 0.0

    @property
    def resolution(self) -> tuple[int, int] | None:
        """(width, height) of the latest frame, kept while the stream stalls."""
        return self._size

    def issues(self, now: float | None = None) -> list[str]:
        """``low_fps`` below 20 fps, ``low_resolution`` below 320x240 (either orientation).

        ``fps_tolerance`` (0.5 fps) absorbs timestamp jitter and window edges, so a nominal
        20 fps camera measured at 19.8 is not flagged.
        """
        found: list[str] = []
        rate = self.fps(now)
        if rate is not None and rate < self.min_fps - self.fps_tolerance:
            found.append("low_fps")
        size = self.resolution
        if size is not None and (max(size) < self.min_size[0] or min(size) < self.min_size[1]):
            found.append("low_resolution")
        return found

    def level(self, now: float | None = None, guidance: Iterable[str] = ()) -> Level:
        """poor: below 12 fps, below QVGA or a severe guidance issue; fair: any other issue."""
        issues = self.issues(now)
        rate = self.fps(now)
        codes = set(guidance)
        too_slow = rate is not None and rate < self.usable_fps - self.fps_tolerance
        if "low_resolution" in issues or too_slow or codes & SEVERE_GUIDANCE:
            return "poor"
        return "fair" if issues or codes else "good"

    def snapshot(self, now: float | None = None, guidance: Iterable[str] = ()) -> dict[str, Any]:
        """The console's quality indicator, JSON-ready.

        ``guidance`` is the caller's current (smoothed) guidance issues, if any.
        """
        codes = sorted(set(guidance))
        rate = self.fps(now)
        size = self.resolution
        return {
            "level": self.level(now, codes),
            "fps": None if rate is None else round(rate, 1),
            "width": size[0] if size else None,
            "height": size[1] if size else None,
            "issues": self.issues(now),
            "guidance": codes,
            "frames_in_window": len(self._frames),
            "window_s": self.window,
            "floors": {"fps": self.min_fps, "width": self.min_size[0], "height": self.min_size[1],
                       "clause": CLAUSE},
        }
