"""Request type and department from multilingual cues, and the DISTRICT fallback."""

from __future__ import annotations

import pytest

from translate.drafting import classify
from translate.drafting.drafter import draft_case

REF = "2026-11-28T10:00:00+08:00"


def draft(text: str, lang: str) -> dict:
    return draft_case({"id": "t", "lang": lang, "text": text, "reference_time": REF})


@pytest.mark.parametrize(("lang", "text", "category", "department"), [
    ("en", "How do I renew my residence permit?", "CONSULTATION", "EXIT_ENTRY"),
    ("en", "My landlord won't give back my deposit.", "COMPLAINT", "HOUSING"),
    ("en", "I want to report a factory dumping chemicals into the air at night.", "REPORT", "ECOLOGY_ENVIRONMENT"),
    ("en", "Please help, I left my bag in a taxi.", "HELP", "TRANSPORT"),
    ("en", "I suggest more recycling bins in the parks.", "SUGGESTION", "GREENING_CITY_APPEARANCE"),
    ("en", "I want to thank the nurses at the clinic.", "PRAISE", "HEALTH"),
    ("en", "Where can I get my tax refund when I leave China?", "CONSULTATION", "COMMERCE"),
    ("en", "How do I file my individual income tax?", "CONSULTATION", "TAX"),
    ("en", "My SIM card stopped working and I need it for my bank.", "HELP", "COMMUNICATIONS"),
    ("zh", "请问怎么办理工作许可？", "CONSULTATION", "SCIENCE_TECH"),
    ("zh", "老板拖欠工资三个月了。", "COMPLAINT", "HR_SOCIAL_SECURITY"),
    ("zh", "建议增加无障碍坡道。", "SUGGESTION", "DISABLED_FEDERATION"),
    ("zh", "感谢医院的医生。", "PRAISE", "HEALTH"),
    ("zh", "有人在路边无证摆摊。", "REPORT", "URBAN_MANAGEMENT"),
    ("zh", "我的医保卡怎么报销？", "CONSULTATION", "MEDICAL_INSURANCE"),
    ("fr", "Comment inscrire mon enfant à l'école ?", "CONSULTATION", "EDUCATION"),
    ("de", "Mein Vermieter gibt die Kaution nicht zurück.", "COMPLAINT", "HOUSING"),
    ("es", "¿Dónde puedo vacunar a mi hija?", "CONSULTATION", "HEALTH"),
    ("ru", "Помогите, я потерял паспорт.", "HELP", "EXIT_ENTRY"),
    ("ja", "タクシーに財布を置き忘れました。助けてください。", "HELP", "TRANSPORT"),
    ("ko", "비자 연장은 어떻게 하나요?", "CONSULTATION", "EXIT_ENTRY"),
    ("ar", "أريد أن أسأل كيف أسجل إقامتي في الفندق كأجنبي؟", "CONSULTATION", "EXIT_ENTRY"),
    ("th", "โรงงานปล่อยควันดำทุกคืน", "REPORT", "ECOLOGY_ENVIRONMENT"),
    ("hi", "मेरे मकान मालिक ने जमानत राशि वापस नहीं की है।", "COMPLAINT", "HOUSING"),
    ("vi", "Tôi muốn cảm ơn bác sĩ ở bệnh viện.", "PRAISE", "HEALTH"),
])
def test_clear_cases(lang: str, text: str, category: str, department: str) -> None:
    d = draft(text, lang)
    assert (d["category"], d["department"]) == (category, department)


def test_longer_cue_hides_shorter_one() -> None:
    # 'Visa card' is about payments (Commerce), not about a visa (Exit-Entry).
    assert draft("Can I pay with my Visa card in Shanghai?", "en")["department"] == "COMMERCE"
    assert draft("¿Puedo pagar con mi tarjeta Visa?", "es")["department"] == "COMMERCE"


def test_slingshot_fishing_goes_to_district_not_water() -> None:
    d = draft("Someone keeps shooting fish with a slingshot in the river in Putuo.", "en")
    assert d["department"] == "DISTRICT"
    assert d["category"] == "REPORT"
    # a fishing *facility* in a river is the Water Authority's
    assert draft("Someone set illegal fishing nets across the creek.", "en")["department"] == "WATER"


def test_community_matters_go_to_district() -> None:
    d = draft("Our residents' committee ignores the quarrel between neighbours over the corridor.", "en")
    assert d["department"] == "DISTRICT"
    assert draft("居委会不管楼道堆物的问题。", "zh")["department"] == "DISTRICT"


def test_unowned_matter_falls_back_to_district_with_low_confidence() -> None:
    d = draft("Something strange is going on here and nobody knows what to do.", "en")
    assert d["department"] == "DISTRICT"
    assert "low_confidence_department" in d["flags"]
    assert d["confidence"]["department"] < 0.5


def test_scores_and_confidence_are_bounded() -> None:
    scores = classify.score("My landlord refuses to return my deposit.", "en")
    assert scores.department["HOUSING"] > 0 and scores.category["COMPLAINT"] > 0
    dept = classify.decide_department(scores.department)
    assert dept.code == "HOUSING" and 0.5 < dept.confidence <= 1.0
    assert dept.ranking[0][0] == "HOUSING"
    weak = classify.decide_department({"HOUSING": 2.0, "TRANSPORT": 1.9})
    assert weak.confidence < 0.5 and weak.low


def test_every_language_has_cues_for_every_code() -> None:
    codes = set(classify.CATEGORY_CODES) | set(classify.DEPARTMENT_CODES)
    for lang in classify.keyword_languages():
        lex = classify.lexicon(lang)
        assert lex.lang == lang
        seen = {code for cue in lex.cues for code, _ in cue.targets}
        assert seen == codes, (lang, codes - seen)
        assert classify.cue_count(lang) >= 350


def test_arabic_script_cues_start_a_word() -> None:
    # کسی ("someone") must not fire inside تاکسی ("taxi")
    hits = classify.score("راننده تاکسی از من کرایه اضافه گرفت", "fa").hits
    assert not any(code == "REPORT" for _, code, _ in hits)
