"""Airport kiosks: ids, anonymous counter events, hour buckets, availability and the report.

Pure functions (no I/O), so the rules are tested without a server.  The counters are
anonymous by construction: an event is only ever (kiosk, Shanghai hour, event, language,
channel) plus a count.  Nothing here accepts an IP address, a session id or a user agent,
so nothing can store one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from typing import Any, Final
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import languages
from gateway.acd import RoutingConfig, SeatView
from gateway.domain.deadlines import SHANGHAI
from gateway.errors import GatewayError, InvalidField, NoRoute, UnknownLanguage
from gateway.storage.records import KioskCount

KIOSK_ID_RE: Final = re.compile(r"^[A-Z0-9][A-Z0-9-]{1,31}$")
# Sent by the kiosk page.  call_started is counted by the gateway itself when a session with a
# kiosk id is created, so a page can neither forget it nor count it twice.
PAGE_EVENTS: Final = ("language_chosen", "qr_shown")
SERVER_EVENTS: Final = ("call_started",)
EVENTS: Final = PAGE_EVENTS + SERVER_EVENTS
# Channels a kiosk visitor can start, and the session language each one queues with.
KIOSK_CHANNELS: Final = ("chat", "voice", "video")
NO_CHANNEL: Final = ""          # stored for events without a channel (NULL would defeat the primary key)
MAX_REPORT_DAYS: Final = 366


class UnknownKiosk(GatewayError):
    code = "unknown_kiosk"
    status = 400


def check_kiosk_id(value: Any, configured: Sequence[str] | None) -> str:
    """A kiosk id like ``PVG-T2-01``.  ``configured`` lists the deployment's kiosks (empty or None:
    any well-formed id).  The message never repeats a long or strange value back."""
    if not isinstance(value, str) or not KIOSK_ID_RE.fullmatch(value):   # fullmatch: "$" alone lets "ID\n" in
        raise InvalidField("'kiosk' must be a kiosk id like 'PVG-T2-01' (2 to 32 capital letters, digits "
                           "and dashes, starting with a letter or digit)", field="kiosk")
    if configured and value not in configured:
        raise UnknownKiosk(f"kiosk {value!r} is not one of this gateway's kiosks", field="kiosk")
    return value


def kiosk_languages() -> list[languages.Language]:
    """What a kiosk offers: the served foreign languages, then Chinese (19 by default)."""
    return [*languages.foreign_languages(), languages.WORKING]


def check_kiosk_lang(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidField("'lang' must be a language code such as 'ja'", field="lang")
    codes = [lang.code for lang in kiosk_languages()]
    if value not in codes:
        shown = value if len(value) <= 20 else value[:20] + "..."
        raise UnknownLanguage(f"language {shown!r} is not offered at kiosks; offered: {', '.join(codes)}",
                              field="lang")
    return value


def check_page_event(body: dict[str, Any], configured: Sequence[str]) -> tuple[str, str, str]:
    """Validate ``{"kiosk", "event", "lang", "channel"?}`` from a kiosk page; returns (kiosk, event, lang)."""
    unknown = sorted(set(body) - {"kiosk", "event", "lang", "channel"})
    if unknown:
        raise InvalidField(f"unknown field(s) {', '.join(repr(k[:20]) for k in unknown[:3])}; send only "
                           "kiosk, event and lang")
    kiosk = check_kiosk_id(body.get("kiosk"), configured)
    event = body.get("event")
    if event in SERVER_EVENTS:
        raise InvalidField(f"{event!r} is counted by the gateway when the call's session is created; "
                           "do not send it", field="event")
    if event not in PAGE_EVENTS:
        raise InvalidField(f"'event' must be one of {', '.join(PAGE_EVENTS)}", field="event")
    if body.get("channel") is not None:
        raise InvalidField(f"'channel' is not counted for {event!r}; leave it out", field="channel")
    return kiosk, event, check_kiosk_lang(body.get("lang"))


def hour_bucket(ts: float) -> str:
    """The Shanghai hour an epoch time falls in, e.g. ``2026-11-28T08`` (sorts as text)."""
    return datetime.fromtimestamp(ts, SHANGHAI).strftime("%Y-%m-%dT%H")


def parse_day(value: Any, name: str) -> date:
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise InvalidField(f"'{name}' must be a date like 2026-11-28", field=name)
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidField(f"'{name}' is not a real date: {value}", field=name) from None


def report_range(start: Any, end: Any) -> tuple[date, date, str, str]:
    """``from``/``to`` days (both included, Shanghai time) -> the hour buckets [since, until)."""
    first, last = parse_day(start, "from"), parse_day(end, "to")
    if last < first:
        raise InvalidField("'to' must not be before 'from'", field="to")
    if (last - first).days >= MAX_REPORT_DAYS:
        raise InvalidField(f"a report covers at most {MAX_REPORT_DAYS} days", field="to")
    return first, last, f"{first.isoformat()}T00", f"{(last + timedelta(days=1)).isoformat()}T00"


def report(rows: Iterable[KioskCount]) -> dict[str, Any]:
    """Rows plus totals by language, by kiosk and overall, each split by event."""
    out_rows: list[dict[str, Any]] = []
    by_lang: dict[str, dict[str, int]] = {}
    by_kiosk: dict[str, dict[str, int]] = {}
    by_channel: dict[str, int] = {}
    total = {e: 0 for e in EVENTS}
    for r in rows:
        out_rows.append(r.to_dict())
        for table, key in ((by_lang, r.lang), (by_kiosk, r.kiosk)):
            bucket = table.setdefault(key, {e: 0 for e in EVENTS})
            bucket[r.event] = bucket.get(r.event, 0) + r.count
        total[r.event] = total.get(r.event, 0) + r.count
        if r.event == "call_started" and r.channel:
            by_channel[r.channel] = by_channel.get(r.channel, 0) + r.count
    return {"rows": out_rows,
            "totals": {"by_language": dict(sorted(by_lang.items())), "by_kiosk": dict(sorted(by_kiosk.items())),
                       "calls_by_channel": dict(sorted(by_channel.items())), "all": total}}


CSV_HEADER: Final = ("kiosk", "hour", "event", "lang", "channel", "count")


def miniapp_link(base: str, lang: str, kiosk: str) -> str:
    """The mini-program address with ``lang`` and ``src=kiosk-ID`` added (existing query kept)."""
    parts = urlsplit(base)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in ("lang", "src")]
    query += [("lang", lang), ("src", f"kiosk-{kiosk}")]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), ""))


def session_lang(channel: str, lang: str) -> str:
    """The language a kiosk call queues with: sign language for video, the visitor's otherwise."""
    return "csl" if channel == "video" else lang


def availability(routing: RoutingConfig, seats: Iterable[SeatView], lang: str) -> dict[str, bool]:
    """Per channel: is a seat that could ever take this visitor logged in (any tier of the queue)?

    The sign-language video service asks for a mainland ID card and a disability certificate
    (gateway/chat/verification.py), so a kiosk offers it only in Chinese.  Only whether seats are
    logged in is looked at; no seat or caller detail leaves this function.
    """
    online = [s for s in seats if s.state != "offline"]
    out: dict[str, bool] = {}
    for channel in KIOSK_CHANNELS:
        if channel == "video" and lang != languages.WORKING.code:
            out[channel] = False
            continue
        try:
            queue, skill = routing.route(channel, session_lang(channel, lang))
        except (NoRoute, InvalidField):
            out[channel] = False
            continue
        out[channel] = any(t.admits(s.kind, s.skills.get(skill, 0)) for s in online for t in queue.tiers)
    return out
