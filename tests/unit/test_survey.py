"""The callback survey in the 19 languages, with English fallback."""

from __future__ import annotations

import json

import pytest

import languages
from gateway.domain import survey
from gateway.domain.survey import survey_text

CODES = ["en", "zh", "ja", "ko", "fr", "de", "es", "ru", "uk", "ar", "fa", "pt", "it", "vi", "th", "id", "ms", "hi",
         "tr"]
RAW = json.loads(survey.SURVEY_FILE.read_text(encoding="utf-8"))["surveys"]


def test_all_nineteen_languages_and_every_key() -> None:
    assert sorted(survey.languages()) == sorted(CODES)
    assert sorted(CODES) == sorted(lang.code for lang in languages.all_languages() if lang.code != "csl")
    for code in CODES:
        entry = RAW[code]
        assert set(entry) == {*survey.TEXT_KEYS, "levels"}, code
        assert set(entry["levels"]) == {"1", "2", "3", "4", "5"}, code
        texts = [entry[k] for k in survey.TEXT_KEYS] + list(entry["levels"].values())
        assert all(isinstance(x, str) and x.strip() == x and x for x in texts), code
        assert len(set(entry["levels"].values())) == 5, code
        assert entry["yes"] != entry["no"], code
        if code != "en":
            assert entry["resolved_question"] != RAW["en"]["resolved_question"], code


def test_chinese_matches_the_catalog_scale() -> None:
    from gateway.domain import catalog
    zh = survey_text("zh")
    assert [(x["value"], x["label"]) for x in zh["levels"]] == [(s.code, s.zh) for s in catalog.SATISFACTION_SCALE]
    assert zh["levels"][0]["value"] == 5


def test_english_wording() -> None:
    en = survey_text("en")
    assert en["resolved_question"] == "Was your matter resolved?"
    assert en["satisfaction_question"] == "How satisfied are you with how it was handled?"
    assert en["note_question"] == "Anything else you want to tell us?"
    assert [x["label"] for x in en["levels"]] == ["Very satisfied", "Satisfied", "Fairly satisfied", "Dissatisfied",
                                                 "Very dissatisfied"]
    assert (en["yes"], en["no"], en["thanks"], en["dir"]) == ("Yes", "No", "Thank you", "ltr")


@pytest.mark.parametrize("lang,expected", [("xx", "en"), (None, "en"), ("", "en"), (" JA ", "ja"), ("csl", "zh"),
                                           ("zh-CN", "en")])
def test_fallback(lang: str | None, expected: str) -> None:
    got = survey_text(lang)
    assert got["lang"] == expected
    assert got["resolved_question"] == RAW[expected]["resolved_question"]


def test_right_to_left() -> None:
    assert survey_text("ar")["dir"] == "rtl" and survey_text("fa")["dir"] == "rtl"
    assert survey_text("ar")["yes"] == "نعم"


def test_missing_keys_fall_back_per_key(monkeypatch: pytest.MonkeyPatch) -> None:
    partial = {"en": RAW["en"], "de": {"yes": "Ja", "levels": {"5": "Sehr zufrieden"}}}
    monkeypatch.setattr(survey, "_surveys", lambda: partial)
    de = survey_text("de")
    assert de["lang"] == "de" and de["yes"] == "Ja" and de["no"] == "No"
    assert de["levels"][0]["label"] == "Sehr zufrieden" and de["levels"][1]["label"] == "Satisfied"
