"""Machine translation inside a chat, for the seat and the caller.

- Each caller message is stored and relayed at once; its Chinese translation
  follows as a ``translation`` event and is kept in the message's meta, so the
  console shows the original with Chinese beneath it, also after a reload.
- A seat may write in Chinese (``compose_lang: "zh"``).  The text is translated
  into the caller's language *before* it is stored and sent; the caller sees it
  marked as machine translation, with the Chinese original available.  If no
  model exists for the pair, or the output looks broken (the quality guards
  flagged it), nothing is sent and the seat is told why: a caller never gets
  garbage presented as an answer.

The chat service depends only on the small ``ChatTranslator`` protocol below;
``translate/`` provides the implementation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from gateway.errors import GatewayError
from gateway.storage.records import MessageRecord
from gateway.clock import utc_iso

# Flags that mean "do not show this to a caller".
BLOCKING_FLAGS = frozenset({"mt_empty", "mt_identical", "mt_repetition", "mt_wrong_script"})


@dataclass
class Translated:
    text: str
    flags: list[str] = field(default_factory=list)
    route: list[str] = field(default_factory=list)


class ChatTranslator(Protocol):
    def can_translate(self, source: str, target: str) -> bool: ...
    async def translate(self, text: str, source: str, target: str) -> Translated: ...


class MTUnavailable(GatewayError):
    code = "mt_unavailable"
    status = 409


class MTSuspect(GatewayError):
    code = "mt_suspect"
    status = 409


def message_json(m: MessageRecord, view: str = "seat") -> dict[str, Any]:
    """A stored message as one side sees it.  ``view`` is "seat" or "caller"."""
    out: dict[str, Any] = {"type": "msg", "session": m.session_id, "seq": m.seq, "from": m.sender, "text": m.text,
                           "ts": utc_iso(m.created_at), "client_id": m.client_id}
    zh = m.meta.get("zh")
    sent = m.meta.get("caller_text")
    if view == "seat":
        if isinstance(zh, dict) and zh.get("text"):
            out["translation"] = {"lang": "zh", "text": zh["text"], "flags": zh.get("flags", []), "mt": True}
        elif isinstance(sent, dict):
            out["translation"] = {"lang": sent["lang"], "text": sent["text"], "flags": [], "mt": True}
    elif isinstance(sent, dict):
        out["text"] = sent["text"]
        out["mt"] = True
        out["original"] = {"lang": "zh", "text": m.text}
    return out


async def compose_for_caller(translator: ChatTranslator | None, text: str, compose_lang: Any,
                             caller_lang: str) -> dict[str, Any]:
    """Meta for a seat message written in ``compose_lang``; empty when no translation is asked for."""
    if compose_lang in (None, "", caller_lang):
        return {}
    if compose_lang != "zh":
        raise MTUnavailable("seats may compose in Chinese ('zh') or in the caller's language")
    if translator is None or not translator.can_translate("zh", caller_lang):
        raise MTUnavailable(f"no translation model from Chinese to '{caller_lang}' is installed; "
                            f"write in the caller's language or invite an interpreter")
    res = await translator.translate(text, "zh", caller_lang)
    bad = sorted(set(res.flags) & BLOCKING_FLAGS)
    if bad or not res.text.strip():
        raise MTSuspect(f"the machine translation looked wrong ({', '.join(bad) or 'empty'}); "
                        f"nothing was sent - rephrase, or write in the caller's language")
    return {"caller_text": {"lang": caller_lang, "text": res.text, "route": res.route, "flags": res.flags}}


async def translate_caller_message(translator: ChatTranslator | None, m: MessageRecord,
                                   caller_lang: str) -> dict[str, Any] | None:
    """The Chinese translation of a caller message as meta, or None when there is no model."""
    if translator is None or caller_lang == "zh" or not translator.can_translate(caller_lang, "zh"):
        return None
    res = await translator.translate(m.text, caller_lang, "zh")
    return {"zh": {"text": res.text, "flags": res.flags, "route": res.route}}
