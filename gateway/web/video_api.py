"""Video endpoints: the caller's analysis copy, and recordings for the returns-review team."""

from __future__ import annotations

from aiohttp import web

from gateway.errors import Forbidden, NotFound
from gateway.web.api import bearer, current_user
from gateway.web.keys import REPO, SERVICE, VIDEO
from gateway.web.middleware import read_json

routes = web.RouteTableDef()
REVIEW_ROLES = ("reviewer", "supervisor", "admin")


def _video(request: web.Request):
    svc = request.app.get(VIDEO)
    if svc is None:
        raise NotFound("video is switched off on this gateway (video_enabled = false)")
    return svc


@routes.post("/api/v1/sessions/{id}/media")
async def media_offer(request: web.Request) -> web.Response:
    """The caller's send-only copy: SDP offer in, SDP answer out."""
    video = _video(request)
    s = await request.app[SERVICE].caller_session(request.match_info["id"], bearer(request))
    body = await read_json(request)
    lang = body.get("lang")
    live = request.app[SERVICE].sessions.get(s.id, s)
    answer = await video.accept(live, body.get("sdp"), body.get("type"), lang if isinstance(lang, str) else None)
    return web.json_response(answer)


async def _may_review(request: web.Request, session_id: str):
    user = await current_user(request)
    s = await request.app[REPO].get_session(session_id)
    if s is None:
        raise NotFound(f"no session {session_id!r}")
    if user.role not in REVIEW_ROLES and s.seat_id != user.id:
        raise Forbidden("recordings are for the seat that took the call and the review team")
    return s


@routes.get("/api/v1/sessions/{id}/recordings")
async def list_recordings(request: web.Request) -> web.Response:
    s = await _may_review(request, request.match_info["id"])
    files = _video(request).store.list(s.id)
    return web.json_response([{"name": p.name, "bytes": p.stat().st_size,
                               "url": f"/api/v1/sessions/{s.id}/recordings/{p.name}"} for p in files])


@routes.get("/api/v1/sessions/{id}/recordings/{name}")
async def get_recording(request: web.Request) -> web.StreamResponse:
    s = await _may_review(request, request.match_info["id"])
    name = request.match_info["name"]
    for p in _video(request).store.list(s.id):
        if p.name == name:
            return web.FileResponse(p, headers={"Content-Type": "video/mp4", "Cache-Control": "no-store"})
    raise NotFound(f"no recording {name!r} for this session")
