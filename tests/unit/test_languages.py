"""The languages registry: lookup, configuration and UI strings with English fallback."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

import languages
from languages import registry
from gateway.errors import UnknownLanguage

SHARED = json.loads((Path(registry.DATA_DIR) / "languages.json").read_text(encoding="utf-8"))
EXPECTED_FOREIGN = ["en", "ja", "ko", "fr", "de", "es", "ru", "it", "fa", "th",
                    "ar", "pt", "id", "ms", "vi", "tr", "uk", "hi"]


@pytest.fixture(autouse=True)
def _reset() -> Iterator[None]:
    languages.configure(None)
    languages.clear_cache()
    yield
    languages.configure(None)
    languages.clear_cache()


def test_eighteen_foreign_languages_in_file_order() -> None:
    codes = [lang.code for lang in languages.foreign_languages()]
    assert codes == EXPECTED_FOREIGN
    assert codes == [item["code"] for item in SHARED["foreign_languages"]]
    assert all(lang.kind == "foreign" for lang in languages.foreign_languages())


def test_all_languages_adds_working_and_sign() -> None:
    codes = [lang.code for lang in languages.all_languages()]
    assert codes == EXPECTED_FOREIGN + ["zh", "csl"]
    assert languages.WORKING.code == "zh" and languages.WORKING.kind == "working"
    assert languages.WORKING.engine == "zh"
    assert languages.SIGN.code == "csl" and languages.SIGN.kind == "sign"
    assert languages.SIGN.engine is None


def test_get_is_case_insensitive_and_strips() -> None:
    assert languages.get(" JA ") is languages.get("ja")
    assert languages.get("Fa").dir == "rtl"
    assert languages.get("ar").dir == "rtl"
    assert languages.get("de").dir == "ltr"
    assert languages.get("ja").native == "日本語"
    assert languages.get("uk").en == "Ukrainian"
    assert languages.get("CSL") is languages.SIGN


@pytest.mark.parametrize("bad", ["xx", "zh-CN", "en_US", "", "  ", "english"])
def test_unknown_codes_raise_with_served_list(bad: str) -> None:
    with pytest.raises(UnknownLanguage) as info:
        languages.get(bad)
    assert info.value.code == "unknown_language"
    assert "served languages are: en, ja, ko" in info.value.message
    assert info.value.message.rstrip().endswith("zh, csl")


def test_non_string_code_raises_unknown_language() -> None:
    with pytest.raises(UnknownLanguage):
        languages.get(None)  # type: ignore[arg-type]
    assert languages.is_served(3) is False  # type: ignore[arg-type]


def test_unknown_message_names_the_code() -> None:
    with pytest.raises(UnknownLanguage, match="unknown language 'xx'"):
        languages.get("xx")


def test_is_served() -> None:
    assert languages.is_served("EN")
    assert languages.is_served("zh") and languages.is_served("csl")
    assert not languages.is_served("nl")


def test_configure_restricts_and_keeps_file_order() -> None:
    languages.configure(["ru", "EN", "ja", "zh"])
    assert [lang.code for lang in languages.foreign_languages()] == ["en", "ja", "ru"]
    assert languages.served_codes() == ["en", "ja", "ru", "zh", "csl"]
    assert not languages.is_served("fr")
    with pytest.raises(UnknownLanguage, match="not served by this deployment; served languages are: en, ja, ru, zh, csl"):
        languages.get("fr")
    assert languages.get("csl") is languages.SIGN
    languages.configure(None)
    assert len(languages.foreign_languages()) == 18


def test_configure_rejects_unknown_codes_and_keeps_previous_setting() -> None:
    languages.configure(["en"])
    with pytest.raises(UnknownLanguage, match="cannot serve unknown language 'klingon'"):
        languages.configure(["ja", "klingon"])
    assert [lang.code for lang in languages.foreign_languages()] == ["en"]


def test_language_is_frozen_and_serialises() -> None:
    lang = languages.get("ko")
    with pytest.raises(AttributeError):
        lang.code = "xx"  # type: ignore[misc]
    assert lang.to_dict() == {"code": "ko", "name": "Korean", "native": "한국어", "dir": "ltr",
                              "engine": "ko", "kind": "foreign"}


@pytest.fixture
def ui_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(registry, "UI_DIR", tmp_path)
    languages.clear_cache()
    return tmp_path


def test_ui_strings_fall_back_to_english_per_key(ui_dir: Path) -> None:
    (ui_dir / "en.json").write_text(json.dumps({"title": "Call 12345", "send": "Send", "end": "End"}))
    (ui_dir / "ja.json").write_text(json.dumps({"title": "12345に電話", "send": "送信"}), encoding="utf-8")
    assert languages.ui_strings("JA") == {"title": "12345に電話", "send": "送信", "end": "End"}
    assert languages.ui_strings("en") == {"title": "Call 12345", "send": "Send", "end": "End"}
    assert languages.ui_strings("ko") == {"title": "Call 12345", "send": "Send", "end": "End"}


def test_ui_strings_without_english_file_is_empty(ui_dir: Path) -> None:
    assert languages.ui_strings("en") == {}
    (ui_dir / "fr.json").write_text(json.dumps({"send": "Envoyer"}))
    assert languages.ui_strings("fr") == {"send": "Envoyer"}


def test_ui_strings_tolerate_bad_files_and_are_copies(ui_dir: Path) -> None:
    (ui_dir / "en.json").write_text(json.dumps({"send": "Send", "n": 3}))
    (ui_dir / "de.json").write_text("{not json")
    (ui_dir / "es.json").write_text(json.dumps(["a list"]))
    assert languages.ui_strings("de") == {"send": "Send"}
    assert languages.ui_strings("es") == {"send": "Send"}
    first = languages.ui_strings("en")
    first["send"] = "changed"
    assert languages.ui_strings("en")["send"] == "Send"


def test_ui_strings_are_cached_until_cleared(ui_dir: Path) -> None:
    (ui_dir / "en.json").write_text(json.dumps({"send": "Send"}))
    assert languages.ui_strings("en") == {"send": "Send"}
    (ui_dir / "en.json").write_text(json.dumps({"send": "Submit"}))
    assert languages.ui_strings("en") == {"send": "Send"}
    languages.clear_cache()
    assert languages.ui_strings("en") == {"send": "Submit"}


def test_ui_strings_reject_unserved_codes_before_touching_files(ui_dir: Path) -> None:
    with pytest.raises(UnknownLanguage):
        languages.ui_strings("../en")
