"""HTTP handlers for the airport kiosks: strings, availability, anonymous counters, QR code, report.

Everything a kiosk asks for is public and carries no personal data: availability is a yes/no
per channel computed from the ACD, the counters are (kiosk, hour, event, language, channel,
count).  Only the report needs a login, as a supervisor or an administrator.
"""

from __future__ import annotations

import csv
import io
import json
from functools import lru_cache
from typing import Any

import segno
from aiohttp import web

from gateway import kiosk as K
from gateway.errors import Forbidden, InvalidField
from gateway.ratelimit import RateLimited, TokenBuckets
from gateway.web.api import current_user
from gateway.web.keys import CLOCK, CONFIG, REPO, SERVICE
from gateway.web.middleware import read_json
from languages.registry import DATA_DIR

routes = web.RouteTableDef()
REPORT_ROLES = ("supervisor", "admin")


@lru_cache(maxsize=1)
def _all_strings() -> dict[str, dict[str, str]]:
    """languages/data/kiosk.json, read once: {lang: {key: text}}."""
    raw = json.loads((DATA_DIR / "kiosk.json").read_text(encoding="utf-8"))
    return {lang: {k: v for k, v in table.items() if isinstance(v, str)}
            for lang, table in raw.items() if isinstance(table, dict)}


def kiosk_strings(code: str) -> dict[str, str]:
    """One language's kiosk strings, missing keys filled from English."""
    table = _all_strings()
    return {**table.get("en", {}), **table.get(code, {})}


@lru_cache(maxsize=256)
def qr_svg(url: str) -> bytes:
    """The QR code for ``url`` as a scalable SVG (one unit per module, 4-module quiet zone).
    Pure function of the URL, so it is cached and the same URL always yields the same bytes."""
    buf = io.BytesIO()
    segno.make(url, error="m").save(buf, kind="svg", scale=1, border=4, xmldecl=False, omitsize=True,
                                    dark="#000", light="#fff", nl=False)
    return buf.getvalue()


def _kiosk(request: web.Request, value: Any) -> str:
    return K.check_kiosk_id(value, request.app[CONFIG].kiosks)


@routes.get("/api/v1/kiosk/strings")
async def strings(request: web.Request) -> web.Response:
    """The kiosk's languages (native names, direction) and its strings in each, in one request:
    the attract loop needs every language at once."""
    langs = K.kiosk_languages()
    return web.json_response({
        "languages": [{"code": l.code, "native": l.native, "name": l.en, "dir": l.dir} for l in langs],
        "strings": {l.code: kiosk_strings(l.code) for l in langs},
    })


@routes.get("/api/v1/kiosk/availability")
async def availability(request: web.Request) -> web.Response:
    """``?kiosk=ID[&lang=xx]``: the kiosk id is checked (the page shows a message when it is
    wrong), the idle time is returned, and with ``lang`` which channels have a seat online."""
    q = request.query
    kiosk = _kiosk(request, q.get("kiosk"))
    cfg = request.app[CONFIG]
    out: dict[str, Any] = {"kiosk": kiosk, "idle_reset_s": cfg.kiosk_idle_reset_s, "lang": None,
                           "channels": None, "any": None}
    if "lang" in q:
        lang = K.check_kiosk_lang(q.get("lang"))
        service = request.app[SERVICE]
        channels = K.availability(service.routing, service.acd.seats(), lang)
        out.update(lang=lang, channels=channels, any=any(channels.values()))
    return web.json_response(out)


# A kiosk page sends a few events a minute at most (one language, one QR per visitor); the
# buckets stop a script from inflating the promotion team's figures through this public endpoint.
EVENT_LIMITS = web.AppKey("kiosk_event_limits", tuple)
EVENTS_PER_MIN_PER_KIOSK = 60
EVENTS_PER_MIN_PER_ADDRESS = 120


def add_kiosk_routes(app: web.Application) -> None:
    app[EVENT_LIMITS] = (TokenBuckets(EVENTS_PER_MIN_PER_KIOSK, 60.0, burst=20),
                         TokenBuckets(EVENTS_PER_MIN_PER_ADDRESS, 60.0, burst=40))
    app.add_routes(routes)


def _limits(app: web.Application) -> tuple[TokenBuckets, TokenBuckets]:
    return app[EVENT_LIMITS]  # type: ignore[return-value]


@routes.post("/api/v1/kiosk/events")
async def count_event(request: web.Request) -> web.Response:
    """``{"kiosk", "event": "language_chosen"|"qr_shown", "lang"}`` -> 204 once durably counted."""
    body = await read_json(request)
    kiosk, event, lang = K.check_page_event(body, request.app[CONFIG].kiosks)
    now = request.app[CLOCK].now()
    per_kiosk, per_address = _limits(request.app)
    wait = max(per_kiosk.wait_s(kiosk, now), per_address.wait_s(request.remote or "?", now))
    if wait > 0:
        raise RateLimited.after("too many kiosk events", wait)
    per_kiosk.take(kiosk, now)
    per_address.take(request.remote or "?", now)
    hour = K.hour_bucket(now)
    await request.app[REPO].kiosk_count(kiosk, hour, event, lang, K.NO_CHANNEL)
    return web.Response(status=204)


@routes.get("/api/v1/kiosk/qr.svg")
async def qr(request: web.Request) -> web.Response:
    """The QR code of the mini program, tagged with the visitor's language and the kiosk."""
    kiosk = _kiosk(request, request.query.get("kiosk"))
    lang = K.check_kiosk_lang(request.query.get("lang"))
    url = K.miniapp_link(request.app[CONFIG].miniapp_url, lang, kiosk)
    return web.Response(body=qr_svg(url), headers={
        "Content-Type": "image/svg+xml",
        # an image, never a document: nothing in it may run even when opened directly
        "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'"})


@routes.get("/api/v1/kiosk/report")
async def report(request: web.Request) -> web.StreamResponse:
    """``?from=YYYY-MM-DD&to=YYYY-MM-DD[&kiosk=ID][&format=csv]``, Shanghai days, both included."""
    user = await current_user(request)
    if user.role not in REPORT_ROLES:
        raise Forbidden("the kiosk report is for supervisors and administrators")
    q = request.query
    fmt = q.get("format", "json")
    if fmt not in ("json", "csv"):
        raise InvalidField("'format' must be json or csv", field="format")
    first, last, since, until = K.report_range(q.get("from"), q.get("to"))
    kiosk = _kiosk(request, q["kiosk"]) if q.get("kiosk") else None
    rows = await request.app[REPO].kiosk_report(since, until, kiosk)
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(K.CSV_HEADER)
        for r in rows:
            w.writerow((r.kiosk, r.hour, r.event, r.lang, r.channel, r.count))
        name = f"kiosk-report-{first.isoformat()}-{last.isoformat()}.csv"
        return web.Response(body=buf.getvalue().encode("utf-8"), headers={
            "Content-Type": "text/csv; charset=utf-8", "Content-Disposition": f'attachment; filename="{name}"'})
    return web.json_response({"from": first.isoformat(), "to": last.isoformat(), "kiosk": kiosk,
                              "timezone": "Asia/Shanghai", "events": list(K.EVENTS), **K.report(rows)})
