"""The one object the gateway holds for translation, language detection and drafting.

It wires the Argos engine to the glossary, the translation memory and the
quality guards, answers the LibreTranslate-shaped API, implements the chat's
``ChatTranslator`` protocol, and drafts tickets (with MT where a model exists).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import languages
from gateway.chat.translation import Translated
from gateway.errors import InvalidField, UnknownLanguage
from gateway.storage.records import MessageRecord
from translate import argos_env, detect, quality
from translate.glossary import Glossary
from translate.memory import TranslationMemory

SHANGHAI = ZoneInfo("Asia/Shanghai")


class TranslationService:
    def __init__(self, data_dir: str | Path, *, max_chars: int = 5000, cache_size: int = 4096,
                 max_batch: int = 16) -> None:
        self.data_dir = Path(data_dir)
        argos_env.configure(self.data_dir)          # before argostranslate is first imported
        from translate.engine import ArgosEngine
        self.max_chars = max_chars
        self.glossary = Glossary.load()
        self.memory = TranslationMemory.load()
        self.engine = ArgosEngine(self.data_dir, cache_size=cache_size, max_batch=max_batch, max_chars=max_chars,
                                  glossary=self.glossary, memory=self.memory, quality=quality)

    def close(self) -> None:
        self.engine.close()

    # -- ChatTranslator ------------------------------------------------------
    def can_translate(self, source: str, target: str) -> bool:
        return source == target or self.engine.has_pair(source, target)

    async def translate(self, text: str, source: str, target: str) -> Translated:
        t = await self.engine.translate(text, source, target)
        return Translated(t.text, list(t.flags), list(t.route))

    def translate_sync(self, text: str, source: str, target: str) -> tuple[str, list[str]]:
        """For drafting (runs in a worker thread): (text, flags)."""
        t = self.engine.translate_sync(text, source, target)
        return t.text, list(t.flags)

    # -- LibreTranslate-shaped API --------------------------------------------
    def languages(self) -> list[dict[str, Any]]:
        pairs = self.engine.pairs()
        targets: dict[str, set[str]] = {}
        for p in pairs:
            targets.setdefault(p["from"], set()).add(p["to"])
        out = []
        for lang in [*languages.foreign_languages(), languages.WORKING]:
            out.append({"code": lang.code, "name": lang.en, "native": lang.native, "dir": lang.dir,
                        "targets": sorted(targets.get(lang.code, set()))})
        return out

    def _lang(self, code: Any, field: str, *, allow_auto: bool = False) -> str:
        if not isinstance(code, str) or not code.strip():
            raise InvalidField(f"'{field}' must be a language code such as 'en'")
        code = code.strip().lower()
        if allow_auto and code == "auto":
            return code
        lang = languages.get(code)
        if lang.kind == "sign":
            raise UnknownLanguage("Chinese Sign Language is not a written language for machine translation")
        return lang.code

    async def libre_translate(self, q: Any, source: Any, target: Any) -> dict[str, Any]:
        src = self._lang(source, "source", allow_auto=True)
        tgt = self._lang(target, "target")
        batch = isinstance(q, list)
        texts = q if batch else [q]
        if not texts or not all(isinstance(t, str) for t in texts):
            raise InvalidField("'q' must be a string or a list of strings")
        detected = None
        if src == "auto":
            joined = " ".join(texts)
            ranked = detect.detect(joined)
            if not ranked:
                raise InvalidField("could not detect the language of 'q'; give 'source' explicitly")
            src, conf = ranked[0]
            detected = {"language": src, "confidence": round(conf * 100, 1)}
        results = await asyncio.gather(*(self.engine.translate(t, src, tgt) for t in texts))
        out: dict[str, Any] = {
            "translatedText": [r.text for r in results] if batch else results[0].text,
            "flags": [r.flags for r in results] if batch else results[0].flags,
            "route": results[0].route,
            "machine_translation": True,
        }
        if detected:
            out["detectedLanguage"] = [detected] * len(texts) if batch else detected
        return out

    def libre_detect(self, q: Any) -> list[dict[str, Any]]:
        if not isinstance(q, str) or not q.strip():
            raise InvalidField("'q' must be a non-empty string")
        if len(q) > self.max_chars:
            from gateway.errors import PayloadTooLarge
            raise PayloadTooLarge(f"'q' may have at most {self.max_chars} characters")
        return [{"language": code, "confidence": round(conf * 100, 1)} for code, conf in detect.detect(q)[:5]]

    # -- drafting ----------------------------------------------------------------
    def draft_sync(self, case: dict[str, Any]) -> dict[str, Any]:
        from translate.drafting import draft_case
        return draft_case(case, translator=self._draft_translator, detector=self._detector)

    async def draft(self, case: dict[str, Any]) -> dict[str, Any]:
        return await asyncio.to_thread(self.draft_sync, case)

    def _draft_translator(self, text: str, source: str, target: str) -> tuple[str, list[str]]:
        return self.translate_sync(text, source, target)

    @staticmethod
    def _detector(text: str) -> str | None:
        return detect.best(text)


def draft_without_mt(case: dict[str, Any]) -> dict[str, Any]:
    """Rules only: used when machine translation is switched off (the draft says so in its flags)."""
    from translate.drafting import draft_case
    return draft_case(case, translator=None, detector=TranslationService._detector)


class TranslateDrafter:
    """The chat's ``Drafter``: a finished transcript becomes ticket fields, MT where installed."""

    def __init__(self, service: TranslationService | None) -> None:
        self.service = service

    async def draft(self, *, lang: str, channel: str, messages: Sequence[MessageRecord],
                    reference_time: float) -> dict[str, Any]:
        from translate.drafting import draft_transcript
        lines = [m.text for m in messages if m.sender == "caller" and m.text.strip()]
        if not lines:
            # e.g. a sign-language call with no typed words: the seat fills the ticket from the signing
            return {"text_original": "", "flags": ["no_caller_text"]}
        ref = datetime.fromtimestamp(reference_time, tz=timezone.utc).astimezone(SHANGHAI).isoformat()
        svc = self.service
        d = await asyncio.to_thread(
            draft_transcript, lang, lines, ref,
            translator=svc._draft_translator if svc is not None else None,
            detector=TranslationService._detector)
        return draft_to_ticket_fields(d, "\n".join(lines))


def draft_to_ticket_fields(d: dict[str, Any], text_original: str) -> dict[str, Any]:
    """Map a draft onto the ticket's editable fields; the suggestions are kept for acceptance stats."""
    fields: dict[str, Any] = {"text_original": text_original, "flags": list(d.get("flags", []))}
    for key, target in (("category", "category"), ("department", "department"), ("district", "district"),
                        ("address", "address"), ("event_date", "event_time"), ("summary_zh", "text_zh")):
        if d.get(key):
            fields[target] = d[key]
    fields["confidence"] = d.get("confidence", {})
    return fields


def now_iso() -> str:
    return datetime.fromtimestamp(time.time(), SHANGHAI).isoformat()
