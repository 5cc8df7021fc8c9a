"""Received-stream quality against EN 301 549 clause 6.5, with synthetic timestamps."""

from __future__ import annotations

import json

import pytest

from video.quality import MIN_FPS, MIN_HEIGHT, MIN_WIDTH, StreamQuality


def feed(q: StreamQuality, fps: float, seconds: float, size: tuple[int, int] = (640, 480),
         start: float = 100.0) -> float:
    """Frames at a steady rate; returns the last timestamp."""
    n = round(fps * seconds)
    t = start
    for i in range(n):
        t = start + i / fps
        q.add_frame(t, *size)
    return t


def test_floors_are_the_en_301_549_numbers() -> None:
    assert (MIN_FPS, MIN_WIDTH, MIN_HEIGHT) == (20.0, 320, 240)


@pytest.mark.parametrize("fps", [20.0, 25.0, 30.0])
def test_enough_frames_is_good(fps: float) -> None:
    q = StreamQuality()
    feed(q, fps, 3.0)
    assert q.fps() == pytest.approx(fps, rel=0.01)
    assert q.issues() == []
    snap = q.snapshot()
    assert snap["level"] == "good" and snap["fps"] == pytest.approx(fps, abs=0.1)
    assert (snap["width"], snap["height"]) == (640, 480)


@pytest.mark.parametrize(("fps", "level"), [(19.0, "fair"), (15.0, "fair"), (12.0, "fair"),
                                            (10.0, "poor"), (5.0, "poor")])
def test_low_frame_rate(fps: float, level: str) -> None:
    q = StreamQuality()
    feed(q, fps, 3.0)
    assert q.fps() == pytest.approx(fps, rel=0.02)
    assert q.issues() == ["low_fps"]
    assert q.snapshot()["level"] == level


def test_jitter_around_twenty_is_not_flagged() -> None:
    q = StreamQuality()
    t = 0.0
    for i in range(80):
        t += 0.05 + (0.004 if i % 2 else -0.003)  # about 20 fps with uneven spacing
        q.add_frame(t, 640, 480)
    rate = q.fps()
    assert rate is not None and 19.5 < rate < 20.5
    assert q.issues() == []


def test_only_the_last_seconds_count() -> None:
    q = StreamQuality(window=2.5)
    last = feed(q, 10.0, 5.0)
    last = feed(q, 25.0, 3.0, start=last + 0.04)
    assert q.fps() == pytest.approx(25.0, rel=0.01)
    assert q.snapshot()["frames_in_window"] <= 63


@pytest.mark.parametrize(("size", "low"), [
    ((320, 240), False), ((240, 320), False), ((640, 480), False), ((1280, 720), False),
    ((319, 240), True), ((320, 239), True), ((176, 144), True), ((240, 240), True)])
def test_resolution_floor(size: tuple[int, int], low: bool) -> None:
    q = StreamQuality()
    feed(q, 25.0, 2.0, size=size)
    assert ("low_resolution" in q.issues()) is low
    assert q.snapshot()["level"] == ("poor" if low else "good")


def test_resolution_follows_the_latest_frame() -> None:
    q = StreamQuality()
    last = feed(q, 25.0, 2.0, size=(640, 480))
    q.add_frame(last + 0.04, 160, 120)
    assert q.resolution == (160, 120) and "low_resolution" in q.issues()


def test_no_verdict_on_frame_rate_while_warming_up() -> None:
    q = StreamQuality()
    assert q.fps() is None and q.issues() == [] and q.snapshot()["level"] == "good"
    for i in range(3):
        q.add_frame(i * 0.2, 640, 480)
    assert q.fps() is None and q.issues() == []
    q.add_frame(1.0, 640, 480)  # 4 frames over 1 s: 3 intervals
    assert q.fps() == pytest.approx(3.0) and q.issues() == ["low_fps"]


def test_a_stalled_stream_drops_to_zero() -> None:
    q = StreamQuality(window=2.5)
    last = feed(q, 25.0, 3.0)
    assert q.fps(now=last + 0.03) == pytest.approx(25.0, rel=0.01)  # within one interval
    stalled = q.fps(now=last + 1.0)
    assert stalled is not None and stalled < 20 and "low_fps" in q.issues(now=last + 1.0)
    assert q.fps(now=last + 3.0) == 0.0
    snap = q.snapshot(now=last + 3.0)
    assert snap["level"] == "poor" and snap["fps"] == 0.0 and snap["width"] == 640


def test_a_clock_going_back_restarts_the_window() -> None:
    q = StreamQuality()
    feed(q, 25.0, 3.0, start=100.0)
    feed(q, 10.0, 3.0, start=0.0)
    assert q.fps() == pytest.approx(10.0, rel=0.02)


def test_guidance_issues_lower_the_level() -> None:
    q = StreamQuality()
    feed(q, 25.0, 3.0)
    assert q.snapshot(guidance=["too_far"])["level"] == "fair"
    assert q.snapshot(guidance=["hands_not_visible"])["level"] == "poor"
    assert q.snapshot(guidance=["no_person"])["level"] == "poor"
    snap = q.snapshot(guidance=["too_dark", "backlit"])
    assert snap["guidance"] == ["backlit", "too_dark"] and snap["level"] == "poor"


def test_snapshot_is_json_for_the_console() -> None:
    q = StreamQuality()
    feed(q, 15.0, 3.0, size=(320, 240))
    snap = json.loads(json.dumps(q.snapshot(guidance=["too_near"])))
    assert snap["issues"] == ["low_fps"] and snap["level"] == "fair"
    assert snap["floors"] == {"fps": 20.0, "width": 320, "height": 240, "clause": "EN 301 549 6.5"}


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError):
        StreamQuality(window=0)
    with pytest.raises(ValueError):
        StreamQuality(window=1.0, warmup=2.0)
