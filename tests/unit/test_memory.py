"""Translation memory: seed data, normalised exact lookups, both directions, pivot, save/load."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import languages
from gateway.errors import InvalidField, UnknownLanguage
from translate.memory import DATA_FILE, TranslationMemory, normalise

GREETING_ZH = "您好，这里是上海12345市民服务热线，请问有什么可以帮您？"
GREETING_EN = "Hello, this is the Shanghai 12345 hotline. How can I help you?"


@pytest.fixture
def tm() -> TranslationMemory:
    return TranslationMemory.load()


def test_seed_covers_every_served_language(tm: TranslationMemory) -> None:
    assert len(tm) >= 40
    foreign = {lang.code for lang in languages.foreign_languages()}
    assert foreign | {"zh"} == tm.languages()
    for code in foreign:
        assert tm.lookup(GREETING_ZH, "zh", code), code
        assert tm.lookup("请稍等。", "zh", code), code


def test_seed_file_is_valid_jsonl() -> None:
    for line in DATA_FILE.read_text(encoding="utf-8").splitlines():
        raw = json.loads(line)
        assert set(raw) == {"source", "target", "text", "translation"}


def test_exact_hit_and_miss(tm: TranslationMemory) -> None:
    assert tm.lookup(GREETING_EN, "en", "zh") == GREETING_ZH
    assert tm.lookup("Hello, this is the Beijing 12345 hotline. How can I help you?",
                     "en", "zh") is None
    assert tm.lookup("Please wait", "en", "zh") is None
    assert tm.lookup("", "en", "zh") is None
    assert tm.lookup("   ...", "en", "zh") is None


@pytest.mark.parametrize("variant", [
    "hello, this is the shanghai 12345 hotline. how can i help you",
    "  HELLO,  this is the Shanghai 12345 hotline.\nHow can I help you?!  ",
    "Hello, this is the Shanghai 12345 hotline. How can I help you？",
    "Hello, this is the Shanghai 12345 hotline. How can I help you...",
])
def test_normalisation(tm: TranslationMemory, variant: str) -> None:
    assert tm.lookup(variant, "en", "zh") == GREETING_ZH


def test_normalise_function() -> None:
    assert normalise("  Un instant, s’il vous plaît ! ") == "un instant, s'il vous plaît"
    assert normalise("¿En qué puedo ayudarle?") == "en qué puedo ayudarle"
    assert normalise("请稍等。") == normalise("请稍等") == "请稍等"
    assert normalise("ＡＢＣ　１２３") == "abc 123"


def test_both_directions_and_pivot(tm: TranslationMemory) -> None:
    assert tm.lookup("请稍等", "zh", "ja") == "少々お待ちください。"
    assert tm.lookup("少々お待ちください", "ja", "en") == "Please wait a moment."
    assert tm.lookup("Please wait a moment", "en", "ru") == "Подождите, пожалуйста, минутку."
    assert tm.lookup("Goodbye.", "en", "ja") is None   # no Japanese "再见" in memory
    assert tm.lookup("Please wait a moment", "en", "en") == "Please wait a moment"


def test_add_then_lookup_and_replace(tm: TranslationMemory) -> None:
    before = len(tm)
    tm.add("Where is the nearest police station?", "en", "zh", "最近的派出所在哪里？")
    assert len(tm) == before + 1
    assert tm.lookup("where is the nearest police station", "en", "zh") == "最近的派出所在哪里？"
    assert tm.lookup("最近的派出所在哪里", "zh", "en") == "Where is the nearest police station?"
    tm.add("Where is the nearest police station?", "en", "zh", "请问最近的派出所在哪里？")
    assert len(tm) == before + 1
    assert tm.lookup("Where is the nearest police station?", "en", "zh") == "请问最近的派出所在哪里？"
    assert tm.lookup("最近的派出所在哪里", "zh", "en") is None


def test_add_rejects_bad_input(tm: TranslationMemory) -> None:
    with pytest.raises(InvalidField):
        tm.add("  ", "en", "zh", "空")
    with pytest.raises(InvalidField):
        tm.add("Hello", "en", "zh", "。")
    with pytest.raises(InvalidField):
        tm.add("Hello", "en", "en", "Hello")
    with pytest.raises(UnknownLanguage):
        tm.add("Hello", "klingon", "zh", "你好")
    with pytest.raises(UnknownLanguage):
        tm.lookup("Hello", "en", "xx")


def test_save_load_round_trip(tm: TranslationMemory, tmp_path: Path) -> None:
    tm.add("My ticket number is 42.", "en", "zh", "我的工单号是42。")
    path = tmp_path / "sub" / "memory.jsonl"
    tm.save(path)
    again = TranslationMemory.load(path)
    assert len(again) == len(tm)
    assert list(again) == list(tm)
    assert again.lookup("my ticket number is 42", "en", "zh") == "我的工单号是42。"
    assert [p.name for p in path.parent.iterdir()] == ["memory.jsonl"]   # no temp file left
    tm.add("Thank you.", "en", "zh", "谢谢您。")
    tm.save(path)   # overwrite in place
    assert TranslationMemory.load(path).lookup("thank you", "en", "zh") == "谢谢您。"


def test_save_failure_leaves_old_file(tm: TranslationMemory, tmp_path: Path) -> None:
    path = tmp_path / "memory.jsonl"
    tm.save(path)
    before = path.read_bytes()
    broken = TranslationMemory()
    broken._entries[("en", "zh", "x")] = object()   # type: ignore[assignment]  # not serialisable
    with pytest.raises(TypeError):
        broken.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["memory.jsonl"]


@pytest.mark.parametrize("line, words", [
    ("{not json", "not valid JSON"),
    ('["en", "zh"]', "JSON object"),
    ('{"source": "en", "target": "zh", "text": "Hi"}', "'translation'"),
    ('{"source": "english", "target": "zh", "text": "Hi", "translation": "你好"}', "'source'"),
    ('{"source": "en", "target": "en", "text": "Hi", "translation": "Hi"}', "same"),
])
def test_malformed_line_is_named(tmp_path: Path, line: str, words: str) -> None:
    path = tmp_path / "memory.jsonl"
    good = json.dumps({"source": "en", "target": "zh", "text": "Hi", "translation": "你好"})
    path.write_text(f"{good}\n\n# comment\n{line}\n", encoding="utf-8")
    with pytest.raises(InvalidField) as err:
        TranslationMemory.load(path)
    assert "line 4" in err.value.message and words in err.value.message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InvalidField, match="cannot read translation memory"):
        TranslationMemory.load(tmp_path / "nope.jsonl")
