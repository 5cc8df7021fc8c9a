"""Glossary: protected terms, boundaries, scripts, longest match, data integrity and bad files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import languages
from gateway.errors import InvalidField, UnknownLanguage
from translate.glossary import Glossary, default_glossary

ROOT = Path(__file__).resolve().parents[2]
DISTRICTS = json.loads((ROOT / "gateway" / "data" / "districts.json").read_text(encoding="utf-8"))
DEPARTMENTS = json.loads((ROOT / "gateway" / "data" / "departments.json").read_text(encoding="utf-8"))
DEV_CASES = ROOT / "bench" / "draft_cases" / "shared_dev.jsonl"  # the project's copy of the shared dev cases


@pytest.fixture(scope="module")
def g() -> Glossary:
    return Glossary.load()


def protected(pieces: list[tuple[str, str | None]]) -> list[tuple[str, str]]:
    return [(p, t) for p, t in pieces if t is not None]


# -- data ------------------------------------------------------------------------------------

def test_default_file_loads_with_many_terms(g: Glossary) -> None:
    assert len(g) >= 140
    assert default_glossary() is default_glossary()
    coverage = g.coverage()
    assert coverage["zh"] == coverage["en"] == len(g)
    for code in ("ja", "ko", "ru", "fr", "de", "es"):
        assert coverage[code] >= 45, code
    for lang in languages.foreign_languages():
        assert coverage.get(lang.code, 0) >= 8, lang.code


def test_all_sixteen_districts_with_their_chinese_names(g: Glossary) -> None:
    by_district = {t.district: t for t in g if t.kind == "district"}
    for d in DISTRICTS["districts"]:
        term = by_district[d["code"]]
        assert term.zh[0] == d["zh"]
        assert g.translate_term(d["en"], "en", "zh") == d["zh"]
        assert g.translate_term(d["zh"], "zh", "en") is not None
        assert term.name("ru") and term.name("ja") and term.name("ko")


def test_codes_refer_to_known_districts_and_departments(g: Glossary) -> None:
    districts = {d["code"] for d in DISTRICTS["districts"]}
    departments = {d["code"]: d for d in DEPARTMENTS["departments"]}
    for term in g:
        assert term.district is None or term.district in districts, term.id
        assert term.department is None or term.department in departments, term.id
    depts = {t.department: t for t in g if t.kind == "department"}
    assert set(depts) == set(departments)
    for code, dept in departments.items():
        assert depts[code].zh[0] == dept["zh"]
        assert depts[code].name("en") == dept["en"]


@pytest.mark.parametrize("english, chinese", [
    ("Hongqiao Railway Station", "虹桥火车站"), ("Pudong International Airport", "浦东国际机场"),
    ("Nanjing East Road", "南京东路"), ("Xujiahui", "徐家汇"), ("Zhangjiang", "张江"),
    ("Lujiazui", "陆家嘴"), ("The Bund", "外滩"), ("Zhujiajiao", "朱家角"),
    ("exit-entry", "出入境"), ("residence permit", "居留许可"), ("work permit", "工作许可"),
    ("visa extension", "签证延期"), ("12345 hotline", "12345市民服务热线"),
    ("property management company", "物业公司"), ("Hongqiao Airport", "虹桥国际机场"),
    ("People's Square", "人民广场"), ("Exit-Entry Administration Bureau", "市公安局出入境管理局"),
])
def test_required_terms(g: Glossary, english: str, chinese: str) -> None:
    assert g.translate_term(english, "en", "zh") == chinese
    assert g.translate_term(chinese, "zh", "en") is not None


@pytest.mark.parametrize("text, lang, chinese", [
    ("浦東国際空港", "ja", "浦东国际机场"), ("푸둥 국제공항", "ko", "浦东国际机场"),
    ("аэропорт Пудун", "ru", "浦东国际机场"), ("aéroport de Pudong", "fr", "浦东国际机场"),
    ("Flughafen Pudong", "de", "浦东国际机场"), ("aeropuerto de Pudong", "es", "浦东国际机场"),
    ("مطار بودونغ الدولي", "ar", "浦东国际机场"), ("فرودگاه بین‌المللی پودونگ", "fa", "浦东国际机场"),
    ("สนามบินผู่ตง", "th", "浦东国际机场"), ("पुडोंग हवाई अड्डा", "hi", "浦东国际机场"),
    ("sân bay Phố Đông", "vi", "浦东国际机场"), ("Pudong Havalimanı", "tr", "浦东国际机场"),
    ("Bandara Pudong", "id", "浦东国际机场"), ("Lapangan Terbang Pudong", "ms", "浦东国际机场"),
    ("Шанхай", "uk", "上海"), ("Xangai", "pt", "上海"), ("Thượng Hải", "vi", "上海"),
    ("เซี่ยงไฮ้", "th", "上海"), ("शंघाई", "hi", "上海"), ("شانگهای", "fa", "上海"),
])
def test_forms_in_other_scripts(g: Glossary, text: str, lang: str, chinese: str) -> None:
    assert g.translate_term(text, lang, "zh") == chinese


def test_target_forms_and_fallbacks(g: Glossary) -> None:
    assert g.translate_term("外滩", "zh", "ru") == "набережная Вайтань"
    assert g.translate_term("浦东国际机场", "zh", "ja") == "浦東国際空港"
    assert g.translate_term("虹桥火车站", "zh", "ko") == "훙차오역"
    # a place with no Hindi form falls back to its English name, Japanese to the characters
    assert g.translate_term("肇嘉浜路", "zh", "hi") == "Zhaojiabang Road"
    assert g.translate_term("肇嘉浜路", "zh", "ja") == "肇嘉浜路"
    # a hotline term with no form in the target is left to the translator
    assert g.translate_term("住宿登记", "zh", "fr") is None
    assert g.translate_term("发票", "zh", "fr") == "fapiao"
    assert g.translate_term("not a term", "en", "zh") is None
    assert g.translate_term("Pudong Airport today", "en", "zh") is None


# -- segments ----------------------------------------------------------------------------------

def test_segments_protect_terms_and_keep_the_rest(g: Glossary) -> None:
    text = "I took a taxi from Hongqiao Railway Station yesterday and left my laptop."
    pieces = g.segments(text, "en", "zh")
    assert pieces == [("I took a taxi from ", None), ("Hongqiao Railway Station", "虹桥火车站"),
                      (" yesterday and left my laptop.", None)]
    assert "".join(p for p, _ in pieces) == text


def test_multiple_terms_in_one_text(g: Glossary) -> None:
    text = ("My landlord in Jing'an refuses to return my deposit, and the property management "
            "company near Xujiahui says my residence permit is not their business.")
    assert protected(g.segments(text, "en", "zh")) == [
        ("Jing'an", "静安区"), ("property management company", "物业公司"),
        ("Xujiahui", "徐家汇"), ("residence permit", "居留许可")]


def test_longest_match_wins(g: Glossary) -> None:
    assert protected(g.segments("I land at Pudong International Airport.", "en", "zh")) == [
        ("Pudong International Airport", "浦东国际机场")]
    assert protected(g.segments("我在浦东国际机场", "zh", "en")) == [
        ("浦东国际机场", "Pudong International Airport")]
    assert protected(g.segments("黄浦江边的黄浦区", "zh", "en")) == [
        ("黄浦江", "Huangpu River"), ("黄浦区", "Huangpu District")]
    assert protected(g.segments("Nanjing East Road and Nanjing Road", "en", "zh")) == [
        ("Nanjing East Road", "南京东路"), ("Nanjing Road", "南京路")]
    # 金山 (Jinshan) inside 旧金山 (San Francisco) is not Jinshan
    assert [t.id for t in g.terms_in("我从旧金山来，住在金山区", "zh")] == ["san_francisco", "jinshan"]


def test_word_boundaries_for_latin_script(g: Glossary) -> None:
    assert protected(g.segments("I work at the Bundesamt.", "en", "zh")) == []
    assert protected(g.segments("Bunds and Bundle", "en", "zh")) == []
    assert protected(g.segments("We walked along the Bund at night.", "en", "zh")) == [
        ("the Bund", "外滩")]
    assert protected(g.segments("Pudongese food", "en", "zh")) == []
    assert protected(g.segments("(Pudong)", "en", "zh")) == [("Pudong", "浦东新区")]
    # "Bund" is a German word: only the promenade's German names count in German text
    assert protected(g.segments("Der Bund zahlt, das Bundesamt prüft.", "de", "zh")) == []
    assert protected(g.segments("Wir waren an der Bund-Promenade.", "de", "zh")) == [
        ("Bund-Promenade", "外滩")]
    # a Latin name needs no space next to Japanese text
    assert protected(g.segments("Pudongに住んでいます", "ja", "zh")) == [("Pudong", "浦东新区")]


def test_digits_are_boundaries_for_numbers(g: Glossary) -> None:
    assert protected(g.segments("Call the 12345 hotline.", "en", "zh")) == [
        ("12345 hotline", "12345市民服务热线")]
    assert protected(g.segments("Call 912345 hotline.", "en", "zh")) == []


def test_cjk_without_boundaries(g: Glossary) -> None:
    text = "浦东新区张江镇有一家工厂每天晚上排放黑烟"
    assert protected(g.segments(text, "zh", "en")) == [
        ("浦东新区", "Pudong New Area"), ("张江镇", "Zhangjiang")]
    assert protected(g.segments("昨日、徐家匯の店で", "ja", "zh")) == [("徐家匯", "徐家汇")]
    assert protected(g.segments("푸둥에서 비자 연장은 어떻게 하나요?", "ko", "zh")) == [
        ("푸둥", "浦东新区"), ("비자 연장", "签证延期")]
    assert protected(g.segments("ฉันอยู่ที่สนามบินผู่ตงตอนนี้", "th", "zh")) == [
        ("สนามบินผู่ตง", "浦东国际机场")]


def test_case_spacing_hyphens_and_apostrophes(g: Glossary) -> None:
    assert protected(g.segments("HONGQIAO  railway\nSTATION", "en", "zh")) == [
        ("HONGQIAO  railway\nSTATION", "虹桥火车站")]
    assert protected(g.segments("the exit entry office", "en", "zh")) == [
        ("exit entry", "出入境")]
    assert protected(g.segments("My flat in Jing’an", "en", "zh")) == [("Jing’an", "静安区")]
    assert protected(g.segments("ＰＵＤＯＮＧ", "en", "zh")) == [("ＰＵＤＯＮＧ", "浦东新区")]
    assert protected(g.segments("Şanghay ve HONGQIAO TREN İSTASYONU", "tr", "zh")) == [
        ("Şanghay", "上海"), ("HONGQIAO TREN İSTASYONU", "虹桥火车站")]


def test_cyrillic_inflection_and_arabic_clitics(g: Glossary) -> None:
    text = "Мой работодатель в районе Цзядин уволил меня. Я живу в Шанхае, в Пудуне."
    assert protected(g.segments(text, "ru", "zh")) == [
        ("Цзядин", "嘉定区"), ("Шанхае", "上海"), ("Пудуне", "浦东新区")]
    assert protected(g.segments("Путин и Путо", "ru", "zh")) == [("Путо", "普陀区")]
    assert protected(g.segments("Бундестаг", "ru", "zh")) == []
    pieces = g.segments("أريد الذهاب إلى مطار بودونغ الدولي وشنغهاي", "ar", "zh")
    assert protected(pieces) == [("مطار بودونغ الدولي", "浦东国际机场"), ("شنغهاي", "上海")]
    assert pieces[-2] == (" و", None)


def test_terms_without_target_form_are_left_to_the_translator(g: Glossary) -> None:
    text = "I need accommodation registration near the Bund."
    assert protected(g.segments(text, "en", "fr")) == [("the Bund", "le Bund")]


def test_segments_edge_cases(g: Glossary) -> None:
    assert g.segments("", "en", "zh") == []
    assert g.segments("no terms here", "en", "zh") == [("no terms here", None)]
    assert g.segments("Pudong", "en", "en") == [("Pudong", None)]
    with pytest.raises(UnknownLanguage):
        g.segments("Pudong", "xx", "zh")
    with pytest.raises(UnknownLanguage):
        g.segments("Pudong", "en", "csl")


def test_terms_in_finds_the_place_of_every_dev_case(g: Glossary) -> None:
    cases = [json.loads(line) for line in DEV_CASES.read_text(encoding="utf-8").splitlines()
             if line.strip()]
    placed = [c for c in cases if c["expect"]["district"]]
    assert len(placed) >= 15
    for case in placed:
        found = [t.district for t in g.terms_in(case["text"], case["lang"]) if t.district]
        assert found and found[0] == case["expect"]["district"], case["id"]


def test_terms_in_is_distinct_and_ordered(g: Glossary) -> None:
    terms = g.terms_in("Pudong, Xujiahui, then Pudong again", "en")
    assert [t.id for t in terms] == ["pudong", "xujiahui"]
    matches = g.matches("Pudong, Xujiahui, then Pudong again", "en")
    assert [(m.start, m.end) for m in matches] == [(0, 6), (8, 16), (23, 29)]


# -- malformed files -------------------------------------------------------------------------

def _write(tmp_path: Path, terms: object) -> Path:
    path = tmp_path / "glossary.json"
    path.write_text(json.dumps({"terms": terms}, ensure_ascii=False), encoding="utf-8")
    return path


GOOD = {"key": "xujiahui", "kind": "place", "zh": ["徐家汇"], "en": ["Xujiahui"]}


@pytest.mark.parametrize("entry, words", [
    ({"kind": "place", "zh": "徐家汇"}, "'key'"),
    ({"key": "a", "kind": "street", "zh": "徐家汇"}, "'kind'"),
    ({"key": "a", "kind": "place", "en": "Xujiahui"}, "'zh' is required"),
    ({"key": "a", "kind": "place", "zh": []}, "'zh'"),
    ({"key": "a", "kind": "place", "zh": "徐家汇", "jp": "徐家匯"}, "'jp'"),
    ({"key": "a", "kind": "place", "zh": "徐家汇", "en": [""]}, "'en'"),
    ({"key": "a", "kind": "place", "zh": "徐家汇", "en": "X", "en_only": "Y"}, "en_only"),
    ({"key": "a", "kind": "place", "zh": "徐家汇", "district": 5}, "'district'"),
])
def test_malformed_entry_is_named(tmp_path: Path, entry: dict, words: str) -> None:
    path = _write(tmp_path, [GOOD, entry])
    with pytest.raises(InvalidField) as err:
        Glossary.load(path)
    assert "entry 1" in err.value.message and words in err.value.message


def test_duplicate_keys_and_forms(tmp_path: Path) -> None:
    with pytest.raises(InvalidField, match=r"entry 1 \('xujiahui'\).*repeats entry 0"):
        Glossary.load(_write(tmp_path, [GOOD, GOOD]))
    other = {"key": "other", "kind": "place", "zh": ["别处"], "en": ["XUJIAHUI"]}
    with pytest.raises(InvalidField, match=r"entry 1 \('other'\).*already used by.*xujiahui"):
        Glossary.load(_write(tmp_path, [GOOD, other]))


def test_unreadable_or_invalid_json(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("{ not json", encoding="utf-8")
    with pytest.raises(InvalidField, match="not valid JSON"):
        Glossary.load(bad)
    with pytest.raises(InvalidField, match="cannot read glossary"):
        Glossary.load(tmp_path / "missing.json")
    bad.write_text('{"entries": []}', encoding="utf-8")
    with pytest.raises(InvalidField, match="'terms' list"):
        Glossary.load(bad)
    assert len(Glossary.load(_write(tmp_path, [GOOD]))) == 1
