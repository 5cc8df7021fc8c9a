"""MT quality flags: each flag on realistic bad output, none on good translations."""

from __future__ import annotations

import pytest

import languages
from gateway.errors import UnknownLanguage
from translate.memory import TranslationMemory
from translate.quality import SCRIPT_OF, check, script_share, units

# (source text, good translation, source, target)
GOOD: list[tuple[str, str, str, str]] = [
    ("How do I extend my tourist visa? It expires on December 3.",
     "我怎样才能延长我的旅游签证？它将于12月3日到期。", "en", "zh"),
    ("My landlord in Jing'an refuses to return my 6000 yuan deposit.",
     "我在静安区的房东拒绝退还我6000元的押金。", "en", "zh"),
    ("I paid with Alipay at Starbucks but got no receipt.",
     "我在Starbucks用支付宝付了款，但没有拿到收据。", "en", "zh"),
    ("我家楼上邻居昨晚一直吵到凌晨两点，已经好几次了。",
     "My upstairs neighbour was noisy until 2 a.m. last night. It has happened several times.",
     "zh", "en"),
    ("请问外国人在上海办理工作许可需要哪些材料？",
     "What documents do foreigners need to apply for a work permit in Shanghai?", "zh", "en"),
    ("浦东新区张江镇有一家工厂每天晚上排放黑烟。",
     "A factory in Zhangjiang, Pudong, releases black smoke every night.", "zh", "en"),
    ("昨日、徐家匯の店で買った炊飯器が壊れていたのに、返金を断られました。",
     "昨天在徐家汇的商店买的电饭煲是坏的，但是店家拒绝退款。", "ja", "zh"),
    ("비자 연장은 어떻게 하나요? 다음 주 월요일에 만료됩니다.",
     "签证延期怎么办理？下周一就到期了。", "ko", "zh"),
    ("Depuis le 25 novembre, l'eau du robinet est jaune dans notre appartement.",
     "从11月25日起，我们公寓的自来水是黄色的。", "fr", "zh"),
    ("Der Müll in unserer Straße in Hongkou wird seit Montag nicht abgeholt.",
     "自周一以来，我们虹口区街道上的垃圾一直没有人收。", "de", "zh"),
    ("Quiero saber dónde puedo pagar con mi tarjeta Visa extranjera en Shanghái.",
     "我想知道在上海哪里可以用外国Visa卡付款。", "es", "zh"),
    ("Мой работодатель в районе Цзядин уволил меня без компенсации 20 ноября.",
     "11月20日，我在嘉定区的雇主在没有补偿的情况下解雇了我。", "ru", "zh"),
    ("أريد أن أسأل كيف أسجل إقامتي في الفندق كأجنبي؟",
     "我想问一下，作为外国人，我该如何在酒店办理住宿登记？", "ar", "zh"),
    ("Il mio padrone di casa non vuole restituirmi la caparra.",
     "我的房东不愿意退还我的押金。", "it", "zh"),
    ("همسایه‌های ما هر شب تا دیروقت سر و صدا می‌کنند.",
     "我们的邻居每天晚上都吵到很晚。", "fa", "zh"),
    ("ฉันทำกระเป๋าสตางค์หายในรถแท็กซี่เมื่อวานนี้",
     "我昨天把钱包落在出租车上了。", "th", "zh"),
    ("O meu senhorio não quer devolver o depósito.", "我的房东不愿意退还押金。", "pt", "zh"),
    ("Saya ingin memperpanjang izin tinggal saya.", "我想延长我的居留许可。", "id", "zh"),
    ("Saya mahu memperbaharui permit kerja saya.", "我想更新我的工作许可。", "ms", "zh"),
    ("Chủ nhà không chịu trả lại tiền đặt cọc cho tôi.", "房东不肯把押金退给我。", "vi", "zh"),
    ("Ev sahibim depozitomu geri vermiyor.", "我的房东不退还我的押金。", "tr", "zh"),
    ("Мій роботодавець не виплатив мені зарплату за два місяці.",
     "我的雇主两个月没有给我发工资了。", "uk", "zh"),
    ("मेरे मकान मालिक ने मेरी जमा राशि वापस करने से इनकार कर दिया है।",
     "我的房东拒绝退还我的押金。", "hi", "zh"),
    ("请您提供事情发生的具体地址。", "Veuillez nous indiquer l'adresse exacte de l'incident.",
     "zh", "fr"),
    ("相关部门会在5个工作日内答复您。",
     "Die zuständige Behörde wird Ihnen innerhalb von 5 Arbeitstagen antworten.", "zh", "de"),
    ("我们已经记录了您的诉求。", "Hemos registrado su solicitud.", "zh", "es"),
    ("请保持电话畅通。", "Пожалуйста, держите телефон включённым.", "zh", "ru"),
    ("请前往出入境管理局办理签证延期。", "ビザの延長は出入境管理局で手続きしてください。", "zh", "ja"),
    ("请问还有其他可以帮您的吗？", "더 도와드릴 일이 있을까요?", "zh", "ko"),
    ("请问这是什么时候发生的？", "متى حدث هذا؟", "zh", "ar"),
    ("请稍等，我帮您查一下。", "กรุณารอสักครู่ ฉันจะตรวจสอบให้คุณ", "zh", "th"),
    ("您的工单号是20261128001。", "आपका टिकट नंबर 20261128001 है।", "zh", "hi"),
    ("请问您的姓名和联系电话是？", "Adınız ve telefon numaranız nedir?", "zh", "tr"),
    ("谢谢您的耐心等待。", "Cảm ơn bạn đã kiên nhẫn chờ đợi.", "zh", "vi"),
    ("非常非常感谢！", "Thank you very, very much!", "zh", "en"),
    ("Very very noisy, every single night.", "非常非常吵，每天晚上都这样。", "en", "zh"),
    ("Pudong", "Pudong", "en", "fr"),
    ("12345", "12345", "en", "zh"),
    ("Taxi", "Taxi", "en", "de"),
    ("OK", "OK", "en", "zh"),
    ("Hongqiao Airport T2", "虹桥机场T2", "en", "zh"),
    ("hahaha thank you!!!!", "哈哈哈，谢谢！！！！", "en", "zh"),
    ("Yes.", "好的。", "en", "zh"),
    ("", "", "en", "zh"),
]


@pytest.mark.parametrize("source_text, output, source, target", GOOD)
def test_good_translations_are_not_flagged(source_text: str, output: str, source: str,
                                           target: str) -> None:
    assert check(source_text, output, source, target) == []


def test_memory_pairs_are_not_flagged_either_way() -> None:
    pairs = 0
    for e in TranslationMemory.load():
        assert check(e.text, e.translation, e.source, e.target) == [], e.text
        assert check(e.translation, e.text, e.target, e.source) == [], e.text
        pairs += 2
    assert pairs >= 80


def test_enough_good_cases() -> None:
    assert len(GOOD) >= 30
    assert len({(s, t) for *_, s, t in GOOD}) >= 25


# -- mt_empty ----------------------------------------------------------------------------------

@pytest.mark.parametrize("output", ["", "   ", "\n", "。", "...", " ？ "])
def test_empty(output: str) -> None:
    assert check("My passport was stolen at Hongqiao station.", output, "en", "zh") == ["mt_empty"]


def test_blank_input_needs_no_output() -> None:
    assert check("  ", "", "en", "zh") == []
    assert check("?!", "", "en", "zh") == []


# -- mt_identical ------------------------------------------------------------------------------

def test_input_returned_unchanged_across_scripts() -> None:
    text = "My landlord refuses to return my deposit."
    assert check(text, text, "en", "zh") == ["mt_identical", "mt_wrong_script"]
    zh = "我的护照在地铁上被偷了。"
    assert check(zh, zh, "zh", "en") == ["mt_identical", "mt_wrong_script"]


def test_input_returned_unchanged_same_script() -> None:
    assert check("Der Müll wird seit Montag nicht abgeholt.",
                 "der Müll wird seit Montag nicht abgeholt", "de", "en") == ["mt_identical"]
    assert check("Мій роботодавець не заплатив.", "Мій роботодавець не заплатив",
                 "uk", "ru") == ["mt_identical"]


def test_identical_names_and_numbers_are_fine() -> None:
    assert check("Xujiahui", "Xujiahui", "en", "fr") == []
    assert check("Tel. 13812345678", "Tel. 13812345678", "en", "de") == []
    assert check("same", "same", "en", "en") == []


# -- mt_repetition -----------------------------------------------------------------------------

@pytest.mark.parametrize("source_text, output, source, target", [
    ("I want to extend my visa.", "我想延长我的签证签证签证签证签证签证。", "en", "zh"),
    ("Thank you.", "的的的的的的", "en", "zh"),
    ("请问签证怎么延期？", "How to extend the visa visa visa visa visa?", "zh", "en"),
    ("My passport was stolen.", "我的护照，我的护照，我的护照，我的护照", "en", "zh"),
    ("I want to extend my visa.",
     "我想延长我的签证。我想延长我的签证。我想延长我的签证。", "en", "zh"),
    ("我的邻居很吵。", "My neighbour is noisy, noisy, noisy, noisy, noisy.", "zh", "en"),
    ("我的邻居很吵。", "Мой сосед шумный шумный шумный шумный", "zh", "ru"),
    ("My neighbour is noisy.", "이웃이 시끄럽습니다 시끄럽습니다 시끄럽습니다 시끄럽습니다", "en", "ko"),
    ("The water is yellow.", "水是黄色的。的。的。的。的。的。", "en", "zh"),
])
def test_repetition(source_text: str, output: str, source: str, target: str) -> None:
    assert "mt_repetition" in check(source_text, output, source, target)


def test_repetition_already_in_the_input_is_not_blamed() -> None:
    assert check("Help help help help!", "救命救命救命救命！", "en", "zh") == []


# -- mt_wrong_script ---------------------------------------------------------------------------

@pytest.mark.parametrize("source_text, output, source, target", [
    ("My neighbour is noisy.", "Mon voisin est bruyant.", "en", "zh"),
    ("How do I extend my visa?", "ビザの延長はどうすればいいですか", "en", "zh"),
    ("我想延长签证。", "我想延长签证。Я хочу продлить визу и разрешение на работу.", "zh", "th"),
    ("我想延长签证。", "I want to extend my visa.", "zh", "ru"),
    ("我想延长签证。", "Я хочу продлить визу.", "zh", "ar"),
    ("我想延长签证。", "我想延长签证", "zh", "ko"),
    ("我想延长签证。", "मैं अपना वीज़ा बढ़ाना चाहता हूँ", "zh", "en"),
])
def test_wrong_script(source_text: str, output: str, source: str, target: str) -> None:
    assert "mt_wrong_script" in check(source_text, output, source, target)


def test_script_share() -> None:
    assert script_share("你好", "Han") == 1.0
    assert script_share("こんにちは世界", "Japanese") == 1.0
    assert script_share("こんにちは", "Han") == 0.0
    assert script_share("12345 !!", "Latin") == 1.0   # no letters: nothing is wrong
    assert script_share("abc你好", "Han") == pytest.approx(0.4)
    assert script_share("abc你好", "Han", weighted=True) == pytest.approx(6 / 9)
    assert script_share("Привіт, Ukraine", "Cyrillic") == pytest.approx(6 / 13)
    with pytest.raises(ValueError):
        script_share("abc", "Klingon")


def test_script_of_every_served_language() -> None:
    for lang in languages.all_languages():
        if lang.code != "csl":
            assert lang.code in SCRIPT_OF
    assert SCRIPT_OF["zh"] == "Han" and SCRIPT_OF["ja"] == "Japanese"
    assert SCRIPT_OF["fa"] == SCRIPT_OF["ar"] == "Arabic" and SCRIPT_OF["uk"] == "Cyrillic"


# -- mt_length ---------------------------------------------------------------------------------

def test_absurdly_long_output() -> None:
    hallucination = "这是一个模型凭空编造出来的句子，和输入没有任何关系，而且一直在继续。" * 4
    assert check("Hi", hallucination, "en", "zh") == ["mt_length"]


def test_absurdly_short_output() -> None:
    text = ("My landlord in Jing'an refuses to return my 6000 yuan deposit after I moved out on "
            "November 15, and he no longer answers my calls or messages.")
    assert check(text, "好的。", "en", "zh") == ["mt_length"]
    assert check(text, "Non.", "en", "fr") == ["mt_length"]


def test_length_is_conservative() -> None:
    assert check("Hi", "您好，请问有什么可以帮您？", "en", "zh") == []
    assert check("谢谢", "Thank you very much for your help today.", "zh", "en") == []


# -- misc --------------------------------------------------------------------------------------

def test_unknown_language() -> None:
    with pytest.raises(UnknownLanguage):
        check("a", "b", "en", "xx")


def test_units() -> None:
    assert units("我的 visa, Visa!") == ["我", "的", "visa", "visa"]
    assert units("l'eau du robinet") == ["l'eau", "du", "robinet"]
