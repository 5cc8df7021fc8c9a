"""Framing guidance for sign-language video callers: can the seat read this picture?

Signing needs both hands, the face (brows, mouth and gaze carry grammar), enough light and a
distance at which the whole signing space fits the frame.  :class:`FrameAnalyzer` looks at one
RGB frame with MediaPipe's legacy solutions, all of which run offline from models inside the
mediapipe 0.10.21 wheel:

* Hands (``model_complexity=0``, two hands) counts hands and sees a hand touching the frame edge;
* FaceDetection, short-range model first and the full-range model only when that finds nothing,
  gives the face box (size -> distance, light on the face -> backlight).  The short-range model
  misses faces narrower than ~10 % of the frame (a caller too far away); the full-range one misses
  close-ups wider than ~60 %, so each covers the other;
* Pose (``model_complexity=1``, the only complexity shipped in the wheel) tells whether a person is
  there at all and where the wrists are, even when they are outside the picture.

Measured per :meth:`FrameAnalyzer.analyze` at 640x480 on 2 cores (video mode, slightly moving
frames, median): 32-34 ms for a portrait, 37-39 ms with a hand in view, 30 ms with nobody (both
face models then run).  Holistic(model_complexity=1) costs about the same (34-42 ms, 12 ms empty)
but finds the face only through the pose, so a small caller on a dark background came out as
"no person" instead of "too far".  At 2-5 samples a second that is 0.1-0.2 of a core per caller.

:class:`GuidanceState` smooths the per-frame issues (sampled 2-5 times a second) so the caller is
not flickered at, and :func:`messages` turns issue codes into short texts with a pictogram in the
caller's language from ``video/data/guidance.json``.
"""

from __future__ import annotations

import base64
import contextlib
import json
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import cv2
import mediapipe as mp
import numpy as np
import numpy.typing as npt

DATA_FILE = Path(__file__).resolve().parent / "data" / "guidance.json"

#: Every issue code, in the order the caller should fix them (light first: nothing else can be
#: judged in the dark).  Signing uses both hands, but many signs are one-handed and the other hand
#: rests, so one hand alone is not an issue; a hand that pose places outside the picture is.
ISSUES: tuple[str, ...] = ("too_dark", "backlit", "no_person", "too_far", "too_near",
                           "face_not_visible", "hands_not_visible", "hand_out_of_frame")
Distance = Literal["too_far", "too_near", "ok"]
Frame = npt.NDArray[np.uint8]  # RGB, shape (H, W, 3)

_NOSE, _LEFT_EAR, _RIGHT_EAR, _LEFT_WRIST, _RIGHT_WRIST = 0, 7, 8, 15, 16
_EAR_TO_FACE_WIDTH = 1.2  # face box width / ear-to-ear distance, measured on frontal portraits


@dataclass(frozen=True)
class Thresholds:
    """Tunable limits.  Sizes are fractions of the frame width, light is mean luma (0-255)."""

    too_dark_below: float = 50.0
    backlit_ratio: float = 0.5      # face luma at most this share of the background luma ...
    backlit_min_gap: float = 60.0   # ... and at least this much darker
    too_far_below: float = 0.08     # face narrower than this: handshapes and mouth too small
    too_near_above: float = 0.28    # face wider than this: the signing space cannot fit
    edge_margin: float = 0.01       # a hand landmark this close to the edge is cut off


@dataclass
class Assessment:
    """What one frame shows.  ``ok=False`` means the frame could not be judged (see ``error``)."""

    ok: bool = True
    error: str | None = None
    width: int = 0
    height: int = 0
    person: bool = False
    face: bool = False
    hands: int = 0                        # 0, 1 or 2 hands found
    brightness: float = 0.0               # mean luma of the whole frame, 0-255
    face_brightness: float | None = None  # mean luma inside the face box
    backlit: bool = False                 # face much darker than the background
    face_size: float | None = None        # face width as a fraction of frame width
    distance: Distance | None = None      # None when no face size is known
    hands_out_of_frame: bool = False      # a hand cut by the edge or a wrist outside the picture
    issues: list[str] = field(default_factory=list)
    latency_ms: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _frame_problem(rgb: object) -> str | None:
    if not isinstance(rgb, np.ndarray):
        return f"expected a numpy array, got {type(rgb).__name__}"
    if rgb.dtype != np.uint8:
        return f"expected dtype uint8, got {rgb.dtype}"
    if rgb.ndim != 3 or rgb.shape[2] != 3:
        return f"expected an RGB array of shape (H, W, 3), got {rgb.shape}"
    if rgb.shape[0] < 16 or rgb.shape[1] < 16:
        return f"frame too small: {rgb.shape[1]}x{rgb.shape[0]}"
    return None


class FrameAnalyzer:
    """Judges single RGB frames.  Build it once per worker and call :meth:`analyze` per sample.

    NOT thread-safe: the MediaPipe graphs keep tracking state between calls and must not run two
    frames at once.  Use one analyzer per worker thread (or per call), never a shared one.
    Frames wider or taller than ``max_side`` are scaled down first (landmarks are relative, so
    the result does not change, only the cost).
    """

    def __init__(self, thresholds: Thresholds | None = None, *, max_side: int = 640,
                 static_image_mode: bool = False) -> None:
        self.thresholds = thresholds or Thresholds()
        self.max_side = max_side
        self.static_image_mode = static_image_mode
        self._models: dict[str, Any] | None = self._open()

    def _open(self) -> dict[str, Any]:
        s = mp.solutions
        return {
            "hands": s.hands.Hands(static_image_mode=self.static_image_mode, model_complexity=0,
                                   max_num_hands=2),
            "face_near": s.face_detection.FaceDetection(model_selection=0),
            "face_far": s.face_detection.FaceDetection(model_selection=1),
            "pose": s.pose.Pose(static_image_mode=self.static_image_mode, model_complexity=1),
        }

    def close(self) -> None:
        models, self._models = self._models, None
        for model in (models or {}).values():
            with contextlib.suppress(Exception):  # a broken graph must not mask the real error
                model.close()

    def __enter__(self) -> FrameAnalyzer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def analyze(self, rgb: npt.NDArray[Any]) -> Assessment:
        """Assess one RGB uint8 frame of shape (H, W, 3).  Never raises on a bad frame."""
        start = time.perf_counter()
        problem = _frame_problem(rgb)
        if problem is not None:
            return Assessment(ok=False, error=problem)
        height, width = int(rgb.shape[0]), int(rgb.shape[1])
        frame = np.ascontiguousarray(rgb)
        scale = self.max_side / max(height, width)
        if scale < 1.0:
            frame = cv2.resize(frame, (max(1, round(width * scale)), max(1, round(height * scale))),
                               interpolation=cv2.INTER_AREA)
        gray = cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY)
        brightness = float(gray.mean())
        try:
            if self._models is None:
                self._models = self._open()
            hands = self._models["hands"].process(frame).multi_hand_landmarks or []
            pose_result = self._models["pose"].process(frame).pose_landmarks
            box = self._face_box(frame)
        except Exception as exc:  # noqa: BLE001 - any MediaPipe failure becomes a verdict
            self.close()  # rebuilt on the next frame: a failed graph may keep bad state
            return Assessment(ok=False, error=f"mediapipe: {type(exc).__name__}: {exc}",
                              width=width, height=height, brightness=round(brightness, 1),
                              latency_ms=(time.perf_counter() - start) * 1000)
        pose = list(pose_result.landmark) if pose_result is not None else None
        result = self._judge(gray, box, len(hands), pose, self._hands_cut(hands, pose))
        result.width, result.height = width, height
        result.latency_ms = (time.perf_counter() - start) * 1000
        return result

    def _face_box(self, frame: Frame) -> tuple[float, float, float, float] | None:
        """The biggest face as (x0, y0, x1, y1) in relative coordinates, clipped to the frame."""
        assert self._models is not None
        for key in ("face_near", "face_far"):
            detections = self._models[key].process(frame).detections or []
            if detections:
                boxes = [d.location_data.relative_bounding_box for d in detections]
                b = max(boxes, key=lambda bb: bb.width * bb.height)
                x0, y0 = max(0.0, b.xmin), max(0.0, b.ymin)
                x1, y1 = min(1.0, b.xmin + b.width), min(1.0, b.ymin + b.height)
                if x1 > x0 and y1 > y0:
                    return x0, y0, x1, y1
        return None

    def _hands_cut(self, hands: list[Any], pose: list[Any] | None) -> bool:
        m = self.thresholds.edge_margin
        for hand in hands:
            if any(p.x < m or p.x > 1 - m or p.y < m or p.y > 1 - m for p in hand.landmark):
                return True
        if pose is not None and len(hands) < 2:
            return any(not (0.0 <= pose[i].x <= 1.0 and 0.0 <= pose[i].y <= 1.0)
                       for i in (_LEFT_WRIST, _RIGHT_WRIST))
        return False

    def _judge(self, gray: npt.NDArray[Any], box: tuple[float, float, float, float] | None,
               hands: int, pose: list[Any] | None, hands_cut: bool) -> Assessment:
        t = self.thresholds
        h, w = gray.shape
        brightness = float(gray.mean())
        face_luma: float | None = None
        backlit = False
        face_size: float | None = None
        if box is not None:
            x0, y0, x1, y1 = round(box[0] * w), round(box[1] * h), round(box[2] * w), round(box[3] * h)
            crop = gray[y0:max(y1, y0 + 1), x0:max(x1, x0 + 1)]
            face_luma = float(crop.mean())
            rest = gray.size - crop.size
            if rest > 0:
                background = (float(gray.sum(dtype=np.int64)) - float(crop.sum(dtype=np.int64))) / rest
                backlit = (face_luma <= t.backlit_ratio * background
                           and background - face_luma >= t.backlit_min_gap)
            face_size = box[2] - box[0]
        elif pose is not None and pose[_NOSE].visibility > 0.5:
            # No detector found the face, yet pose sees one: estimate its width from the ears.
            face_size = abs(pose[_LEFT_EAR].x - pose[_RIGHT_EAR].x) * _EAR_TO_FACE_WIDTH
        distance: Distance | None = None
        if face_size is not None:
            distance = ("too_far" if face_size < t.too_far_below
                        else "too_near" if face_size > t.too_near_above else "ok")
        person = pose is not None or box is not None or hands > 0
        light = face_luma if face_luma is not None else brightness
        found: set[str] = set()
        if backlit:
            found.add("backlit")
        elif light < t.too_dark_below:
            found.add("too_dark")
        if not person:
            found.add("no_person")
        if distance in ("too_far", "too_near"):
            found.add(distance)
        if person and box is None:
            found.add("face_not_visible")
        if person and hands == 0:
            found.add("hands_not_visible")
        elif hands_cut:
            found.add("hand_out_of_frame")
        return Assessment(person=person, face=box is not None, hands=min(hands, 2),
                          brightness=round(brightness, 1),
                          face_brightness=None if face_luma is None else round(face_luma, 1),
                          backlit=backlit, face_size=None if face_size is None else round(face_size, 4),
                          distance=distance, hands_out_of_frame=hands_cut,
                          issues=[code for code in ISSUES if code in found])


def _ordered(codes: Iterable[str]) -> list[str]:
    known = [c for c in ISSUES if c in codes]
    return known + sorted(c for c in set(codes) if c not in ISSUES)


@dataclass(frozen=True)
class GuidanceUpdate:
    """The smoothed issues after one sample, and what changed with it."""

    issues: list[str]
    changed: bool
    raised: list[str]
    cleared: list[str]


class GuidanceState:
    """Hysteresis over successive assessments so guidance neither flickers nor stays silent.

    An issue is reported once it was seen in at least ``raise_share`` of the samples of the
    last ``raise_after`` seconds (and at least ``min_samples`` of them, the window being full);
    a reported issue is cleared once it was seen in at most ``clear_share`` of the samples of the
    last ``clear_after`` seconds.  A share rather than "every sample" matters on real video:
    MediaPipe's verdict on a borderline picture alternates between neighbouring issues, and a
    rule that needs an unbroken run would never say anything.  Frames that could not be judged
    (``ok=False``) and samples older than the previous one are ignored; after a gap of more than
    ``max_gap`` seconds without samples the counting starts afresh.  Not thread-safe.
    """

    def __init__(self, *, raise_after: float = 1.5, min_samples: int = 3, clear_after: float = 1.0,
                 max_gap: float = 3.0, raise_share: float = 0.5, clear_share: float = 0.0) -> None:
        self.raise_after, self.min_samples = raise_after, min_samples
        self.clear_after, self.max_gap = clear_after, max_gap
        self.raise_share, self.clear_share = raise_share, clear_share
        self._samples: deque[tuple[float, frozenset[str]]] = deque()
        self._active: set[str] = set()
        self._since: float | None = None        # when the current run of samples began
        self._last: float | None = None

    @property
    def issues(self) -> list[str]:
        return _ordered(self._active)

    def reset(self) -> None:
        self._samples.clear()
        self._active.clear()
        self._since = self._last = None

    def _share(self, code: str, since: float) -> tuple[float, int]:
        window = [issues for t, issues in self._samples if t >= since]
        if not window:
            return 0.0, 0
        return sum(code in w for w in window) / len(window), len(window)

    def update(self, sample: Assessment | Iterable[str], now: float | None = None) -> GuidanceUpdate:
        t = time.monotonic() if now is None else now
        if (isinstance(sample, Assessment) and not sample.ok) or (self._last is not None and t < self._last):
            return GuidanceUpdate(self.issues, False, [], [])
        seen = frozenset(sample.issues if isinstance(sample, Assessment) else sample)
        if self._last is None or t - self._last > self.max_gap:
            self._samples.clear()
            self._since = t
        self._last = t
        self._samples.append((t, seen))
        horizon = t - max(self.raise_after, self.clear_after) - 0.001
        while self._samples and self._samples[0][0] < horizon:
            self._samples.popleft()
        raised: list[str] = []
        cleared: list[str] = []
        full = self._since is not None and t - self._since >= self.raise_after
        candidates = {c for _, issues in self._samples for c in issues} - self._active
        for code in candidates:
            share, n = self._share(code, t - self.raise_after - 0.001)
            if full and n >= self.min_samples and share >= self.raise_share and code in seen:
                self._active.add(code)
                raised.append(code)
        for code in list(self._active):
            if code in seen:
                continue
            share, n = self._share(code, t - self.clear_after - 0.001)
            covered = self._samples[0][0] <= t - self.clear_after or (self._since or t) <= t - self.clear_after
            if covered and share <= self.clear_share:
                self._active.discard(code)
                cleared.append(code)
        return GuidanceUpdate(self.issues, bool(raised or cleared), _ordered(raised), _ordered(cleared))


@lru_cache(maxsize=1)
def _catalogue() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    missing = [c for c in ISSUES if c not in data["issues"]]
    if missing:
        raise ValueError(f"guidance.json: no entry for {missing}")
    return data


def supported_languages() -> list[str]:
    """Language codes with guidance texts, zh first."""
    return list(_catalogue()["languages"])


def _language(lang: object) -> str:
    if not isinstance(lang, str):
        return ""
    return lang.strip().lower().replace("_", "-").split("-")[0]


def pictogram(pictogram_id: str) -> dict[str, str]:
    """A pictogram as its id, the SVG text and a ``data:`` URI for ``<img src>``."""
    svg: str = _catalogue()["pictograms"][pictogram_id]
    src = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return {"id": pictogram_id, "svg": svg, "src": src}


def messages(issues: Iterable[str], lang: str | None = "zh") -> list[dict[str, Any]]:
    """Short guidance for each issue, in priority order, in ``lang`` (then zh, then en).

    ``lang`` may carry a region ("pt-BR", "zh_CN"); only the primary subtag is used.  Each item:
    ``{"code", "lang", "dir", "text", "pictogram": {"id", "svg", "src"}}``.  Texts are plain
    strings: insert them into the page as text, never as markup.  Unknown codes raise ValueError.
    """
    data = _catalogue()
    codes = list(dict.fromkeys(issues))
    unknown = [c for c in codes if c not in data["issues"]]
    if unknown:
        raise ValueError(f"unknown guidance issue codes: {unknown}")
    wanted = [_language(lang), *data["fallback"]]
    out: list[dict[str, Any]] = []
    for code in _ordered(codes):
        entry = data["issues"][code]
        used = next(c for c in wanted if entry["text"].get(c))
        out.append({"code": code, "lang": used, "dir": "rtl" if used in data["rtl"] else "ltr",
                    "text": entry["text"][used], "pictogram": pictogram(entry["pictogram"])})
    return out
