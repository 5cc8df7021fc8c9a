"""Caller framing guidance: real MediaPipe on real photographs, hysteresis, messages in 19 languages."""

from __future__ import annotations

import base64
import importlib.util
import json
import re
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import cv2
import matplotlib
import numpy as np
import numpy.typing as npt
import pytest

from video import guidance
from video.guidance import ISSUES, Assessment, FrameAnalyzer, GuidanceState, messages

Image = npt.NDArray[Any]
W, H = 640, 480
LANGS = ["zh", "en", "ja", "ko", "fr", "de", "es", "ru", "it", "fa", "th", "ar", "pt", "id", "ms",
         "vi", "tr", "uk", "hi"]


def _rgb(path: Path) -> Image:
    bgr = cv2.imread(str(path))
    assert bgr is not None, path
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)


@pytest.fixture(scope="module")
def grace() -> Image:
    """Grace Hopper's portrait (512x600) shipped with matplotlib."""
    return _rgb(Path(matplotlib.get_data_path()) / "sample_data" / "grace_hopper.jpg")


@pytest.fixture
def analyzer() -> Iterator[FrameAnalyzer]:
    with FrameAnalyzer() as a:
        yield a


def paste(img: Image, scale: float, background: int) -> Image:
    """``img`` scaled by ``scale`` in the middle of a uniform 640x480 canvas."""
    small = cv2.resize(img, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    canvas = np.full((H, W, 3), background, np.uint8)
    y, x = (H - small.shape[0]) // 2, (W - small.shape[1]) // 2
    canvas[y:y + small.shape[0], x:x + small.shape[1]] = small
    return canvas


def fake_camera(i: int) -> Image:
    """Like Chromium's fake capture device: colour bars and a moving disc, nobody in view."""
    frame = np.zeros((H, W, 3), np.uint8)
    colours = [(255, 255, 255), (255, 255, 0), (0, 255, 255), (0, 255, 0),
               (255, 0, 255), (255, 0, 0), (0, 0, 255), (0, 0, 0)]
    for k, colour in enumerate(colours):
        frame[:, k * 80:(k + 1) * 80] = colour
    centre = (int(320 + 200 * np.cos(i / 3)), int(240 + 150 * np.sin(i / 3)))
    cv2.circle(frame, centre, 40, (128, 128, 128), -1)
    return frame


# --- FrameAnalyzer on real images ------------------------------------------------------------

def test_portrait_shows_a_person_and_face_but_no_hands(analyzer: FrameAnalyzer, grace: Image) -> None:
    a = analyzer.analyze(cv2.resize(grace, (W, H)))
    assert a.ok and a.error is None
    assert a.person and a.face
    assert "face_not_visible" not in a.issues and "no_person" not in a.issues
    assert "too_dark" not in a.issues and not a.backlit
    assert (a.width, a.height) == (W, H)
    assert a.face_brightness is not None and a.face_brightness > 100
    # A head-and-shoulders portrait: her hands are below the picture.
    assert a.hands == 0 and "hands_not_visible" in a.issues
    assert a.issues == [c for c in ISSUES if c in a.issues]
    # Tracking from frame to frame must not change the verdict on a still picture.
    again = analyzer.analyze(cv2.resize(grace, (W, H)))
    assert again.issues == a.issues and again.face and again.person


def test_black_frame_is_no_person_and_too_dark(analyzer: FrameAnalyzer) -> None:
    a = analyzer.analyze(np.zeros((H, W, 3), np.uint8))
    assert a.ok
    assert a.brightness == 0.0
    assert not a.person and not a.face and a.hands == 0
    assert a.issues == ["too_dark", "no_person"]


def test_uniform_grey_is_no_person_but_bright_enough(analyzer: FrameAnalyzer) -> None:
    a = analyzer.analyze(np.full((H, W, 3), 128, np.uint8))
    assert a.ok and a.issues == ["no_person"]
    assert a.brightness == pytest.approx(128.0)


def test_fake_camera_pattern_never_crashes_and_shows_nobody(analyzer: FrameAnalyzer) -> None:
    for i in range(8):
        a = analyzer.analyze(fake_camera(i))
        assert a.ok, a.error
        assert a.issues == ["no_person"], (i, a)


def test_very_dark_portrait_is_too_dark(analyzer: FrameAnalyzer, grace: Image) -> None:
    dark = (cv2.resize(grace, (W, H)).astype(np.float32) * 0.12).astype(np.uint8)
    a = analyzer.analyze(dark)
    assert a.ok and "too_dark" in a.issues
    assert a.brightness < 20


def test_small_person_on_black_canvas_is_too_far(analyzer: FrameAnalyzer, grace: Image) -> None:
    a = analyzer.analyze(paste(grace, 0.2, 0))
    assert a.ok and a.person and a.face
    assert a.face_size is not None and a.face_size < 0.08
    assert a.distance == "too_far" and "too_far" in a.issues
    assert "no_person" not in a.issues
    # The frame is almost black, but the face itself is lit: judged by the face, not too dark.
    assert a.brightness < 10 and "too_dark" not in a.issues


def test_half_size_portrait_is_at_a_good_distance(analyzer: FrameAnalyzer, grace: Image) -> None:
    a = analyzer.analyze(paste(grace, 0.5, 128))
    assert a.ok and a.face and a.distance == "ok"
    assert not {"too_far", "too_near"} & set(a.issues)


def test_face_close_up_is_too_near(analyzer: FrameAnalyzer, grace: Image) -> None:
    a = analyzer.analyze(cv2.resize(grace[100:400, 130:530], (W, H)))
    assert a.ok and a.face and a.face_size is not None and a.face_size > 0.4
    assert "too_near" in a.issues


def test_dark_person_before_a_bright_window_is_backlit(analyzer: FrameAnalyzer, grace: Image) -> None:
    a = analyzer.analyze(paste((grace * 0.35).astype(np.uint8), 0.5, 245))
    assert a.ok and a.face and a.backlit
    assert "backlit" in a.issues
    assert "too_dark" not in a.issues  # one message about light, and the one that helps
    assert a.face_brightness is not None and a.face_brightness < a.brightness / 2


def test_large_frames_are_scaled_down_with_the_same_verdict(analyzer: FrameAnalyzer, grace: Image) -> None:
    a = analyzer.analyze(cv2.resize(grace, (1280, 960)))
    assert a.ok and (a.width, a.height) == (1280, 960)
    assert a.face and a.person and "face_not_visible" not in a.issues


def test_changing_frame_sizes_and_layouts_in_one_analyzer(analyzer: FrameAnalyzer, grace: Image) -> None:
    frame = cv2.resize(grace, (W, H))
    for rgb in (frame, cv2.resize(grace, (320, 240)), frame[:, ::-1], frame[::2, ::2], frame):
        a = analyzer.analyze(rgb)
        assert a.ok, a.error
        assert a.face and a.person


@pytest.mark.parametrize("bad", [
    np.zeros((H, W), np.uint8),
    np.zeros((H, W, 4), np.uint8),
    np.zeros((H, W, 3), np.float32),
    np.zeros((0, 0, 3), np.uint8),
    np.zeros((8, 8, 3), np.uint8),
    [[0, 0, 0]],
    None,
], ids=["2d", "rgba", "float", "empty", "tiny", "list", "none"])
def test_bad_frames_give_not_ok_and_never_raise(analyzer: FrameAnalyzer, grace: Image, bad: object) -> None:
    a = analyzer.analyze(bad)  # type: ignore[arg-type]
    assert not a.ok and a.error and a.issues == []
    assert analyzer.analyze(cv2.resize(grace, (W, H))).ok  # still works afterwards


def test_a_mediapipe_failure_is_reported_and_the_analyzer_recovers(
        analyzer: FrameAnalyzer, grace: Image, monkeypatch: pytest.MonkeyPatch) -> None:
    models = analyzer._models
    assert models is not None

    def broken(_: Image) -> None:
        raise RuntimeError("graph failed")

    monkeypatch.setattr(models["pose"], "process", broken)
    a = analyzer.analyze(cv2.resize(grace, (W, H)))
    assert not a.ok and a.error is not None and "graph failed" in a.error
    again = analyzer.analyze(cv2.resize(grace, (W, H)))  # graphs rebuilt
    assert again.ok and again.face


def test_models_come_from_the_wheel_never_from_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[object] = []

    def no_network(*args: object, **kwargs: object) -> None:
        calls.append(args)
        raise AssertionError("MediaPipe tried to download a model")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)
    with FrameAnalyzer() as a:
        assert a.analyze(np.zeros((H, W, 3), np.uint8)).ok
    assert calls == []


def _asset(package: str, relative: str) -> Path | None:
    spec = importlib.util.find_spec(package)  # locates the package without importing it
    if spec is None or spec.origin is None:
        return None
    path = Path(spec.origin).parent / relative
    return path if path.exists() else None


def test_visible_hand_is_counted(analyzer: FrameAnalyzer) -> None:
    """Zidane pointing (ultralytics' sample photo): one hand in view, no other issue."""
    path = _asset("ultralytics", "assets/zidane.jpg")
    # scripts/setup installs ultralytics --no-deps for this photo only (requirements/nodeps.txt).
    assert path is not None, "run ./scripts/setup: the ultralytics sample photo is missing"
    a = analyzer.analyze(cv2.resize(_rgb(path)[:, 320:1280], (W, H)))
    assert a.ok and a.person and a.face
    assert a.hands == 1
    assert "hands_not_visible" not in a.issues


# --- GuidanceState ----------------------------------------------------------------------------

def sample(*issues: str) -> Assessment:
    return Assessment(issues=list(issues))


def test_issue_reported_only_after_persisting() -> None:
    state = GuidanceState()
    for t in (0.0, 0.5, 1.0):
        u = state.update(sample("too_dark"), now=t)
        assert u.issues == [] and not u.changed
    u = state.update(sample("too_dark"), now=1.5)
    assert u.issues == ["too_dark"] and u.changed and u.raised == ["too_dark"]
    u = state.update(sample("too_dark"), now=1.75)
    assert u.issues == ["too_dark"] and not u.changed


def test_too_few_samples_in_the_window_are_not_enough() -> None:
    state = GuidanceState()
    state.update(sample("too_far"), now=0.0)
    assert state.update(sample("too_far"), now=2.0).issues == []     # only 2 within the last 1.5 s
    assert state.update(sample("too_far"), now=2.2).issues == []
    assert state.update(sample("too_far"), now=2.4).issues == ["too_far"]


def test_an_occasional_issue_is_never_reported() -> None:
    state = GuidanceState()
    for i in range(24):
        u = state.update(sample("hands_not_visible") if i % 4 == 0 else sample(), now=i * 0.25)
        assert u.issues == []


def test_a_borderline_issue_seen_half_the_time_is_reported() -> None:
    """MediaPipe's verdict on a borderline picture alternates; the caller still needs to hear it."""
    state = GuidanceState()
    issues: list[str] = []
    for i in range(12):
        u = state.update(sample("no_person") if i % 2 else sample("hands_not_visible", "too_near"), now=i * 0.25)
        issues = u.issues
    assert "no_person" in issues and "hands_not_visible" in issues


def test_issue_clears_only_after_a_second_gone() -> None:
    state = GuidanceState()
    for t in (0.0, 0.5, 1.0, 1.5):
        state.update(sample("backlit"), now=t)
    assert state.issues == ["backlit"]
    assert state.update(sample(), now=2.0).issues == ["backlit"]
    assert state.update(sample(), now=2.5).issues == ["backlit"]
    assert state.update(sample("backlit"), now=2.75).issues == ["backlit"]  # back: timer restarts
    assert state.update(sample(), now=3.0).issues == ["backlit"]
    assert state.update(sample(), now=3.5).issues == ["backlit"]
    u = state.update(sample(), now=4.0)
    assert u.issues == [] and u.changed and u.cleared == ["backlit"]


def test_issues_are_ordered_and_independent() -> None:
    state = GuidanceState()
    for t in (0.0, 0.5, 1.0, 1.5):
        state.update(sample("hands_not_visible", "too_dark"), now=t)
    assert state.issues == ["too_dark", "hands_not_visible"]
    for t in (2.0, 2.5, 3.0):
        u = state.update(sample("hands_not_visible"), now=t)
    assert u.issues == ["hands_not_visible"] and u.cleared == ["too_dark"]


def test_unjudged_frames_old_samples_and_gaps_are_handled() -> None:
    state = GuidanceState()
    state.update(sample("too_near"), now=0.0)
    state.update(sample("too_near"), now=0.5)
    # A frame that could not be judged neither confirms nor breaks the run.
    assert not state.update(Assessment(ok=False, error="bad"), now=1.0).changed
    assert not state.update(sample(), now=0.2).changed  # older than the last sample: ignored
    assert state.update(sample("too_near"), now=1.5).issues == ["too_near"]
    # After a long silence the run starts afresh.
    fresh = GuidanceState()
    fresh.update(sample("too_near"), now=0.0)
    fresh.update(sample("too_near"), now=1.0)
    assert fresh.update(sample("too_near"), now=5.0).issues == []
    # Plain issue lists are accepted too.
    assert GuidanceState(raise_after=0.0, min_samples=1).update(["no_person"], now=0.0).issues == ["no_person"]


# --- messages and pictograms ------------------------------------------------------------------

def test_texts_exist_for_every_issue_in_all_19_languages() -> None:
    data = json.loads(guidance.DATA_FILE.read_text(encoding="utf-8"))
    assert data["languages"] == LANGS and guidance.supported_languages()[0] == "zh"
    served = json.loads((Path(__file__).resolve().parents[2] / "languages" / "data" / "languages.json")
                        .read_text(encoding="utf-8"))
    assert set(LANGS) == {lang["code"] for lang in served["foreign_languages"]} | {"zh"}
    assert set(data["issues"]) == set(ISSUES)
    for code, entry in data["issues"].items():
        assert set(entry["text"]) == set(LANGS), code
        for lang, text in entry["text"].items():
            assert text == text.strip() and 2 <= len(text) <= 70, (code, lang, text)
            assert "<" not in text and ">" not in text
    for lang in LANGS:
        texts = [m["text"] for m in messages(ISSUES, lang)]
        assert len(set(texts)) == len(ISSUES), lang  # no text pasted under two issues
        assert all(m["lang"] == lang for m in messages(ISSUES, lang))


SCRIPTS = {"zh": r"[\u4e00-\u9fff]", "ja": r"[\u3040-\u30ff]", "ko": r"[\uac00-\ud7af]",
           "ru": r"[\u0400-\u04ff]", "uk": r"[\u0400-\u04ff]", "ar": r"[\u0600-\u06ff]", "fa": r"[پچژگی]",
           "th": r"[\u0e00-\u0e7f]", "hi": r"[\u0900-\u097f]", "vi": r"[ạảấầẩậắằặẹẻẽếềểệịọỏốồổộớờởợụủứừửựỳỷỹđ]"}


@pytest.mark.parametrize("lang", sorted(SCRIPTS))
def test_texts_are_written_in_their_own_script(lang: str) -> None:
    for m in messages(ISSUES, lang):
        assert re.search(SCRIPTS[lang], m["text"]), (lang, m["code"], m["text"])


def test_russian_and_ukrainian_are_not_mixed_up() -> None:
    uk = " ".join(m["text"] for m in messages(ISSUES, "uk"))
    ru = " ".join(m["text"] for m in messages(ISSUES, "ru"))
    assert not re.search("[ыэёъ]", uk.lower()) and re.search("[іїєґ]", uk.lower())
    assert not re.search("[іїєґ]", ru.lower())


def test_chinese_and_english_wording() -> None:
    assert messages(["hands_not_visible"], "zh")[0]["text"] == "请让双手保持在画面内"
    assert messages(["hands_not_visible"], "en")[0]["text"] == "Keep both hands in the picture."


def test_fallback_to_chinese_then_english(monkeypatch: pytest.MonkeyPatch) -> None:
    zh = messages(["too_dark"], "zh")[0]["text"]
    assert messages(["too_dark"], "xx")[0]["lang"] == "zh"
    assert messages(["too_dark"], None)[0]["text"] == zh
    assert messages(["too_dark"], "pt-BR")[0]["lang"] == "pt"
    assert messages(["too_dark"], " ZH_cn ")[0]["lang"] == "zh"
    data = json.loads(guidance.DATA_FILE.read_text(encoding="utf-8"))
    del data["issues"]["too_far"]["text"]["ko"]
    del data["issues"]["too_near"]["text"]["ko"]
    del data["issues"]["too_near"]["text"]["zh"]
    monkeypatch.setattr(guidance, "_catalogue", lambda: data)
    got = {m["code"]: m["lang"] for m in messages(["too_far", "too_near", "too_dark"], "ko")}
    assert got == {"too_dark": "ko", "too_far": "zh", "too_near": "en"}


def test_messages_order_direction_and_unknown_codes() -> None:
    out = messages(["hand_out_of_frame", "too_dark", "too_dark"], "ar")
    assert [m["code"] for m in out] == ["too_dark", "hand_out_of_frame"]
    assert {m["dir"] for m in out} == {"rtl"} and messages(["too_dark"], "fa")[0]["dir"] == "rtl"
    assert messages(["too_dark"], "en")[0]["dir"] == "ltr"
    assert messages([], "zh") == []
    with pytest.raises(ValueError):
        messages(["<script>"], "zh")


def test_pictograms_are_plain_self_contained_svg() -> None:
    seen: set[str] = set()
    for m in messages(ISSUES, "zh"):
        pic = m["pictogram"]
        seen.add(pic["id"])
        assert pic["src"].startswith("data:image/svg+xml;base64,")
        assert base64.b64decode(pic["src"].split(",", 1)[1]).decode("utf-8") == pic["svg"]
        root = ET.fromstring(pic["svg"])
        assert root.tag == "{http://www.w3.org/2000/svg}svg" and root.get("viewBox") == "0 0 64 64"
        for el in root.iter():
            assert el.tag.split("}")[1] in {"svg", "g", "path", "rect", "circle", "ellipse"}, el.tag
            for name, value in el.attrib.items():
                assert not name.lower().startswith("on") and "href" not in name, name
                assert "url(" not in value and "javascript" not in value.lower()
    assert len(seen) == len(ISSUES)  # one distinct pictogram per issue
