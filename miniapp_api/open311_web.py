"""Open311 GeoReport v2 over HTTP: ``/open311/v2/{services,requests,tokens}…{.json,.xml}``.

Field names, parameters and the error list follow the spec; the pure parts are in
``miniapp_api/open311/``.  One deliberate difference: the spec lets anyone list and read
service requests, as FixMyStreet publishes street defects.  A hotline's reports are about
people (a neighbour's noise, a landlord, a lost passport), so reading requests needs the
``api_key`` of the client that submitted them, and contact fields are never returned.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from aiohttp import web

import languages
from gateway.domain.deadlines import SHANGHAI
from gateway.domain.ticket import Ticket
from gateway.storage.records import ServiceRequestRecord
from gateway.web.keys import CLOCK
from miniapp_api import status
from miniapp_api.forms import read_form
from miniapp_api.keys import MINIAPP
from miniapp_api.open311 import (RequestNotFound, parse_new_request,
                                 parse_query, post_response_json, request_json, service_definition, service_list,
                                 to_xml, token_json)
from miniapp_api.service import Submission

routes = web.RouteTableDef()
BASE = "/open311/v2"
FORMAT = r"{fmt:(json|xml)}"


def respond(request: web.Request, kind: str, data: Any, status_code: int = 200) -> web.Response:
    if request.match_info.get("fmt") == "xml":
        return web.Response(body=to_xml(kind, data), status=status_code, content_type="text/xml", charset="utf-8")
    return web.json_response(data, status=status_code)


def _lang(request: web.Request) -> str:
    return (request.query.get("locale") or request.query.get("lang") or "en").split("-")[0].lower()


def media_url(request: web.Request, media: str | None) -> str | None:
    return f"{request.scheme}://{request.host}/api/v1/miniapp/media/{media}" if media else None


def request_view(request: web.Request, rec: ServiceRequestRecord, t: Ticket, lang: str | None = None) -> dict[str, Any]:
    lang = lang or rec.lang
    return request_json({
        "service_request_id": rec.number, "status": t.status, "status_notes": status.note(t.status, lang),
        "service_code": rec.service_code, "department": t.department, "description": t.text_original,
        "requested_datetime": rec.requested_at, "updated_datetime": t.updated_at, "expected_datetime": t.deadline,
        "address": rec.address, "lat": rec.lat, "long": rec.long, "media_url": media_url(request, rec.media),
    }, lang="zh" if lang == "zh" else "en")


def submission_from(req: Any, lang: str) -> Submission:
    attrs = dict(req.attributes)
    return Submission(
        service_code=req.service_code, description=req.description, lang=lang, lat=req.lat, long=req.long,
        address=req.address_string, address_id=req.address_id, category=attrs.get("request_type") or None,
        district=attrs.get("district") or None, email=req.email, phone=req.phone,
        name=" ".join(p for p in (req.first_name, req.last_name) if p) or None, device_id=req.device_id,
        media_url=req.media_url, share_location=attrs.get("consent_share_location") == "yes", attributes=attrs)


async def submission_lang(fields: Any, description: str) -> str:
    """The submitter's language: ``lang``/``locale`` if sent (an extension), else detected."""
    asked = (fields.get("lang") or fields.get("locale") or "").split("-")[0].lower()
    served = {l.code for l in languages.foreign_languages()} | {"zh"}
    if asked in served:
        return asked
    from translate import detect
    found = await asyncio.to_thread(detect.best, description)     # ~1 ms of CPU: not on the event loop
    return found if found in served else "en"


# -- services -------------------------------------------------------------------------
@routes.get(BASE + "/services." + FORMAT)
async def services(request: web.Request) -> web.Response:
    return respond(request, "services", service_list(_lang(request) if _lang(request) == "zh" else "en"))


@routes.get(BASE + "/services/{code}." + FORMAT)
async def definition(request: web.Request) -> web.Response:
    lang = "zh" if _lang(request) == "zh" else "en"
    return respond(request, "service_definition", service_definition(request.match_info["code"], lang))


# -- requests ---------------------------------------------------------------------------
@routes.post(BASE + "/requests." + FORMAT)
async def post_request(request: web.Request) -> web.Response:
    svc = request.app[MINIAPP]
    fields, photo = await read_form(request, max_photo_bytes=svc.max_photo_bytes)
    if "api_key" not in fields and request.query.get("api_key"):
        fields.add("api_key", request.query["api_key"])
    req = parse_new_request(fields, max_description=svc.max_description)
    client = await svc.client(req.api_key)
    sub = submission_from(req, await submission_lang(fields, req.description))
    done = await svc.submit(client, sub, photo=photo, idem_key=request.headers.get("Idempotency-Key"),
                            remote=request.remote)
    rec = done.record
    notice = status.note(done.ticket.status, rec.lang)
    body = post_response_json(service_request_id=rec.number, token=rec.token, service_notice=notice)
    resp = respond(request, "service_requests", body, 201 if done.created else 200)
    if not done.created:
        resp.headers["Idempotent-Replayed"] = "true"
    return resp


async def _reading_client(request: web.Request) -> Any:
    """The client behind a GET's ``api_key``: a missing one is refused in a reader's words (the
    service's own wording, "required to submit a service request", is for POSTs)."""
    from miniapp_api.open311 import MissingApiKey
    api_key = request.query.get("api_key")
    if api_key in (None, ""):
        raise MissingApiKey("api_key is required to read service requests")
    return await request.app[MINIAPP].client(api_key)


@routes.get(BASE + "/requests." + FORMAT)
async def get_requests(request: web.Request) -> web.Response:
    svc = request.app[MINIAPP]
    client = await _reading_client(request)
    now = datetime.fromtimestamp(request.app[CLOCK].now(), SHANGHAI)
    q = parse_query(request.query, now=now)
    states = [s for s, public in _STATE_PUBLIC.items() if public in q.statuses] if q.statuses else []
    found = await svc.repo.find_service_requests(
        api_key_id=client.id, numbers=list(q.service_request_ids), service_codes=list(q.service_codes),
        start=q.start_date.timestamp() if q.start_date else None, end=q.end_date.timestamp() if q.end_date else None,
        ticket_states=states, limit=q.limit)
    return respond(request, "service_requests", [request_view(request, r, t) for r, t in found])


@routes.get(BASE + "/requests/{id}." + FORMAT)
async def get_request(request: web.Request) -> web.Response:
    svc = request.app[MINIAPP]
    client = await _reading_client(request)
    number = request.match_info["id"]
    found = await svc.repo.find_service_requests(api_key_id=client.id, numbers=[number[:64]], limit=1)
    if not found:
        raise RequestNotFound(number)
    rec, t = found[0]
    return respond(request, "service_requests", [request_view(request, rec, t)])


@routes.get(BASE + "/tokens/{token}." + FORMAT)
async def get_token(request: web.Request) -> web.Response:
    svc = request.app[MINIAPP]
    client = await _reading_client(request)
    token = request.match_info["token"]
    rec = await svc.repo.service_request(token=token[:64])
    if rec is None or rec.api_key_id != client.id:
        raise RequestNotFound(token, what="token")
    return respond(request, "service_requests", token_json(rec.token, rec.number))


def _public_states() -> dict[str, str]:
    from miniapp_api.open311 import status_for
    from gateway.domain import catalog
    return {s: status_for(s) for s in catalog.TICKET_STATES}


_STATE_PUBLIC = _public_states()
