"""A finished contact becomes a draft ticket: the transcript, the caller's card and who they are."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from gateway.chat.drafting import Drafter
from gateway.domain.ticket import CallerInfo, Channel, Ticket, ticket_number
from gateway.storage.records import MessageRecord, SessionRecord
from gateway.storage.repository import Repository

SHANGHAI = ZoneInfo("Asia/Shanghai")


def drafting_lang(s: SessionRecord) -> str:
    """Deaf callers write Chinese beside their signing: draft their words as Chinese."""
    return "zh" if s.lang == "csl" else s.lang


def card_lines(card: dict[str, Any]) -> list[str]:
    """What the caller typed into the structured card, as words the drafter can read."""
    lines = []
    if card.get("what"):
        lines.append(str(card["what"]))
    if card.get("address"):
        lines.append(str(card["address"]))
    return lines


async def draft_ticket(repo: Repository, drafter: Drafter, s: SessionRecord, now: float) -> Ticket:
    msgs = list(await repo.messages(s.id))
    card = s.meta.get("card") or {}
    extra = [MessageRecord(session_id=s.id, seq=0, sender="caller", text=t, created_at=now) for t in card_lines(card)]
    fields = await drafter.draft(lang=drafting_lang(s), channel=s.channel, messages=msgs + extra, reference_time=now)
    flags = list(fields.pop("flags", []))
    confidence = dict(fields.pop("confidence", {}))
    if card.get("address"):
        fields["address"] = str(card["address"])          # the caller's own words beat a guess
    caller = CallerInfo.from_dict(s.meta.get("caller") or {})
    if card.get("phone_masked"):
        caller = replace(caller, phone_masked=card["phone_masked"], phone_hash=card.get("phone_hash"))
    day = datetime.fromtimestamp(now, SHANGHAI).date()
    number = ticket_number(day, await repo.next_ticket_number(day.isoformat()))
    actor = f"seat:{s.seat_id}" if s.seat_id else "system"
    ticket = Ticket.new_draft(number=number, channel=Channel(s.channel), lang=s.lang,
                              text_original=fields.pop("text_original", ""), actor=actor, now=now,
                              session_id=s.id, caller=caller, **fields)
    ticket.draft_flags = flags
    ticket.draft_confidence = {k: float(v) for k, v in confidence.items() if isinstance(v, (int, float))}
    return ticket
