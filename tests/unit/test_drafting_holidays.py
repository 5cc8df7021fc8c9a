"""Holiday names as event dates: 19 languages, past vs future, modifiers, years, the lunar table."""

from __future__ import annotations

import datetime as dt

import pytest

from translate.drafting._data import load_json
from translate.drafting.dates import event_date, extract_date
from translate.drafting.holidays import FIXED, TABLE, holiday_date, resolve

WED = "2027-01-06T09:30:00+08:00"      # just after New Year
SAT = "2026-11-28T10:00:00+08:00"
MAR = "2027-03-01T10:00:00+08:00"
JUL = "2027-07-01T10:00:00+08:00"
D = dt.date


@pytest.mark.parametrize(("lang", "text", "ref", "expected"), [
    # New Year's Day / Eve
    ("en", "On New Year's Eve the fireworks next door kept us awake", WED, "2026-12-31"),
    ("en", "the shop was closed on New Year's Day", WED, "2027-01-01"),
    ("zh", "元旦那天我在超市买的牛奶有问题", WED, "2027-01-01"),
    ("zh", "元旦那天我在山姆会员店买的牛奶变质了", WED, "2027-01-01"),   # 那天 beats the 会 of 会员
    ("zh", "下个元旦", WED, "2028-01-01"),
    ("zh", "跨年夜楼上一直很吵", WED, "2026-12-31"),
    ("ja", "大晦日に隣の家がうるさかった", WED, "2026-12-31"),
    ("ja", "元日に買いました", WED, "2027-01-01"),
    ("ko", "새해 첫날 택시를 탔어요", WED, "2027-01-01"),
    ("fr", "le jour de l'An", WED, "2027-01-01"),
    ("fr", "au réveillon du Nouvel An", WED, "2026-12-31"),
    ("de", "an Silvester", WED, "2026-12-31"),
    ("de", "an Neujahr", WED, "2027-01-01"),
    ("es", "en Nochevieja", WED, "2026-12-31"),
    ("it", "a Capodanno", WED, "2027-01-01"),
    ("pt", "no Réveillon", WED, "2026-12-31"),
    ("ru", "на Новый год", WED, "2027-01-01"),
    ("ru", "в канун Нового года", WED, "2026-12-31"),
    ("ru", "в прошлом году на Новый год", WED, "2026-01-01"),
    ("ru", "на старый Новый год", "2027-01-20T10:00:00+08:00", "2027-01-14"),
    ("uk", "на Новий рік", WED, "2027-01-01"),
    ("ar", "في ليلة رأس السنة", WED, "2026-12-31"),
    ("th", "วันขึ้นปีใหม่", WED, "2027-01-01"),
    ("th", "วันสิ้นปี", WED, "2026-12-31"),
    ("vi", "Tết Dương lịch", WED, "2027-01-01"),
    ("id", "malam tahun baru", WED, "2026-12-31"),
    ("tr", "Yılbaşında", WED, "2027-01-01"),
    ("tr", "yılbaşı gecesi", WED, "2026-12-31"),
    ("hi", "नए साल के दिन", WED, "2027-01-01"),
    # Christmas Eve / Day: past, future, last/next/this
    ("en", "The heating broke down on Christmas Day", WED, "2026-12-25"),
    ("en", "on Christmas Eve", SAT, "2025-12-24"),
    ("en", "My visa expires on Christmas Eve", SAT, "2026-12-24"),
    ("en", "The shop will be closed on Christmas Eve", SAT, "2026-12-24"),
    ("en", "The shop cheated me on Christmas Eve", SAT, "2025-12-24"),
    ("en", "next Christmas", WED, "2027-12-25"),
    ("en", "last Christmas", WED, "2026-12-25"),
    ("en", "this coming Christmas", SAT, "2026-12-25"),
    ("zh", "平安夜", SAT, "2025-12-24"),
    ("zh", "圣诞节", WED, "2026-12-25"),
    ("ja", "去年のクリスマス", WED, "2026-12-25"),
    ("ko", "크리스마스 이브", SAT, "2025-12-24"),
    ("fr", "à Noël dernier", SAT, "2025-12-25"),
    ("fr", "Noël prochain", SAT, "2026-12-25"),
    ("de", "an Heiligabend", SAT, "2025-12-24"),
    ("de", "nächstes Weihnachten", SAT, "2026-12-25"),
    ("es", "la Navidad pasada", SAT, "2025-12-25"),
    ("es", "Nochebuena", SAT, "2025-12-24"),
    ("it", "la vigilia di Natale", SAT, "2025-12-24"),
    ("it", "il Natale scorso", SAT, "2025-12-25"),
    ("pt", "no Natal", SAT, "2025-12-25"),
    ("ru", "на Рождество", "2027-01-10T10:00:00+08:00", "2027-01-07"),    # Orthodox
    ("ru", "на католическое Рождество", WED, "2026-12-25"),
    ("ru", "в сочельник", "2027-01-10T10:00:00+08:00", "2027-01-06"),
    ("uk", "на Різдво", WED, "2026-12-25"),
    ("uk", "на Святвечір", WED, "2026-12-24"),
    ("ar", "عيد الميلاد", SAT, "2025-12-25"),
    ("ar", "عيد الميلاد القادم", SAT, "2026-12-25"),
    ("fa", "شب کریسمس", SAT, "2025-12-24"),
    ("fa", "کریسمس گذشته", WED, "2026-12-25"),
    ("th", "คริสต์มาส", SAT, "2025-12-25"),
    ("vi", "đêm Giáng Sinh", SAT, "2025-12-24"),
    ("id", "Natal tahun lalu", WED, "2026-12-25"),
    ("ms", "Krismas", SAT, "2025-12-25"),
    ("tr", "Noel'de", SAT, "2025-12-25"),
    ("tr", "geçen Noel", WED, "2026-12-25"),
    ("hi", "क्रिसमस पर", SAT, "2025-12-25"),
    ("hi", "क्रिसमस पर मैं आऊंगा", SAT, "2026-12-25"),
    ("hi", "पिछले साल क्रिसमस पर", WED, "2026-12-25"),
    # Labour Day, National Day, Valentine's Day, Halloween
    ("en", "May Day", SAT, "2026-05-01"),
    ("en", "during the National Day holiday", SAT, "2026-10-01"),
    ("en", "Valentine's Day", SAT, "2026-02-14"),
    ("en", "on Halloween", SAT, "2026-10-31"),
    ("zh", "五一假期", SAT, "2026-05-01"),
    ("zh", "劳动节", SAT, "2026-05-01"),
    ("zh", "十一期间", SAT, "2026-10-01"),
    ("zh", "十一那天", SAT, "2026-10-01"),
    ("zh", "国庆节那天", SAT, "2026-10-01"),
    ("zh", "國慶節", SAT, "2026-10-01"),
    ("zh", "情人节", SAT, "2026-02-14"),
    ("zh", "万圣节", SAT, "2026-10-31"),
    ("fr", "pendant la fête nationale chinoise", SAT, "2026-10-01"),
    ("es", "el Día del Trabajo", SAT, "2026-05-01"),
    ("pt", "Dia do Trabalho", SAT, "2026-05-01"),
    ("ru", "на Первомай", SAT, "2026-05-01"),
    ("ar", "عيد الحب", SAT, "2026-02-14"),
    ("fa", "روز جهانی کارگر", SAT, "2026-05-01"),
    ("vi", "Quốc khánh Trung Quốc", SAT, "2026-10-01"),
    ("id", "Hari Buruh", SAT, "2026-05-01"),
    ("ms", "Hari Pekerja", SAT, "2026-05-01"),
    ("tr", "Sevgililer Günü", SAT, "2026-02-14"),
    ("tr", "İşçi Bayramı", SAT, "2026-05-01"),
    ("hi", "मजदूर दिवस", SAT, "2026-05-01"),
    # lunar holidays and Qingming
    ("en", "during Chinese New Year", WED, "2026-02-17"),
    ("en", "during Chinese New Year", MAR, "2027-02-06"),
    ("en", "Mid-Autumn Festival", SAT, "2026-09-25"),
    ("en", "Dragon Boat Festival", JUL, "2027-06-09"),
    ("en", "Tomb-Sweeping Day", "2027-05-01T10:00:00+08:00", "2027-04-05"),
    ("en", "Lantern Festival", MAR, "2027-02-20"),
    ("zh", "除夕夜", WED, "2026-02-16"),
    ("zh", "大年初一", WED, "2026-02-17"),
    ("zh", "春節", WED, "2026-02-17"),
    ("zh", "今年春节", WED, "2027-02-06"),
    ("zh", "春节快到了", WED, "2027-02-06"),
    ("zh", "工作许可春节前到期", WED, "2027-02-06"),
    ("zh", "元宵节", WED, "2026-03-03"),
    ("zh", "端午节", SAT, "2026-06-19"),
    ("zh", "前年端午", WED, "2025-05-31"),
    ("zh", "去年中秋节", WED, "2026-09-25"),
    ("zh", "中秋节那天", "2025-12-01T10:00:00+08:00", "2025-10-06"),
    ("zh", "清明节去扫墓", "2027-05-01T10:00:00+08:00", "2027-04-05"),
    ("ja", "春節に買いました", WED, "2026-02-17"),
    ("ja", "来年の春節", WED, "2028-01-26"),
    ("ja", "中秋節", SAT, "2026-09-25"),
    ("ko", "설날", WED, "2026-02-17"),
    ("ko", "다음 설날", WED, "2027-02-06"),
    ("ko", "작년 추석", WED, "2026-09-25"),
    ("fr", "le Nouvel An chinois", WED, "2026-02-17"),
    ("fr", "fête de la mi-automne", SAT, "2026-09-25"),
    ("de", "Drachenbootfest", SAT, "2026-06-19"),
    ("es", "Año Nuevo chino", WED, "2026-02-17"),
    ("it", "Capodanno cinese", WED, "2026-02-17"),
    ("pt", "Ano Novo Chinês", WED, "2026-02-17"),
    ("ru", "китайский Новый год", WED, "2026-02-17"),
    ("ru", "праздник середины осени", SAT, "2026-09-25"),
    ("uk", "китайський Новий рік", WED, "2026-02-17"),
    ("ar", "رأس السنة الصينية", WED, "2026-02-17"),
    ("fa", "سال نو چینی", WED, "2026-02-17"),
    ("th", "ตรุษจีน", WED, "2026-02-17"),
    ("th", "ตรุษจีนปีหน้า", WED, "2028-01-26"),
    ("th", "ไหว้พระจันทร์", SAT, "2026-09-25"),
    ("vi", "Tết Nguyên Đán", WED, "2026-02-17"),
    ("vi", "Tết năm ngoái", WED, "2026-02-17"),
    ("vi", "Trung Thu", SAT, "2026-09-25"),
    ("vi", "Tết Đoan Ngọ", SAT, "2026-06-19"),
    ("id", "Imlek", WED, "2026-02-17"),
    ("id", "Cap Go Meh", MAR, "2027-02-20"),
    ("ms", "Tahun Baru Cina", WED, "2026-02-17"),
    ("ms", "Pesta Tanglung", SAT, "2026-09-25"),
    ("tr", "Çin Yeni Yılı", WED, "2026-02-17"),
    ("hi", "चीनी नव वर्ष", WED, "2026-02-17"),
    # explicit years
    ("en", "Christmas 2025", WED, "2025-12-25"),
    ("de", "Weihnachten 2024", WED, "2024-12-25"),
    ("zh", "2025年春节", WED, "2025-01-29"),
    ("zh", "2022年的中秋节", WED, "2022-09-10"),
    ("th", "ตรุษจีนปี 2568", WED, "2025-01-29"),
])
def test_holiday_table(lang: str, text: str, ref: str, expected: str) -> None:
    assert event_date(text, lang, ref) == expected


@pytest.mark.parametrize(("lang", "text"), [
    ("zh", "十一月份开始一直漏水"),
    ("zh", "晚上十一点还在施工"),
    ("zh", "十一号楼的电梯坏了"),
    ("zh", "二十一那天"),
    ("zh", "五一路上的店"),
    ("zh", "来了十一个人"),
    ("zh", "买的圣诞树是坏的"),
    ("zh", "中秋月饼有问题"),
    ("zh", "清明上河图"),
    ("zh", "七夕情人节"),
    ("en", "Happy New Year"),
    ("en", "in the new year"),
    ("en", "the Christmas tree I bought is broken"),
    ("en", "it may day by day get worse"),
    ("fr", "le Père Noël"),
    ("it", "Babbo Natale"),
    ("pt", "minha cidade natal"),
    ("de", "den Weihnachtsbaum"),
    ("ar", "رأس السنة الهجرية"),
    ("ko", "설명서가 없어요"),
])
def test_not_holidays(lang: str, text: str) -> None:
    assert event_date(text, lang, SAT) is None


@pytest.mark.parametrize(("lang", "text", "ref"), [
    ("zh", "2031年春节", WED),
    ("zh", "2019年中秋节", WED),
    ("zh", "春节", "2031-03-01T10:00:00+08:00"),
    ("en", "next Chinese New Year", "2030-06-01T10:00:00+08:00"),
    ("ko", "추석", "2019-12-01T10:00:00+08:00"),
])
def test_outside_the_table_gives_none(lang: str, text: str, ref: str) -> None:
    assert event_date(text, lang, ref) is None


def test_fixed_holidays_have_no_year_limit() -> None:
    assert event_date("Christmas", "en", "2035-01-02T10:00:00+08:00") == "2034-12-25"


def test_result_kind_phrase_and_priority() -> None:
    r = extract_date("Our power went out on Christmas Eve.", "en", WED)
    assert (r.iso, r.kind, r.text) == ("2026-12-24", "holiday", "Christmas Eve") and r.confidence >= 0.85
    assert event_date("The pipe burst on December 20, just ahead of Christmas", "en", WED) == "2026-12-20"
    assert event_date("Spring Festival 春节那天", "en", WED) == "2026-02-17"             # zh names in other langs


def test_resolve_modes() -> None:
    ref = D(2026, 12, 25)
    assert resolve("christmas", ref, "past") == D(2026, 12, 25)
    assert resolve("christmas", ref, "last") == D(2025, 12, 25)
    assert resolve("christmas", ref, "future") == D(2026, 12, 25)
    assert resolve("christmas", ref, "next") == D(2027, 12, 25)
    assert resolve("spring_festival", ref, -1) == D(2025, 1, 29)
    assert resolve("spring_festival", D(2030, 6, 1), "next") is None
    assert holiday_date("mid_autumn", 2031) is None


def test_every_language_names_every_holiday() -> None:
    langs = load_json("holidays.json")["langs"]
    assert sorted(langs) == sorted("en ja ko fr de es ru it fa th ar pt id ms vi tr uk hi zh".split())
    core = {"new_year", "new_years_eve", "christmas_eve", "christmas", "labour_day", "national_day",
            "valentines_day", "halloween", "chinese_new_years_eve", "spring_festival", "lantern",
            "dragon_boat", "mid_autumn", "qingming"}
    for code, raw in langs.items():
        assert core <= set(raw["names"]), (code, core - set(raw["names"]))
        assert set(raw["names"]) <= set(FIXED) | set(TABLE), code


def test_lunar_table_is_complete_and_consistent() -> None:
    years = set(range(2020, 2031))
    for key in ("spring_festival", "chinese_new_years_eve", "lantern", "dragon_boat", "mid_autumn", "qingming"):
        assert set(TABLE[key]) == years, key
    assert (TABLE["spring_festival"][2025], TABLE["spring_festival"][2026], TABLE["spring_festival"][2027]) == \
        (D(2025, 1, 29), D(2026, 2, 17), D(2027, 2, 6))
    assert (TABLE["mid_autumn"][2025], TABLE["mid_autumn"][2026], TABLE["mid_autumn"][2027]) == \
        (D(2025, 10, 6), D(2026, 9, 25), D(2027, 9, 15))
    assert (TABLE["dragon_boat"][2025], TABLE["dragon_boat"][2026], TABLE["dragon_boat"][2027]) == \
        (D(2025, 5, 31), D(2026, 6, 19), D(2027, 6, 9))
    lunation = 29.530589
    for y in sorted(years):
        sf = TABLE["spring_festival"][y]
        assert D(y, 1, 21) <= sf <= D(y, 2, 20)
        assert TABLE["lantern"][y] == sf + dt.timedelta(days=14)
        assert TABLE["chinese_new_years_eve"][y] == sf - dt.timedelta(days=1)
        assert TABLE["qingming"][y] in (D(y, 4, 4), D(y, 4, 5))
        # 端午 = 5th month day 5, 中秋 = 8th month day 15: whole lunations after 正月初一
        for key, day, months in (("dragon_boat", 5, (4, 5)), ("mid_autumn", 15, (7, 8))):
            gap = (TABLE[key][y] - dt.timedelta(days=day - 1) - sf).days / lunation
            assert round(gap) in months and abs(gap - round(gap)) < 0.06, (key, y, gap)
        if y < 2030:
            assert (TABLE["spring_festival"][y + 1] - sf).days in (354, 355, 383, 384, 385)


def test_lunar_table_matches_chinesecalendar() -> None:
    import chinese_calendar as cc   # a dependency of the gateway: always installed
    names = {"spring_festival": {"Spring Festival"}, "dragon_boat": {"Dragon Boat Festival"},
             "mid_autumn": {"Mid-autumn Festival", "National Day"},      # 2020: one merged holiday
             "qingming": {"Tomb-sweeping Day"}}
    checked = 0
    for key, labels in names.items():
        for year, day in TABLE[key].items():
            try:
                on_holiday, label = cc.get_holiday_detail(day)
            except NotImplementedError:          # the package's holiday data ends before 2030
                continue
            assert on_holiday and label in labels, (key, day, label)
            checked += 1
    assert checked >= 4 * 7 - 1
    for year, day in TABLE["qingming"].items():
        terms = cc.get_solar_terms(D(year, 4, 1), D(year, 4, 10))
        assert [d for d, name in terms if name == "清明"] == [day]
