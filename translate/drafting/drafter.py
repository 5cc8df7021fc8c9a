"""Draft a Chinese hotline ticket from a caller's words in any served language.

``draft_case`` is pure: it reads nothing but the package's own data (loaded at import) and
calls only the callables it is given (``translator``, ``detector``).  Output::

    {"id", "lang", "category", "department", "district", "event_date", "address",
     "summary_zh", "text_original",
     "confidence": {"category", "department", "district", "event_date"},
     "flags": [...]}

Flags: ``mt_unavailable`` (no Chinese translation; the summary keeps the original text),
``mt_suspect`` (the translator flagged its output; it was ignored),
``low_confidence_department``, ``low_confidence_category``, ``no_district``,
``language_detected`` (the case had no language; it was detected).
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable, Sequence
from typing import Any

from gateway.errors import InvalidField
from translate.drafting import classify, dates, gazetteer
from translate.drafting.summary import Translator, header_zh, summary_zh, translate_to_zh
from translate.drafting.textnorm import script_of

Detector = Callable[[str], str | None]
FLAG_ORDER = ("language_detected", "mt_unavailable", "mt_suspect", "low_confidence_category",
              "low_confidence_department", "no_district")
MT_WEIGHT = 0.8
ENGLISH_LOANWORD_WEIGHT = 0.4
_LATIN_STOPWORDS: dict[str, set[str]] = {
    "en": {"the", "and", "my", "is", "in", "of", "to", "was", "have", "not", "with", "for", "i"},
    "fr": {"le", "la", "les", "et", "est", "mon", "ma", "des", "une", "pas", "dans", "je", "depuis"},
    "de": {"der", "die", "das", "und", "ist", "mein", "nicht", "ich", "wir", "seit", "ein", "eine"},
    "es": {"el", "los", "las", "y", "es", "mi", "que", "una", "por", "con", "del", "no", "en"},
    "it": {"il", "gli", "e", "di", "che", "mio", "mia", "una", "non", "sono", "della", "ho"},
    "pt": {"o", "os", "as", "e", "meu", "minha", "que", "uma", "não", "do", "da", "em", "foi"},
    "id": {"saya", "yang", "dan", "di", "tidak", "ini", "itu", "dengan", "untuk", "sudah", "ada"},
    "ms": {"saya", "yang", "dan", "di", "tidak", "ini", "itu", "dengan", "untuk", "sudah", "boleh"},
    "vi": {"tôi", "của", "và", "không", "có", "là", "ở", "được", "cho", "đã", "này"},
    "tr": {"ve", "bir", "bu", "benim", "için", "ile", "değil", "çok", "da", "de", "mi"},
}


def guess_language(text: str) -> str:
    """A rough language guess from script and common words, used only when no detector is given."""
    script = script_of(text)
    simple = {"han": "zh", "kana": "ja", "hangul": "ko", "thai": "th", "devanagari": "hi"}
    if script in simple:
        return simple[script]
    if script == "arabic":
        return "fa" if any(c in text for c in "پچژگی") else "ar"
    if script == "cyrillic":
        return "uk" if any(c in text.lower() for c in "іїєґ") else "ru"
    words = {w.strip(".,;:!?¿¡\"'()").lower() for w in text.split()}
    best = max(_LATIN_STOPWORDS, key=lambda lang: (len(words & _LATIN_STOPWORDS[lang]), lang == "en"))
    return best


def _mask(text: str, matches: Sequence[gazetteer.PlaceMatch]) -> str:
    """Blank out place names so that 'Zhongshan Park' or 'Hospital Road' vote for no department."""
    chars = list(text)
    for m in matches:
        for i in range(m.start, min(m.end, len(chars))):
            chars[i] = " "
    return "".join(chars)


def _place_hints(scores: classify.Scores, matches: Sequence[gazetteer.PlaceMatch], factor: float = 1.0) -> None:
    for m in matches:
        for code, weight in gazetteer.KIND_HINTS.get(m.kind, {}).items():
            scores.department[code] += weight * factor
            scores.hits.append((m.text, code, weight * factor))


def _language(case: dict[str, Any], text: str, detector: Detector | None) -> tuple[str, bool]:
    lang = case.get("lang")
    if isinstance(lang, str) and lang.strip():
        code = lang.strip().lower()
        if code in classify.keyword_languages():
            return code, False
    detected = None
    if detector is not None:
        try:
            detected = detector(text)
        except Exception:  # noqa: BLE001 - a failing detector falls back to the guess
            detected = None
    code = (detected or guess_language(text)).strip().lower()
    return (code if code in classify.keyword_languages() else "en"), True


def _translate_en(text: str, lang: str, translator: Translator | None) -> tuple[str | None, list[str]]:
    if translator is None or lang in ("en", "zh"):
        return None, []
    try:
        translated, flags = translator(text, lang, "en")
    except Exception:  # noqa: BLE001 - missing pairs raise; drafting goes on without MT
        return None, []
    if flags:
        return None, ["mt_suspect"]
    return (translated if translated and translated.strip() else None), []


def draft_case(case: dict[str, Any], *, translator: Translator | None = None,
               detector: Detector | None = None) -> dict[str, Any]:
    """Draft one case ``{"id", "lang", "text", "reference_time"}``; see the module docstring."""
    if not isinstance(case, dict):
        raise InvalidField("a case must be a JSON object")
    text = case.get("text")
    if not isinstance(text, str) or not text.strip():
        raise InvalidField("text must be a non-empty string")
    text = unicodedata.normalize("NFC", text)
    reference_time = case.get("reference_time") or dt.datetime.now(dates.SHANGHAI).isoformat()
    try:
        dates.reference_date(reference_time)
    except (TypeError, ValueError) as exc:
        raise InvalidField("reference_time must be an ISO 8601 date-time") from exc
    flags: set[str] = set()
    lang, detected = _language(case, text, detector)
    if detected:
        flags.add("language_detected")

    places = gazetteer.resolve(text)
    scores = classify.score(_mask(text, places.matches), lang)
    if lang not in ("en", "zh") and script_of(text) == "latin":
        counted = frozenset(t for t, _, _ in scores.hits)
        scores.add(classify.score(_mask(text, places.matches), "en", departments_only=True, skip=counted),
                   ENGLISH_LOANWORD_WEIGHT)
    _place_hints(scores, places.matches)

    district, district_conf, address = places.district, places.confidence, places.address
    when = dates.extract_date(text, lang, reference_time)
    english, mt_flags = _translate_en(text, lang, translator)
    flags.update(mt_flags)
    if english:
        mt_places = gazetteer.resolve(english)
        scores.add(classify.score(_mask(english, mt_places.matches), "en"), MT_WEIGHT)
        if district is None and mt_places.district is not None:
            district, district_conf = mt_places.district, round(mt_places.confidence * 0.8, 3)
            address = address or mt_places.address
        if when.date is None and when.text is None:
            mt_when = dates.extract_date(english, "en", reference_time)
            if mt_when.date is not None:
                when = dates.DateResult(mt_when.date, round(mt_when.confidence * 0.8, 2),
                                        mt_when.text, "mt")

    department = classify.decide_department(scores.department)
    category = classify.decide_category(scores.category, department.code)
    if category.low:
        flags.add("low_confidence_category")
    if department.low:
        flags.add("low_confidence_department")
    if district is None:
        flags.add("no_district")

    fields = {"category": category.code, "department": department.code, "district": district,
              "address": address, "event_date": when.iso}
    zh_text, zh_flags = translate_to_zh(text, lang, translator)
    flags.update(zh_flags)
    return {
        "id": case.get("id"),
        "lang": lang,
        **fields,
        "summary_zh": summary_zh(text, lang, fields, translation_zh=zh_text if lang != "zh" else None),
        "text_original": text,
        "confidence": {
            "category": category.confidence,
            "department": department.confidence,
            "district": district_conf if district else 0.0,
            "event_date": when.confidence,
        },
        "flags": [f for f in FLAG_ORDER if f in flags],
    }


def draft_transcript(lang: str | None, caller_lines: Sequence[str], reference_time: str | None = None, *,
                     translator: Translator | None = None, detector: Detector | None = None,
                     case_id: str | None = None) -> dict[str, Any]:
    """Draft from a chat transcript: the caller's lines joined; a place named later wins.

    Callers often correct themselves ("sorry, it is in Minhang, not Xuhui"), so the district
    and address come from the last line that names a place with good confidence; the
    request type, department and date are read from the whole conversation.
    """
    lines = [ln.strip() for ln in caller_lines if isinstance(ln, str) and ln.strip()]
    if not lines:
        raise InvalidField("caller_lines must contain at least one non-empty line")
    draft = draft_case({"id": case_id, "lang": lang, "text": "\n".join(lines),
                        "reference_time": reference_time}, translator=translator, detector=detector)
    for line in reversed(lines):
        later = gazetteer.resolve(line)
        if later.district is not None and later.confidence >= 0.8:
            if later.district != draft["district"]:
                draft["district"] = later.district
                draft["address"] = later.address or draft["address"]
                draft["confidence"]["district"] = later.confidence
                draft["flags"] = [f for f in draft["flags"] if f != "no_district"]
                request = draft["summary_zh"].partition("｜【诉求】")[2]
                head = header_zh(category=draft["category"], department=draft["department"],
                                 district=draft["district"], address=draft["address"],
                                 event_date=draft["event_date"])
                draft["summary_zh"] = f"{head}｜【诉求】{request}"
            break
    return draft
