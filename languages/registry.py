"""The served languages, read once from ``languages/data/languages.json``.

Codes are matched case-insensitively after stripping blanks, but otherwise strictly:
``"zh-CN"`` is not ``"zh"``.  A deployment may narrow the foreign languages it serves with
:func:`configure`; the working language (zh) and Chinese Sign Language (csl) are always served.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from gateway.errors import UnknownLanguage

DATA_DIR = Path(__file__).resolve().parent / "data"
UI_DIR = DATA_DIR / "ui"

Direction = Literal["ltr", "rtl"]
Kind = Literal["foreign", "working", "sign"]


@dataclass(frozen=True)
class Language:
    """One served language.  ``engine`` is the Argos Translate code, None for sign language."""

    code: str
    native: str
    en: str
    dir: Direction
    engine: str | None
    kind: Kind

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.en, "native": self.native, "dir": self.dir,
                "engine": self.engine, "kind": self.kind}


def _language(raw: dict[str, Any], kind: Kind) -> Language:
    direction = raw.get("dir", "ltr")
    if direction not in ("ltr", "rtl"):
        raise ValueError(f"languages.json: bad dir {direction!r} for {raw.get('code')!r}")
    return Language(code=str(raw["code"]).lower(), native=str(raw["native"]), en=str(raw["en"]),
                    dir=direction, engine=raw.get("argos"), kind=kind)


def _load() -> tuple[tuple[Language, ...], Language, Language]:
    raw = json.loads((DATA_DIR / "languages.json").read_text(encoding="utf-8"))
    foreign = tuple(_language(item, "foreign") for item in raw["foreign_languages"])
    working = _language(raw["working_language"], "working")
    sign = _language(raw["sign_language"], "sign")
    codes = [lang.code for lang in (*foreign, working, sign)]
    if len(set(codes)) != len(codes):
        raise ValueError("languages.json: duplicate language codes")
    return foreign, working, sign


_FOREIGN, WORKING, SIGN = _load()
_KNOWN: dict[str, Language] = {lang.code: lang for lang in (*_FOREIGN, WORKING, SIGN)}
_served_foreign: tuple[Language, ...] = _FOREIGN


def _normalise(code: object) -> str:
    return code.strip().lower() if isinstance(code, str) else ""


def _shown(code: object) -> str:
    text = code if isinstance(code, str) else type(code).__name__
    return text if len(text) <= 20 else text[:20] + "..."


def configure(codes: list[str] | None) -> None:
    """Serve only these foreign languages (kept in file order); ``None`` serves all 18.

    zh and csl may be listed but are always served anyway.
    """
    global _served_foreign
    if codes is None:
        _served_foreign = _FOREIGN
        return
    wanted: set[str] = set()
    for code in codes:
        key = _normalise(code)
        if key not in _KNOWN:
            raise UnknownLanguage(
                f"cannot serve unknown language '{_shown(code)}'; known foreign languages are: "
                + ", ".join(lang.code for lang in _FOREIGN))
        wanted.add(key)
    _served_foreign = tuple(lang for lang in _FOREIGN if lang.code in wanted)


def foreign_languages() -> list[Language]:
    """The served foreign languages, in file order."""
    return list(_served_foreign)


def all_languages() -> list[Language]:
    """Served foreign languages, then zh, then csl."""
    return [*_served_foreign, WORKING, SIGN]


def served_codes() -> list[str]:
    return [lang.code for lang in all_languages()]


def is_served(code: str) -> bool:
    key = _normalise(code)
    return key in (WORKING.code, SIGN.code) or any(lang.code == key for lang in _served_foreign)


def get(code: str) -> Language:
    """The served language with this code; raises :class:`UnknownLanguage` otherwise."""
    key = _normalise(code)
    if not is_served(key):
        served = ", ".join(served_codes())
        if key in _KNOWN:
            raise UnknownLanguage(
                f"language '{key}' is not served by this deployment; served languages are: {served}")
        raise UnknownLanguage(f"unknown language '{_shown(code)}'; served languages are: {served}")
    return _KNOWN[key]


@lru_cache(maxsize=None)
def _read_strings(code: str) -> dict[str, str]:
    """One UI strings file; a missing, unreadable or malformed file counts as empty."""
    try:
        raw = json.loads((UI_DIR / f"{code}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(raw, dict):
        return {}
    return {str(k): v for k, v in raw.items() if isinstance(v, str)}


def ui_strings(code: str) -> dict[str, str]:
    """Caller-page strings in this language, each missing key filled from English."""
    lang = get(code)
    merged = dict(_read_strings("en"))
    if lang.code != "en":
        merged.update(_read_strings(lang.code))
    return merged


def clear_cache() -> None:
    """Forget cached UI strings (after the files changed)."""
    _read_strings.cache_clear()
