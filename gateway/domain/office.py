"""The back office's operations (docs/BACKOFFICE.md): one pure function per endpoint.

Each ``op(ticket, actor, now, ...) -> Ticket`` checks, in this order, that the ticket's state
allows the action (409), that the payload is valid (422) and the endpoint's own rules hold
(409/422), and only then changes the ticket, through :func:`gateway.domain.workflow.apply`,
which records a history row for every changed field.  A refused call leaves the ticket exactly
as it was.  Who may call what is :mod:`gateway.domain.roles`' job; the HTTP layer asks it first.

``actor`` follows the convention of :mod:`gateway.domain.roles`: ``"<role>:<user_id>"``, and
``"department:<CODE>:<user_id>"`` for department users.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import lru_cache
from typing import Any

from gateway.domain import catalog, workflow
from gateway.domain.deadlines import SHANGHAI, add_working_days, time_left
from gateway.domain.ticket import Ticket
from gateway.errors import Conflict, IllegalTransition, InvalidField

RETURN_REASONS_FILE = catalog.DATA_DIR / "return_reasons.json"
MAX_REPLY = 4000
MAX_NOTE = 1000
MAX_EXTENSION_WORKING_DAYS = 30
CALLBACK_CHANNELS: tuple[str, ...] = ("phone", "miniapp", "chat")
RETURNED_REPEATEDLY = "returned_repeatedly"
REPEATED_RETURNS = 2
OTHER = "other"


# -- data ---------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _reasons() -> tuple[dict[str, str], ...]:
    raw = json.loads(RETURN_REASONS_FILE.read_text(encoding="utf-8"))
    reasons = tuple({"code": str(r["code"]), "zh": str(r["zh"]), "en": str(r["en"])} for r in raw["reasons"])
    if OTHER not in {r["code"] for r in reasons}:
        raise ValueError(f"{RETURN_REASONS_FILE.name} must keep the code '{OTHER}'")
    return reasons


def return_reasons() -> list[dict[str, str]]:
    """The configurable return reasons (``gateway/data/return_reasons.json``): code, zh, en."""
    return [dict(r) for r in _reasons()]


def clear_cache() -> None:
    """Forget the cached return reasons (after the file was edited)."""
    _reasons.cache_clear()


# -- validation helpers --------------------------------------------------------------------
def _text(name: str, value: object, limit: int, *, required: bool) -> str | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise InvalidField(f"'{name}' is required: a non-empty text", field=name)
        return None
    if not isinstance(value, str):
        raise InvalidField(f"'{name}' must be a text", field=name)
    text = value.strip()
    if len(text) > limit:
        raise InvalidField(f"'{name}' has at most {limit} characters", field=name)
    return text


def _flag(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise InvalidField(f"'{name}' must be true or false", field=name)
    return value


def _target_department(t: Ticket, department: object) -> str:
    """A valid department code; DISTRICT needs the ticket's district, or nobody knows which one."""
    if department is None or department == "":
        raise InvalidField("'department' is required (the draft's suggestion is in suggested_department)",
                           field="department")
    try:
        code = catalog.department(department).code  # type: ignore[arg-type]
    except InvalidField as exc:
        raise InvalidField(exc.message, field="department") from None
    if code == "DISTRICT" and not t.district:
        raise InvalidField("the district government (DISTRICT) needs the ticket's district; set the district "
                           "first", field="department")
    return code


def department_at(t: Ticket, index: int) -> str | None:
    """The ticket's department when ``t.history[index]`` was written.

    The next ``department`` change after that row recorded the value it replaced; without one,
    the current value still holds.  (Drafted values are set without a history row, so walking
    forward from the start could not know the first value.)
    """
    for entry in t.history[index + 1:]:
        if entry.field == "department":
            return entry.old if entry.old is None else str(entry.old)
    return t.department


def returns(t: Ticket) -> list[tuple[int, str | None]]:
    """``(history index, department that returned it)`` for every return, oldest first."""
    return [(i, department_at(t, i)) for i, h in enumerate(t.history)
            if h.action == "return" and h.field == "status"]


# -- operations ---------------------------------------------------------------------------
def dispatch(t: Ticket, actor: str, now: float, department: str, complex: bool = False) -> Ticket:
    """accepted/review → dispatched; the deadline is the category's limit (15 if complex) from now."""
    workflow.ensure_allowed(t, "dispatch")
    code = _target_department(t, department)
    return workflow.apply(t, "dispatch", actor, now, department=code, complex=_flag("complex", complex))


def sign(t: Ticket, actor: str, now: float) -> Ticket:
    """The department signs for the ticket (签收); once per dispatch."""
    workflow.ensure_allowed(t, "sign")
    if t.signed_at is not None:
        raise Conflict("the ticket was already signed for in this dispatch")
    return workflow.apply(t, "sign", actor, now, changes={"signed_at": now})


def reply(t: Ticket, actor: str, now: float, text: str) -> Ticket:
    """dispatched → replied, keeping the department's answer in ``replies``."""
    workflow.ensure_allowed(t, "reply")
    body = _text("text", text, MAX_REPLY, required=True)
    entry = {"at": now, "by": actor, "text": body}
    return workflow.apply(t, "reply", actor, now, changes={"replies": [*t.replies, entry]})


def request_extension(t: Ticket, actor: str, now: float, working_days: int, reason: str) -> Ticket:
    """The department asks for ``working_days`` more (1..30); one pending request at a time."""
    workflow.ensure_allowed(t, "extend")
    if isinstance(working_days, bool) or not isinstance(working_days, int) \
            or not 1 <= working_days <= MAX_EXTENSION_WORKING_DAYS:
        raise InvalidField(f"'working_days' must be a whole number from 1 to {MAX_EXTENSION_WORKING_DAYS}",
                           field="working_days")
    why = _text("reason", reason, workflow.MAX_REASON, required=True)
    if t.extension_request is not None:
        raise Conflict("an extension request is already waiting for a decision")
    request = {"working_days": working_days, "reason": why, "by": actor, "at": now}
    return workflow.apply(t, "extend", actor, now, reason=why, changes={"extension_request": request})


def decide_extension(t: Ticket, actor: str, now: float, approve: bool, reason: str | None = None) -> Ticket:
    """Approve (the deadline moves by the requested working days) or reject (it stays).

    The pending request is cleared either way; the history's reason starts with ``approved`` or
    ``rejected`` so the decision stays readable in the audit trail.
    """
    workflow.ensure_allowed(t, "extension")
    decision = _flag("approve", approve)
    note = _text("reason", reason, workflow.MAX_REASON - 20, required=False)
    request = t.extension_request
    if request is None:
        raise Conflict("there is no pending extension request to decide")
    changes: dict[str, Any] = {"extension_request": None}
    if decision:
        base = datetime.fromtimestamp(t.deadline if t.deadline is not None else now, SHANGHAI)
        changes["deadline"] = add_working_days(base, int(request["working_days"])).timestamp
    why = ("approved" if decision else "rejected") + (f": {note}" if note else "")
    return workflow.apply(t, "extension", actor, now, reason=why, changes=changes)


def return_ticket(t: Ticket, actor: str, now: float, reason: str, note: str | None = None) -> Ticket:
    """dispatched → returned (退单) with a listed reason code; ``other`` needs a note.

    The history's reason is the code, or ``"<code>: <note>"``.  The second return flags the
    ticket ``returned_repeatedly`` so the reviewer looks harder (often: send it to DISTRICT).
    """
    workflow.ensure_allowed(t, "return")
    codes = [r["code"] for r in _reasons()]
    if not isinstance(reason, str) or reason.strip() not in codes:
        raise InvalidField(f"'reason' must be one of: {', '.join(codes)}", field="reason")
    code = reason.strip()
    text = _text("note", note, MAX_NOTE, required=code == OTHER)
    count = t.return_count + 1
    flags = list(t.flags)
    if count >= REPEATED_RETURNS and RETURNED_REPEATEDLY not in flags:
        flags.append(RETURNED_REPEATEDLY)
    why = f"{code}: {text}" if text else code
    return workflow.apply(t, "return", actor, now, reason=why[:workflow.MAX_REASON],
                          changes={"return_count": count, "flags": flags})


def reroute(t: Ticket, actor: str, now: float, department: str, reason: str, force: bool = False) -> Ticket:
    """returned → dispatched to another department, with a fresh deadline from now.

    Sending it straight back to the department that just returned it needs ``force``: usually
    that is a mistake, sometimes (the return was wrong) it is the decision.
    """
    workflow.ensure_allowed(t, "reroute")
    code = _target_department(t, department)
    forced = _flag("force", force)
    why = _text("reason", reason, workflow.MAX_REASON, required=True)
    done = returns(t)
    last = done[-1][1] if done else None
    if code == last and not forced:
        raise InvalidField(f"{code} has just returned this ticket; to send it there again, say force: true",
                           field="department")
    return workflow.apply(t, "reroute", actor, now, reason=why, department=code)


def survey_summary(survey: dict[str, Any]) -> str:
    """One line for the history and the reviewer, e.g. ``callback: not resolved, satisfaction 2/5 (不满意)``."""
    level = catalog.satisfaction(survey["satisfaction"])
    text = (f"callback ({survey['channel']}): {'resolved' if survey['resolved'] else 'not resolved'}, "
            f"satisfaction {level.code}/5 ({level.zh}, {level.en})")
    if survey.get("note"):
        text += f"; caller: {survey['note']}"
    return text if len(text) <= workflow.MAX_REASON else text[:workflow.MAX_REASON - 1] + "…"


def record_callback(t: Ticket, actor: str, now: float, resolved: bool, satisfaction: int,
                    note: str | None = None, channel: str | None = "phone") -> Ticket:
    """replied/callback → callback (satisfied) or review (not resolved, or satisfaction below 3)."""
    workflow.ensure_allowed(t, "callback")
    done = _flag("resolved", resolved)
    level = catalog.satisfaction(satisfaction).code
    text = _text("note", note, MAX_NOTE, required=False)
    via = "phone" if channel is None else channel
    if via not in CALLBACK_CHANNELS:
        raise InvalidField(f"'channel' must be one of: {', '.join(CALLBACK_CHANNELS)}", field="channel")
    survey = {"resolved": done, "satisfaction": level, "note": text, "channel": via, "at": now, "by": actor}
    to = "callback" if workflow.survey_satisfied(survey) else "review"
    return workflow.apply(t, "callback", actor, now, reason=survey_summary(survey), to=to,
                          changes={"survey": survey, "satisfaction": level})


def send_to_review(t: Ticket, actor: str, now: float, reason: str) -> Ticket:
    """replied → review: the reply does not answer the matter, whatever the caller would say."""
    workflow.ensure_allowed(t, "review")
    why = _text("reason", reason, workflow.MAX_REASON, required=True)
    return workflow.apply(t, "review", actor, now, reason=why)


def close(t: Ticket, actor: str, now: float, answered_directly: bool = False, reason: str | None = None) -> Ticket:
    """callback (satisfied survey) → closed, or accepted → closed when answered on the spot.

    Everything else is refused with a sentence saying why (e.g. a ticket never replied to).
    """
    workflow.ensure_allowed(t, "close")
    direct = _flag("answered_directly", answered_directly)
    why = _text("reason", reason, workflow.MAX_REASON, required=False)
    return workflow.apply(t, "close", actor, now, reason=why, answered_directly=direct)


def merge(source: Ticket, target: Ticket, actor: str, now: float, reason: str) -> tuple[Ticket, Ticket]:
    """Close ``source`` as a duplicate of ``target``; both histories stay whole.

    Both tickets are checked (a dry run of each change) before either changes, so a refusal
    leaves both as they were.
    """
    if source.id == target.id:
        raise InvalidField("a ticket cannot be merged into itself", field="into")
    if target.status == "closed":
        raise IllegalTransition(f"the ticket to keep ({target.number}) is closed; merge into an open ticket")
    workflow.ensure_allowed(source, "merge")
    why = _text("reason", reason, workflow.MAX_REASON, required=True)
    source_changes = {"merged_into": target.id}
    target_changes = {"merged_from": [*target.merged_from, source.id]}
    workflow.apply(source, "merge", actor, now, reason=why, changes=source_changes, dry_run=True)
    workflow.apply(target, "absorb", actor, now, reason=why, changes=target_changes, dry_run=True)
    workflow.apply(source, "merge", actor, now, reason=why, changes=source_changes)
    workflow.apply(target, "absorb", actor, now, reason=why, changes=target_changes)
    return source, target


# -- views ----------------------------------------------------------------------------------
def deadline_info(t: Ticket, now: float) -> dict[str, Any] | None:
    """``{"due", "working_days_left", "state", "estimated"}`` for an open ticket with a deadline."""
    if t.status == "closed" or t.deadline is None:
        return None
    left = time_left(t.deadline, now)
    return {"due": datetime.fromtimestamp(t.deadline, SHANGHAI).isoformat(timespec="seconds"),
            "working_days_left": left["working_days_left"], "state": left["state"],
            "estimated": left["estimated"]}
