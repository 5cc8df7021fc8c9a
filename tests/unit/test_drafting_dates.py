"""Event dates: relative words in many languages, weekdays, explicit dates, durations, expiries."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from translate.drafting.dates import event_date, extract_date, reference_date

SAT = "2026-11-28T10:00:00+08:00"       # a Saturday
WED = "2027-01-06T09:30:00+08:00"


@pytest.mark.parametrize(("lang", "text", "expected"), [
    # relative days
    ("en", "was drilling until 2 a.m. last night", "2026-11-27"),
    ("en", "Yesterday evening a restaurant charged me", "2026-11-27"),
    ("en", "the day before yesterday", "2026-11-26"),
    ("en", "three days ago", "2026-11-25"),
    ("en", "since this morning", "2026-11-28"),
    ("fr", "hier soir", "2026-11-27"),
    ("fr", "avant-hier", "2026-11-26"),
    ("de", "gestern", "2026-11-27"),
    ("es", "anoche", "2026-11-27"),
    ("it", "l'altro ieri", "2026-11-26"),
    ("pt", "ontem", "2026-11-27"),
    ("ru", "вчера", "2026-11-27"),
    ("ru", "позавчера", "2026-11-26"),
    ("uk", "вчора", "2026-11-27"),
    ("zh", "昨晚一直吵到凌晨两点", "2026-11-27"),
    ("zh", "前天", "2026-11-26"),
    ("ja", "昨日、店で", "2026-11-27"),
    ("ja", "一昨日", "2026-11-26"),
    ("ko", "어제", "2026-11-27"),
    ("ar", "أمس فقدت هاتفي", "2026-11-27"),
    ("fa", "دیروز", "2026-11-27"),
    ("th", "เมื่อวาน", "2026-11-27"),
    ("tr", "Dün", "2026-11-27"),
    ("vi", "hôm qua", "2026-11-27"),
    ("id", "kemarin", "2026-11-27"),
    ("ms", "semalam", "2026-11-27"),
    # Hindi कल is yesterday or tomorrow: the verb decides
    ("hi", "कल मैं अस्पताल गया था", "2026-11-27"),
    ("hi", "कल मैं अस्पताल जाऊंगा", "2026-11-29"),
    # weekdays: the most recent past occurrence unless marked future
    ("en", "renewed my permit on Tuesday", "2026-11-24"),
    ("de", "seit Montag nicht abgeholt", "2026-11-23"),
    ("fr", "mardi dernier", "2026-11-24"),
    ("zh", "上周三", "2026-11-18"),
    ("ja", "先週の金曜日", "2026-11-20"),
    ("en", "next Monday", "2026-11-30"),
    ("ko", "다음 주 월요일에 만료됩니다", "2026-11-30"),
    ("en", "my visa expires on Monday", "2026-11-30"),
    ("ar", "يوم الثلاثاء", "2026-11-24"),
    ("fa", "روز سه‌شنبه", "2026-11-24"),
    # explicit dates
    ("en", "after I moved out on November 15", "2026-11-15"),
    ("en", "on the 3rd of December 2025", "2025-12-03"),
    ("fr", "Depuis le 25 novembre", "2026-11-25"),
    ("de", "am 22. November", "2026-11-22"),
    ("es", "el 18 de noviembre", "2026-11-18"),
    ("pt", "no dia 22 de novembro", "2026-11-22"),
    ("ru", "уволил меня 20 ноября", "2026-11-20"),
    ("tr", "20 Kasım'da", "2026-11-20"),
    ("vi", "ngày 20 tháng 11", "2026-11-20"),
    ("zh", "11月10日说要收回房子", "2026-11-10"),
    ("zh", "十一月二十日", "2026-11-20"),
    ("ko", "11월 25일에", "2026-11-25"),
    ("th", "วันที่ 20 พฤศจิกายน", "2026-11-20"),
    ("hi", "10 नवंबर को", "2026-11-10"),
    ("ar", "في 15 نوفمبر", "2026-11-15"),
    ("fa", "۲۹ آبان", "2026-11-20"),              # Persian solar calendar
    ("en", "since 2026-11-20", "2026-11-20"),
    # future: expiries go to the nearest future year
    ("en", "It expires on December 3.", "2026-12-03"),
    ("zh", "工作许可12月15日到期", "2026-12-15"),
    ("de", "Sie läuft am 10. Dezember ab.", "2026-12-10"),
    ("tr", "3 Aralık'ta bitiyor", "2026-12-03"),
    ("uk", "віза закінчується 5 грудня", "2026-12-05"),
    # past events without a year go to the nearest past year
    ("en", "The shop cheated me on December 3.", "2025-12-03"),
])
def test_date_table(lang: str, text: str, expected: str) -> None:
    assert event_date(text, lang, SAT) == expected


@pytest.mark.parametrize(("lang", "text"), [
    ("en", "has not paid my salary for two months"),
    ("en", "has been broken for a week"),
    ("en", "for 3 days"),
    ("en", "until 2 a.m."),
    ("en", "if I work here for less than 183 days"),
    ("en", "a travel agency took my deposit in September"),
    ("zh", "垃圾已经三天没人清运了"),
    ("de", "seit drei Monaten keinen Lohn"),
    ("ar", "لم يدفع راتبي منذ شهرين"),
    ("hi", "मेरी कंपनी ने अक्टूबर से मेरा वेतन नहीं दिया है"),
    ("es", "por la mañana fui al banco"),
    ("ru", "загрязнение окружающей среды"),
])
def test_durations_times_and_months_give_no_date(lang: str, text: str) -> None:
    assert event_date(text, lang, SAT) is None


def test_year_rolls_back_across_new_year() -> None:
    assert event_date("Since December 28 my broadband keeps failing", "en", WED) == "2026-12-28"
    assert event_date("my visa expires January 20", "en", WED) == "2027-01-20"


def test_reference_time_is_read_in_shanghai() -> None:
    assert reference_date("2026-11-27T20:00:00+00:00") == dt.date(2026, 11, 28)
    assert reference_date("2026-11-28T10:00:00") == dt.date(2026, 11, 28)


def test_result_has_phrase_and_confidence() -> None:
    r = extract_date("I moved out on November 15.", "en", SAT)
    assert r.text == "November 15" and r.kind == "absolute" and 0.5 < r.confidence <= 1.0


def test_fast_enough() -> None:
    extract_date("warm up yesterday", "en", SAT)
    start = time.perf_counter()
    for _ in range(50):
        extract_date("Yesterday evening a restaurant on Nanjing East Road charged me 800 yuan.", "en", SAT)
    assert (time.perf_counter() - start) / 50 < 0.02
