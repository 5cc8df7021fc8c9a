"""Replaying a ticket's audit trail: the history alone must rebuild the stored ticket.

The history is append-only and written in the same transaction as the change it describes, so
walking it from the ``create`` rows must give exactly the ticket's current values, and every
row's ``old`` must equal the value the rows before it left.  :func:`replay` checks both and
returns what does not hold (an empty list when the trail is whole).  Tests run it after every
round of concurrent edits; an operator can run it on a suspect ticket.

What the trail records, and so what is replayed:

* ``status``, the editable fields (``Ticket.edit``) and the back-office fields
  (``workflow.MANAGED``), with their whole old and new values;
* ``replies``, which only grow: each row carries the added reply (``old`` is None);
* ``attachments``: each row carries the added attachment's id;
* ``caller``: its masked, public form (the hashes are never written to the history).
"""

from __future__ import annotations

from typing import Any

from gateway.domain import workflow
from gateway.domain.ticket import EDITABLE, CallerInfo, Ticket

SCALAR_FIELDS: tuple[str, ...] = ("status", *EDITABLE, *(f for f in workflow.MANAGED if f not in workflow.APPEND_ONLY))
APPENDED_FIELDS: tuple[str, ...] = (*workflow.APPEND_ONLY, "attachments")
REPLAYED: tuple[str, ...] = (*dict.fromkeys(SCALAR_FIELDS), *APPENDED_FIELDS, "caller")


def _start() -> dict[str, Any]:
    blank = Ticket(id="", number="", channel="chat", lang="zh", status="")  # type: ignore[arg-type]
    state: dict[str, Any] = {name: getattr(blank, name) for name in SCALAR_FIELDS}
    state["status"] = state["lang"] = None
    for name in APPENDED_FIELDS:
        state[name] = []
    state["caller"] = CallerInfo().public_dict()
    return state


def current(t: Ticket) -> dict[str, Any]:
    """The replayed fields of ``t`` as the history describes them."""
    out = {name: getattr(t, name) for name in SCALAR_FIELDS}
    out["replies"] = list(t.replies)
    out["attachments"] = [a.id for a in t.attachments]
    out["caller"] = t.caller.public_dict()
    return out


def replay(t: Ticket) -> list[str]:
    """Problems found replaying ``t.history`` against ``t``; ``[]`` when the trail is whole."""
    state = _start()
    problems: list[str] = []
    for i, h in enumerate(t.history):
        name = h.field
        if name not in state:
            continue
        if name in APPENDED_FIELDS:
            if name == "replies" and h.old is not None:
                problems.append(f"row {i} ({h.action}): a replies row must have old=None, not {h.old!r}")
            state[name] = [*state[name], h.new]
            continue
        if h.old != state[name]:
            problems.append(f"row {i} ({h.action} {name}): old is {h.old!r} but the rows before it left {state[name]!r}")
        state[name] = h.new
    now = current(t)
    for name in REPLAYED:
        if state[name] != now[name]:
            problems.append(f"{name}: the history rebuilds {state[name]!r} but the ticket has {now[name]!r}")
    return problems
