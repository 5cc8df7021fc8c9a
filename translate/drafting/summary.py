"""The Chinese summary (``summary_zh``) of a draft ticket.

The summary is a structured header built from the extracted fields, followed by the
caller's request: a machine translation to Chinese when one is available, otherwise the
caller's own words marked with their language (``（原文，英语）``), so nothing is lost and
the agent sees at once that the text still needs translating.
"""

from __future__ import annotations

from collections.abc import Callable

import languages
from gateway.domain import catalog

#: Chinese names of the served languages, for the "original text" marker.
LANGUAGE_NAMES_ZH: dict[str, str] = {
    "zh": "中文", "en": "英语", "ja": "日语", "ko": "韩语", "fr": "法语", "de": "德语",
    "es": "西班牙语", "ru": "俄语", "it": "意大利语", "fa": "波斯语", "th": "泰语",
    "ar": "阿拉伯语", "pt": "葡萄牙语", "id": "印尼语", "ms": "马来语", "vi": "越南语",
    "tr": "土耳其语", "uk": "乌克兰语", "hi": "印地语",
}

Translator = Callable[[str, str, str], tuple[str, list[str]]]


def language_name_zh(code: str) -> str:
    """Chinese name of a language for the '(original text)' marker; English name as a fallback."""
    if code in LANGUAGE_NAMES_ZH:
        return LANGUAGE_NAMES_ZH[code]
    try:
        return languages.get(code).en
    except Exception:  # noqa: BLE001 - an unknown code is shown as it is
        return code


def _name(kind: str, code: str | None) -> str:
    if not code:
        return "未识别"
    try:
        if kind == "category":
            return catalog.category(code).zh
        if kind == "department":
            return catalog.department(code).zh
        return catalog.district(code).zh
    except Exception:  # noqa: BLE001 - an unknown code is shown as it is
        return code


def header_zh(*, category: str | None, department: str | None, district: str | None,
              address: str | None, event_date: str | None) -> str:
    """``【诉求类型】投诉｜【涉及部门】…｜【地点】静安区 …｜【时间】2026-11-15``."""
    place = _name("district", district) if district else "未提及"
    if address and address not in place:
        place = f"{place}（{address}）" if district else address
    parts = [
        f"【诉求类型】{_name('category', category)}",
        f"【涉及部门】{_name('department', department)}",
        f"【地点】{place}",
        f"【时间】{event_date or '未提及'}",
    ]
    return "｜".join(parts)


def summary_zh(text: str, lang: str, fields: dict[str, str | None], *,
               translation_zh: str | None = None) -> str:
    """Header plus the request: the Chinese translation if given, else the original text."""
    head = header_zh(category=fields.get("category"), department=fields.get("department"),
                     district=fields.get("district"), address=fields.get("address"),
                     event_date=fields.get("event_date"))
    body = text.strip()
    if lang == "zh":
        request = body
    elif translation_zh:
        request = f"{translation_zh.strip()}（原文，{language_name_zh(lang)}：{body}）"
    else:
        request = f"（原文，{language_name_zh(lang)}）{body}"
    return f"{head}｜【诉求】{request}"


def translate_to_zh(text: str, lang: str, translator: Translator | None) -> tuple[str | None, list[str]]:
    """Ask ``translator`` for a Chinese version; returns (translation or None, flags)."""
    if lang == "zh":
        return text, []
    if translator is None:
        return None, ["mt_unavailable"]
    try:
        translated, flags = translator(text, lang, "zh")
    except Exception:  # noqa: BLE001 - a missing language pair must not break drafting
        return None, ["mt_unavailable"]
    if flags:
        return None, ["mt_suspect"]
    if not translated or not translated.strip():
        return None, ["mt_unavailable"]
    return translated, []
