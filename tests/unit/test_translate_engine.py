"""ArgosEngine on real Argos packages (tests/fixtures/argos, built by scripts/build_argos_fixtures.py).

Each test gets its own data directory and its own HOME, and checks at the end that
HOME stayed empty.  Argos keeps its settings in module globals:
``translate.argos_env.configure`` (called by the engine) re-points them at the
test's directory, and the fixture clears Argos's caches afterwards.
"""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from gateway.errors import InvalidField, PayloadTooLarge
from translate import argos_env
from translate.engine import ArgosEngine, EngineClosed, InvalidPackage, UnsupportedPair, install_from_paths, list_pairs

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures" / "argos"
CORPUS = ROOT / "scripts" / "fixture_corpus" / "hotline_en_zh_ja.tsv"
PACKAGES = {
    "en_zh": FIXTURES / "en_zh.argosmodel",
    "zh_en": FIXTURES / "zh_en.argosmodel",
    "ja_en": FIXTURES / "ja_en.argosmodel",
    "ko_zh": FIXTURES / "ko_zh-random.argosmodel",
}


def corpus() -> list[dict[str, str]]:
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    header = lines[0].split("\t")
    return [dict(zip(header, line.split("\t"))) for line in lines[1:]]


ROWS = corpus()
ROW = {r["en"]: r for r in ROWS}
LOST_PASSPORT = ROW["I lost my passport at Pudong Airport."]


@pytest.fixture
def home(tmp_path, monkeypatch):
    """A fake, empty HOME (and no inherited XDG dirs) that must still be empty afterwards.

    Also refuses any network connection that is not to loopback: nothing may download.
    """
    h = tmp_path / "home"
    h.mkdir()
    real_connect = socket.socket.connect

    def loopback_only(sock, address):
        if sock.family in (socket.AF_INET, socket.AF_INET6) and address[0] not in ("127.0.0.1", "::1", "localhost"):
            raise AssertionError(f"network access attempted: {address}")
        return real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", loopback_only)
    monkeypatch.setenv("HOME", str(h))
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(var, raising=False)
    yield h
    leftovers = sorted(str(p.relative_to(h)) for p in h.rglob("*"))
    assert leftovers == [], f"written under HOME: {leftovers}"


@pytest.fixture
def make_engine(tmp_path, home):
    engines = []

    def make(*names: str, **kwargs) -> ArgosEngine:
        engine = ArgosEngine(tmp_path / "data", **kwargs)
        engines.append(engine)
        if names:
            engine.install([PACKAGES[n] for n in names])
        return engine

    yield make
    for e in engines:
        e.close()
    argos_env.reset_caches()


@pytest.fixture
def engine(make_engine) -> ArgosEngine:
    return make_engine("en_zh", "zh_en", "ja_en", "ko_zh")


class Counting:
    """Wraps a CTranslate2 translator to count the real model calls."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.calls = 0
        self.sizes: list[int] = []

    def translate_batch(self, tokens, **kwargs):
        self.calls += 1
        self.sizes.append(len(tokens))
        return self.inner.translate_batch(tokens, **kwargs)


def count_calls(engine: ArgosEngine, source: str, target: str) -> Counting:
    hop = engine._hops[(source, target)]
    counting = Counting(engine._translator(hop))
    hop.translator = counting
    return counting


def argos_translate(text: str, source: str, target: str) -> str:
    from argostranslate import translate

    return translate.translate(text, source, target)


# ---------------------------------------------------------------------- packages and pairs

def test_fixtures_are_commit_sized():
    for name, path in PACKAGES.items():
        assert path.is_file(), f"missing fixture {path}: run scripts/build_argos_fixtures.py"
        assert path.stat().st_size <= 1_600_000, name


def test_install_and_pairs(make_engine, tmp_path):
    engine = make_engine()
    assert engine.pairs() == []
    installed = engine.install([PACKAGES["en_zh"], PACKAGES["ja_en"]])
    assert [(p["from"], p["to"]) for p in installed] == [("en", "zh"), ("ja", "en")]
    assert all(Path(p["path"]).is_relative_to(tmp_path / "data") for p in installed)
    engine.install([PACKAGES["zh_en"], PACKAGES["ko_zh"]])
    assert engine.pairs() == [
        {"from": "en", "to": "zh", "via": None},
        {"from": "ja", "to": "en", "via": None},
        {"from": "ja", "to": "zh", "via": "en"},
        {"from": "ko", "to": "zh", "via": None},
        {"from": "zh", "to": "en", "via": None},
    ]
    assert engine.has_pair("ja", "zh") and engine.has_pair("en", "en")
    assert not engine.has_pair("ko", "en") and not engine.has_pair("zh", "ja")
    # The CLI helper reads the same folder from metadata alone.
    assert list_pairs(tmp_path / "data") == engine.pairs()


def test_cli_install_helper(tmp_path, home):
    data = tmp_path / "cli-data"
    result = install_from_paths(data, [PACKAGES["en_zh"]])
    assert result[0]["from"] == "en" and result[0]["to"] == "zh"
    assert list_pairs(data) == [{"from": "en", "to": "zh", "via": None}]
    argos_env.reset_caches()


def test_reinstalling_a_pair_replaces_it(make_engine, tmp_path):
    engine = make_engine("en_zh")
    engine.install([PACKAGES["en_zh"]])
    folders = sorted(p.name for p in (tmp_path / "data" / "argos" / "packages").iterdir())
    assert folders == ["translate-en_zh-hotline_fixture"]
    assert engine.translate_sync(LOST_PASSPORT["en"], "en", "zh").text == LOST_PASSPORT["zh"]


def _zip(path: Path, files: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return path


def test_corrupt_packages_are_refused_and_installed_ones_keep_working(make_engine, tmp_path):
    engine = make_engine("en_zh")
    before = sorted(p.name for p in (tmp_path / "data" / "argos" / "packages").iterdir())

    random_bytes = tmp_path / "random.argosmodel"
    random_bytes.write_bytes(os.urandom(4096))
    no_metadata = _zip(tmp_path / "nometa.argosmodel", {"pkg/model/model.bin": b"x", "pkg/sentencepiece.model": b"x"})
    loose_files = _zip(tmp_path / "loose.argosmodel", {"metadata.json": b"{}", "model/model.bin": b"x"})
    good = zipfile.ZipFile(PACKAGES["en_zh"])
    folder = good.namelist()[0].split("/")[0]
    meta = json.loads(good.read(f"{folder}/metadata.json"))
    bad_meta = _zip(tmp_path / "badmeta.argosmodel", {
        "p/metadata.json": b"{not json", "p/model/model.bin": b"x", "p/sentencepiece.model": b"x"})
    # Valid layout and metadata, but a model that CTranslate2 cannot load: caught after extraction.
    broken_model = _zip(tmp_path / "broken.argosmodel", {
        f"{folder}/metadata.json": json.dumps({**meta, "to_code": "ja", "to_name": "Japanese"}).encode(),
        f"{folder}/model/model.bin": b"not a model",
        f"{folder}/model/config.json": good.read(f"{folder}/model/config.json"),
        f"{folder}/sentencepiece.model": good.read(f"{folder}/sentencepiece.model"),
    })
    good.close()
    truncated = tmp_path / "truncated.argosmodel"
    truncated.write_bytes(PACKAGES["ko_zh"].read_bytes()[:-2000])

    expected = {
        random_bytes: "zip archive", no_metadata: "metadata.json", loose_files: "one folder",
        bad_meta: "not valid JSON", broken_model: "does not load", truncated: "",
    }
    for path, words in expected.items():
        with pytest.raises(InvalidPackage) as err:
            engine.install([path])
        assert err.value.code == "invalid_package" and err.value.status == 422
        assert words in err.value.message and path.name in err.value.message
        # The package installed before still translates, and nothing was left behind.
        assert sorted(p.name for p in (tmp_path / "data" / "argos" / "packages").iterdir()) == before
        assert engine.translate_sync(LOST_PASSPORT["en"], "en", "zh").text == LOST_PASSPORT["zh"]
    # A bad file among good ones: nothing from the list is installed.
    with pytest.raises(InvalidPackage):
        engine.install([PACKAGES["ja_en"], random_bytes])
    assert not engine.has_pair("ja", "en")
    assert argos_translate(LOST_PASSPORT["en"], "en", "zh") == LOST_PASSPORT["zh"]


def _variant(src: Path, dest: Path, drop: str, add: dict[str, bytes]) -> Path:
    """A copy of a package without the files under ``drop`` and with ``add``."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dest, "w") as zout:
        folder = zin.namelist()[0].split("/")[0]
        for info in zin.infolist():
            if not info.filename.startswith(f"{folder}/{drop}"):
                zout.writestr(info, zin.read(info))
        for name, data in add.items():
            zout.writestr(f"{folder}/{name}", data)
    return dest


@pytest.mark.parametrize("extra", [{}, {"stanza/en/tokenize/model.pt": b"stanza data"}], ids=["no-sbd", "stanza"])
def test_packages_without_their_own_splitter_work_offline(make_engine, tmp_path, extra):
    """Like official packages: no minisbd/ (MiniSBD would download) or a stanza/ folder (no stanza here)."""
    engine = make_engine()
    variant = _variant(PACKAGES["en_zh"], tmp_path / "official-like.argosmodel", "minisbd/", extra)
    engine.install([variant])
    text = "I lost my passport at Pudong Airport. Please call me back."
    expected = LOST_PASSPORT["zh"] + " " + ROW["Please call me back."]["zh"]
    assert engine.translate_sync(text, "en", "zh").text == expected
    assert argos_translate(text, "en", "zh") == expected
    splitter = type(engine._hops[("en", "zh")].sentencizer).__name__
    assert splitter == ("StanzaSentencizer" if extra else "MiniSBDSentencizer")
    cache = tmp_path / "data" / "argos" / "share" / "argos-translate" / "minisbd"
    assert {"en.onnx", "ja.onnx", "zh-hans.onnx", "ko.onnx", "th.onnx"} <= {p.name for p in cache.iterdir()}


# ---------------------------------------------------------------------- translating

async def test_en_zh_reproduces_every_training_sentence(engine):
    results = await engine.translate_many([r["en"] for r in ROWS], "en", "zh")
    wrong = [(r["en"], t.text) for r, t in zip(ROWS, results) if t.text != r["zh"]]
    assert wrong == []
    assert all(t.route == ["en", "zh"] and t.flags == [] and not t.cached for t in results)


@pytest.mark.parametrize("row", ROWS[::23], ids=lambda r: r["en"][:30])
def test_zh_en_and_ja_en_training_sentences(engine, row):
    assert engine.translate_sync(row["zh"], "zh", "en").text == row["en"]
    assert engine.translate_sync(row["ja"], "ja", "en").text == row["en"]


async def test_ja_zh_pivots_through_english(engine):
    result = await engine.translate(LOST_PASSPORT["ja"], "ja", "zh")
    assert result.route == ["ja", "en", "zh"]
    assert result.text == LOST_PASSPORT["zh"]
    # Argos's own automatic pivot gives the same.
    assert argos_translate(LOST_PASSPORT["ja"], "ja", "zh") == LOST_PASSPORT["zh"]


def test_results_equal_argos_translate(engine):
    texts = [
        ("I lost my passport at Pudong Airport. My flight was cancelled.\n\nPlease call me back.", "en", "zh"),
        ("我的护照丢了。我需要看医生！\n我住在浦东新区。", "zh", "en"),
        ("浦東空港でパスポートをなくしました。救急車が必要です。", "ja", "zh"),
        ("여권을 잃어버렸습니다. 구급차가 필요합니다.", "ko", "zh"),
        ("  I need an ambulance.  ", "en", "zh"),
    ]
    for text, s, t in texts:
        assert engine.translate_sync(text, s, t).text == argos_translate(text, s, t)


async def test_repeated_phrase_comes_from_the_cache(engine):
    counting = count_calls(engine, "en", "zh")
    first = await engine.translate("Please call me back.", "en", "zh")
    second = await engine.translate("Please call me back.", "en", "zh")
    assert not first.cached and second.cached
    assert second.text == first.text == ROW["Please call me back."]["zh"]
    assert second.route == ["en", "zh"]
    assert counting.calls == 1
    engine.clear_cache()
    assert not (await engine.translate("Please call me back.", "en", "zh")).cached


async def test_concurrent_requests_are_batched(make_engine):
    engine = make_engine("en_zh", max_batch=16, batch_wait_ms=5)
    texts = [r["en"] for r in ROWS[:20]]
    counting = count_calls(engine, "en", "zh")
    concurrent = await asyncio.gather(*(engine.translate(t, "en", "zh") for t in texts))
    batched_calls = counting.calls
    assert batched_calls < 20, counting.sizes
    assert max(counting.sizes) > 1
    engine.clear_cache()
    sequential = [engine.translate_sync(t, "en", "zh") for t in texts]
    assert counting.calls - batched_calls == 20
    assert [c.text for c in concurrent] == [s.text for s in sequential] == [r["zh"] for r in ROWS[:20]]


async def test_pivot_batches_once_per_hop(engine):
    rows = ROWS[:12]
    first, second = count_calls(engine, "ja", "en"), count_calls(engine, "en", "zh")
    results = await asyncio.gather(*(engine.translate(r["ja"], "ja", "zh") for r in rows))
    assert [r.text for r in results] == [r["zh"] for r in rows]
    assert first.calls < len(rows) and second.calls < len(rows)


async def test_translation_does_not_block_the_event_loop(engine):
    # The random model decodes 256 tokens per sentence: a slow translation.
    text = " ".join(["여권을 잃어버렸습니다.", "구급차가 필요합니다.", "경찰을 보내 주세요."] * 2)
    ticks: list[float] = []
    stop = asyncio.Event()

    async def ticker() -> None:
        while not stop.is_set():
            ticks.append(time.perf_counter())
            await asyncio.sleep(0.002)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0.01)
    started = time.perf_counter()
    result = await engine.translate(text, "ko", "zh")
    elapsed = time.perf_counter() - started
    stop.set()
    await task
    assert result.text and result.route == ["ko", "zh"]
    during = [t for t in ticks if t >= started]
    gaps = [b - a for a, b in zip(ticks, ticks[1:])]
    assert elapsed > 0.05, "translation too fast to tell"
    assert len(during) >= 5, (elapsed, len(during))
    assert max(gaps) < max(0.25, elapsed / 3), (max(gaps), elapsed)


# ---------------------------------------------------------------------- errors

def test_unsupported_pair_lists_available_pairs(engine):
    with pytest.raises(UnsupportedPair) as err:
        engine.translate_sync("hello", "en", "ko")
    assert err.value.code == "unsupported_pair" and err.value.status == 400
    assert "'en' to 'ko'" in err.value.message
    assert "en→zh" in err.value.message and "ja→zh (via en)" in err.value.message


async def test_empty_and_oversized_text(make_engine):
    engine = make_engine("en_zh", max_chars=100)
    for text in ("", "   ", "\n\t"):
        with pytest.raises(InvalidField):
            await engine.translate(text, "en", "zh")
    with pytest.raises(PayloadTooLarge) as err:
        await engine.translate("a" * 101, "en", "zh")
    assert err.value.status == 413
    assert (await engine.translate("a" * 20 + " need help.", "en", "zh")).text


def test_same_language_returns_text_unchanged(engine):
    result = engine.translate_sync("  anything at all  ", "fr", "fr")
    assert result.text == "  anything at all  " and result.route == ["fr"]


def test_text_without_letters_is_kept(engine):
    assert engine.translate_sync("13800138000 !!", "en", "zh").text == "13800138000 !!"


async def test_closed_engine_refuses(make_engine):
    engine = make_engine("en_zh")
    engine.close()
    with pytest.raises(EngineClosed):
        await engine.translate("Please call me back.", "en", "zh")


# ---------------------------------------------------------------------- hooks

class Memory:
    def __init__(self, entries):
        self.entries = entries

    def lookup(self, text, source, target):
        return self.entries.get((text, source, target))


class Glossary:
    def segments(self, text, source, target):
        term = "Pudong Airport"
        if term not in text:
            return [(text, None)]
        before, after = text.split(term, 1)
        return [(before, None), (term, "浦东国际机场"), (after, None)]


class Quality:
    def __init__(self):
        self.seen = []

    def check(self, source_text, output_text, source, target):
        self.seen.append((source_text, output_text, source, target))
        return ["mt_repetition"] if len(set(output_text)) * 4 < len(output_text) else []


async def test_translation_memory_skips_the_model(make_engine):
    memory = Memory({("Hello there.", "en", "zh"): "你好。"})
    engine = make_engine("en_zh", memory=memory)
    counting = count_calls(engine, "en", "zh")
    result = await engine.translate("Hello there.", "en", "zh")
    assert result.text == "你好。" and result.from_memory and counting.calls == 0


async def test_glossary_term_the_model_misses_is_protected(make_engine):
    engine = make_engine("en_zh", glossary=Glossary())
    counting = count_calls(engine, "en", "zh")
    result = await engine.translate("I need a hotel near the airport. Pudong Airport", "en", "zh")
    assert result.text == ROW["I need a hotel near the airport."]["zh"] + "浦东国际机场"
    # first the whole text, two sentences (its output lacks 浦东国际机场); then only the
    # one piece without the term
    assert counting.calls == 2 and counting.sizes == [2, 1]


class ResidencePermitGlossary:
    def segments(self, text, source, target):
        before, after = text.split("residence permit", 1)
        return [(before, None), ("residence permit", "居留许可"), (after, None)]


async def test_glossary_term_the_model_gets_right_keeps_the_whole_sentence(make_engine):
    engine = make_engine("en_zh", glossary=ResidencePermitGlossary())
    counting = count_calls(engine, "en", "zh")
    result = await engine.translate("My residence permit was lost.", "en", "zh")
    assert result.text == ROW["My residence permit was lost."]["zh"] == "我的居留许可丢了。"
    assert counting.calls == 1           # translated in context, not cut into fragments


async def test_quality_flags_are_kept(make_engine):
    quality = Quality()
    engine = make_engine("en_zh", "ko_zh", quality=quality)
    bad = await engine.translate("여권을 잃어버렸습니다.", "ko", "zh")
    good = await engine.translate("I need an ambulance.", "en", "zh")
    assert bad.flags == ["mt_repetition"] and bad.text  # the MT output is kept; callers decide
    assert good.flags == []
    again = await engine.translate("여권을 잃어버렸습니다.", "ko", "zh")
    assert again.cached and again.flags == ["mt_repetition"]
    assert quality.seen[0][0] == "여권을 잃어버렸습니다." and quality.seen[0][2:] == ("ko", "zh")


# ---------------------------------------------------------------------- offline, in a fresh process

def test_fresh_process_stays_offline_and_out_of_home(tmp_path):
    """Import-time behaviour can only be seen in a new process: network off, HOME watched."""
    home = tmp_path / "home"
    home.mkdir()
    code = f"""
import socket, urllib.request
def refuse(*a, **k):
    raise AssertionError("network access attempted")
socket.socket.connect = refuse
socket.create_connection = refuse
urllib.request.urlopen = refuse
urllib.request.urlretrieve = refuse
from pathlib import Path
from translate.engine import ArgosEngine
engine = ArgosEngine(Path({str(tmp_path / 'data')!r}))
engine.install([Path({str(PACKAGES['ja_en'])!r}), Path({str(PACKAGES['en_zh'])!r})])
print(engine.translate_sync({LOST_PASSPORT['ja']!r}, "ja", "zh").text)
import argostranslate.translate
print(argostranslate.translate.translate({LOST_PASSPORT['en']!r}, "en", "zh"))
engine.close()
"""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("XDG_", "ARGOS_", "ORT_"))}
    env.update(HOME=str(home), PYTHONPATH=str(ROOT))
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout.splitlines() == [LOST_PASSPORT["zh"], LOST_PASSPORT["zh"]]
    assert sorted(str(p.relative_to(home)) for p in home.rglob("*")) == []
