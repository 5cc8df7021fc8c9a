"""How a finished conversation becomes ticket fields.

``translate/`` provides the full drafter (translation, request type,
department, district, date).  Until one is plugged in, ``TranscriptDrafter``
fills what needs no model: the caller's own words, and the Chinese text when
the caller wrote Chinese.  The agent completes the rest in the console.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from gateway.storage.records import MessageRecord


class Drafter(Protocol):
    async def draft(self, *, lang: str, channel: str, messages: Sequence[MessageRecord],
                    reference_time: float) -> dict[str, Any]:
        """Return ticket fields: text_original, text_zh, and any of category, department,
        district, address, event_time, plus ``flags``."""
        ...


def caller_text(messages: Sequence[MessageRecord]) -> str:
    return "\n".join(m.text for m in messages if m.sender == "caller")


class TranscriptDrafter:
    async def draft(self, *, lang: str, channel: str, messages: Sequence[MessageRecord],
                    reference_time: float) -> dict[str, Any]:
        text = caller_text(messages)
        fields: dict[str, Any] = {"text_original": text}
        if lang == "zh":
            fields["text_zh"] = text
            fields["flags"] = []
        else:
            fields["flags"] = ["mt_unavailable"]
        return fields
