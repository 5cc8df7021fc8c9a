"""Every refusal is a 4xx JSON body with a code and a sentence; nothing a client sends causes a 500."""

from __future__ import annotations

import errno
import json
import logging
import math
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from gateway.errors import BadJson, GatewayError, PayloadTooLarge, UnsupportedMediaType
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
    except OSError as exc:
        if exc.errno != errno.ENAMETOOLONG:
            raise
        # a static path longer than the file system allows names no file
        return error_response("not_found", "no such file: the name is too long", 404)
    except Exception as exc:  # a bug of ours: log the type, never the body
        log.exception("unhandled error", extra={"event": "unhandled_error", "path": request.path,
                                                "error": type(exc).__name__})
        return error_response("internal_error", "the gateway failed to handle this request; it has been logged", 500)


# -- the one JSON reader: request bodies, multipart JSON parts, WebSocket frames ----------------
MAX_JSON_DEPTH = 32          # objects and arrays nested inside each other
MAX_INT_DIGITS = 64          # digits of one integer literal (Python refuses > 4300 anyway, as a 500)


class _Refused(Exception):
    """Raised from inside the decoder's hooks; turned into BadJson with the right wording."""


def _parse_int(text: str) -> int:
    if len(text) - text.startswith("-") > MAX_INT_DIGITS:
        raise _Refused(f"has an integer with more than {MAX_INT_DIGITS} digits")
    return int(text)


def _parse_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _Refused(f"has a number too large to represent ({text[:20]}...)")
    return value


def _parse_constant(name: str) -> Any:
    raise _Refused(f"has {name}, which is not JSON")


_DECODER = json.JSONDecoder(parse_int=_parse_int, parse_float=_parse_float, parse_constant=_parse_constant)


def has_lone_surrogate(text: str) -> bool:
    """True when ``text`` cannot be written as UTF-8 (an unpaired UTF-16 surrogate such as \\ud800)."""
    if text.isascii():
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _check_tree(value: Any, what: str) -> None:
    """Depth and text of a parsed value, without recursion."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, str):
            if has_lone_surrogate(item):
                raise BadJson(f"{what} has text with an unpaired UTF-16 surrogate (an escape such as \\ud800 "
                              "without its partner); send valid Unicode")
        elif isinstance(item, (dict, list)):
            if depth >= MAX_JSON_DEPTH:
                raise BadJson(f"{what} nests objects and arrays more than {MAX_JSON_DEPTH} levels deep")
            if isinstance(item, dict):
                stack.extend((k, depth + 1) for k in item)
                stack.extend((v, depth + 1) for v in item.values())
            else:
                stack.extend((v, depth + 1) for v in item)


def loads_json(data: str | bytes, *, what: str = "the request body") -> Any:
    """Parse JSON text from a client, or raise BadJson (400) with a sentence.

    Refuses what would fail later as a 500: bytes that are not UTF-8, nesting deeper than
    ``MAX_JSON_DEPTH``, integer literals longer than ``MAX_INT_DIGITS`` digits, infinite
    numbers and NaN, and unpaired surrogates anywhere in a string or a key."""
    if isinstance(data, (bytes, bytearray)):
        try:
            data = bytes(data).removeprefix(b"\xef\xbb\xbf").decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadJson(f"{what} is not UTF-8 text (a bad byte at position {exc.start})") from None
    try:
        value = _DECODER.decode(data)
    except _Refused as exc:
        raise BadJson(f"{what} {exc}") from None
    except RecursionError:
        raise BadJson(f"{what} nests objects and arrays more than {MAX_JSON_DEPTH} levels deep") from None
    except json.JSONDecodeError as exc:
        raise BadJson(f"{what} is not valid JSON: {exc.msg} at position {exc.pos}") from None
    except ValueError as exc:       # any other refusal of the parser (such as Python's own digit limit)
        raise BadJson(f"{what} is not valid JSON ({type(exc).__name__})") from None
    _check_tree(value, what)
    return value


def is_json_type(ctype: str) -> bool:
    return ctype == "application/json" or ctype.startswith("application/") and ctype.endswith("+json")


async def read_json(request: web.Request) -> dict[str, Any]:
    """The body as a JSON object, or a clear 4xx.

    A body sent under any other ``Content-Type`` (or none) is a 415: JSON endpoints take JSON
    only, which also keeps cross-site HTML forms (which cannot send application/json) out."""
    limit = request.app[CONFIG].max_body_bytes
    if request.content_length is not None and request.content_length > limit:
        raise PayloadTooLarge(f"the request body is larger than the {limit}-byte limit")
    if request.body_exists and not is_json_type(request.content_type):
        given = request.headers.get("Content-Type")
        raise UnsupportedMediaType(f"send the body as 'Content-Type: application/json', not "
                                   f"{given[:60]!r}" if given else "send the body with 'Content-Type: application/json'")
    raw = await request.read()
    if not raw:
        raise BadJson("the request body is empty; send a JSON object")
    data = loads_json(raw)
    if not isinstance(data, dict):
        raise BadJson("the request body must be a JSON object")
    return data
