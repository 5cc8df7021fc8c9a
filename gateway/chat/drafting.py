"""How a finished conversation becomes ticket fields.

``translate.service.TranslateDrafter`` is the implementation (rules in every
served language, machine translation where a model is installed); the chat
service only knows this protocol.
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
