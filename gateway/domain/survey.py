"""The callback survey's wording in the caller's language (``languages/data/survey.json``).

The callback team reads the questions to the caller (or sends them by chat or the mini
program) in the caller's own language; the answers are recorded with
:func:`gateway.domain.office.record_callback`.  Unknown or unserved languages fall back to
English, and so does any key a language lacks.  Chinese Sign Language users get the written
Chinese text: deaf callers in China read Chinese, and a sign-language callback is done by video
with an interpreter, not from this text.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

SURVEY_FILE = Path(__file__).resolve().parents[2] / "languages" / "data" / "survey.json"
FALLBACK = "en"
TEXT_KEYS: tuple[str, ...] = ("resolved_question", "yes", "no", "satisfaction_question", "note_question", "thanks")
LEVELS: tuple[int, ...] = (5, 4, 3, 2, 1)
RTL: frozenset[str] = frozenset({"ar", "fa"})
#: Languages whose survey is another language's text.
SAME_AS: dict[str, str] = {"csl": "zh"}


@lru_cache(maxsize=1)
def _surveys() -> dict[str, dict[str, Any]]:
    raw: dict[str, Any] = json.loads(SURVEY_FILE.read_text(encoding="utf-8"))
    return raw["surveys"]


def languages() -> list[str]:
    """The language codes the survey file has."""
    return list(_surveys())


def survey_text(lang: str | None) -> dict[str, Any]:
    """``{"lang", "dir", <TEXT_KEYS>, "levels": [{"value": 5, "label": ...}, ...]}``, best level first.

    ``lang`` is the language actually used (``en`` after a fallback), so a client can tell.
    """
    surveys = _surveys()
    code = lang.strip().lower() if isinstance(lang, str) else ""
    code = SAME_AS.get(code, code)
    if code not in surveys:
        code = FALLBACK
    base, own = surveys[FALLBACK], surveys[code]
    out: dict[str, Any] = {"lang": code, "dir": "rtl" if code in RTL else "ltr"}
    for key in TEXT_KEYS:
        out[key] = own.get(key) or base[key]
    labels = {**base["levels"], **(own.get("levels") or {})}
    out["levels"] = [{"value": level, "label": labels[str(level)]} for level in LEVELS]
    return out


def clear_cache() -> None:
    _surveys.cache_clear()
