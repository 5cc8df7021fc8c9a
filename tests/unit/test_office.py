"""The back-office operations (docs/BACKOFFICE.md): every transition allowed and refused, the rules of
each endpoint, the full loops, and deadlines across the 2026 National Day and Spring Festival holidays."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import chinese_calendar
import pytest

from gateway.domain import catalog, office, workflow
from gateway.domain.deadlines import SHANGHAI
from gateway.domain.ticket import Ticket
from gateway.errors import Conflict, GatewayError, IllegalTransition, InvalidField

AGENT, REVIEWER, CALLBACK = "agent:a1", "reviewer:r1", "callback:c1"
WATER, ECO, DIST = "department:WATER:w1", "department:ECOLOGY_ENVIRONMENT:e1", "department:DISTRICT:d1"


def sh(y: int, m: int, d: int, hh: int = 10) -> float:
    return datetime(y, m, d, hh, 0, tzinfo=SHANGHAI).timestamp()


def eod(y: int, m: int, d: int) -> float:
    return datetime(y, m, d, 23, 59, 59, tzinfo=SHANGHAI).timestamp()


T0 = sh(2026, 9, 30)


def accepted(now: float = T0, category: str = "HELP", district: str | None = "pudong", **extra: Any) -> Ticket:
    t = Ticket.new_draft("20260930000001", "chat", "en", "Someone is fishing with a slingshot by the river",
                         actor="system", now=now, category=category, district=district, department="WATER",
                         address="川沙河畔", **extra)
    workflow.apply(t, "submit", AGENT, now)
    return t


def in_state(status: str) -> Ticket:
    """A ticket brought to ``status`` through the real operations, ready for any action from there."""
    t = accepted()
    if status == "draft":
        t = Ticket.new_draft("20260930000002", "chat", "en", "x", actor="system", now=T0, category="HELP")
    elif status == "closed":
        office.close(t, AGENT, T0 + 1, answered_directly=True, reason="told the opening hours")
    elif status != "accepted":
        office.dispatch(t, AGENT, T0 + 1, "WATER")
        if status == "returned":
            office.return_ticket(t, WATER, T0 + 2, "not_our_remit")
        elif status in ("replied", "callback", "review"):
            office.reply(t, WATER, T0 + 2, "we went and looked")
            if status == "callback":
                office.record_callback(t, CALLBACK, T0 + 3, resolved=True, satisfaction=4)
            elif status == "review":
                office.send_to_review(t, REVIEWER, T0 + 3, "the reply does not say what was done")
    assert t.status == status
    return t


def with_pending_extension(t: Ticket) -> Ticket:
    if t.status == "dispatched":
        office.request_extension(t, WATER, T0 + 4, 3, "evidence takes time")
    return t


#: name -> (states it works from, the call). Preconditions the state alone lacks are set up by `prepare`.
OPS: dict[str, tuple[set[str], Callable[[Ticket], Any]]] = {
    "dispatch": ({"accepted", "review"}, lambda t: office.dispatch(t, REVIEWER, T0 + 9, "ECOLOGY_ENVIRONMENT")),
    "sign": ({"dispatched"}, lambda t: office.sign(t, WATER, T0 + 9)),
    "reply": ({"dispatched"}, lambda t: office.reply(t, WATER, T0 + 9, "done")),
    "extend": ({"dispatched"}, lambda t: office.request_extension(t, WATER, T0 + 9, 2, "need time")),
    "extension": ({"dispatched"}, lambda t: office.decide_extension(t, REVIEWER, T0 + 9, True)),
    "return": ({"dispatched"}, lambda t: office.return_ticket(t, WATER, T0 + 9, "wrong_district")),
    "reroute": ({"returned"}, lambda t: office.reroute(t, REVIEWER, T0 + 9, "ECOLOGY_ENVIRONMENT", "fishing")),
    "callback": ({"replied", "callback"},
                 lambda t: office.record_callback(t, CALLBACK, T0 + 9, resolved=True, satisfaction=5)),
    "review": ({"replied"}, lambda t: office.send_to_review(t, CALLBACK, T0 + 9, "the reply is empty")),
    "close": ({"accepted", "callback"},
              lambda t: office.close(t, CALLBACK, T0 + 9, answered_directly=t.status == "accepted",
                                     reason="answered" if t.status == "accepted" else None)),
}
PREPARE: dict[str, Callable[[Ticket], Ticket]] = {"extension": with_pending_extension}
TARGET = {"dispatch": "dispatched", "sign": "dispatched", "reply": "replied", "extend": "dispatched",
          "extension": "dispatched", "return": "returned", "reroute": "dispatched", "callback": "callback",
          "review": "review", "close": "closed"}


def assert_audited(before: dict[str, Any], t: Ticket, rows_before: int, action: str) -> None:
    """Every field that changed has a history row of this action; history only grew."""
    after = t.to_dict()
    assert after["history"][:rows_before] == before["history"]
    new_rows = t.history[rows_before:]
    assert new_rows and new_rows[0].field == "status" and all(h.action == action for h in new_rows)
    changed = {k for k in after if k not in ("history", "updated_at") and after[k] != before[k]}
    assert changed <= {h.field for h in new_rows}, changed
    for h in new_rows:
        if h.field not in ("status", "replies"):
            assert (h.old, h.new) == (before[h.field], after[h.field])


@pytest.mark.parametrize("name,state", [(n, s) for n, (states, _) in OPS.items() for s in catalog.TICKET_STATES])
def test_every_operation_from_every_state(name: str, state: str) -> None:
    states, call = OPS[name]
    t = PREPARE.get(name, lambda x: x)(in_state(state))
    before, rows = t.to_dict(), len(t.history)
    if state in states:
        assert call(t) is t
        assert t.status == TARGET[name]
        assert_audited(before, t, rows, name)
    else:
        with pytest.raises(IllegalTransition) as info:
            call(t)
        assert info.value.status == 409 and info.value.message
        assert t.to_dict() == before


def refused(t: Ticket, call: Callable[[], Any], exc: type[GatewayError], match: str) -> GatewayError:
    before = json.dumps(t.to_dict(), sort_keys=True, ensure_ascii=False)
    with pytest.raises(exc, match=match) as info:
        call()
    assert json.dumps(t.to_dict(), sort_keys=True, ensure_ascii=False) == before
    return info.value


def test_new_fields_round_trip_and_old_records_load() -> None:
    t = in_state("review")
    t.flags, t.merged_from, t.merged_into, t.signed_at = ["returned_repeatedly"], ["abc"], None, T0
    t.extension_request = {"working_days": 2, "reason": "r", "by": WATER, "at": T0}
    data = json.loads(json.dumps(t.to_dict(), ensure_ascii=False))
    assert Ticket.from_dict(data) == t
    for key in ("return_count", "flags", "replies", "survey", "extension_request", "signed_at", "draft_accepted",
                "merged_into", "merged_from"):
        del data[key]
    old = Ticket.from_dict(data)
    assert (old.return_count, old.flags, old.replies, old.survey, old.extension_request, old.signed_at,
            old.draft_accepted, old.merged_into, old.merged_from) == (0, [], [], None, None, None, {}, None, [])
    with pytest.raises(InvalidField, match="wrong type"):
        Ticket.from_dict({**t.to_dict(), "survey": "yes"})


def test_submit_snapshots_draft_acceptance() -> None:
    t = Ticket.new_draft("1", "chat", "en", "x", actor="system", now=T0, category="HELP", department="WATER")
    t.edit({"department": "HOUSING"}, AGENT, T0)
    workflow.apply(t, "submit", AGENT, T0)
    assert t.draft_accepted == {"category": True, "department": False}


# -- dispatch and deadlines ------------------------------------------------------------------
def test_calendar_facts_this_suite_relies_on() -> None:
    # The State Council's 2026 arrangement as shipped in chinesecalendar 1.11.0.  National Day:
    # Oct 1-7 off; make-up working days Sun Sep 20 and Sat Oct 10 (not Sep 27: Mid-Autumn is Fri Sep 25
    # and that weekend is off).  Spring Festival: Feb 15-23 off; make-up Sat Feb 14 and Sat Feb 28.
    workday = chinese_calendar.is_workday
    assert all(not workday(date(2026, 10, d)) for d in range(1, 8))
    assert workday(date(2026, 9, 20)) and date(2026, 9, 20).weekday() == 6
    assert workday(date(2026, 10, 10)) and date(2026, 10, 10).weekday() == 5
    assert not workday(date(2026, 9, 25)) and not workday(date(2026, 9, 27))
    assert all(not workday(date(2026, 2, d)) for d in range(15, 24))
    assert workday(date(2026, 2, 14)) and workday(date(2026, 2, 28))
    assert date(2026, 2, 14).weekday() == 5 and date(2026, 2, 28).weekday() == 5


@pytest.mark.parametrize("start,category,complex_,due", [
    (sh(2026, 9, 30), "HELP", False, eod(2026, 10, 13)),           # Oct 8, 9, 10 (make-up Sat), 12, 13
    (sh(2026, 9, 30), "CONSULTATION", False, eod(2026, 10, 8)),
    (sh(2026, 9, 18), "HELP", False, eod(2026, 9, 24)),            # Sep 20 (make-up Sun), 21, 22, 23, 24
    (sh(2026, 9, 18), "CONSULTATION", False, eod(2026, 9, 20)),    # Friday -> the make-up Sunday
    (sh(2026, 9, 24), "HELP", True, eod(2026, 10, 22)),            # Sep 28-30 (3), Oct 8-10 (6), 12-16, 19-22
    (sh(2026, 2, 13), "HELP", False, eod(2026, 2, 27)),            # Feb 14 (make-up Sat), 24, 25, 26, 27
    (sh(2026, 2, 14), "CONSULTATION", False, eod(2026, 2, 24)),    # on the make-up Saturday: next is Feb 24
    (sh(2026, 2, 12), "COMPLAINT", True, eod(2026, 3, 11)),        # 13, 14, 24-27, 28 (make-up) = 7, Mar 2-6 = 12, 9-11
])
def test_dispatch_deadline_counts_chinese_working_days(start: float, category: str, complex_: bool,
                                                       due: float) -> None:
    t = accepted(now=start, category=category)
    office.dispatch(t, AGENT, start, "WATER", complex=complex_)
    assert t.deadline == due
    assert [h for h in t.history if h.field == "deadline"][-1].new == due


def test_dispatch_rules() -> None:
    t = accepted(district=None)
    refused(t, lambda: office.dispatch(t, AGENT, T0, "DISTRICT"), InvalidField, "needs the ticket's district")
    refused(t, lambda: office.dispatch(t, AGENT, T0, "NOPE"), InvalidField, "unknown department 'NOPE'")
    refused(t, lambda: office.dispatch(t, AGENT, T0, ""), InvalidField, "'department' is required")
    refused(t, lambda: office.dispatch(t, AGENT, T0, "WATER", complex="yes"), InvalidField,  # type: ignore[arg-type]
            "'complex' must be true or false")
    office.dispatch(t, AGENT, T0, "water")
    assert t.department == "WATER" and t.status == "dispatched"


def test_sign_once_per_dispatch() -> None:
    t = in_state("dispatched")
    office.sign(t, WATER, T0 + 5)
    assert t.signed_at == T0 + 5
    refused(t, lambda: office.sign(t, WATER, T0 + 6), Conflict, "already signed")


def test_reply_text_limits() -> None:
    t = in_state("dispatched")
    refused(t, lambda: office.reply(t, WATER, T0, "   "), InvalidField, "'text' is required")
    refused(t, lambda: office.reply(t, WATER, T0, "字" * 4001), InvalidField, "at most 4000")
    office.reply(t, WATER, T0 + 5, "  " + "字" * 4000 + " ")
    assert t.replies == [{"at": T0 + 5, "by": WATER, "text": "字" * 4000}]


# -- extensions ---------------------------------------------------------------------------------
def test_extension_request_rules() -> None:
    t = in_state("dispatched")
    for days in (0, 31, True, 2.5, "3"):
        refused(t, lambda: office.request_extension(t, WATER, T0, days, "r"), InvalidField,  # type: ignore[arg-type]
                "'working_days' must be a whole number from 1 to 30")
    refused(t, lambda: office.request_extension(t, WATER, T0, 3, " "), InvalidField, "'reason' is required")
    refused(t, lambda: office.decide_extension(t, REVIEWER, T0, True), Conflict, "no pending extension")
    office.request_extension(t, WATER, T0 + 5, 3, "evidence")
    assert t.extension_request == {"working_days": 3, "reason": "evidence", "by": WATER, "at": T0 + 5}
    refused(t, lambda: office.request_extension(t, WATER, T0 + 6, 2, "again"), Conflict, "already waiting")
    refused(t, lambda: office.decide_extension(t, REVIEWER, T0, "yes"), InvalidField,  # type: ignore[arg-type]
            "'approve' must be true or false")


def test_approved_extension_crosses_national_day() -> None:
    t = accepted(now=sh(2026, 9, 29), category="CONSULTATION")
    office.dispatch(t, AGENT, sh(2026, 9, 29), "WATER")
    assert t.deadline == eod(2026, 9, 30)
    office.request_extension(t, WATER, sh(2026, 9, 30), 3, "site visit")
    office.decide_extension(t, "supervisor:s1", sh(2026, 9, 30, 15), True, "fine")
    assert t.deadline == eod(2026, 10, 10)          # Oct 8, 9, 10 (the make-up Saturday)
    assert t.extension_request is None
    rows = [(h.field, h.reason) for h in t.history if h.action == "extension"]
    assert rows == [("status", "approved: fine"), ("extension_request", "approved: fine"),
                    ("deadline", "approved: fine")]


def test_approved_extension_crosses_spring_festival() -> None:
    t = accepted(now=sh(2026, 2, 12), category="CONSULTATION")
    office.dispatch(t, AGENT, sh(2026, 2, 12), "WATER")
    assert t.deadline == eod(2026, 2, 13)
    office.request_extension(t, WATER, sh(2026, 2, 13), 2, "holiday")
    office.decide_extension(t, REVIEWER, sh(2026, 2, 13), True)
    assert t.deadline == eod(2026, 2, 24)           # Sat Feb 14 (make-up), then Feb 24 after the holiday


def test_rejected_extension_keeps_the_deadline() -> None:
    t = in_state("dispatched")
    due = t.deadline
    office.request_extension(t, WATER, T0 + 5, 3, "r")
    office.decide_extension(t, REVIEWER, T0 + 6, False)
    assert t.deadline == due and t.extension_request is None
    assert t.history[-1].reason == "rejected" and t.history[-1].field == "extension_request"
    office.request_extension(t, WATER, T0 + 7, 1, "once more")     # a new request after a decision
    assert t.extension_request is not None


# -- returns and re-routing ------------------------------------------------------------------------
def test_return_reasons_are_configurable_data() -> None:
    codes = [r["code"] for r in office.return_reasons()]
    assert codes == ["not_our_remit", "wrong_district", "duplicate", "insufficient_info", "needs_coordination",
                     "other"]
    zh = {r["code"]: r["zh"] for r in office.return_reasons()}
    assert zh["not_our_remit"] == "非本单位职责" and zh["needs_coordination"] == "需多部门协调"
    office.return_reasons()[0]["code"] = "mutated"
    assert office.return_reasons()[0]["code"] == "not_our_remit"


def test_return_rules() -> None:
    t = in_state("dispatched")
    refused(t, lambda: office.return_ticket(t, WATER, T0, "because"), InvalidField, "must be one of: not_our_remit")
    refused(t, lambda: office.return_ticket(t, WATER, T0, "other"), InvalidField, "'note' is required")
    refused(t, lambda: office.return_ticket(t, WATER, T0, "other", "x" * 1001), InvalidField, "at most 1000")
    office.return_ticket(t, WATER, T0 + 5, "other", "it is a sea wall, not a river")
    assert t.return_count == 1 and t.flags == []
    assert t.history[0].action == "create"
    why = "other: it is a sea wall, not a river"
    assert [(h.action, h.field, h.old, h.new, h.reason) for h in t.history[-2:]] == [
        ("return", "status", "dispatched", "returned", why), ("return", "return_count", 0, 1, why)]


def test_reroute_rules() -> None:
    t = in_state("returned")                      # WATER returned it
    refused(t, lambda: office.reroute(t, REVIEWER, T0, "WATER", "x"), InvalidField, "WATER has just returned")
    refused(t, lambda: office.reroute(t, REVIEWER, T0, "POLICE", " "), InvalidField, "'reason' is required")
    t.district = None
    refused(t, lambda: office.reroute(t, REVIEWER, T0, "DISTRICT", "x"), InvalidField, "district")
    t.district = "pudong"
    office.reroute(t, REVIEWER, T0 + 5, "WATER", "the return was wrong: it is a river", force=True)
    assert t.status == "dispatched" and t.department == "WATER"
    assert t.deadline == eod(2026, 10, 13)


def test_returned_twice_flagged_then_rerouted_to_district() -> None:
    t = in_state("dispatched")
    office.sign(t, WATER, T0 + 2)
    office.return_ticket(t, WATER, T0 + 3, "not_our_remit")
    assert t.return_count == 1 and "returned_repeatedly" not in t.flags
    office.reroute(t, REVIEWER, T0 + 4, "ECOLOGY_ENVIRONMENT", "fishing in a river")
    assert t.signed_at is None                     # the new department signs anew
    office.return_ticket(t, ECO, T0 + 5, "needs_coordination")
    assert t.return_count == 2 and t.flags == ["returned_repeatedly"]
    refused(t, lambda: office.reroute(t, REVIEWER, T0 + 6, "ECOLOGY_ENVIRONMENT", "x"), InvalidField,
            "ECOLOGY_ENVIRONMENT has just returned")
    office.reroute(t, REVIEWER, T0 + 6, "DISTRICT", "nobody owns it: the district government")
    assert (t.status, t.department, t.district) == ("dispatched", "DISTRICT", "pudong")
    assert [d for _, d in office.returns(t)] == ["WATER", "ECOLOGY_ENVIRONMENT"]
    office.return_ticket(t, DIST, T0 + 7, "insufficient_info")
    assert t.return_count == 3 and t.flags == ["returned_repeatedly"]     # flagged once
    routing = [(h.action, h.new) for h in t.history if h.field == "department"]
    # the drafted department is on record from the ticket's creation row on
    assert routing == [("create", "WATER"), ("reroute", "ECOLOGY_ENVIRONMENT"), ("reroute", "DISTRICT")]


# -- callback, review, close ---------------------------------------------------------------------
def test_callback_rules() -> None:
    t = in_state("replied")
    yes: Any = "yes"
    refused(t, lambda: office.record_callback(t, CALLBACK, T0, resolved=yes, satisfaction=5),
            InvalidField, "'resolved' must be true or false")
    bads: list[Any] = [0, 6, True, "5", 4.0]
    for bad in bads:
        refused(t, lambda: office.record_callback(t, CALLBACK, T0, resolved=True, satisfaction=bad),
                InvalidField, "satisfaction must be an integer from 1")
    refused(t, lambda: office.record_callback(t, CALLBACK, T0, True, 5, channel="fax"), InvalidField,
            "'channel' must be one of: phone, miniapp, chat")
    office.record_callback(t, CALLBACK, T0 + 5, True, 3, note=" ok ", channel=None)
    assert t.status == "callback" and t.satisfaction == 3
    assert t.survey == {"resolved": True, "satisfaction": 3, "note": "ok", "channel": "phone", "at": T0 + 5,
                        "by": CALLBACK}


@pytest.mark.parametrize("resolved,level,status", [(True, 5, "callback"), (True, 3, "callback"),
                                                    (True, 2, "review"), (False, 5, "review"), (False, 1, "review")])
def test_satisfied_means_resolved_and_three_or_better(resolved: bool, level: int, status: str) -> None:
    t = in_state("replied")
    office.record_callback(t, CALLBACK, T0 + 5, resolved, level, note="they never came", channel="chat")
    assert t.status == status
    if status == "review":
        why = t.history[-1].reason or ""
        assert why.startswith("callback (chat): ") and f"satisfaction {level}/5" in why
        assert "they never came" in why


def test_callback_again_from_callback_can_turn_to_review() -> None:
    t = in_state("callback")
    office.record_callback(t, CALLBACK, T0 + 9, False, 2, note="it started again")
    assert t.status == "review" and t.survey and t.survey["satisfaction"] == 2


def test_close_explains_refusals() -> None:
    t = in_state("dispatched")
    err = refused(t, lambda: office.close(t, CALLBACK, T0), IllegalTransition, "never replied to cannot be closed")
    assert err.status == 409 and err.code == "illegal_transition"
    a = in_state("accepted")
    refused(a, lambda: office.close(a, AGENT, T0), IllegalTransition, "never replied to cannot be closed")
    refused(a, lambda: office.close(a, AGENT, T0, answered_directly=True), InvalidField, "needs a reason")
    r = in_state("replied")
    refused(r, lambda: office.close(r, CALLBACK, T0), IllegalTransition, "record the callback survey")
    c = in_state("callback")
    refused(c, lambda: office.close(c, CALLBACK, T0, answered_directly=True, reason="x"), InvalidField,
            "only to accepted")
    office.close(a, AGENT, T0 + 5, answered_directly=True, reason="told the opening hours")
    assert a.status == "closed" and a.history[-1].reason == "told the opening hours"
    refused(a, lambda: office.close(a, AGENT, T0 + 6, answered_directly=True, reason="x"), IllegalTransition,
            "already closed")


def test_dissatisfied_loop_until_closed() -> None:
    t = in_state("dispatched")
    office.sign(t, WATER, T0 + 2)
    office.reply(t, WATER, T0 + 3, "已派人巡查，未发现打鱼行为。")
    office.record_callback(t, CALLBACK, T0 + 4, resolved=False, satisfaction=2, note="还在打鱼")
    assert t.status == "review"
    office.dispatch(t, REVIEWER, T0 + 5, "WATER")
    assert t.signed_at is None and t.status == "dispatched"
    office.reply(t, WATER, T0 + 6, "已联合执法，没收弹弓并劝离。")
    office.record_callback(t, CALLBACK, T0 + 7, resolved=True, satisfaction=5)
    assert t.status == "callback"
    office.close(t, CALLBACK, T0 + 8)
    assert t.status == "closed" and office.deadline_info(t, T0 + 9) is None
    statuses = [h.new for h in t.history if h.field == "status"]
    assert statuses == ["draft", "accepted", "dispatched", "dispatched", "replied", "review", "dispatched",
                        "replied", "callback", "closed"]
    assert [r["text"][:3] for r in t.replies] == ["已派人", "已联合"]
    assert t.survey and t.survey["satisfaction"] == 5 and t.satisfaction == 5


def test_send_to_review() -> None:
    t = in_state("replied")
    refused(t, lambda: office.send_to_review(t, CALLBACK, T0, ""), InvalidField, "'reason' is required")
    office.send_to_review(t, CALLBACK, T0 + 5, "the reply does not answer the question")
    assert t.status == "review" and t.history[-1].reason == "the reply does not answer the question"


# -- merge ----------------------------------------------------------------------------------------
def test_merge_keeps_both_histories() -> None:
    source, target = in_state("dispatched"), in_state("accepted")
    office.request_extension(source, WATER, T0 + 3, 2, "r")
    s_rows, t_rows = len(source.history), len(target.history)
    result = office.merge(source, target, REVIEWER, T0 + 5, "same slingshot fisherman")
    assert result == (source, target)
    assert (source.status, source.merged_into, source.extension_request) == ("closed", target.id, None)
    assert target.status == "accepted" and target.merged_from == [source.id]
    assert len(source.history) > s_rows and len(target.history) == t_rows + 2
    assert [(h.action, h.field, h.new) for h in target.history[-2:]] == [
        ("merge", "status", "accepted"), ("merge", "merged_from", [source.id])]


def test_merge_refusals_change_neither_ticket() -> None:
    a, closed = in_state("replied"), in_state("closed")
    pairs: list[tuple[Ticket, Ticket, type[GatewayError], str, str]] = [
        (a, a, InvalidField, "into itself", "r"),
        (a, closed, IllegalTransition, "is closed", "r"),
        (closed, a, IllegalTransition, "cannot 'merge' a ticket in state 'closed'", "r"),
        (a, in_state("review"), InvalidField, "'reason' is required", " "),
    ]
    for source, target, exc, match, why in pairs:
        before = (source.to_dict(), target.to_dict())
        with pytest.raises(exc, match=match):
            office.merge(source, target, REVIEWER, T0, why)
        assert (source.to_dict(), target.to_dict()) == before


# -- deadline_info --------------------------------------------------------------------------------
def test_deadline_info_states() -> None:
    t = accepted()
    t.deadline = None
    assert office.deadline_info(t, T0) is None
    office.dispatch(t, AGENT, T0, "WATER")                # due 2026-10-13 23:59:59
    info = office.deadline_info(t, sh(2026, 10, 9))
    assert info == {"due": "2026-10-13T23:59:59+08:00", "working_days_left": 3, "state": "ok", "estimated": False}
    assert office.deadline_info(t, sh(2026, 10, 12))["state"] == "due_soon"  # type: ignore[index]
    late = office.deadline_info(t, sh(2026, 10, 15))
    assert late and late["state"] == "overdue" and late["working_days_left"] == -2
    office.reply(t, WATER, sh(2026, 10, 15), "late but done")
    assert office.deadline_info(t, sh(2026, 10, 15)) is not None      # open: still shown


def test_deadline_info_estimated_in_an_unknown_year() -> None:
    t = accepted(now=sh(2026, 12, 28))
    office.dispatch(t, AGENT, sh(2026, 12, 28), "WATER")
    info = office.deadline_info(t, sh(2026, 12, 29))
    assert info and info["due"] == "2027-01-05T23:59:59+08:00" and info["estimated"] is True
