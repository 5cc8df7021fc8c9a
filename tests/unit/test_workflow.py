"""The workflow table: every legal and illegal action, required reasons and data, a full lifecycle."""

from __future__ import annotations

from datetime import datetime

import pytest

from gateway.domain import catalog, workflow
from gateway.domain.deadlines import SHANGHAI
from gateway.domain.ticket import Ticket
from gateway.errors import IllegalTransition, InvalidField

T0 = datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI).timestamp()

#: The expected table, written out independently of workflow.ACTIONS.
LEGAL: dict[str, dict[str, str]] = {
    "submit": {"draft": "accepted"},
    "close": {"accepted": "closed", "callback": "closed", "review": "closed"},
    "dispatch": {"accepted": "dispatched", "review": "dispatched"},
    "sign": {"dispatched": "dispatched"},
    "return": {"dispatched": "returned"},
    "reroute": {"returned": "dispatched"},
    "reply": {"dispatched": "replied"},
    "start_callback": {"replied": "callback"},
    "callback_dissatisfied": {"callback": "review"},
    "extend": {"dispatched": "dispatched"},
    "merge": {s: "closed" for s in catalog.TICKET_STATES if s != "closed"},
}
NEEDS_REASON = {"return", "reroute", "merge"}


def ticket_in(status: str, deadline: float | None = None) -> Ticket:
    t = Ticket.new_draft("20260930000001", "voice", "en", "text", actor="system", now=T0,
                         category="HELP", department="HOUSING", district="pudong")
    t.status = status
    t.deadline = deadline
    return t


def kwargs_for(name: str, t: Ticket) -> dict[str, object]:
    kw: dict[str, object] = {"reason": "because"} if name in NEEDS_REASON else {}
    if name == "extend":
        kw["deadline"] = (t.deadline or T0) + 86_400
    return kw


def test_the_table_matches_the_specification() -> None:
    table = {a.name: {s: a.target or s for s in a.sources} for a in workflow.ACTIONS}
    assert table == LEGAL
    assert {a.name for a in workflow.ACTIONS if a.needs_reason} == NEEDS_REASON


@pytest.mark.parametrize("name,source", [(n, s) for n, m in LEGAL.items() for s in m])
def test_every_legal_action(name: str, source: str) -> None:
    t = ticket_in(source, deadline=T0 + 1000)
    before = len(t.history)
    result = workflow.apply(t, name, actor="agent-1", now=T0 + 5, **kwargs_for(name, t))
    assert result is t
    assert t.status == LEGAL[name][source]
    entry = t.history[before]
    assert (entry.action, entry.field, entry.old, entry.new) == (name, "status", source, t.status)
    assert entry.actor == "agent-1" and entry.at == T0 + 5
    assert entry.reason == ("because" if name in NEEDS_REASON else None)
    assert t.updated_at == T0 + 5


ILLEGAL = [(n, s) for n in LEGAL for s in catalog.TICKET_STATES if s not in LEGAL[n]]


@pytest.mark.parametrize("name,source", ILLEGAL)
def test_every_illegal_action_raises(name: str, source: str) -> None:
    t = ticket_in(source, deadline=T0 + 1000)
    before = t.to_dict()
    with pytest.raises(IllegalTransition) as info:
        workflow.apply(t, name, actor="agent-1", now=T0 + 5, **kwargs_for(name, t))
    assert info.value.code == "illegal_transition" and info.value.status == 409
    allowed = ", ".join(s for s in catalog.TICKET_STATES if s in LEGAL[name])
    assert info.value.message == (f"cannot '{name}' a ticket in state '{source}'; "
                                  f"'{name}' is allowed from: {allowed}")
    assert t.to_dict() == before


def test_illegal_count_covers_the_whole_grid() -> None:
    legal = sum(len(m) for m in LEGAL.values())
    assert legal + len(ILLEGAL) == len(LEGAL) * 8 == 88


def test_dispatch_message_example() -> None:
    with pytest.raises(IllegalTransition, match=r"^cannot 'dispatch' a ticket in state 'draft'; "
                                                r"'dispatch' is allowed from: accepted, review$"):
        workflow.apply(ticket_in("draft"), "dispatch", actor="a", now=T0)


def test_unknown_action() -> None:
    with pytest.raises(InvalidField, match="unknown action 'fly'; actions are: submit, close"):
        workflow.apply(ticket_in("draft"), "fly", actor="a", now=T0)


def test_allowed_actions() -> None:
    assert workflow.allowed_actions("draft") == ["submit", "merge"]
    assert workflow.allowed_actions("accepted") == ["close", "dispatch", "merge"]
    assert workflow.allowed_actions("dispatched") == ["sign", "return", "reply", "extend", "merge"]
    assert workflow.allowed_actions("closed") == []
    for state in catalog.TICKET_STATES:
        assert workflow.allowed_actions(state) == [n for n in LEGAL if state in LEGAL[n]]


@pytest.mark.parametrize("name,source", [("return", "dispatched"), ("reroute", "returned"), ("merge", "accepted")])
@pytest.mark.parametrize("reason", [None, "", "   "])
def test_reason_required(name: str, source: str, reason: str | None) -> None:
    t = ticket_in(source)
    with pytest.raises(InvalidField, match=f"'{name}' needs a reason"):
        workflow.apply(t, name, actor="a", now=T0, reason=reason)
    assert t.status == source


def test_submit_needs_a_category() -> None:
    t = ticket_in("draft")
    t.category = None
    with pytest.raises(InvalidField, match="'submit' needs the ticket's category"):
        workflow.apply(t, "submit", actor="a", now=T0)
    assert t.status == "draft"


def test_dispatch_sets_department_and_working_day_deadline() -> None:
    t = ticket_in("accepted")
    t.department = None
    with pytest.raises(InvalidField, match="needs the ticket's department"):
        workflow.apply(t, "dispatch", actor="a", now=T0)
    workflow.apply(t, "dispatch", actor="a", now=T0, department="water")
    assert t.department == "WATER"
    # HELP = 5 working days from Wed 2026-09-30: Oct 8, 9, 10 (make-up Saturday), 12, 13.
    assert t.deadline == datetime(2026, 10, 13, 23, 59, 59, tzinfo=SHANGHAI).timestamp()
    assert [(h.field, h.old, h.new) for h in t.history[-3:]] == [
        ("status", "accepted", "dispatched"), ("department", None, "WATER"), ("deadline", None, t.deadline)]


def test_complex_dispatch_uses_fifteen_working_days() -> None:
    t = ticket_in("accepted")
    workflow.apply(t, "dispatch", actor="a", now=T0, complex=True)
    due = datetime.fromtimestamp(t.deadline or 0, SHANGHAI)
    # Oct 8-10 (3), 12-16 (8), 19-23 (13), 26-27 (15).
    assert due == datetime(2026, 10, 27, 23, 59, 59, tzinfo=SHANGHAI)


def test_data_is_checked_per_action() -> None:
    t = ticket_in("dispatched", deadline=T0 + 100)
    with pytest.raises(InvalidField, match="'reply' does not take department"):
        workflow.apply(t, "reply", actor="a", now=T0, department="WATER")
    with pytest.raises(InvalidField, match="'extend' needs a new deadline"):
        workflow.apply(t, "extend", actor="a", now=T0)
    with pytest.raises(InvalidField, match="later than the current one"):
        workflow.apply(t, "extend", actor="a", now=T0, deadline=T0 + 50)
    with pytest.raises(InvalidField, match="unknown department"):
        workflow.apply(ticket_in("accepted"), "dispatch", actor="a", now=T0, department="FIRE")
    assert t.status == "dispatched" and t.deadline == T0 + 100


def test_extend_records_old_and_new_deadline() -> None:
    t = ticket_in("dispatched", deadline=T0 + 100)
    workflow.apply(t, "extend", actor="sup", now=T0 + 1, deadline=T0 + 500)
    assert t.deadline == T0 + 500
    assert (t.history[-1].field, t.history[-1].old, t.history[-1].new) == ("deadline", T0 + 100, T0 + 500)


def test_full_lifecycle() -> None:
    t = Ticket.new_draft("20260930000002", "video", "csl", "Water leaking from upstairs",
                         actor="system", now=T0, district="minhang")
    t.edit({"category": "HELP", "department": "HOUSING"}, actor="agent", now=T0 + 60)
    steps = [
        ("submit", {}, "accepted"),
        ("dispatch", {}, "dispatched"),
        ("return", {"reason": "not ours: it is a water main"}, "returned"),
        ("reroute", {"reason": "reviewed", "department": "WATER"}, "dispatched"),
        ("sign", {}, "dispatched"),
        ("reply", {}, "replied"),
        ("start_callback", {}, "callback"),
        ("callback_dissatisfied", {"satisfaction": 2}, "review"),
        ("dispatch", {}, "dispatched"),
        ("reply", {}, "replied"),
        ("start_callback", {}, "callback"),
        ("close", {"satisfaction": 5}, "closed"),
    ]
    for i, (name, kw, expected) in enumerate(steps, start=1):
        workflow.apply(t, name, actor="agent", now=T0 + 100 * i, **kw)  # type: ignore[arg-type]
        assert t.status == expected, name
    assert t.department == "WATER" and t.satisfaction == 5
    statuses = [(h.action, h.old, h.new) for h in t.history if h.field == "status"]
    assert statuses[0] == ("create", None, "draft")
    assert [s[0] for s in statuses[1:]] == [name for name, _, _ in steps]
    assert workflow.allowed_actions(t.status) == []
    assert Ticket.from_dict(t.to_dict()) == t
