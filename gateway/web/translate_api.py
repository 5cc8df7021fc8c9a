"""Translation, detection and drafting over HTTP, shaped like LibreTranslate (``/translate``,
``/detect``, ``/languages``), plus ``POST /api/v1/drafts`` and ``GET /api/v1/models``."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from gateway.errors import GatewayError, InvalidField, PayloadTooLarge
from gateway.web.keys import CONFIG, TRANSLATION
from gateway.web.middleware import read_json

routes = web.RouteTableDef()
MAX_BATCH = 64


class EmptyText(GatewayError):
    code = "empty_text"
    status = 400


class TranslationUnavailable(GatewayError):
    code = "mt_unavailable"
    status = 503


def _service(request: web.Request):
    svc = request.app.get(TRANSLATION)
    if svc is None:
        raise TranslationUnavailable("translation is switched off on this gateway (mt_enabled = false)")
    return svc


def _check_q(q: Any, limit: int) -> None:
    texts = q if isinstance(q, list) else [q]
    if isinstance(q, list) and len(q) > MAX_BATCH:
        raise PayloadTooLarge(f"at most {MAX_BATCH} texts per request")
    for t in texts:
        if not isinstance(t, str):
            raise InvalidField("'q' must be a string or a list of strings")
        if not t.strip():
            raise EmptyText("'q' is empty; send the text to translate")
        if len(t) > limit:
            raise PayloadTooLarge(f"a text may have at most {limit} characters, this one has {len(t)}")


FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


async def _libre_body(request: web.Request) -> dict[str, Any]:
    """LibreTranslate takes JSON or a form; a form's repeated ``q`` is a batch."""
    if request.content_type not in FORM_TYPES:
        return await read_json(request)
    from miniapp_api.forms import read_form
    fields, _photo = await read_form(request, max_photo_bytes=0)
    body: dict[str, Any] = {k: fields.getone(k) for k in fields}
    qs = fields.getall("q", [])
    if len(qs) > 1:
        body["q"] = qs
    return body


@routes.post("/api/v1/translate")
async def translate(request: web.Request) -> web.Response:
    svc = _service(request)
    body = await _libre_body(request)
    _check_q(body.get("q"), svc.max_chars)
    return web.json_response(await svc.libre_translate(body.get("q"), body.get("source", "auto"), body.get("target")))


@routes.post("/api/v1/detect")
async def detect(request: web.Request) -> web.Response:
    svc = _service(request)
    body = await _libre_body(request)
    _check_q(body.get("q"), svc.max_chars)
    return web.json_response(svc.libre_detect(body.get("q")))


@routes.get("/api/v1/models")
async def models(request: web.Request) -> web.Response:
    svc = _service(request)
    return web.json_response({"pairs": svc.engine.pairs()})


@routes.post("/api/v1/drafts")
async def drafts(request: web.Request) -> web.Response:
    """One case in, one draft out.  Works with MT switched off too (rules only, flagged)."""
    import asyncio

    import languages as _languages
    from translate import service as _translate_service
    svc = request.app.get(TRANSLATION)
    limit = svc.max_chars if svc is not None else request.app[CONFIG].mt_max_chars
    body = await read_json(request)
    text = body.get("text")
    if not isinstance(text, str):
        raise InvalidField("'text' (the caller's words) is required, as a string")
    if not text.strip():
        raise EmptyText("'text' is empty; send the caller's words")
    if len(text) > limit:
        raise PayloadTooLarge(f"'text' may have at most {limit} characters")
    lang = body.get("lang")
    if lang is not None:
        if not isinstance(lang, str):
            raise InvalidField("'lang' must be a language code such as 'en'")
        lang = _languages.get(lang).code
    ref = body.get("reference_time")
    if ref is not None and not isinstance(ref, str):
        raise InvalidField("'reference_time' must be an ISO 8601 string such as 2026-11-28T10:00:00+08:00")
    case = {"id": body.get("id"), "lang": lang, "text": text, "reference_time": ref}
    if svc is not None:
        return web.json_response(await svc.draft(case))
    return web.json_response(await asyncio.to_thread(_translate_service.draft_without_mt, case))
