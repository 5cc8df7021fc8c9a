"""The workflow table (docs/BACKOFFICE.md): every legal and illegal action, guards, reasons and data,
the automatic side effects, and a full lifecycle through ``workflow.apply``."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest

from gateway.domain import catalog, workflow
from gateway.domain.deadlines import SHANGHAI
from gateway.domain.ticket import Ticket
from gateway.errors import IllegalTransition, InvalidField

T0 = datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI).timestamp()
OPEN = [s for s in catalog.TICKET_STATES if s != "closed"]
HAPPY = {"resolved": True, "satisfaction": 4, "note": None, "channel": "phone", "at": T0, "by": "callback:c1"}
UNHAPPY = {**HAPPY, "resolved": False, "satisfaction": 2}

#: The expected table, written out independently of workflow.ACTIONS.
LEGAL: dict[str, dict[str, str]] = {
    "submit": {"draft": "accepted"},
    "close": {"accepted": "closed", "callback": "closed"},
    "dispatch": {"accepted": "dispatched", "review": "dispatched"},
    "sign": {"dispatched": "dispatched"},
    "return": {"dispatched": "returned"},
    "reroute": {"returned": "dispatched"},
    "reply": {"dispatched": "replied"},
    "callback": {"replied": "callback", "callback": "callback"},
    "review": {"replied": "review"},
    "extend": {"dispatched": "dispatched"},
    "extension": {"dispatched": "dispatched"},
    "merge": {s: "closed" for s in OPEN},
    "absorb": {s: s for s in OPEN},
}
NEEDS_REASON = {"return", "reroute", "review", "extend", "merge", "absorb"}


def ticket_in(status: str, deadline: float | None = None) -> Ticket:
    t = Ticket.new_draft("20260930000001", "voice", "en", "text", actor="system", now=T0,
                         category="HELP", department="HOUSING", district="pudong")
    t.status = status
    t.deadline = deadline
    if status == "callback":
        t.survey = dict(HAPPY)
    return t


def kwargs_for(name: str, t: Ticket) -> dict[str, Any]:
    kw: dict[str, Any] = {"reason": "because"} if name in NEEDS_REASON else {}
    if name == "close" and t.status == "accepted":
        kw.update(answered_directly=True, reason="because")
    changes = {"callback": {"survey": HAPPY}, "extend": {"extension_request": {"working_days": 2}},
               "extension": {"extension_request": None}, "merge": {"merged_into": "other"},
               "absorb": {"merged_from": ["other"]}, "reply": {"replies": [{"text": "done"}]}}.get(name)
    if changes:
        kw["changes"] = changes
    return kw


def test_the_table_matches_the_specification() -> None:
    table = {a.name: {s: a.target or s for s in a.sources} for a in workflow.ACTIONS}
    assert table == LEGAL
    assert {a.name for a in workflow.ACTIONS if a.needs_reason} == NEEDS_REASON
    assert workflow.action("callback").also == {"review"}
    assert [a.name for a in workflow.ACTIONS if a.internal] == ["absorb"]
    assert workflow.action("absorb").history_name == "merge"


@pytest.mark.parametrize("name,source", [(n, s) for n, m in LEGAL.items() for s in m])
def test_every_legal_action(name: str, source: str) -> None:
    t = ticket_in(source, deadline=T0 + 1000)
    before = len(t.history)
    result = workflow.apply(t, name, actor="agent-1", now=T0 + 5, **kwargs_for(name, t))
    assert result is t
    assert t.status == LEGAL[name][source]
    entry = t.history[before]
    label = workflow.action(name).history_name
    assert (entry.action, entry.field, entry.old, entry.new) == (label, "status", source, t.status)
    assert entry.actor == "agent-1" and entry.at == T0 + 5
    assert entry.reason == ("because" if name in NEEDS_REASON or (name, source) == ("close", "accepted") else None)
    assert t.updated_at == T0 + 5
    assert all(h.action == label for h in t.history[before:])


ILLEGAL = [(n, s) for n in LEGAL for s in catalog.TICKET_STATES if s not in LEGAL[n]]


@pytest.mark.parametrize("name,source", ILLEGAL)
def test_every_illegal_action_raises(name: str, source: str) -> None:
    t = ticket_in(source, deadline=T0 + 1000)
    before = t.to_dict()
    with pytest.raises(IllegalTransition) as info:
        workflow.apply(t, name, actor="agent-1", now=T0 + 5, **kwargs_for(name, t))
    assert info.value.code == "illegal_transition" and info.value.status == 409
    allowed = ", ".join(s for s in catalog.TICKET_STATES if s in LEGAL[name])
    assert re.fullmatch(rf"cannot '{name}' a ticket in state '{source}'( \([^)]+\))?; "
                        rf"'{name}' is allowed from: {re.escape(allowed)}", info.value.message)
    assert t.to_dict() == before


def test_illegal_count_covers_the_whole_grid() -> None:
    legal = sum(len(m) for m in LEGAL.values())
    assert legal + len(ILLEGAL) == len(LEGAL) * 8 == 104


@pytest.mark.parametrize("source,why", [("dispatched", "a ticket that was never replied to cannot be closed"),
                                        ("returned", "a ticket that was never replied to cannot be closed"),
                                        ("replied", "record the callback survey"),
                                        ("review", "dispatched again"), ("closed", "already closed")])
def test_close_refusals_say_why(source: str, why: str) -> None:
    with pytest.raises(IllegalTransition, match=re.escape(why)):
        workflow.apply(ticket_in(source), "close", actor="a", now=T0)


def test_dispatch_message_example() -> None:
    with pytest.raises(IllegalTransition, match=r"^cannot 'dispatch' a ticket in state 'draft'; "
                                                r"'dispatch' is allowed from: accepted, review$"):
        workflow.apply(ticket_in("draft"), "dispatch", actor="a", now=T0)


def test_unknown_action() -> None:
    with pytest.raises(InvalidField, match="unknown action 'fly'; actions are: submit, close") as info:
        workflow.apply(ticket_in("draft"), "fly", actor="a", now=T0)
    assert "absorb" not in info.value.message


def test_allowed_actions() -> None:
    assert workflow.allowed_actions("draft") == ["submit", "merge"]
    assert workflow.allowed_actions("accepted") == ["close", "dispatch", "merge"]
    assert workflow.allowed_actions("dispatched") == ["sign", "return", "reply", "extend", "extension", "merge"]
    assert workflow.allowed_actions("replied") == ["callback", "review", "merge"]
    assert workflow.allowed_actions("closed") == []
    for state in catalog.TICKET_STATES:
        assert workflow.allowed_actions(state) == [n for n in LEGAL if state in LEGAL[n] and n != "absorb"]


@pytest.mark.parametrize("name,source", [("return", "dispatched"), ("reroute", "returned"), ("merge", "accepted"),
                                         ("review", "replied")])
@pytest.mark.parametrize("reason", [None, "", "   "])
def test_reason_required(name: str, source: str, reason: str | None) -> None:
    t = ticket_in(source)
    kw = kwargs_for(name, t)
    kw["reason"] = reason
    with pytest.raises(InvalidField, match=f"'{name}' needs a reason"):
        workflow.apply(t, name, actor="a", now=T0, **kw)
    assert t.status == source


def test_submit_needs_a_category_and_snapshots_draft_acceptance() -> None:
    t = ticket_in("draft")
    t.category = None
    with pytest.raises(InvalidField, match="'submit' needs the ticket's category"):
        workflow.apply(t, "submit", actor="a", now=T0)
    assert t.status == "draft" and t.draft_accepted == {}
    t.edit({"category": "COMPLAINT"}, actor="a", now=T0)
    workflow.apply(t, "submit", actor="a", now=T0 + 1)
    assert t.draft_accepted == {"category": False, "department": True, "district": True}
    assert (t.history[-1].field, t.history[-1].old, t.history[-1].new) == ("draft_accepted", {}, t.draft_accepted)
    t.edit({"district": "xuhui"}, actor="a", now=T0 + 2)        # later edits do not rewrite the snapshot
    assert t.draft_accepted["district"] is True


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


def test_data_and_changes_are_checked_per_action() -> None:
    t = ticket_in("dispatched", deadline=T0 + 100)
    before = t.to_dict()
    with pytest.raises(InvalidField, match="'reply' does not take department"):
        workflow.apply(t, "reply", actor="a", now=T0, department="WATER")
    with pytest.raises(InvalidField, match="'reply' does not change department"):
        workflow.apply(t, "reply", actor="a", now=T0, changes={"department": "WATER"})
    with pytest.raises(InvalidField, match="'sign' does not change deadline"):
        workflow.apply(t, "sign", actor="a", now=T0, changes={"deadline": T0 + 500})
    with pytest.raises(InvalidField, match="deadline must be a number"):
        workflow.apply(t, "extension", actor="a", now=T0, changes={"deadline": "tomorrow"})
    with pytest.raises(InvalidField, match="unknown department"):
        workflow.apply(ticket_in("accepted"), "dispatch", actor="a", now=T0, department="FIRE")
    with pytest.raises(InvalidField, match="complex must be true or false"):
        workflow.apply(ticket_in("accepted"), "dispatch", actor="a", now=T0, complex="yes")
    assert t.to_dict() == before


def test_callback_target_must_match_the_survey() -> None:
    t = ticket_in("replied")
    before = t.to_dict()
    with pytest.raises(IllegalTransition, match="dissatisfied"):
        workflow.apply(t, "callback", actor="c", now=T0, to="callback", changes={"survey": UNHAPPY})
    with pytest.raises(IllegalTransition):
        workflow.apply(t, "callback", actor="c", now=T0, to="review", reason="r", changes={"survey": HAPPY})
    with pytest.raises(InvalidField, match="needs a reason"):
        workflow.apply(t, "callback", actor="c", now=T0, to="review", changes={"survey": UNHAPPY})
    with pytest.raises(InvalidField, match="survey"):
        workflow.apply(t, "callback", actor="c", now=T0)
    with pytest.raises(IllegalTransition, match="cannot lead to state 'closed'"):
        workflow.apply(t, "callback", actor="c", now=T0, to="closed", changes={"survey": HAPPY})
    assert t.to_dict() == before
    workflow.apply(t, "callback", actor="c", now=T0, to="review", reason="caller unhappy", changes={"survey": UNHAPPY})
    assert t.status == "review" and t.survey == UNHAPPY


def test_close_guards() -> None:
    accepted = ticket_in("accepted")
    with pytest.raises(IllegalTransition, match="never replied to"):
        workflow.apply(accepted, "close", actor="a", now=T0)
    with pytest.raises(InvalidField, match="needs a reason"):
        workflow.apply(accepted, "close", actor="a", now=T0, answered_directly=True)
    waiting = ticket_in("callback")
    waiting.survey = dict(UNHAPPY)
    with pytest.raises(IllegalTransition, match="resolved"):
        workflow.apply(waiting, "close", actor="c", now=T0)
    waiting.survey = None
    with pytest.raises(IllegalTransition):
        workflow.apply(waiting, "close", actor="c", now=T0)
    waiting.survey = dict(HAPPY)
    with pytest.raises(InvalidField, match="only to accepted"):
        workflow.apply(waiting, "close", actor="c", now=T0, answered_directly=True)
    workflow.apply(waiting, "close", actor="c", now=T0)
    assert waiting.status == "closed"


def test_side_effects_signed_at_and_lapsed_extension() -> None:
    t = ticket_in("dispatched", deadline=T0 + 100)
    workflow.apply(t, "sign", actor="d", now=T0 + 1, changes={"signed_at": T0 + 1})
    request = {"working_days": 3, "reason": "r", "by": "d", "at": T0 + 2}
    workflow.apply(t, "extend", actor="d", now=T0 + 2, reason="r", changes={"extension_request": request})
    workflow.apply(t, "return", actor="d", now=T0 + 3, reason="not_our_remit")
    assert t.extension_request is None and t.signed_at == T0 + 1
    assert (t.history[-1].field, t.history[-1].old, t.history[-1].new) == ("extension_request", request, None)
    workflow.apply(t, "reroute", actor="r", now=T0 + 4, reason="x", department="WATER")
    assert t.signed_at is None
    assert ("signed_at", T0 + 1, None) in [(h.field, h.old, h.new) for h in t.history[-4:]]


def test_replies_history_rows_hold_the_added_reply_only() -> None:
    t = ticket_in("dispatched")
    t.replies = [{"at": 1, "by": "d", "text": "first"}]
    second = {"at": 2, "by": "d", "text": "second"}
    workflow.apply(t, "reply", actor="d", now=T0, changes={"replies": [*t.replies, second]})
    assert (t.history[-1].field, t.history[-1].old, t.history[-1].new) == ("replies", None, second)
    second["text"] = "mutated later"
    assert t.replies[-1]["text"] == "second" and t.history[-1].new["text"] == "second"


def test_dry_run_changes_nothing() -> None:
    t = ticket_in("accepted")
    before = t.to_dict()
    assert workflow.apply(t, "dispatch", actor="a", now=T0, department="WATER", dry_run=True) is t
    assert t.to_dict() == before


def test_full_lifecycle() -> None:
    t = Ticket.new_draft("20260930000002", "video", "csl", "Water leaking from upstairs",
                         actor="system", now=T0, district="minhang")
    t.edit({"category": "HELP", "department": "HOUSING"}, actor="agent", now=T0 + 60)
    reply = {"at": 0, "by": "d", "text": "fixed"}
    steps: list[tuple[str, dict[str, Any], str]] = [
        ("submit", {}, "accepted"),
        ("dispatch", {}, "dispatched"),
        ("return", {"reason": "not ours: it is a water main"}, "returned"),
        ("reroute", {"reason": "reviewed", "department": "WATER"}, "dispatched"),
        ("sign", {"changes": {"signed_at": T0}}, "dispatched"),
        ("reply", {"changes": {"replies": [reply]}}, "replied"),
        ("callback", {"to": "review", "reason": "unhappy", "changes": {"survey": UNHAPPY, "satisfaction": 2}},
         "review"),
        ("dispatch", {}, "dispatched"),
        ("reply", {"changes": {"replies": [reply, reply]}}, "replied"),
        ("callback", {"changes": {"survey": {**HAPPY, "satisfaction": 5}, "satisfaction": 5}}, "callback"),
        ("close", {}, "closed"),
    ]
    for i, (name, kw, expected) in enumerate(steps, start=1):
        workflow.apply(t, name, actor="agent", now=T0 + 100 * i, **kw)
        assert t.status == expected, name
    assert t.department == "WATER" and t.satisfaction == 5
    statuses = [(h.action, h.old, h.new) for h in t.history if h.field == "status"]
    assert statuses[0] == ("create", None, "draft")
    assert [s[0] for s in statuses[1:]] == [name for name, _, _ in steps]
    assert workflow.allowed_actions(t.status) == []
    assert Ticket.from_dict(t.to_dict()) == t
