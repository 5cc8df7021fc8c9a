"""HTTP handlers: health, metrics, languages, catalog, caller sessions, seat login, queues."""

from __future__ import annotations

import time
from typing import Any

from aiohttp import web

import languages
from gateway import __version__
from gateway.auth import new_token, token_hash
from gateway.chat.verification import consent, verify_caller
from gateway.domain import catalog
from gateway.errors import Forbidden, InvalidField, Unauthorized
from gateway.kiosk import check_kiosk_id
from gateway.metrics import CONTENT_TYPE
from gateway.storage.records import UserRecord
from gateway.web.keys import CLOCK, CONFIG, METRICS, REPO, SERVICE, TRANSLATION
from gateway.web.middleware import read_json

routes = web.RouteTableDef()


def bearer(request: web.Request) -> str | None:
    """The bearer token, if any.  A header that is not ASCII (tokens are; undecodable bytes arrive
    as surrogate escapes that would break hashing) is a 401, not a 500."""
    auth = request.headers.get("Authorization", "")
    if not auth.isascii():
        raise Unauthorized("the Authorization header is not ASCII text; send 'Authorization: Bearer <token>'")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip() or None
    return None


async def current_user(request: web.Request, token: str | None = None) -> UserRecord:
    token = token or bearer(request)
    if not token:
        raise Unauthorized("log in first: send 'Authorization: Bearer <token>'")
    user = await request.app[REPO].user_for_token(token_hash(token), request.app[CLOCK].now())
    if user is None:
        raise Unauthorized("the token is unknown, revoked or expired; log in again")
    return user


async def current_seat(request: web.Request) -> UserRecord:
    user = await current_user(request)
    if not user.is_seat:
        raise Forbidden("only seats (agents and volunteers) may do this")
    return user


@routes.get("/healthz")
async def healthz(request: web.Request) -> web.Response:
    t0 = time.perf_counter()
    ok = await request.app[REPO].ping()
    return web.json_response({"status": "ok" if ok else "degraded", "db": "ok" if ok else "error",
                              "db_ms": round((time.perf_counter() - t0) * 1000, 2), "version": __version__},
                             status=200 if ok else 503)


@routes.get("/api/v1/info")
async def info(request: web.Request) -> web.Response:
    """What a page needs to tell callers the truth: how long recordings are kept, what is switched on."""
    cfg = request.app[CONFIG]
    return web.json_response({"version": __version__, "recording_retention_days": cfg.recording_retention_days,
                              "video": cfg.video_enabled, "translation": cfg.mt_enabled})


@routes.get("/api/v1/ice")
async def ice(request: web.Request) -> web.Response:
    """ICE servers for one call, with fresh short-lived TURN credentials (gateway/domain/ice.py).

    A caller asks with its session (``?session=<id>`` and its caller token as the bearer); a seat,
    interpreter or any staff user with their own token.  401 without one: credentials for the
    relay are only for people in a call."""
    from gateway.domain.ice import ice_config
    token = bearer(request) or request.query.get("token")
    if not token:
        raise Unauthorized("send the caller token (with ?session=<id>) or your staff token as 'Authorization: Bearer'")
    sid = request.query.get("session")
    if sid:
        s = await request.app[SERVICE].caller_session(sid[:64], token)
        if not s.is_open:
            raise Unauthorized("this call has ended")
        subject = f"caller-{s.id[:24]}"
    else:
        user = await current_user(request, token)
        subject = f"staff-{user.id[:24]}"
    body = ice_config(request.app[CONFIG].ice(), subject, request.app[CLOCK].now())
    return web.json_response(body, headers={"Cache-Control": "no-store"})


@routes.get("/metrics")
async def metrics(request: web.Request) -> web.Response:
    return web.Response(body=request.app[METRICS].render(), headers={"Content-Type": CONTENT_TYPE})


def _lang_json(lang: languages.Language, targets: list[str]) -> dict[str, Any]:
    return {"code": lang.code, "name": lang.en, "native": lang.native, "dir": lang.dir, "targets": targets}


@routes.get("/api/v1/languages")
async def list_languages(request: web.Request) -> web.Response:
    show_all = request.query.get("all") in ("1", "true")
    langs = languages.all_languages() if show_all else languages.foreign_languages()
    # LibreTranslate shape: "targets" are the languages an installed model (direct or through
    # English) translates this one into; empty when no model is installed.
    svc = request.app.get(TRANSLATION)
    targets: dict[str, list[str]] = {}
    if svc is not None:
        targets = {l["code"]: l["targets"] for l in svc.languages()}
    return web.json_response([_lang_json(l, targets.get(l.code, [])) for l in langs])


@routes.get("/api/v1/languages/{code}/strings")
async def language_strings(request: web.Request) -> web.Response:
    lang = languages.get(request.match_info["code"])
    return web.json_response(languages.ui_strings(lang.code), headers={"Content-Language": lang.code})


@routes.get("/api/v1/catalog")
async def get_catalog(request: web.Request) -> web.Response:
    return web.json_response({
        "categories": [{"code": c.code, "zh": c.zh, "en": c.en, "limit_working_days": c.limit_working_days}
                       for c in catalog.categories()],
        "departments": [{"code": d.code, "zh": d.zh, "en": d.en} for d in catalog.departments()],
        "districts": [{"code": d.code, "zh": d.zh, "en": d.en} for d in catalog.districts()],
        "ticket_states": list(catalog.TICKET_STATES),
    })


def _admit_caller(request: web.Request) -> None:
    """Against queue floods (issue 12): calls started per client address (the real client behind
    trusted_proxies), and a cap on new sessions whose page has not connected yet, so a script
    cannot push real callers to position 5,000.  429 with Retry-After, in words."""
    from gateway.ratelimit import RateLimited
    from gateway.web.keys import SESSION_LIMITS
    cfg, now = request.app[CONFIG], request.app[CLOCK].now()
    limits = request.app[SESSION_LIMITS]
    address = request.remote or "?"
    wait = limits.wait_s(address, now)
    if wait > 0:
        raise RateLimited.after("too many calls were started from this network address", wait)
    if request.app[SERVICE].presence.never_connected() >= cfg.max_unconnected_sessions:
        raise RateLimited.after("too many calls are connecting right now", 5)
    limits.take(address, now)


@routes.post("/api/v1/sessions")
async def create_session(request: web.Request) -> web.Response:
    body = await read_json(request)
    channel = body.get("channel", "chat")
    if not isinstance(channel, str):
        raise InvalidField("'channel' must be a string such as 'chat'")
    service = request.app[SERVICE]
    _admit_caller(request)
    channel = channel.strip().lower()
    caller = verify_caller(channel, body, service.secret)        # before the caller is queued
    kiosk = body.get("kiosk")
    if kiosk is not None:      # started at an airport kiosk: validated like the kiosk page's own id
        kiosk = check_kiosk_id(kiosk, request.app[CONFIG].kiosks)
    s, token = await service.create_session(channel, body.get("lang"), caller=caller,
                                            consent_recording=consent(body), kiosk=kiosk)
    return web.json_response({
        "id": s.id, "token": token, "channel": s.channel, "lang": s.lang, "state": s.state,
        "ws_url": f"/ws/caller?session={s.id}&token={token}",
        "queue": service.queue_status(s.id),
    }, status=201)


@routes.get("/api/v1/sessions/{id}")
async def get_session(request: web.Request) -> web.Response:
    service = request.app[SERVICE]
    sid = request.match_info["id"]
    token = bearer(request) or request.query.get("token")
    view = "caller"
    try:
        s = await service.caller_session(sid, token)
    except Exception:
        view = "seat"
        seat = await current_seat(request)      # a seat may read a session it handled
        s = await request.app[REPO].get_session(sid)
        if s is None or s.seat_id != seat.id:
            raise Forbidden("you did not handle that session")
    live = service.sessions.get(sid, s)
    return web.json_response({**live.public(), "queue": service.queue_status(sid),
                              "transcript": await service.transcript(sid, view)})


@routes.post("/api/v1/sessions/{id}/end")
async def end_session(request: web.Request) -> web.Response:
    """The caller hangs up over HTTP, with the caller token: for a page that is about to be torn
    down (the airport kiosk's idle reset) and cannot wait for its WebSocket.  Ending twice is harmless."""
    service = request.app[SERVICE]
    sid = request.match_info["id"]
    s = await service.caller_session(sid, bearer(request) or request.query.get("token"))
    if s.is_open:
        await service.caller_end(sid)
    s = service.sessions.get(sid) or await request.app[REPO].get_session(sid) or s
    return web.json_response(s.public())


@routes.post("/api/v1/auth/login")
async def login(request: web.Request) -> web.Response:
    """A seat's password for a bearer token.

    Failed attempts are limited per login and per client address (429 with ``Retry-After``;
    the policy is gateway.auth.LoginGuard's docstring); scrypt runs on a bounded thread pool
    off the event loop (503 when it is full); an unknown, disabled or password-less login is
    checked against a dummy hash, so it costs the same work as a real one."""
    from gateway.auth import LoginBusy, login_guard
    body = await read_json(request)
    login_name, password = body.get("login"), body.get("password")
    if not isinstance(login_name, str) or not isinstance(password, str):
        raise InvalidField("send 'login' and 'password' as strings")
    repo = request.app[REPO]
    guard = login_guard(request.app, request.app[CONFIG])
    address = request.remote
    guard.begin(login_name, address, request.app[CLOCK].now())
    user = await repo.get_user_by_login(login_name.strip())
    stored = user.password_hash if user is not None and not user.disabled else None
    try:
        ok = await guard.verify(password, stored)
    except LoginBusy:
        guard.not_counted(login_name, address, request.app[CLOCK].now())
        raise
    if not ok:
        raise Unauthorized("wrong login or password")
    assert user is not None
    now = request.app[CLOCK].now()
    guard.succeeded(login_name, address, now)
    token = new_token()
    await repo.add_token(token_hash(token), user.id, now, now + request.app[CONFIG].seat_token_ttl_s)
    seat = None
    if user.is_seat:
        seat = {"id": user.id, "name": user.name, "kind": user.seat_kind, "skills": user.skills}
    return web.json_response({"token": token, "user": {"id": user.id, "name": user.name, "role": user.role},
                              "seat": seat})


@routes.post("/api/v1/auth/logout")
async def logout(request: web.Request) -> web.Response:
    token = bearer(request)
    if token:
        await request.app[REPO].revoke_token(token_hash(token))
    return web.Response(status=204)


@routes.get("/api/v1/queues")
async def queues(request: web.Request) -> web.Response:
    await current_seat(request)
    return web.json_response(request.app[SERVICE].queue_summary())
