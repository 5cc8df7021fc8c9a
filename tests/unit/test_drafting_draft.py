"""draft_case / draft_transcript: schema, flags, summary, translator and detector handling."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gateway.domain import catalog
from gateway.errors import InvalidField
from translate.drafting import draft_case, draft_transcript
from translate.drafting.summary import header_zh, summary_zh

REF = "2026-11-28T10:00:00+08:00"
DEV = Path(__file__).resolve().parents[2] / "bench" / "draft_cases" / "shared_dev.jsonl"  # copy of the shared dev cases
KEYS = {"id", "lang", "category", "department", "district", "event_date", "address", "summary_zh",
        "text_original", "confidence", "flags"}
FLAGS = {"mt_unavailable", "mt_suspect", "low_confidence_department", "low_confidence_category",
         "no_district", "language_detected"}


def case(text: str, lang: str | None = "en", **extra: object) -> dict:
    return {"id": "c1", "lang": lang, "text": text, "reference_time": REF, **extra}


def test_schema_and_codes() -> None:
    d = draft_case(case("My landlord in Jing'an refuses to return my deposit after I moved out on November 15."))
    assert set(d) == KEYS
    assert set(d["confidence"]) == {"category", "department", "district", "event_date"}
    assert all(0.0 <= v <= 1.0 for v in d["confidence"].values())
    assert set(d["flags"]) <= FLAGS
    assert d["category"] in {c.code for c in catalog.categories()}
    assert d["department"] in {x.code for x in catalog.departments()}
    assert d["district"] in {x.code for x in catalog.districts()}
    assert (d["category"], d["department"], d["district"], d["event_date"]) == \
        ("COMPLAINT", "HOUSING", "jingan", "2026-11-15")
    json.dumps(d, ensure_ascii=False)


def test_template_summary_without_mt() -> None:
    text = "My landlord in Jing'an refuses to return my deposit after I moved out on November 15."
    d = draft_case(case(text))
    s = d["summary_zh"]
    for part in ("【诉求类型】投诉", "【涉及部门】市住房和城乡建设管理委员会（市房屋管理局）",
                 "【地点】静安区", "【时间】2026-11-15", "（原文，英语）", text):
        assert part in s
    assert "mt_unavailable" in d["flags"]
    assert d["text_original"] == text


def test_chinese_case_needs_no_mt() -> None:
    d = draft_case(case("我家楼上邻居昨晚一直吵到凌晨两点，地址是杨浦区国权路，已经好几次了。", "zh"))
    assert "mt_unavailable" not in d["flags"]
    assert d["summary_zh"].endswith("【诉求】我家楼上邻居昨晚一直吵到凌晨两点，地址是杨浦区国权路，已经好几次了。")
    assert d["address"] == "杨浦区国权路"


def test_no_district_flag() -> None:
    d = draft_case(case("How do I extend my tourist visa? It expires on December 3."))
    assert d["district"] is None and "no_district" in d["flags"]
    assert "【地点】未提及" in d["summary_zh"]


def test_translator_used_for_summary_and_rules() -> None:
    calls = []

    def translator(text: str, source: str, target: str) -> tuple[str, list[str]]:
        calls.append((source, target))
        if target == "zh":
            return "房东拒绝退还押金。", []
        return "The landlord refuses to return the deposit.", []

    d = draft_case(case("Le bailleur ne rend pas l'argent.", "fr"), translator=translator)
    assert ("fr", "en") in calls and ("fr", "zh") in calls
    assert d["department"] == "HOUSING"
    assert "房东拒绝退还押金。" in d["summary_zh"] and "（原文，法语：" in d["summary_zh"]
    assert "mt_unavailable" not in d["flags"] and "mt_suspect" not in d["flags"]


def test_suspect_translation_is_ignored_and_flagged() -> None:
    def translator(text: str, source: str, target: str) -> tuple[str, list[str]]:
        return "tax tax tax income tax fapiao", ["mt_suspect"]

    d = draft_case(case("Mon propriétaire garde ma caution.", "fr"), translator=translator)
    assert "mt_suspect" in d["flags"]
    assert d["department"] == "HOUSING"                 # the suspect English was not used
    assert "tax" not in d["summary_zh"]


def test_translator_that_raises_degrades_visibly() -> None:
    def translator(text: str, source: str, target: str) -> tuple[str, list[str]]:
        raise LookupError("no package for this pair")

    d = draft_case(case("Mi casero no me devuelve la fianza.", "es"), translator=translator)
    assert "mt_unavailable" in d["flags"]
    assert d["department"] == "HOUSING"


def test_missing_language_uses_detector_and_flags_it() -> None:
    d = draft_case(case("Вчера таксист в аэропорту Пудун обманул меня.", None), detector=lambda t: "ru")
    assert d["lang"] == "ru" and "language_detected" in d["flags"]
    assert (d["department"], d["district"], d["event_date"]) == ("TRANSPORT", "pudong", "2026-11-27")


def test_missing_language_without_detector_guesses_by_script() -> None:
    assert draft_case(case("昨日、徐家匯の店で買った炊飯器が壊れていた。", None))["lang"] == "ja"
    assert draft_case(case("비자 연장은 어떻게 하나요?", None))["lang"] == "ko"
    assert draft_case(case("Mein Vermieter will die Kaution nicht zurückzahlen.", None))["lang"] == "de"


def test_bad_input_raises_invalid_field() -> None:
    with pytest.raises(InvalidField):
        draft_case({"id": "x", "lang": "en", "text": "   "})
    with pytest.raises(InvalidField):
        draft_case(case("hello", reference_time="not a time"))


def test_reference_time_defaults_to_now() -> None:
    d = draft_case({"id": "x", "lang": "en", "text": "The bus driver was rude yesterday."})
    assert d["event_date"] is not None


def test_transcript_later_line_refines_district() -> None:
    d = draft_transcript("en", [
        "Hello, my landlord refuses to return my deposit.",
        "I moved out on November 15, the flat is in Xuhui.",
        "Sorry, I mean Minhang, not Xuhui.",
    ], REF)
    assert (d["category"], d["department"], d["district"], d["event_date"]) == \
        ("COMPLAINT", "HOUSING", "minhang", "2026-11-15")
    assert "【地点】闵行区" in d["summary_zh"]
    with pytest.raises(InvalidField):
        draft_transcript("en", ["   "], REF)


def test_header_helper() -> None:
    h = header_zh(category="REPORT", department="DISTRICT", district="putuo", address=None, event_date=None)
    assert h == "【诉求类型】举报｜【涉及部门】区人民政府｜【地点】普陀区｜【时间】未提及"
    assert summary_zh("文本", "zh", {}).endswith("【诉求】文本")


def test_every_served_language_has_drafting_data() -> None:
    import languages
    from translate.drafting import classify
    from translate.drafting._data import load_json
    from translate.drafting.summary import LANGUAGE_NAMES_ZH
    codes = [lang.code for lang in languages.foreign_languages()] + [languages.WORKING.code]
    assert len(codes) == 19
    date_langs = load_json("dates.json")["langs"]
    for code in codes:
        assert code in classify.keyword_languages(), code
        assert code in date_langs, code
        assert code in LANGUAGE_NAMES_ZH, code


def _accuracy(lines: list[dict], field: str) -> float:
    ok = sum(1 for c in lines if draft_case(c)[field] == c["expect"][field])
    return ok / len(lines)


def test_dev_file_regression_guard_en_zh() -> None:
    cases = [json.loads(x) for x in DEV.read_text(encoding="utf-8").splitlines() if x.strip()]
    en_zh = [c for c in cases if c["lang"] in ("en", "zh")]
    assert _accuracy(en_zh, "department") >= 0.90
    assert _accuracy(en_zh, "category") >= 0.85
    assert _accuracy(en_zh, "district") >= 0.95
    assert _accuracy(en_zh, "event_date") >= 0.95
    others = [c for c in cases if c["lang"] not in ("en", "zh")]
    assert _accuracy(others, "district") >= 0.85
    assert _accuracy(others, "event_date") >= 0.90
