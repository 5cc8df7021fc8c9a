"""The back office over HTTP (docs/BACKOFFICE.md): workflow actions, role-scoped queues and views.

Every action: who you are (bearer token) → may your role do this to this ticket
(``gateway/domain/roles.py``) → the pure operation (``gateway/domain/office.py``, which
validates before it changes anything) → one durable save → the ticket as your role sees it.
A refusal at any step is a 4xx and nothing is written.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from gateway.domain import catalog, duplicates, office, roles
from gateway.domain.ticket import Ticket
from gateway.errors import Forbidden, InvalidField, NotFound, PreconditionFailed
from gateway.storage.records import UserRecord
from gateway.web.api import current_user
from gateway.web.conditional import change_ticket, change_tickets, respond, visible
from gateway.web.keys import CLOCK, REPO
from gateway.web.middleware import read_json

routes = web.RouteTableDef()
MAX_TEXT = 4000


def actor_of(user: UserRecord) -> str:
    """``role:user-id``; department users carry their department so a return is attributable."""
    if user.role == "department":
        return f"department:{user.department}:{user.id}"
    return f"{user.role}:{user.id}"


def role_of(user: UserRecord) -> str:
    """The user's role; an unknown one is refused, never treated as an agent."""
    if user.role not in roles.ROLES:
        raise Forbidden(f"the role {user.role[:20]!r} has no access to tickets")
    return user.role


def ticket_view(t: Ticket, user: UserRecord, now: float) -> dict[str, Any]:
    d = t.to_dict()
    d["allowed_actions"] = roles.allowed_actions(role_of(user), user.department, t)
    d["deadline_info"] = office.deadline_info(t, now)
    d["suggested_department"] = t.draft_fields.get("department")
    return d


async def load_visible(request: web.Request, user: UserRecord, ticket_id: str | None = None) -> Ticket:
    tid = ticket_id or request.match_info["id"]
    t = await request.app[REPO].get_ticket(tid)
    if t is None:
        raise NotFound(f"no ticket with id {tid[:40]!r}")
    visible(role_of(user), user, t)
    return t


def _text(body: dict[str, Any], key: str, *, required: bool = True) -> str | None:
    value = body.get(key)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InvalidField(f"'{key}' is required: a non-empty text", field=key)
    if len(value) > MAX_TEXT:
        raise InvalidField(f"'{key}' has at most {MAX_TEXT} characters", field=key)
    return value.strip()


def _bool(body: dict[str, Any], key: str, default: bool | None = None) -> bool:
    value = body.get(key, default)
    if not isinstance(value, bool):
        raise InvalidField(f"'{key}' must be true or false", field=key)
    return value


def _int(body: dict[str, Any], key: str) -> int:
    value = body.get(key)
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidField(f"'{key}' must be a whole number", field=key)
    return value


Op = Callable[[Ticket, str, float, dict[str, Any]], Ticket]

OPERATIONS: dict[str, Op] = {
    "dispatch": lambda t, a, now, b: office.dispatch(t, a, now, department=_text(b, "department"),
                                                     complex=_bool(b, "complex", False)),
    "sign": lambda t, a, now, b: office.sign(t, a, now),
    "reply": lambda t, a, now, b: office.reply(t, a, now, text=_text(b, "text")),
    "extend": lambda t, a, now, b: office.request_extension(t, a, now, working_days=_int(b, "working_days"),
                                                           reason=_text(b, "reason")),
    "extension": lambda t, a, now, b: office.decide_extension(t, a, now, approve=_bool(b, "approve"),
                                                             reason=_text(b, "reason", required=False)),
    "return": lambda t, a, now, b: office.return_ticket(t, a, now, reason=_text(b, "reason"),
                                                       note=_text(b, "note", required=False)),
    "reroute": lambda t, a, now, b: office.reroute(t, a, now, department=_text(b, "department"),
                                                  reason=_text(b, "reason"), force=_bool(b, "force", False)),
    "callback": lambda t, a, now, b: office.record_callback(
        t, a, now, resolved=_bool(b, "resolved"), satisfaction=_int(b, "satisfaction"),
        note=_text(b, "note", required=False), channel=b.get("channel", "phone")),
    "review": lambda t, a, now, b: office.send_to_review(t, a, now, reason=_text(b, "reason")),
    "close": lambda t, a, now, b: office.close(t, a, now, answered_directly=_bool(b, "answered_directly", False),
                                              reason=_text(b, "reason", required=False)),
}


async def _body(request: web.Request) -> dict[str, Any]:
    if not request.can_read_body:
        return {}
    return await read_json(request)


def _action_handler(name: str) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        user = await current_user(request)
        role = role_of(user)
        body = await _body(request)
        now = request.app[CLOCK].now()

        def act(t: Ticket) -> None:            # on the ticket as stored now; raises before changing anything
            roles.check(role, user.department, name, t)
            OPERATIONS[name](t, actor_of(user), now, body)
        t = await change_ticket(request, request.app[REPO], request.match_info["id"], role, user, act,
                                lambda cur: ticket_view(cur, user, now))   # on disk before the answer
        return respond(ticket_view(t, user, now), t)
    handle.__name__ = f"ticket_{name}"
    return handle


for _name in OPERATIONS:
    routes.post(f"/api/v1/tickets/{{id}}/{_name}")(_action_handler(_name))


@routes.post("/api/v1/tickets/{id}/merge")
async def merge(request: web.Request) -> web.Response:
    """Close this ticket into ``into``; both change in one transaction.  ``If-Match`` is this
    ticket's version; ``into_version`` (optional) the kept ticket's."""
    user = await current_user(request)
    role = role_of(user)
    body = await read_json(request)
    into = body.get("into")
    if not isinstance(into, str) or not into:
        raise InvalidField("'into' is the id of the ticket to keep", field="into")
    into_version = body.get("into_version")
    if into_version is not None and (isinstance(into_version, bool) or not isinstance(into_version, int)):
        raise InvalidField("'into_version' is the kept ticket's version, a whole number", field="into_version")
    now = request.app[CLOCK].now()
    source_id = request.match_info["id"]
    if into == source_id:
        raise InvalidField("a ticket cannot be merged into itself", field="into")

    def merge_two(tickets: list[Ticket]) -> None:
        source, target = tickets
        roles.check(role, user.department, "merge", source)
        if into_version is not None and target.version != into_version:
            raise PreconditionFailed(f"the ticket to keep ({target.number}) was changed by someone else "
                                     f"(it is now version {target.version}); nothing was merged",
                                     current_version=target.version)
        office.merge(source, target, actor_of(user), now, reason=_text(body, "reason"))
    source, target = await change_tickets(request, request.app[REPO], [source_id, into], role, user, merge_two,
                                           lambda cur: ticket_view(cur, user, now))
    return respond({"merged": ticket_view(source, user, now), "kept": ticket_view(target, user, now)}, source)


@routes.get("/api/v1/tickets/{id}/duplicates")
async def find_duplicates(request: web.Request) -> web.Response:
    user = await current_user(request)
    t = await load_visible(request, user)
    now = request.app[CLOCK].now()
    pool = await request.app[REPO].list_tickets(
        statuses=[s for s in catalog.TICKET_STATES if s not in ("closed", "draft")], limit=500)
    return web.json_response(duplicates.suggest(t, [c for c in pool if roles.can_see(role_of(user), user.department, c)],
                                                now))


@routes.get("/api/v1/tickets/{id}/transcript")
async def transcript(request: web.Request) -> web.Response:
    """What the caller actually said, for the reviewer checking a return (and the handling roles)."""
    user = await current_user(request)
    t = await load_visible(request, user)
    if role_of(user) == "department":
        raise Forbidden("departments work from the ticket text; the transcript is for the hotline's reviewers")
    if not t.session_id:
        return web.json_response({"session": None, "messages": [], "recordings": []})
    from gateway.chat.translation import message_json
    msgs = [message_json(m, "seat") for m in await request.app[REPO].messages(t.session_id)]
    return web.json_response({"session": t.session_id, "messages": msgs,
                              "recordings": f"/api/v1/sessions/{t.session_id}/recordings"})


# -- queues ----------------------------------------------------------------------------
async def _queue(request: web.Request, allowed: tuple[str, ...], statuses: list[str], *,
                 department: str | None = None, oldest_first: bool = True) -> web.Response:
    user = await current_user(request)
    if role_of(user) not in allowed:
        raise Forbidden(f"this queue is for: {', '.join(allowed)}")
    now = request.app[CLOCK].now()
    found = await request.app[REPO].list_tickets(statuses=statuses, limit=500, with_history=True,
                                                 departments=[department] if department else ())
    found = [t for t in found if roles.can_see(role_of(user), user.department, t)]
    found.sort(key=lambda t: t.updated_at, reverse=not oldest_first)
    return web.json_response([ticket_view(t, user, now) for t in found])


@routes.get("/api/v1/review/queue")
async def review_queue(request: web.Request) -> web.Response:
    return await _queue(request, ("reviewer", "supervisor", "admin"), ["returned", "review"])


@routes.get("/api/v1/extensions/queue")
async def extension_queue(request: web.Request) -> web.Response:
    """Dispatched tickets whose department asked for more time, oldest request first."""
    user = await current_user(request)
    if role_of(user) not in ("reviewer", "supervisor", "admin"):
        raise Forbidden("extension requests are decided by reviewers and supervisors")
    now = request.app[CLOCK].now()
    found = [t for t in await request.app[REPO].list_tickets(statuses=["dispatched"], limit=2000, with_history=True)
             if t.extension_request]
    found.sort(key=lambda t: (t.extension_request or {}).get("at", 0))
    return web.json_response([ticket_view(t, user, now) for t in found])


@routes.get("/api/v1/callback/queue")
async def callback_queue(request: web.Request) -> web.Response:
    return await _queue(request, ("callback", "supervisor", "admin"), ["replied", "callback"])


@routes.get("/api/v1/department/queue")
async def department_queue(request: web.Request) -> web.Response:
    user = await current_user(request)
    if user.role != "department" or not user.department:
        raise Forbidden("this queue is for department users")
    return await _queue(request, ("department",), ["dispatched", "replied"], department=user.department)


@routes.get("/api/v1/return-reasons")
async def return_reasons(request: web.Request) -> web.Response:
    return web.json_response(office.return_reasons())


@routes.get("/api/v1/survey")
async def survey(request: web.Request) -> web.Response:
    from gateway.domain.survey import survey_text
    return web.json_response(survey_text(request.query.get("lang", "zh")))


@routes.get("/api/v1/auth/me")
async def me(request: web.Request) -> web.Response:
    user = await current_user(request)
    return web.json_response(user.public())
