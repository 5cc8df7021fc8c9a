"""Video and voice calls on top of a chat session.

- **Signalling.** Caller, seat and (when one joined) interpreter browsers exchange
  media peer to peer, a mesh of up to three.  Offers, answers and ICE candidates
  (``rtc``, addressed with ``to``) and real-time-text fallbacks (``rtt``, to everyone
  else unless ``to`` is given) are relayed untouched, marked with ``from``.
- **The caller's card.** While signing, a deaf caller can fill in address, phone and
  what happened (with pictogram chips).  The card is validated, stored in the
  session (the phone masked and hashed, never raw), shown to the seat at once, and
  goes into the ticket draft when the call ends.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from gateway.domain import privacy
from gateway.errors import Conflict, InvalidField, PayloadTooLarge
from gateway.storage.records import SessionRecord, UserRecord

if TYPE_CHECKING:
    from gateway.chat.service import ChatService

RELAY_TYPES = ("rtc", "rtt")
MAX_RELAY_BYTES = 32_768
CARD_CHIPS = ("noise", "water", "fire", "injury", "theft", "lost_item", "money", "housing", "transport",
              "documents", "health", "work", "rubbish", "animal", "other")
MAX_ADDRESS, MAX_WHAT = 300, 1000


def _payload(msg: dict[str, Any], max_text: int) -> dict[str, Any]:
    data = msg.get("data")
    if not isinstance(data, dict):
        raise InvalidField(f"a '{msg['type']}' message carries its content in a 'data' object")
    if len(json.dumps(data)) > MAX_RELAY_BYTES:
        raise PayloadTooLarge(f"a '{msg['type']}' message may carry at most {MAX_RELAY_BYTES} bytes")
    if msg["type"] == "rtt":
        text = data.get("text", "")
        if not isinstance(text, str) or len(text) > max_text:
            raise InvalidField(f"real-time text is a string of at most {max_text} characters")
    return data


PARTIES = ("caller", "seat", "interpreter")


def _target(msg: dict[str, Any], sender: str, default: str | None) -> str | None:
    """Whom a relayed message is for.  ``None``: everyone else (real-time text over the WebSocket)."""
    to = msg.get("to", default)
    if to is None:
        return None
    if to not in PARTIES or to == sender:
        others = ", ".join(p for p in PARTIES if p != sender)
        raise InvalidField(f"'to' must be one of: {others}", field="to")
    return to


async def _deliver(svc: "ChatService", s: SessionRecord, sender: str, to: str | None, msg: dict[str, Any],
                   data: dict[str, Any]) -> None:
    out = {"type": msg["type"], "session": s.id, "from": sender, "data": data}
    interpreter = svc.interp.interpreter_of(s.id)
    for party in ([to] if to else [p for p in PARTIES if p != sender]):
        if party == "caller":
            await svc.hub.to_caller(s.id, out)
        elif party == "seat" and s.seat_id:
            await svc.hub.to_seat(s.seat_id, out)
        elif party == "interpreter" and interpreter:
            await svc.hub.to_seat(interpreter, out)
        elif to:
            raise Conflict(f"there is no {party} in this call right now")


async def relay_from_caller(svc: "ChatService", s: SessionRecord, msg: dict[str, Any]) -> None:
    data = _payload(msg, svc.config.max_message_chars)
    live = svc.sessions.get(s.id)
    if live is None or live.state != "active" or not live.seat_id:
        raise Conflict("you are not connected to a seat yet; this is sent once a seat answers")
    to = _target(msg, "caller", "seat" if msg["type"] == "rtc" else None)
    await _deliver(svc, live, "caller", to, msg, data)


async def relay_from_seat(svc: "ChatService", user: UserRecord, msg: dict[str, Any]) -> None:
    """From the seat or the interpreter (both use the seat socket)."""
    data = _payload(msg, svc.config.max_message_chars)
    s, part = svc.interp.role(user, msg.get("session"))
    default = ("caller" if part == "seat" else None) if msg["type"] == "rtc" else None
    to = _target(msg, part, default)
    if msg["type"] == "rtc" and to is None:
        raise InvalidField("an interpreter's 'rtc' message needs 'to': caller or seat", field="to")
    await _deliver(svc, s, part, to, msg, data)


def clean_card(raw: Any, secret: bytes) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise InvalidField("'card' must be an object with address, phone, what and chips")
    out: dict[str, Any] = {}
    for key, limit in (("address", MAX_ADDRESS), ("what", MAX_WHAT)):
        value = raw.get(key)
        if value in (None, ""):
            continue
        if not isinstance(value, str) or len(value) > limit:
            raise InvalidField(f"'{key}' must be text of at most {limit} characters", field=key)
        out[key] = value.strip()
    phone = raw.get("phone")
    if phone not in (None, ""):
        if not isinstance(phone, str):
            raise InvalidField("'phone' must be text")
        try:
            normal = privacy.validate_phone(phone)
        except InvalidField as exc:
            exc.field = "phone"
            raise
        out["phone_masked"] = privacy.mask_phone(normal)
        out["phone_hash"] = privacy.hash_identifier(normal, secret)
    chips = raw.get("chips") or []
    if not isinstance(chips, list) or any(c not in CARD_CHIPS for c in chips) or len(chips) > len(CARD_CHIPS):
        raise InvalidField(f"'chips' must be a list drawn from: {', '.join(CARD_CHIPS)}", field="chips")
    out["chips"] = list(dict.fromkeys(chips))
    return out


def public_card(card: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in card.items() if k != "phone_hash"}


async def caller_card(svc: "ChatService", s: SessionRecord, raw: Any) -> dict[str, Any]:
    live = svc.sessions.get(s.id)
    if live is None or not live.is_open:
        raise Conflict("this call has ended; the card can no longer change")
    card = clean_card(raw, svc.secret)
    meta = {**live.meta, "card": card}
    await svc.repo.update_session(live.id, meta=meta)     # on disk before anyone is told
    live.meta = meta
    await svc.hub.to_caller(live.id, {"type": "card_saved", "card": public_card(card)})
    if live.state == "active" and live.seat_id:
        await svc.hub.to_seat(live.seat_id, {"type": "card", "session": live.id, "card": public_card(card)})
    return card
