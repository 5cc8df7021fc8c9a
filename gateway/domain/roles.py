"""Who may see and do what in the back office (docs/BACKOFFICE.md, "Roles").

Actor convention (the ``actor`` of every history row):

* ``"<role>:<user_id>"`` — e.g. ``"reviewer:u17"``, ``"callback:u3"``, ``"agent:u9"``;
* ``"department:<CODE>:<user_id>"`` for department users — e.g. ``"department:WATER:u5"`` —
  so a return (退单) is attributable to a department even after the ticket moved on;
* ``"seat:<user_id>"`` (written by the seat console before the back office existed) reads as
  an agent; ``"system"`` and other strings without a known role read as no role at all.

Authorisation is separate from the workflow on purpose: :func:`check` answers "may this user
try this?" (403), the workflow answers "is it possible now?" (409).  So a callback user closing
a dispatched ticket gets 409 (never replied to), a department replying to another department's
ticket gets 403 whatever its state.  Stage rules that are really about the role — an agent
dispatches accepted tickets, a reviewer dispatches tickets in review — are 403s here.
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.domain import office, workflow
from gateway.domain.ticket import Ticket
from gateway.errors import Forbidden, InvalidField

ROLES: tuple[str, ...] = ("agent", "reviewer", "callback", "department", "supervisor", "admin")
#: The contract's endpoint names, in the order ``allowed_actions`` lists them.
ACTIONS: tuple[str, ...] = ("dispatch", "sign", "reply", "extend", "extension", "return", "reroute",
                            "callback", "review", "close", "merge", "submit", "edit")
#: States in which a department sees its current tickets.
DEPARTMENT_SEES: frozenset[str] = frozenset({"dispatched", "replied", "returned"})
#: States in which an agent may still edit a ticket's fields (as the seat console does).
EDITABLE: frozenset[str] = frozenset({"draft", "accepted"})

_REVIEWERS = frozenset({"reviewer", "supervisor", "admin"})
#: action -> roles that may attempt it.
MAY: dict[str, frozenset[str]] = {
    "submit": frozenset({"agent", "admin"}),
    "edit": frozenset({"agent", "admin"}),
    "dispatch": frozenset({"agent"}) | _REVIEWERS,
    "sign": frozenset({"department", "admin"}),
    "reply": frozenset({"department", "admin"}),
    "extend": frozenset({"department", "admin"}),
    "return": frozenset({"department", "admin"}),
    "extension": _REVIEWERS,
    "reroute": _REVIEWERS,
    "callback": frozenset({"callback", "admin"}),
    "review": frozenset({"callback"}) | _REVIEWERS,
    "close": frozenset({"agent", "callback", "admin"}),
    "merge": _REVIEWERS,
}
#: (role, action) -> the only states this role may do it from (other roles: any state the table allows).
STAGES: dict[tuple[str, str], frozenset[str]] = {
    ("agent", "dispatch"): frozenset({"accepted"}),
    ("reviewer", "dispatch"): frozenset({"review"}),
    ("supervisor", "dispatch"): frozenset({"review"}),
    ("agent", "close"): frozenset({"accepted"}),
    ("callback", "close"): frozenset({"callback"}),
}
_STAGE_WHY: dict[tuple[str, str], str] = {
    ("agent", "dispatch"): "an agent dispatches accepted tickets; a ticket in review is dispatched by a reviewer",
    ("reviewer", "dispatch"): "a reviewer dispatches tickets in review; accepted tickets are dispatched by the agent",
    ("supervisor", "dispatch"): "tickets in review are dispatched from the review queue; accepted tickets by the agent",
    ("agent", "close"): "an agent closes only a ticket answered directly; after a callback the callback team closes it",
    ("callback", "close"): "the callback team closes a ticket after the callback; one answered directly is closed "
                           "by the agent",
}
_DEPARTMENT_ACTIONS = frozenset({"sign", "reply", "extend", "return"})
_VERBS: dict[str, str] = {
    "dispatch": "dispatch a ticket", "sign": "sign for this ticket", "reply": "reply",
    "extend": "ask for more time", "extension": "decide an extension request", "return": "return this ticket",
    "reroute": "re-route a returned ticket", "callback": "record a callback survey",
    "review": "send a reply to review", "close": "close a ticket", "merge": "merge duplicate tickets",
    "submit": "submit a draft", "edit": "edit a ticket",
}


@dataclass(frozen=True)
class Actor:
    role: str | None
    user_id: str
    department: str | None = None


def actor(role: str, user_id: str, department: str | None = None) -> str:
    """The actor string for history rows (see the module docstring)."""
    if role not in ROLES:
        raise InvalidField(f"unknown role '{str(role)[:30]}'; roles are: {', '.join(ROLES)}")
    if role == "department":
        if not department:
            raise InvalidField("a department user's actor names the department")
        return f"department:{department}:{user_id}"
    return f"{role}:{user_id}"


def parse_actor(value: str) -> Actor:
    """Read an actor string back; unknown forms give ``role=None`` (e.g. ``"system"``)."""
    head, _, rest = value.partition(":") if isinstance(value, str) else ("", "", "")
    if head == "department":
        code, sep, user = rest.partition(":")
        return Actor("department", user if sep else "", code or None)
    if head == "seat":
        return Actor("agent", rest)
    if head in ROLES and rest:
        return Actor(head, rest)
    return Actor(None, value if isinstance(value, str) else "")


def returned_by(department: str, t: Ticket) -> bool:
    """Whether ``department`` ever returned ``t``: by the actor's department, or the holder at the time.

    Needs the ticket's history (storage lists without history cannot answer this; the current
    department rule of :func:`can_see` still works on them).
    """
    for index, holder in office.returns(t):
        if holder == department or parse_actor(t.history[index].actor).department == department:
            return True
    return False


def can_see(role: str, department: str | None, t: Ticket) -> bool:
    """Every role but ``department`` sees everything; a department sees its current tickets while
    they are dispatched, replied or returned, and any ticket it returned."""
    if role not in ROLES:
        return False
    if role != "department":
        return True
    if not department:
        return False
    if t.department == department and t.status in DEPARTMENT_SEES:
        return True
    return returned_by(department, t)


def _who(roles: frozenset[str]) -> str:
    names = [r for r in ROLES if r in roles]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]


def check(role: str, department: str | None, action: str, t: Ticket) -> None:
    """Raise :class:`Forbidden` (with one sentence why) unless this user may attempt ``action`` on ``t``.

    Whether the ticket's state allows it is the workflow's answer (409), asked afterwards.
    """
    if action not in MAY:
        raise InvalidField(f"unknown action '{str(action)[:40]}'; actions are: {', '.join(ACTIONS)}")
    if role not in ROLES:
        raise Forbidden(f"unknown role; roles are: {', '.join(ROLES)}")
    if not can_see(role, department, t):
        raise Forbidden(f"this ticket is not one your {'department' if role == 'department' else 'role'} "
                        "handles")
    verb = _VERBS[action]
    if role not in MAY[action]:
        raise Forbidden(f"only {_who(MAY[action])} users may {verb}")
    if role == "department" and action in _DEPARTMENT_ACTIONS and t.department != department:
        raise Forbidden(f"only the department the ticket is dispatched to may {verb}")
    stages = STAGES.get((role, action))
    sources = _sources(action)
    if stages is not None and t.status in sources and t.status not in stages:
        raise Forbidden(_STAGE_WHY[(role, action)])


def _sources(action: str) -> frozenset[str]:
    if action == "edit":
        return EDITABLE
    return workflow.action(action).sources


def _possible(action: str, t: Ticket) -> bool:
    """Whether the state and the ticket's own data let ``action`` happen now (no payload needed)."""
    if t.status not in _sources(action):
        return False
    if action == "sign":
        return t.signed_at is None
    if action == "extend":
        return t.extension_request is None
    if action == "extension":
        return t.extension_request is not None
    if action == "close" and t.status == "callback":
        return workflow.survey_satisfied(t.survey)
    return True


def allowed_actions(role: str, department: str | None, t: Ticket) -> list[str]:
    """The actions this user may do to ``t`` now: permitted for the role and possible in this state."""
    allowed = []
    for name in ACTIONS:
        if not _possible(name, t):
            continue
        try:
            check(role, department, name, t)
        except (Forbidden, InvalidField):
            continue
        allowed.append(name)
    return allowed
