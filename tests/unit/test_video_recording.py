"""Recording with consent: real aiortc calls recorded to fragmented MP4, the store's retention rules."""

from __future__ import annotations

import asyncio
import math
import os
import stat
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from gateway.errors import InvalidField
from tests.unit.test_video_peer import H, Rig, W, rig  # noqa: F401  (rig is a fixture)
from video.recording import RecordingOptions, RecordingStore, SessionRecorder


def count_frames(path: Path) -> tuple[int, int, tuple[int, int], float]:
    """(video frames, audio frames, video size, duration in seconds) decoded back with PyAV."""
    with av.open(str(path)) as container:
        video = container.streams.video[0] if container.streams.video else None
        size = (video.codec_context.width, video.codec_context.height) if video else (0, 0)
        n_video = n_audio = 0
        last = 0.0
        for frame in container.decode(*container.streams):
            if isinstance(frame, av.VideoFrame):
                n_video += 1
            else:
                n_audio += 1
            if frame.time is not None:
                last = max(last, frame.time)
    return n_video, n_audio, size, last


def private(path: Path) -> bool:
    return stat.S_IMODE(path.stat().st_mode) == 0o600


async def test_consented_call_is_recorded_to_a_playable_private_mp4(rig: Rig, tmp_path: Path) -> None:  # noqa: F811
    peers = rig.make()
    await rig.connect(peers, "rec-1", record_to=tmp_path)
    assert peers.stats("rec-1")["recording"] == str(tmp_path / "rec-1.mp4")
    await asyncio.sleep(2.0)
    final = await peers.close("rec-1")
    assert final is not None and final["recording_dropped"] == 0
    path = tmp_path / "rec-1.mp4"
    assert path.is_file() and private(path)
    n_video, n_audio, size, duration = count_frames(path)
    assert n_video >= 25 and n_audio > 50 and size == (W, H)
    assert 1.5 <= duration <= 4.0, duration
    assert RecordingStore(tmp_path, retention_days=30).list("rec-1") == [path]


async def test_no_recording_without_consent(rig: Rig, tmp_path: Path) -> None:  # noqa: F811
    peers = rig.make()
    await rig.connect(peers, "private-1")
    await asyncio.sleep(0.5)
    assert peers.stats("private-1")["recording"] is None
    await peers.close("private-1")
    assert list(tmp_path.iterdir()) == []


async def test_a_reconnect_gets_a_second_file(rig: Rig, tmp_path: Path) -> None:  # noqa: F811
    peers = rig.make()
    await rig.connect(peers, "again", record_to=tmp_path)
    await asyncio.sleep(0.5)
    await rig.connect(peers, "again", record_to=tmp_path)  # the new offer replaces the old peer
    await asyncio.sleep(0.5)
    await peers.close_all()
    files = RecordingStore(tmp_path).list("again")
    assert [p.name for p in files] == ["again.mp4", "again.2.mp4"]
    assert all(private(p) and count_frames(p)[0] > 0 for p in files)


def _video(i: int, w: int, h: int) -> av.VideoFrame:
    img = np.zeros((h, w, 3), np.uint8)
    img[:, (i * 7) % w:] = 200
    return av.VideoFrame.from_ndarray(img, format="rgb24")


def _audio(i: int, rate: int, samples: int) -> av.AudioFrame:
    t = (np.arange(samples) + i * samples) / rate
    pcm = (8000 * np.sin(2 * math.pi * 300 * t)).astype(np.int16).reshape(1, -1)
    frame = av.AudioFrame.from_ndarray(pcm, format="s16", layout="mono")
    frame.sample_rate, frame.pts, frame.time_base = rate, i * samples, Fraction(1, rate)
    return frame


async def test_recorder_survives_jitter_resizes_and_narrowband_audio(tmp_path: Path) -> None:
    """Frames as a real call delivers them: jittery arrival, a resolution drop, 8 kHz PCMU audio."""
    rec = SessionRecorder(tmp_path / "unit.mp4", ["video", "audio"], RecordingOptions(max_queue=1000))
    t = time.monotonic()
    for i in range(40):
        rec.push("audio", _audio(i, 8000, 160), t + i * 0.02)  # audio first: held until video starts
    for i in range(30):
        w, h = (640, 480) if i < 15 else (320, 240)
        rec.push("video", _video(i, w, h), t + 0.05 * i + (0.004 if i % 3 else 0.0))
        rec.push("video", _video(i, w, h), t + 0.05 * i + 0.0001)  # an out-of-order timestamp
    result = await rec.stop()
    assert result.written and result.errors == 0 and result.video_frames == 60 and result.audio_frames == 40
    n_video, n_audio, size, _ = count_frames(result.path)
    assert n_video == 60 and n_audio > 0 and size == (640, 480) and private(result.path)
    assert (await rec.stop()).written  # stopping twice is harmless
    assert rec.push("video", _video(0, 64, 48)) is False


async def test_recorder_with_no_frames_leaves_no_file(tmp_path: Path) -> None:
    rec = SessionRecorder(tmp_path / "empty.mp4", ["video"])
    result = await rec.stop()
    assert not result.written and list(tmp_path.iterdir()) == []


def test_store_names_lists_and_purges(tmp_path: Path) -> None:
    store = RecordingStore(tmp_path / "rec", retention_days=7)
    assert stat.S_IMODE((tmp_path / "rec").stat().st_mode) == 0o700
    first = store.path_for("call-1")
    assert first == tmp_path / "rec" / "call-1.mp4" and not first.exists()
    now = time.time()
    for name, age_days in [("call-1.mp4", 10), ("call-1.2.mp4", 1), ("call-10.mp4", 30), ("other.mp4", 2)]:
        p = tmp_path / "rec" / name
        p.write_bytes(b"x")
        os.utime(p, (now - age_days * 86400, now - age_days * 86400))
    assert store.path_for("call-1").name == "call-1.3.mp4"
    assert [p.name for p in store.list("call-1")] == ["call-1.mp4", "call-1.2.mp4"]
    removed = store.purge_expired(now)
    assert sorted(p.name for p in removed) == ["call-1.mp4", "call-10.mp4"]
    assert sorted(p.name for p in (tmp_path / "rec").iterdir()) == ["call-1.2.mp4", "other.mp4"]
    assert store.purge_expired(now) == []
    assert [p.name for p in store.purge_expired(now + 30 * 86400)] == ["call-1.2.mp4", "other.mp4"]


@pytest.mark.parametrize("bad", ["../etc/passwd", "a/b", "", ".hidden", "x" * 200])
def test_session_ids_that_cannot_name_a_file_are_refused(tmp_path: Path, bad: str) -> None:
    with pytest.raises(InvalidField):
        RecordingStore(tmp_path).path_for(bad)
    with pytest.raises(InvalidField):
        RecordingStore(tmp_path, retention_days=0)
