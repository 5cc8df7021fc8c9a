"""Ticket handlers: read (as your role may), and for agents: edit the draft, submit it, or create an
accepted ticket directly.  The workflow after that is in ``office.py``."""

from __future__ import annotations

from datetime import datetime

from aiohttp import web

from gateway.domain import catalog, office, roles, workflow
from gateway.domain.deadlines import deadline_for
from gateway.domain.ticket import Channel, HistoryEntry, Ticket, ticket_number
from gateway.errors import Forbidden, InvalidField
from gateway.chat.ticketing import SHANGHAI
from gateway.storage.records import UserRecord
from gateway.web.api import current_user
from gateway.web.office import actor_of, load_visible, role_of, ticket_view
from gateway.web.conditional import change_ticket, respond
from gateway.web.keys import CLOCK, REPO
from gateway.web.middleware import read_json

routes = web.RouteTableDef()
EDITABLE_BY_AGENT = ("draft", "accepted")


AGENTS = ("agent", "admin")


async def current_agent(request: web.Request) -> UserRecord:
    """Seats and agent users write tickets; back-office roles read them."""
    user = await current_user(request)
    if role_of(user) not in AGENTS:
        raise Forbidden("only agents write and accept tickets")
    return user


def _actor(user: UserRecord) -> str:
    return actor_of(user)


def _accept(t: Ticket, user: UserRecord, now: float) -> None:
    """draft -> accepted, with the deadline counted in Chinese working days from now."""
    if not t.category:
        raise InvalidField("choose a request type ('category') before submitting the ticket")
    workflow.apply(t, "submit", actor=_actor(user), now=now)
    due = deadline_for(t.category, datetime.fromtimestamp(now, SHANGHAI)).due.timestamp()
    t.history.append(HistoryEntry(at=now, actor=_actor(user), action="submit", field="deadline",
                                  old=t.deadline, new=due))
    t.deadline = due


@routes.get("/api/v1/tickets")
async def list_tickets(request: web.Request) -> web.Response:
    """Tickets your role sees, e.g. self-service drafts for seats: ``?status=draft&channel=miniapp``;
    a department user only ever gets its own department's."""
    user = await current_user(request)
    q = request.query
    statuses = [s for s in q.get("status", "").split(",") if s]
    channels = [c for c in q.get("channel", "").split(",") if c]
    unknown = [s for s in statuses if s not in catalog.TICKET_STATES] + \
              [c for c in channels if c not in {ch.value for ch in Channel}]
    if unknown:
        raise InvalidField(f"unknown status or channel: {', '.join(x[:30] for x in unknown)}")
    try:
        limit = int(q.get("limit", "50"))
    except ValueError:
        raise InvalidField("'limit' must be a whole number from 1 to 500") from None
    if not 1 <= limit <= 500:
        raise InvalidField("'limit' must be a whole number from 1 to 500")
    departments = [d for d in q.get("department", "").split(",") if d]
    for d in departments:
        catalog.department(d)                       # an unknown code is a 422
    if role_of(user) == "department":
        departments = [user.department or ""]
    found = await request.app[REPO].list_tickets(statuses=statuses, channels=channels, departments=departments,
                                                 limit=limit)
    found = [t for t in found if roles.can_see(role_of(user), user.department, t)]
    if q.get("overdue") in ("1", "true"):
        now = request.app[CLOCK].now()
        found = [t for t in found if (office.deadline_info(t, now) or {}).get("state") == "overdue"]
    return web.json_response([{
        "id": t.id, "number": t.number, "status": t.status, "channel": str(t.channel), "lang": t.lang,
        "category": t.category, "department": t.department, "district": t.district,
        "text_zh": (t.text_zh or "")[:200], "text_original": t.text_original[:200], "created_at": t.created_at,
        "draft_flags": t.draft_flags, "attachments": len(t.attachments), "deadline": t.deadline,
        "return_count": t.return_count, "flags": t.flags, "extension_request": t.extension_request,
        "deadline_info": office.deadline_info(t, request.app[CLOCK].now())} for t in found])


@routes.get("/api/v1/tickets/{id}")
async def get_ticket(request: web.Request) -> web.Response:
    """The ticket as your role sees it, with its version in the JSON and as the ``ETag``."""
    user = await current_user(request)
    t = await load_visible(request, user)
    return respond(ticket_view(t, user, request.app[CLOCK].now()), t)


@routes.patch("/api/v1/tickets/{id}")
async def edit_ticket(request: web.Request) -> web.Response:
    """Edit fields; with ``If-Match`` only if nobody changed the ticket since (else 412)."""
    user = await current_agent(request)
    body = await read_json(request)
    reason = body.pop("reason", None)
    now = request.app[CLOCK].now()

    def edit(t: Ticket) -> None:
        if t.status not in EDITABLE_BY_AGENT:
            raise Forbidden(f"a ticket in state {t.status!r} is no longer edited by the seat")
        t.edit(body, actor=_actor(user), now=now, reason=reason if isinstance(reason, str) else None)
    t = await change_ticket(request, request.app[REPO], request.match_info["id"], role_of(user), user, edit,
                            lambda cur: ticket_view(cur, user, now))
    return respond(ticket_view(t, user, now), t)


@routes.post("/api/v1/tickets/{id}/submit")
async def submit_ticket(request: web.Request) -> web.Response:
    user = await current_agent(request)
    now = request.app[CLOCK].now()
    t = await change_ticket(request, request.app[REPO], request.match_info["id"], role_of(user), user,
                            lambda t: _accept(t, user, now), lambda cur: ticket_view(cur, user, now))
    return respond(ticket_view(t, user, now), t)


@routes.post("/api/v1/tickets")
async def create_ticket(request: web.Request) -> web.Response:
    """An agent records a ticket directly (e.g. from a call) and accepts it in one step."""
    user = await current_agent(request)
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
    return respond(ticket_view(t, user, now), t, status=201)
