"""Gazetteer: Shanghai places in many scripts → district, longest match, boundaries, address."""

from __future__ import annotations

import pytest

from translate.drafting import gazetteer
from translate.drafting.gazetteer import district_of, find_places, resolve


@pytest.mark.parametrize(("text", "district"), [
    ("My landlord in Jing'an refuses", "jingan"),
    ("we live in jingan district", "jingan"),
    ("Jìng'ān, near the temple", "jingan"),
    ("district de Changning", "changning"),
    ("im Bezirk Pudong", "pudong"),
    ("A construction site on Zhaojiabang Road", "xuhui"),
    ("I took a taxi from Hongqiao Railway Station", "minhang"),
    ("I landed at Hongqiao Airport", "changning"),
    ("a restaurant on Nanjing East Road", "huangpu"),
    ("shops on Nanjing West Road", "jingan"),
    ("a flat near Guoquan Road", "yangpu"),
    ("I study at Fudan University", "yangpu"),
    ("the SJTU Minhang campus", "minhang"),
    ("Fudan Zhangjiang campus", "pudong"),
    ("an office in Zhangjiang", "pudong"),
    ("the Zhujiajiao water town tour", "qingpu"),
    ("a bar in Xujiahui", "xuhui"),
    ("Lujiazui towers", "pudong"),
    ("杨浦区国权路", "yangpu"),
    ("浦东新区张江镇有一家工厂", "pudong"),
    ("昨日、徐家匯の店で買った", "xuhui"),        # Japanese/traditional variant of 徐家汇
    ("徐家滙", "xuhui"),
    ("虹橋駅の駅員", "minhang"),                  # 駅 = 站
    ("浦東空港から", "pudong"),
    ("푸둥 공항에서", "pudong"),
    ("쉬후이구에 살아요", "xuhui"),
    ("в районе Цзядин", "jiading"),
    ("в аэропорту Хунцяо", "changning"),          # Russian case ending
    ("живём в Пудуне", "pudong"),
    ("منطقة شوهوي", "xuhui"),
    ("در منطقه مین‌هانگ", "minhang"),
    ("ร้านอาหารแถวซินเทียนตี้", "huangpu"),
    ("मैं पुडोंग में रहता हूँ", "pudong"),
    ("Chủ nhà ở quận Phổ Đà", "putuo"),
    ("ga tàu Hồng Kiều", "minhang"),             # ambiguous base + railway word
    ("Hongqiao Havalimanı'nda", "changning"),    # ambiguous base + airport word
    ("Dün Jing'an'daki bir mağaza", "jingan"),
])
def test_district_across_scripts(text: str, district: str) -> None:
    assert district_of(text)[0] == district


@pytest.mark.parametrize("text", [
    "We went to Putuoshan last year",            # Putuo Mountain is in Zhejiang
    "普陀山的寺庙",
    "a cruise on the Huangpu River",
    "I flew in from Nanjing",
    "thành phố Thượng Hải rất đẹp",             # 'thành phố' (city) is not 'Thanh Phố' (Qingpu)
    "高橋さんに会いました",                       # Japanese surname, not 高桥镇
    "How do I extend my tourist visa?",
])
def test_no_district(text: str) -> None:
    assert district_of(text)[0] is None


def test_word_boundaries_for_latin_names() -> None:
    assert district_of("Putuo")[0] == "putuo"
    assert district_of("Baoshanroad")[0] is None
    assert district_of("xPudong")[0] is None


def test_longest_match_wins() -> None:
    places = find_places("Hongqiao Railway Station")
    assert [(p.district, p.text) for p in places] == [("minhang", "Hongqiao Railway Station")]
    assert district_of("Wusong Road")[0] == "hongkou"          # not Wusong (Baoshan)
    assert district_of("Shanghai South Railway Station")[0] == "xuhui"


def test_result_carries_matched_text_and_confidence() -> None:
    district, matched, confidence = district_of("The elevator in our building in Baoshan")
    assert (district, matched) == ("baoshan", "Baoshan")
    assert 0.9 <= confidence <= 1.0
    assert district_of("a hotel near Hongqiao")[2] < 0.8      # bare Hongqiao is ambiguous


def test_conflicting_places_lower_confidence() -> None:
    r = resolve("I live in Xuhui but the shop is in Lujiazui")
    assert r.district in ("xuhui", "pudong")
    assert r.confidence < 0.7


@pytest.mark.parametrize(("text", "address"), [
    ("on Zhaojiabang Road in Xuhui was drilling", "Zhaojiabang Road"),
    ("地址是杨浦区国权路，已经好几次了", "杨浦区国权路"),
    ("I live at No. 88 Hengshan Road.", "No. 88 Hengshan Road"),
    ("地址是虹口区曲阳路100号", "虹口区曲阳路100号"),
])
def test_address_phrase(text: str, address: str) -> None:
    assert resolve(text).address == address


def test_data_size() -> None:
    assert gazetteer.PLACE_COUNT >= 100
    assert gazetteer.NAME_COUNT >= 2000
