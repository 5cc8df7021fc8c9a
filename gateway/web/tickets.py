"""Ticket handlers for seats: read, edit the draft, submit it, or create an accepted ticket directly."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiohttp import web

from gateway.domain import workflow
from gateway.domain.deadlines import deadline_for
from gateway.domain.ticket import Channel, Ticket, ticket_number
from gateway.errors import Forbidden, InvalidField, NotFound
from gateway.chat.ticketing import SHANGHAI
from gateway.storage.records import UserRecord
from gateway.web.api import current_seat
from gateway.web.keys import CLOCK, REPO
from gateway.web.middleware import read_json

routes = web.RouteTableDef()
EDITABLE_BY_AGENT = ("draft", "accepted")


def ticket_json(t: Ticket, now: float) -> dict[str, Any]:
    d = t.to_dict()
    d["allowed_actions"] = workflow.allowed_actions(t.status)
    return d


async def _load(request: web.Request) -> Ticket:
    t = await request.app[REPO].get_ticket(request.match_info["id"])
    if t is None:
        raise NotFound(f"no ticket with id {request.match_info['id']!r}")
    return t


def _actor(user: UserRecord) -> str:
    return f"seat:{user.id}"


def _accept(t: Ticket, user: UserRecord, now: float) -> None:
    """draft -> accepted, with the deadline counted in Chinese working days from now."""
    if not t.category:
        raise InvalidField("choose a request type ('category') before submitting the ticket")
    workflow.apply(t, "submit", actor=_actor(user), now=now)
    due = deadline_for(t.category, datetime.fromtimestamp(now, SHANGHAI))
    t.deadline = due.due.timestamp()


@routes.get("/api/v1/tickets/{id}")
async def get_ticket(request: web.Request) -> web.Response:
    await current_seat(request)
    return web.json_response(ticket_json(await _load(request), request.app[CLOCK].now()))


@routes.patch("/api/v1/tickets/{id}")
async def edit_ticket(request: web.Request) -> web.Response:
    user = await current_seat(request)
    body = await read_json(request)
    t = await _load(request)
    if t.status not in EDITABLE_BY_AGENT:
        raise Forbidden(f"a ticket in state {t.status!r} is no longer edited by the seat")
    reason = body.pop("reason", None)
    now = request.app[CLOCK].now()
    t.edit(body, actor=_actor(user), now=now, reason=reason if isinstance(reason, str) else None)
    await request.app[REPO].save_ticket(t)
    return web.json_response(ticket_json(t, now))


@routes.post("/api/v1/tickets/{id}/submit")
async def submit_ticket(request: web.Request) -> web.Response:
    user = await current_seat(request)
    t = await _load(request)
    now = request.app[CLOCK].now()
    _accept(t, user, now)
    await request.app[REPO].save_ticket(t)
    return web.json_response(ticket_json(t, now))


@routes.post("/api/v1/tickets")
async def create_ticket(request: web.Request) -> web.Response:
    """An agent records a ticket directly (e.g. from a call) and accepts it in one step."""
    user = await current_seat(request)
    body = await read_json(request)
    text = body.pop("text", None)
    if not isinstance(text, str) or not text.strip():
        raise InvalidField("'text' (the caller's words) is required")
    channel = body.pop("channel", "chat")
    try:
        channel = Channel(channel)
    except ValueError as exc:
        raise InvalidField(f"unknown channel {channel!r}") from exc
    lang = body.pop("lang", "zh")
    repo, now = request.app[REPO], request.app[CLOCK].now()
    t = Ticket.new_draft(number="pending", channel=channel, lang=lang if isinstance(lang, str) else "",
                         text_original=text, actor=_actor(user), now=now)
    if body:
        t.edit(body, actor=_actor(user), now=now)
    _accept(t, user, now)   # validates before a number is used up
    day = datetime.fromtimestamp(now, SHANGHAI).date()
    t.number = ticket_number(day, await repo.next_ticket_number(day.isoformat()))
    await repo.insert_ticket(t)
    return web.json_response(ticket_json(t, now), status=201)
