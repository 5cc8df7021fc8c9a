"""Every refusal is a 4xx JSON body with a code and a sentence; nothing a client sends causes a 500."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from gateway.errors import BadJson, GatewayError, PayloadTooLarge
from gateway.web.keys import CONFIG, METRICS

log = logging.getLogger("gateway.http")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


OPEN311 = "/open311/"


def open311_error(request: web.Request, exc: GatewayError) -> web.Response:
    """GeoReport v2 errors: ``[{"code": <HTTP status>, "description": "..."}]``, XML for .xml paths."""
    to_body = getattr(exc, "to_body", None)
    body = to_body() if to_body else [{"code": exc.status, "description": exc.message}]
    if request.path.endswith(".xml"):
        from miniapp_api.open311 import to_xml
        return web.Response(body=to_xml("errors", body), status=exc.status, content_type="text/xml", charset="utf-8")
    return web.json_response(body, status=exc.status)


def error_response(code: str, message: str, status: int) -> web.Response:
    return web.json_response({"error": {"code": code, "message": message}}, status=status)


@web.middleware
async def errors_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except GatewayError as exc:
        request.app[METRICS].errors.labels(exc.code).inc()
        if request.path.startswith(OPEN311):
            resp = open311_error(request, exc)
        else:
            resp = web.json_response(exc.to_dict(), status=exc.status)
        retry = getattr(exc, "retry_after_s", None)
        if retry is not None:
            resp.headers["Retry-After"] = str(max(1, round(retry)))
        return resp
    except web.HTTPRequestEntityTooLarge:
        request.app[METRICS].errors.labels("payload_too_large").inc()
        limit = request.app[CONFIG].max_body_bytes
        return error_response("payload_too_large", f"the request body is larger than the {limit}-byte limit", 413)
    except web.HTTPException as exc:
        if exc.status >= 400 and request.path.startswith(OPEN311):
            return open311_error(request, GatewayError(f"no such endpoint: {request.path}" if exc.status == 404
                                                       else str(exc.reason), status=exc.status))
        if exc.status >= 400 and request.path.startswith(("/api/", "/ws/")):
            code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status, "http_error")
            msg = {404: f"no such endpoint: {request.path}",
                   405: f"{request.method} is not allowed on {request.path}"}.get(exc.status, exc.reason)
            return error_response(code, msg, exc.status)
        raise
    except Exception as exc:  # a bug of ours: log the type, never the body
        log.exception("unhandled error", extra={"event": "unhandled_error", "path": request.path,
                                                "error": type(exc).__name__})
        return error_response("internal_error", "the gateway failed to handle this request; it has been logged", 500)


async def read_json(request: web.Request) -> dict[str, Any]:
    """The body as a JSON object, or a clear 4xx."""
    limit = request.app[CONFIG].max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(f"the request body is larger than the {limit}-byte limit")
    raw = await request.read()
    if not raw:
        raise BadJson("the request body is empty; send a JSON object")
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadJson(f"the request body is not valid JSON: {exc.__class__.__name__} at position "
                      f"{getattr(exc, 'pos', '?')}") from exc
    if not isinstance(data, dict):
        raise BadJson("the request body must be a JSON object")
    return data
