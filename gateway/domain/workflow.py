"""The ticket workflow as a table of actions over the 8 states of ``categories.json``.

Each action names the states it may start from and the state it leads to (``None``: stays).
:func:`apply` checks the table, the action's required ticket fields and reason, then records
the change in the ticket's history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gateway.domain import catalog
from gateway.domain.deadlines import SHANGHAI, deadline_for
from gateway.domain.ticket import HistoryEntry, Ticket
from gateway.errors import IllegalTransition, InvalidField

MAX_REASON = 1000
OPEN_STATES: frozenset[str] = frozenset(s for s in catalog.TICKET_STATES if s != "closed")


@dataclass(frozen=True)
class Action:
    name: str
    sources: frozenset[str]
    target: str | None
    needs_reason: bool = False
    requires: tuple[str, ...] = ()
    data: tuple[str, ...] = ()
    description: str = ""


def _a(name: str, sources: set[str] | frozenset[str], target: str | None, description: str,
       *, needs_reason: bool = False, requires: tuple[str, ...] = (),
       data: tuple[str, ...] = ()) -> Action:
    return Action(name, frozenset(sources), target, needs_reason, requires, data, description)


#: The workflow.  ``requires``: ticket fields that must be set; ``data``: keyword data accepted.
ACTIONS: tuple[Action, ...] = (
    _a("submit", {"draft"}, "accepted", "accept the checked draft (受理)", requires=("category",)),
    _a("close", {"accepted", "callback", "review"}, "closed",
       "archive: answered directly, callback finished, or review concluded", data=("satisfaction",)),
    _a("dispatch", {"accepted", "review"}, "dispatched", "send to a department (派单)",
       requires=("category", "department"), data=("department", "deadline", "complex")),
    _a("sign", {"dispatched"}, None, "the department signs for the ticket (签收)"),
    _a("return", {"dispatched"}, "returned", "the department says it is not theirs (退单)",
       needs_reason=True),
    _a("reroute", {"returned"}, "dispatched", "send to another department after review",
       needs_reason=True, requires=("category", "department"),
       data=("department", "deadline", "complex")),
    _a("reply", {"dispatched"}, "replied", "the department replied with what it did (答复)"),
    _a("start_callback", {"replied"}, "callback", "ask the caller whether it was solved (回访)"),
    _a("callback_dissatisfied", {"callback"}, "review", "the caller was not satisfied (复核)",
       data=("satisfaction",)),
    _a("extend", {"dispatched"}, None, "move the deadline later (延期)", data=("deadline",)),
    _a("merge", OPEN_STATES, "closed", "close as a duplicate of another ticket", needs_reason=True),
)
_BY_NAME: dict[str, Action] = {a.name: a for a in ACTIONS}


def action(name: str) -> Action:
    """The action with this name; raises :class:`InvalidField` for unknown names."""
    found = _BY_NAME.get(name) if isinstance(name, str) else None
    if found is None:
        raise InvalidField(f"unknown action '{str(name)[:40]}'; actions are: {', '.join(_BY_NAME)}")
    return found


def allowed_actions(status: str) -> list[str]:
    """Names of the actions allowed from ``status``, in table order."""
    return [a.name for a in ACTIONS if status in a.sources]


def _ordered(states: frozenset[str]) -> str:
    return ", ".join(s for s in catalog.TICKET_STATES if s in states)


def _reason(act: Action, reason: str | None) -> str | None:
    text = reason.strip() if isinstance(reason, str) else None
    if act.needs_reason and not text:
        raise InvalidField(f"'{act.name}' needs a reason")
    if text and len(text) > MAX_REASON:
        raise InvalidField(f"reason is longer than {MAX_REASON} characters")
    return text or None


def _deadline(ticket: Ticket, act: Action, now: float, data: dict[str, Any]) -> float | None:
    """The new deadline this action sets, or None to leave it."""
    given = data.get("deadline")
    if given is not None:
        if isinstance(given, bool) or not isinstance(given, (int, float)):
            raise InvalidField("deadline must be a number of seconds since the epoch")
        if act.name == "extend" and ticket.deadline is not None and given <= ticket.deadline:
            raise InvalidField("an extended deadline must be later than the current one")
        return float(given)
    if act.name == "extend":
        raise InvalidField("'extend' needs a new deadline")
    if act.name in ("dispatch", "reroute") and ticket.category:
        start = datetime.fromtimestamp(now, SHANGHAI)
        return deadline_for(ticket.category, start, complex=bool(data.get("complex"))).timestamp
    return None


def apply(ticket: Ticket, action_name: str, actor: str, now: float,
          reason: str | None = None, **data: Any) -> Ticket:
    """Perform ``action_name`` on ``ticket`` (mutated and returned) or raise without changing it."""
    act = action(action_name)
    if ticket.status not in act.sources:
        raise IllegalTransition(
            f"cannot '{act.name}' a ticket in state '{ticket.status}'; "
            f"'{act.name}' is allowed from: {_ordered(act.sources)}")
    unknown = sorted(set(data) - set(act.data))
    if unknown:
        accepted = ", ".join(act.data) or "nothing"
        raise InvalidField(f"'{act.name}' does not take {', '.join(unknown)}; it takes: {accepted}")
    why = _reason(act, reason)
    changes: list[tuple[str, Any]] = []
    if data.get("department") is not None:
        changes.append(("department", catalog.department(data["department"]).code))
    if data.get("satisfaction") is not None:
        changes.append(("satisfaction", catalog.satisfaction(data["satisfaction"]).code))
    pending = {**{f: getattr(ticket, f) for f in act.requires}, **dict(changes)}
    missing = [f for f in act.requires if not pending.get(f)]
    if missing:
        raise InvalidField(f"'{act.name}' needs the ticket's {' and '.join(missing)} to be set first")
    new_deadline = _deadline(ticket, act, now, data)

    old_status = ticket.status
    ticket.status = act.target or old_status
    ticket.history.append(HistoryEntry(at=now, actor=actor, action=act.name, field="status",
                                       old=old_status, new=ticket.status, reason=why))
    for name, value in changes:
        old = getattr(ticket, name)
        if old != value:
            setattr(ticket, name, value)
            ticket.history.append(HistoryEntry(at=now, actor=actor, action=act.name, field=name,
                                               old=old, new=value, reason=why))
    if new_deadline is not None and new_deadline != ticket.deadline:
        ticket.history.append(HistoryEntry(at=now, actor=actor, action=act.name, field="deadline",
                                           old=ticket.deadline, new=new_deadline, reason=why))
        ticket.deadline = new_deadline
    ticket.updated_at = now
    return ticket
