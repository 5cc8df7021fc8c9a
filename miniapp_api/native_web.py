"""The mini program's own JSON API (``/api/v1/miniapp/...``): richer than Open311.

- Submit in any served language (English first) with an ``Idempotency-Key``: a retry on a
  bad network returns the first answer, byte for byte the same reference, never a second ticket.
- A photo as a multipart part ``photo`` next to the JSON part ``request``; its type is sniffed
  from the bytes, and its GPS is stripped unless ``share_location`` is true.
- Follow a ticket with the ``access_token`` returned on submission: the public stage, a note
  in the submitter's language, and the timeline of stages.
Validation is the Open311 validator's (the JSON is mapped onto the spec's form fields), so the
two APIs accept and refuse exactly the same things.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from aiohttp import web
from multidict import MultiDict

import languages
from gateway.domain import catalog
from gateway.domain.ticket import Ticket
from gateway.errors import BadJson, InvalidField, NotFound, Unauthorized, UnknownLanguage
from gateway.storage.records import ServiceRequestRecord
from gateway.web.api import bearer
from miniapp_api import status
from miniapp_api.forms import parse_json_object, read_form
from miniapp_api.keys import MINIAPP
from miniapp_api.open311 import parse_new_request, service_list
from miniapp_api.open311_web import media_url, submission_from

routes = web.RouteTableDef()
BASE = "/api/v1/miniapp"
_SCALARS = {"service_code": "service_code", "description": "description", "address": "address_string",
            "category": "attribute[request_type]", "district": "attribute[district]", "device_id": "device_id"}


def _served() -> set[str]:
    return {l.code for l in languages.foreign_languages()} | {"zh"}


def _lang(value: Any, default: str = "en") -> str:
    if value in (None, ""):
        return default
    code = str(value).split("-")[0].lower()
    if code not in _served():
        raise UnknownLanguage(f"language {str(value)[:20]!r} is not served; use one of: {', '.join(sorted(_served()))}")
    return code


def to_form(body: dict[str, Any], api_key: str | None) -> MultiDict[str]:
    """The native JSON mapped onto Open311 form fields (so one validator serves both)."""
    form: MultiDict[str] = MultiDict()
    if api_key:
        form.add("api_key", api_key)
    for key, name in _SCALARS.items():
        value = body.get(key)
        if value is not None:
            if not isinstance(value, str):
                raise InvalidField(f"'{key}' must be a string", field=key)
            form.add(name, value)
    loc = body.get("location")
    if loc is not None:
        if not isinstance(loc, dict):
            raise InvalidField("'location' must be an object {\"lat\": ..., \"long\": ...}", field="location")
        for k in ("lat", "long"):
            v = loc.get(k)
            if isinstance(v, bool) or not isinstance(v, (int, float, str)):
                raise InvalidField(f"'location.{k}' must be a number", field=f"location.{k}")
            form.add(k, str(v))
    contact = body.get("contact") or {}
    if not isinstance(contact, dict):
        raise InvalidField("'contact' must be an object with email, phone and name", field="contact")
    for k, name in (("email", "email"), ("phone", "phone"), ("name", "first_name")):
        v = contact.get(k)
        if v not in (None, ""):
            if not isinstance(v, str):
                raise InvalidField(f"'contact.{k}' must be a string", field=f"contact.{k}")
            form.add(name, v)
    share = body.get("share_location", False)
    if not isinstance(share, bool):
        raise InvalidField("'share_location' must be true or false", field="share_location")
    form.add("attribute[consent_share_location]", "yes" if share else "no")
    return form


def access_token(secret: bytes, ticket_id: str) -> str:
    """Derived, not stored: a replayed submission can hand the same token out again."""
    return hmac.new(secret, b"miniapp-access:" + ticket_id.encode(), hashlib.sha256).hexdigest()[:40]


def public_view(request: web.Request, rec: ServiceRequestRecord, t: Ticket, lang: str) -> dict[str, Any]:
    dept = catalog.department(t.department) if t.department else None
    timeline, last = [], None
    for h in t.history:
        if h.field == "status" and h.new != last:
            last = h.new
            stage = status.stage(str(h.new))
            if not timeline or timeline[-1]["stage"] != stage:
                timeline.append({"stage": stage, "at": h.at})
    return {
        "id": rec.number, "status": status.stage(t.status), "status_note": status.note(t.status, lang),
        "lang": lang, "service_code": rec.service_code,
        "department": {"code": dept.code, "name": dept.en, "name_zh": dept.zh} if dept else None,
        "description": t.text_original, "address": rec.address,
        "location": {"lat": rec.lat, "long": rec.long} if rec.lat is not None else None,
        "media_url": media_url(request, rec.media), "requested_at": rec.requested_at, "updated_at": t.updated_at,
        "expected_by": t.deadline, "timeline": timeline,
        "replies": [{"text": r.get("text"), "at": r.get("at")} for r in t.replies],
        "survey_open": t.status == "replied" or (t.status == "callback" and not t.survey),
    }


@routes.get(BASE + "/services")
async def services(request: web.Request) -> web.Response:
    lang = "zh" if request.query.get("lang") == "zh" else "en"
    return web.json_response({
        "services": [{k: s[k] for k in ("service_code", "service_name", "description", "group", "keywords")}
                     for s in service_list(lang)],
        "request_types": [{"code": c.code, "name": c.en if lang == "en" else c.zh} for c in catalog.categories()],
        "districts": [{"code": d.code, "name": d.en if lang == "en" else d.zh} for d in catalog.districts()],
        "languages": sorted(_served()),
    })


@routes.post(BASE + "/requests")
async def submit(request: web.Request) -> web.Response:
    svc = request.app[MINIAPP]
    api_key = request.headers.get("X-Api-Key")
    client = await svc.client(api_key)              # 403 before any body is read
    photo = None
    if request.content_type == "application/json":
        raw = await request.read() if (request.content_length or 0) <= 65_536 else None
        if raw is None:
            raise InvalidField("a JSON submission is at most 64 KB; send a photo as multipart/form-data")
        body = parse_json_object(raw)
    else:
        fields, photo = await read_form(request, max_photo_bytes=svc.max_photo_bytes, json_part="request")
        body = _unflatten(fields)
    lang = _lang(body.get("lang"))
    req = parse_new_request(to_form(body, api_key), max_description=svc.max_description)
    done = await svc.submit(client, submission_from(req, lang), photo=photo,
                            idem_key=request.headers.get("Idempotency-Key"), remote=request.remote)
    view = public_view(request, done.record, done.ticket, lang)
    view.update(token=done.record.token, access_token=access_token(svc.secret, done.record.ticket_id),
                location_removed=done.location_removed,
                links={"self": f"{BASE}/requests/{done.record.number}"})
    resp = web.json_response(view, status=201 if done.created else 200)
    if not done.created:
        resp.headers["Idempotent-Replayed"] = "true"
    return resp


def _unflatten(fields: MultiDict[str]) -> dict[str, Any]:
    """Multipart: the JSON part's keys came back as strings (objects as JSON text)."""
    out: dict[str, Any] = {}
    for k in fields:
        v = fields[k]
        if k in ("location", "contact", "share_location") and isinstance(v, str):
            try:
                v = parse_json_object(v) if k != "share_location" else {"true": True, "false": False}.get(v, v)
            except BadJson:
                raise InvalidField(f"'{k}' must be a JSON object", field=k) from None
        out[k] = v
    return out


@routes.get(BASE + "/requests/{id}")
async def follow(request: web.Request) -> web.Response:
    svc = request.app[MINIAPP]
    number = request.match_info["id"][:64]
    rec = await svc.repo.service_request(number=number)
    token, key = bearer(request), request.headers.get("X-Api-Key")
    if key:
        client = await svc.client(key)
        allowed = rec is not None and rec.api_key_id == client.id
    elif token:
        allowed = rec is not None and hmac.compare_digest(access_token(svc.secret, rec.ticket_id), token)
    else:
        raise Unauthorized("send the access_token from your submission as 'Authorization: Bearer <token>'")
    if not allowed or rec is None:
        raise NotFound(f"no request {number!r} for this token")    # the same answer either way
    t = await svc.repo.get_ticket(rec.ticket_id)
    return web.json_response(public_view(request, rec, t, _lang(request.query.get("lang"), rec.lang)))


@routes.get(BASE + "/media/{name}")
async def media(request: web.Request) -> web.StreamResponse:
    """Photos by content hash: the 256-bit name is the capability, and the EXIF is already gone."""
    path, ctype = request.app[MINIAPP].store.open(request.match_info["name"])
    return web.FileResponse(path, headers={"Content-Type": ctype, "Cache-Control": "private, max-age=86400",
                                           "Content-Security-Policy": "default-src 'none'; sandbox"})


# -- the callback survey, answered in the mini program ---------------------------------------
async def _own(request: web.Request) -> tuple[Any, ServiceRequestRecord, Ticket]:
    """The submitter's own request, by its access token (the only way in for a resident)."""
    svc = request.app[MINIAPP]
    number = request.match_info["id"][:64]
    token = bearer(request)
    if not token:
        raise Unauthorized("send the access_token from your submission as 'Authorization: Bearer <token>'")
    rec = await svc.repo.service_request(number=number)
    if rec is None or not hmac.compare_digest(access_token(svc.secret, rec.ticket_id), token):
        raise NotFound(f"no request {number!r} for this token")
    return svc, rec, await svc.repo.get_ticket(rec.ticket_id)


def _survey_open(t: Ticket) -> bool:
    return t.status == "replied" or (t.status == "callback" and not t.survey)


@routes.get(BASE + "/requests/{id}/survey")
async def survey_questions(request: web.Request) -> web.Response:
    """Once the department replied, the resident is asked in their own language, not only by phone."""
    from gateway.domain.survey import survey_text
    _svc, rec, t = await _own(request)
    lang = _lang(request.query.get("lang"), rec.lang)
    reply = t.replies[-1] if t.replies else None
    return web.json_response({"open": _survey_open(t), "status": status.stage(t.status),
                              "reply": {"text": reply["text"], "at": reply["at"]} if reply else None,
                              "answered": t.survey if t.survey and t.survey.get("channel") == "miniapp" else None,
                              "questions": survey_text(lang)})


@routes.post(BASE + "/requests/{id}/survey")
async def survey_answer(request: web.Request) -> web.Response:
    from gateway.domain import office
    from gateway.errors import Conflict
    from gateway.web.keys import CLOCK
    svc, rec, _t = await _own(request)
    from gateway.web.middleware import read_json
    body = await read_json(request)              # JSON only: 415 for a form or anything else
    resolved, level = body.get("resolved"), body.get("satisfaction")
    if not isinstance(resolved, bool):
        raise InvalidField("'resolved' must be true or false", field="resolved")
    if isinstance(level, bool) or not isinstance(level, int):
        raise InvalidField("'satisfaction' is a whole number from 1 to 5", field="satisfaction")
    note = body.get("note")
    if note is not None and not isinstance(note, str):
        raise InvalidField("'note' must be text", field="note")
    now = request.app[CLOCK].now()

    def answer(t: Ticket) -> None:             # on the ticket as stored now: a reply and a survey may race
        if not _survey_open(t):
            raise Conflict("there is no reply to rate yet, or you already answered")
        office.record_callback(t, f"citizen:{rec.number}", now, resolved=resolved, satisfaction=level,
                               note=note or None, channel="miniapp")
    t = await svc.repo.update_ticket(rec.ticket_id, answer)     # on disk before the thank-you
    return web.json_response(public_view(request, rec, t, _lang(request.query.get("lang"), rec.lang)))
