"""The ticket workflow as a table of actions over the 8 states of ``categories.json``.

Each action names the states it may start from and the state it leads to (``None``: stays;
``also``: other states the caller may choose with ``to=``, e.g. a callback ends in ``callback``
or ``review``).  :func:`apply` is the one place a ticket's status and back-office fields
change: it checks the table, the data, the reason, the required fields and the action's guard
*first*, and only then mutates, appending one history row for the status and one for every
other field that changed.  Endpoint-level rules (text lengths, reason codes, who returned it
last) live in :mod:`gateway.domain.office`, which validates and then calls :func:`apply`.

Side effects applied here so that every caller gets them:

* ``submit`` snapshots :meth:`Ticket.draft_acceptance` into ``draft_accepted``;
* entering ``dispatched`` from another state clears ``signed_at`` (a new dispatch is signed anew);
* leaving ``dispatched`` drops a pending ``extension_request`` (it lapses with the dispatch).

History rows for ``replies`` (which only grow) carry ``old=None`` and ``new=<the added reply>``
rather than whole lists, so the audit trail does not grow quadratically with long replies.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gateway.domain import catalog
from gateway.domain.deadlines import SHANGHAI, deadline_for
from gateway.domain.ticket import HistoryEntry, Ticket
from gateway.errors import IllegalTransition, InvalidField

MAX_REASON = 1000
OPEN_STATES: frozenset[str] = frozenset(s for s in catalog.TICKET_STATES if s != "closed")
#: States in which the handling deadline runs (after a reply, the department's clock stops).
CLOCK_STATES: tuple[str, ...] = ("accepted", "dispatched", "returned")
#: A callback counts as satisfied at this level or better (3 = 基本满意), if also resolved.
SATISFIED_FROM = 3
#: Fields the workflow manages; ``Ticket.edit`` cannot touch them.
MANAGED: tuple[str, ...] = ("department", "deadline", "satisfaction", "return_count", "flags", "replies",
                            "survey", "extension_request", "signed_at", "draft_accepted", "merged_into",
                            "merged_from")
APPEND_ONLY: frozenset[str] = frozenset({"replies"})

#: ``guard(ticket, pending_changes, data, target, reason)`` raises when the action may not happen.
Guard = Callable[[Ticket, Mapping[str, Any], Mapping[str, Any], str, "str | None"], None]


@dataclass(frozen=True)
class Action:
    name: str
    sources: frozenset[str]
    target: str | None
    needs_reason: bool = False
    requires: tuple[str, ...] = ()
    data: tuple[str, ...] = ()
    description: str = ""
    sets: tuple[str, ...] = ()
    also: frozenset[str] = frozenset()
    guard: Guard | None = None
    label: str | None = None            # the action name written to history (default: name)
    internal: bool = False              # not offered to users (e.g. the kept side of a merge)
    refusals: tuple[tuple[str, str], ...] = ()   # (state, why this action cannot start there)

    @property
    def history_name(self) -> str:
        return self.label or self.name


def survey_satisfied(survey: Mapping[str, Any] | None) -> bool:
    """Satisfied = the caller says it was resolved and rates the handling 3 (基本满意) or better."""
    if not survey:
        return False
    level = survey.get("satisfaction")
    return survey.get("resolved") is True and isinstance(level, int) and level >= SATISFIED_FROM


def _close_guard(t: Ticket, pending: Mapping[str, Any], data: Mapping[str, Any], target: str,
                 why: str | None) -> None:
    direct = data.get("answered_directly", False)
    if not isinstance(direct, bool):
        raise InvalidField("answered_directly must be true or false", field="answered_directly")
    if t.status == "accepted":
        if not direct:
            raise IllegalTransition(
                "a ticket that was never replied to cannot be closed; an accepted ticket is closed only "
                "when the agent answered it directly (answered_directly: true, with a reason)")
        if not why:
            raise InvalidField("closing a ticket answered directly needs a reason: what the caller was told",
                               field="reason")
        return
    if direct:
        raise InvalidField("answered_directly applies only to accepted tickets; this one went to a department",
                           field="answered_directly")
    if not survey_satisfied(t.survey):
        raise IllegalTransition("a ticket is closed after the callback only when the caller said the matter "
                                "was resolved and rated the handling 3 or better; record the survey first")


def _callback_guard(t: Ticket, pending: Mapping[str, Any], data: Mapping[str, Any], target: str,
                    why: str | None) -> None:
    survey = pending.get("survey")
    if not isinstance(survey, dict):
        raise InvalidField("'callback' records the caller's survey, and none was given")
    if survey_satisfied(survey) != (target == "callback"):
        raise IllegalTransition("a satisfied caller's ticket waits in 'callback' for closing; "
                                "a dissatisfied caller's ticket goes to 'review'")
    if target == "review" and not why:
        raise InvalidField("sending a ticket to review needs a reason")


def _merge_guard(t: Ticket, pending: Mapping[str, Any], data: Mapping[str, Any], target: str,
                 why: str | None) -> None:
    into = pending.get("merged_into")
    if not isinstance(into, str) or not into or into == t.id:
        raise InvalidField("a merge names another ticket to keep ('into')", field="into")


def _absorb_guard(t: Ticket, pending: Mapping[str, Any], data: Mapping[str, Any], target: str,
                  why: str | None) -> None:
    merged = pending.get("merged_from")
    if not isinstance(merged, list) or merged[:len(t.merged_from)] != t.merged_from \
            or len(merged) != len(t.merged_from) + 1 or merged[-1] == t.id:
        raise InvalidField("keeping a merged duplicate adds exactly one other ticket id to merged_from")


_NEVER_REPLIED = "a ticket that was never replied to cannot be closed"

#: The workflow.  ``requires``: ticket fields that must be set; ``data``: keyword data accepted;
#: ``sets``: back-office fields the caller may pass in ``changes``.
ACTIONS: tuple[Action, ...] = (
    Action("submit", frozenset({"draft"}), "accepted", requires=("category",), sets=("draft_accepted",),
           description="accept the checked draft (受理)"),
    Action("close", frozenset({"accepted", "callback"}), "closed", data=("answered_directly",),
           guard=_close_guard, description="archive: answered directly, or the caller confirmed (归档)",
           refusals=(("draft", "a draft is submitted first; " + _NEVER_REPLIED),
                     ("dispatched", _NEVER_REPLIED + "; the department replies first"),
                     ("returned", _NEVER_REPLIED + "; a reviewer re-routes it first"),
                     ("replied", "the caller is asked first: record the callback survey, then close"),
                     ("review", "the caller was not satisfied: the ticket is dispatched again"),
                     ("closed", "the ticket is already closed"))),
    Action("dispatch", frozenset({"accepted", "review"}), "dispatched", requires=("category", "department"),
           data=("department", "deadline", "complex"), sets=("deadline",),
           description="send to a department (派单)"),
    Action("sign", frozenset({"dispatched"}), None, sets=("signed_at",),
           description="the department signs for the ticket (签收)"),
    Action("return", frozenset({"dispatched"}), "returned", needs_reason=True,
           sets=("return_count", "flags"), description="the department says it is not theirs (退单)"),
    Action("reroute", frozenset({"returned"}), "dispatched", needs_reason=True,
           requires=("category", "department"), data=("department", "deadline", "complex"), sets=("deadline",),
           description="send to another department after review (改派)"),
    Action("reply", frozenset({"dispatched"}), "replied", sets=("replies",),
           description="the department replied with what it did (答复)"),
    Action("callback", frozenset({"replied", "callback"}), "callback", also=frozenset({"review"}),
           sets=("survey", "satisfaction"), guard=_callback_guard,
           description="the caller was asked whether it was solved (回访)"),
    Action("review", frozenset({"replied"}), "review", needs_reason=True,
           description="the reply is inadequate (复核)"),
    Action("extend", frozenset({"dispatched"}), None, needs_reason=True, sets=("extension_request",),
           description="the department asks for more time (申请延期)"),
    Action("extension", frozenset({"dispatched"}), None, sets=("extension_request", "deadline"),
           description="a reviewer or supervisor decides an extension request (延期审批)"),
    Action("merge", OPEN_STATES, "closed", needs_reason=True, sets=("merged_into",), guard=_merge_guard,
           description="close as a duplicate of another ticket (合并)"),
    Action("absorb", OPEN_STATES, None, needs_reason=True, sets=("merged_from",), guard=_absorb_guard,
           label="merge", internal=True, description="keep this ticket; a duplicate was merged into it"),
)
_BY_NAME: dict[str, Action] = {a.name: a for a in ACTIONS}


def action(name: str) -> Action:
    """The action with this name; raises :class:`InvalidField` for unknown names."""
    found = _BY_NAME.get(name) if isinstance(name, str) else None
    if found is None:
        public = ", ".join(a.name for a in ACTIONS if not a.internal)
        raise InvalidField(f"unknown action '{str(name)[:40]}'; actions are: {public}")
    return found


def allowed_actions(status: str) -> list[str]:
    """Names of the user-facing actions the table allows from ``status``, in table order."""
    return [a.name for a in ACTIONS if status in a.sources and not a.internal]


def _ordered(states: frozenset[str]) -> str:
    return ", ".join(s for s in catalog.TICKET_STATES if s in states)


def _reason(act: Action, reason: str | None) -> str | None:
    if reason is not None and not isinstance(reason, str):
        raise InvalidField("reason must be a text", field="reason")
    text = reason.strip() if reason is not None else None
    if act.needs_reason and not text:
        raise InvalidField(f"'{act.name}' needs a reason", field="reason")
    if text and len(text) > MAX_REASON:
        raise InvalidField(f"reason is longer than {MAX_REASON} characters", field="reason")
    return text or None


def _deadline(ticket: Ticket, act: Action, now: float, data: Mapping[str, Any]) -> float | None:
    """The new deadline a dispatch or re-route sets, or None to leave it."""
    given = data.get("deadline")
    if given is not None:
        if isinstance(given, bool) or not isinstance(given, (int, float)):
            raise InvalidField("deadline must be a number of seconds since the epoch")
        return float(given)
    complex_ = data.get("complex", False)
    if not isinstance(complex_, bool):
        raise InvalidField("complex must be true or false", field="complex")
    if act.name in ("dispatch", "reroute") and ticket.category:
        start = datetime.fromtimestamp(now, SHANGHAI)
        return deadline_for(ticket.category, start, complex=complex_).timestamp
    return None


def _refused(act: Action, status: str) -> IllegalTransition:
    why = dict(act.refusals).get(status)
    detail = f" ({why})" if why else ""
    return IllegalTransition(f"cannot '{act.name}' a ticket in state '{status}'{detail}; "
                             f"'{act.name}' is allowed from: {_ordered(act.sources)}")


def ensure_allowed(ticket: Ticket, action_name: str) -> Action:
    """The action, if the table allows it from the ticket's state; else :class:`IllegalTransition`.

    Endpoint functions call this before checking their payload, so a request that is wrong in
    both ways is told about the state first (409 before 422), whatever the payload.
    """
    act = action(action_name)
    if ticket.status not in act.sources:
        raise _refused(act, ticket.status)
    return act


def apply(ticket: Ticket, action_name: str, actor: str, now: float, reason: str | None = None, *,
          to: str | None = None, changes: Mapping[str, Any] | None = None, dry_run: bool = False,
          **data: Any) -> Ticket:
    """Perform ``action_name`` on ``ticket`` (mutated and returned) or raise without changing it.

    ``data`` is the action's keyword data from the table (e.g. ``department``, ``complex``);
    ``changes`` are already-validated new values for the back-office fields in ``Action.sets``;
    ``to`` picks the target state of an action with more than one (``callback``);
    ``dry_run`` checks everything and returns before changing anything (used to make a merge of
    two tickets all-or-nothing).
    """
    act = ensure_allowed(ticket, action_name)
    unknown = sorted(set(data) - set(act.data))
    if unknown:
        accepted = ", ".join(act.data) or "nothing"
        raise InvalidField(f"'{act.name}' does not take {', '.join(unknown)}; it takes: {accepted}")
    extra = sorted(set(changes or {}) - set(act.sets))
    if extra:
        raise InvalidField(f"'{act.name}' does not change {', '.join(extra)}")
    target = (act.target or ticket.status) if to is None else to
    if to is not None and to not in ({act.target} | act.also) - {None}:
        raise IllegalTransition(f"'{act.name}' cannot lead to state '{str(to)[:20]}'")
    why = _reason(act, reason)

    pending: dict[str, Any] = {}
    if data.get("department") is not None:
        pending["department"] = catalog.department(data["department"]).code
    pending.update(changes or {})
    needed = {**{f: getattr(ticket, f) for f in act.requires}, **pending}
    missing = [f for f in act.requires if not needed.get(f)]
    if missing:
        raise InvalidField(f"'{act.name}' needs the ticket's {' and '.join(missing)} to be set first")
    if "deadline" not in pending:
        new_deadline = _deadline(ticket, act, now, data)
        if new_deadline is not None:
            pending["deadline"] = new_deadline
    elif isinstance(pending["deadline"], bool) or not isinstance(pending["deadline"], (int, float)):
        raise InvalidField("deadline must be a number of seconds since the epoch")
    if act.name == "submit":
        pending["draft_accepted"] = ticket.draft_acceptance()
    if target == "dispatched" and ticket.status != "dispatched" and ticket.signed_at is not None:
        pending.setdefault("signed_at", None)
    if target != "dispatched" and ticket.extension_request is not None:
        pending.setdefault("extension_request", None)
    if act.guard is not None:
        act.guard(ticket, pending, data, target, why)
    if dry_run:
        return ticket

    # Everything is checked: from here on nothing raises.
    name = act.history_name
    old_status = ticket.status
    ticket.status = target
    ticket.history.append(HistoryEntry(at=now, actor=actor, action=name, field="status",
                                       old=old_status, new=target, reason=why))
    for field_name, value in pending.items():
        old = getattr(ticket, field_name)
        if old == value:
            continue
        setattr(ticket, field_name, copy.deepcopy(value))
        if field_name in APPEND_ONLY and isinstance(old, list) and value[:len(old)] == old:
            rows = [(None, item) for item in value[len(old):]]
        else:
            rows = [(old, value)]
        for row_old, row_new in rows:
            ticket.history.append(HistoryEntry(at=now, actor=actor, action=name, field=field_name,
                                               old=copy.deepcopy(row_old), new=copy.deepcopy(row_new),
                                               reason=why))
    ticket.updated_at = now
    return ticket
