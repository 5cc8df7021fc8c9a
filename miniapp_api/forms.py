"""Reading submissions off the wire with hard limits: form fields, JSON, and one photo.

Multipart bodies are streamed part by part (aiohttp's ``client_max_size`` only guards
whole-body reads), so a photo is capped at the photo limit and a field at the field limit
while it arrives, never after it was buffered whole.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.multipart import BodyPartReader
from multidict import MultiDict

from gateway.errors import BadJson, GatewayError, InvalidField, PayloadTooLarge, UnsupportedMediaType
from gateway.web.middleware import has_lone_surrogate, loads_json
from miniapp_api.errors import ImageTooLarge

MAX_FIELD_BYTES = 16_384          # one form field (a 4000-character description in UTF-8 fits)
MAX_FIELDS_BYTES = 65_536         # all fields together
MAX_PARTS = 60
PHOTO_FIELDS = ("media", "photo")


class BadForm(GatewayError):
    code = "bad_form"
    status = 400


class UnsupportedContentType(UnsupportedMediaType):
    """415 ``unsupported_media_type``: the body is neither of the two form encodings."""


async def _read_capped(part: Any, limit: int, too_big: GatewayError) -> bytes:
    buf = bytearray()
    while True:
        chunk = await part.read_chunk(65_536)
        if not chunk:
            return bytes(buf)
        buf.extend(chunk)
        if len(buf) > limit:
            raise too_big


async def read_form(request: web.Request, *, max_photo_bytes: int,
                    json_part: str | None = None) -> tuple[MultiDict[str], bytes | None]:
    """(fields, photo) from ``application/x-www-form-urlencoded`` or ``multipart/form-data``.

    ``json_part``: the name of a multipart part holding a JSON object (the native API's
    ``request``); its keys are returned as fields too (values kept as JSON text for lists)."""
    ctype = request.content_type
    if ctype == "application/x-www-form-urlencoded":
        if request.content_length is not None and request.content_length > MAX_FIELDS_BYTES:
            raise PayloadTooLarge(f"form fields may total at most {MAX_FIELDS_BYTES} bytes; send the photo as "
                                  "multipart/form-data")
        try:
            raw = await request.post()
        except LookupError:
            raise BadForm(f"the form's charset {request.charset!r:.60} is unknown; send UTF-8") from None
        except (HttpProcessingError, ValueError) as exc:
            raise BadForm(f"the form body is malformed ({type(exc).__name__})") from None
        fields: MultiDict[str] = MultiDict((k, v) for k, v in raw.items() if isinstance(v, str))
        for k, v in fields.items():
            if has_lone_surrogate(k) or has_lone_surrogate(v):
                raise InvalidField(f"the field {k[:40]!r} is not valid Unicode text (an unpaired surrogate)",
                                   field=k.encode("utf-8", "replace").decode()[:40])
        return fields, None
    if ctype != "multipart/form-data":
        raise UnsupportedContentType(f"send application/x-www-form-urlencoded or multipart/form-data, not {ctype!r}")
    try:
        return await _read_multipart(request, max_photo_bytes, json_part)
    except (HttpProcessingError, ValueError, AssertionError, LookupError) as exc:
        # aiohttp's parser refuses malformed part headers, boundaries and encodings this way.
        raise BadForm(f"the multipart body is malformed ({type(exc).__name__})") from None


async def _read_multipart(request: web.Request, max_photo_bytes: int,
                          json_part: str | None) -> tuple[MultiDict[str], bytes | None]:
    fields: MultiDict[str] = MultiDict()
    photo: bytes | None = None
    total = parts = 0
    reader = await request.multipart()
    while True:
        part = await reader.next()
        if part is None:
            break
        parts += 1
        if parts > MAX_PARTS:
            raise PayloadTooLarge(f"a submission has at most {MAX_PARTS} parts")
        if not isinstance(part, BodyPartReader):
            raise BadForm("a multipart part may not itself be multipart; send each field and the photo as its "
                          "own part")
        name = part.name or ""
        if has_lone_surrogate(name):
            raise BadForm("a part's name is not UTF-8 text")
        if name in PHOTO_FIELDS and part.filename is not None or (name in PHOTO_FIELDS and photo is None
                                                                   and part.headers.get("Content-Type", "").startswith("image/")):
            if photo is not None:
                raise InvalidField("send one photo per submission", field=name)
            mb = max_photo_bytes / 1_000_000
            photo = await _read_capped(part, max_photo_bytes, ImageTooLarge(f"the photo is larger than {mb:g} MB",
                                                                            field=name))
            continue
        value = await _read_capped(part, MAX_FIELD_BYTES, PayloadTooLarge(
            f"the field {name[:40]!r} is longer than {MAX_FIELD_BYTES} bytes", field=name))
        total += len(value)
        if total > MAX_FIELDS_BYTES:
            raise PayloadTooLarge(f"form fields may total at most {MAX_FIELDS_BYTES} bytes")
        try:
            text = value.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidField(f"the field {name[:40]!r} is not UTF-8 text", field=name) from None
        if json_part is not None and name == json_part:
            for k, v in parse_json_object(text).items():
                fields.add(k, v if isinstance(v, str) else json.dumps(v))
        else:
            fields.add(name, text)
    return fields, photo


def parse_json_object(text: str | bytes) -> dict[str, Any]:
    """A JSON object from a client (a body or a multipart part), with the limits of
    gateway.web.middleware.loads_json: depth, number size, UTF-8, no unpaired surrogates."""
    if not text:
        raise BadJson("the request body is empty; send a JSON object")
    data = loads_json(text)
    if not isinstance(data, dict):
        raise BadJson("the request body must be a JSON object")
    return data
