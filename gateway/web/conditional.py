"""Conditional ticket changes over HTTP: ``ETag`` out, ``If-Match`` in (RFC 9110 §13.1.1).

A ticket's entity tag is its version, quoted: ``"7"``.  Every change to a ticket goes through
:func:`change_ticket`, which hands the store one atomic read-modify-write
(``Repository.update_tickets``): the visibility and role checks and the pure domain operation
run on the ticket as stored at that moment, so two people changing one ticket are serialised
and neither loses their change.  With ``If-Match`` the change happens only if the ticket is
still at a version the client names; otherwise the answer is **412** ``precondition_failed``
with ``current_version`` and the ticket as it is now (``current``), so the page can show the
person what changed and let them reapply their edit.  Nothing is written on a 412.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from aiohttp import web

from gateway.domain import roles
from gateway.domain.ticket import Ticket
from gateway.errors import Forbidden, GatewayError, PreconditionFailed
from gateway.storage.records import UserRecord

_TAG = re.compile(r'\s*(?:(W/)?"([^"]*)"|(\d+))\s*')


class BadPrecondition(GatewayError):
    code = "bad_if_match"
    status = 400


def etag(t: Ticket) -> str:
    return f'"{t.version}"'


def if_match(request: web.Request) -> frozenset[int] | None:
    """The versions ``If-Match`` allows, or None for "any" (absent, or ``*``).

    Weak tags never match under If-Match's strong comparison, and a tag that is not one of
    ours (not a version number) matches nothing: both lead to a 412, as the RFC says.  A
    header that is not a list of entity tags at all is a 400."""
    raw = request.headers.get("If-Match")
    if raw is None or raw.strip() == "*":
        return None
    allowed: set[int] = set()
    for part in raw.split(","):
        m = _TAG.fullmatch(part)
        if m is None:
            raise BadPrecondition('If-Match must be the ticket\'s ETag as sent, e.g. If-Match: "3"')
        weak, quoted, bare = m.groups()
        value = quoted if quoted is not None else bare
        if not weak and value.isdigit() and len(value) < 12:
            allowed.add(int(value))
    return frozenset(allowed)


def _check(t: Ticket, allowed: frozenset[int] | None) -> None:
    if allowed is not None and t.version not in allowed:
        raise PreconditionFailed(
            f"ticket {t.number} was changed by someone else since you opened it (it is now version "
            f"{t.version}); nothing was saved: look at the changes and apply yours again",
            current_version=t.version)


def visible(role: str, user: UserRecord, t: Ticket) -> None:
    """Raise unless the user's role and department may see ``t``."""
    if not roles.can_see(role, user.department, t):
        raise Forbidden("this ticket is not one your role or department handles")


async def change_tickets(request: web.Request, repo: Any, ids: list[str], role: str, user: UserRecord,
                         op: Callable[[list[Ticket]], Any], view: Callable[[Ticket], dict[str, Any]]
                         ) -> list[Ticket]:
    """Run ``op`` on the stored tickets atomically, honouring If-Match for the first (the one
    the URL names).  ``op`` raises to refuse, and then nothing is written.  Returns the tickets
    as stored.  On a 412 the error carries ``current``: ``view`` of the ticket as it is now."""
    allowed = if_match(request)
    if len(set(ids)) != len(ids):
        raise GatewayError("a ticket cannot be changed together with itself", code="invalid_field", status=422)

    def change(tickets: list[Ticket]) -> None:
        for t in tickets:
            visible(role, user, t)
        _check(tickets[0], allowed)
        op(tickets)
    try:
        return list(await repo.update_tickets(ids, change))
    except PreconditionFailed as exc:
        now = await repo.get_ticket(ids[0])
        if now is not None:
            exc.current = view(now)
        raise


async def change_ticket(request: web.Request, repo: Any, ticket_id: str, role: str, user: UserRecord,
                        op: Callable[[Ticket], Any], view: Callable[[Ticket], dict[str, Any]]) -> Ticket:
    """:func:`change_tickets` for one ticket."""
    return (await change_tickets(request, repo, [ticket_id], role, user, lambda ts: op(ts[0]), view))[0]


def respond(body: Any, t: Ticket, status: int = 200) -> web.Response:
    return web.json_response(body, status=status, headers={"ETag": etag(t)})
