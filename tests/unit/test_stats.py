"""The supervisor's figures on small hand-made inputs."""

from __future__ import annotations

import pytest

from gateway.domain import office, stats
from gateway.domain.ticket import Ticket
from tests.unit.test_office import CALLBACK, ECO, REVIEWER, T0, WATER, eod, in_state, sh


def test_answer_speed() -> None:
    assert stats.answer_speed([5, 30, 31, 120, 121, -3, float("nan")]) == {
        "answered": 6, "within_30s": 3 / 6, "within_120s": 5 / 6}
    assert stats.answer_speed([]) == {"answered": 0, "within_30s": None, "within_120s": None}
    assert stats.answer_speed([10, 50]) == {"answered": 2, "within_30s": 0.5, "within_120s": 1.0}


def test_aht() -> None:
    assert stats.aht([120, 60, 300]) == 160
    assert stats.aht([100, -5, float("inf")]) == 100
    assert stats.aht([]) is None


def _submitted(drafted: dict[str, str], edits: dict[str, str]) -> Ticket:
    t = Ticket.new_draft("1", "chat", "en", "x", actor="system", now=T0, **drafted)
    if edits:
        t.edit(edits, "agent:a", T0)
    office.workflow.apply(t, "submit", "agent:a", T0)
    return t


def test_draft_acceptance() -> None:
    a = _submitted({"category": "HELP", "department": "WATER"}, {})
    b = _submitted({"category": "HELP", "department": "WATER", "district": "pudong"}, {"department": "HOUSING"})
    draft = Ticket.new_draft("2", "chat", "en", "x", actor="system", now=T0, category="HELP")  # never submitted
    got = stats.draft_acceptance([a, b, draft])
    assert got == {"overall": 4 / 5, "by_field": {"category": 1.0, "department": 0.5, "district": 1.0}, "tickets": 2}
    assert stats.draft_acceptance([]) == {"overall": None, "by_field": {}, "tickets": 0}


def test_returns_by_department_counts_the_holder_at_the_time() -> None:
    t = in_state("dispatched")                          # WATER
    office.return_ticket(t, WATER, T0 + 2, "not_our_remit")
    office.reroute(t, REVIEWER, T0 + 3, "ECOLOGY_ENVIRONMENT", "x")
    office.return_ticket(t, ECO, T0 + 4, "not_our_remit")
    office.reroute(t, REVIEWER, T0 + 5, "WATER", "x")
    office.return_ticket(t, WATER, T0 + 6, "wrong_district")
    other = in_state("returned")                        # WATER again
    assert stats.returns_by_department([t, other, in_state("replied")]) == {"WATER": 3, "ECOLOGY_ENVIRONMENT": 1}
    assert list(stats.returns_by_department([t, other])) == ["WATER", "ECOLOGY_ENVIRONMENT"]
    # a period counts only the returns made in it: [T0+3, T0+5) holds the environment bureau's
    assert stats.returns_by_department([t], T0 + 3, T0 + 5) == {"ECOLOGY_ENVIRONMENT": 1}
    assert stats.returns_by_department([t], T0 + 7, None) == {}


def test_satisfaction_uses_the_latest_survey() -> None:
    a = in_state("replied")
    office.record_callback(a, CALLBACK, T0 + 5, False, 1)
    office.dispatch(a, REVIEWER, T0 + 6, "WATER")
    office.reply(a, WATER, T0 + 7, "fixed")
    office.record_callback(a, CALLBACK, T0 + 8, True, 4)
    b = in_state("replied")
    office.record_callback(b, CALLBACK, T0 + 5, True, 5)
    got = stats.satisfaction([a, b, in_state("dispatched")])
    assert got == {"average": 4.5, "count": 2, "by_level": {"1": 0, "2": 0, "3": 0, "4": 1, "5": 1}}
    assert stats.satisfaction([])["average"] is None


def test_overdue_counts_only_running_clocks() -> None:
    late = in_state("dispatched")                      # due 2026-10-13 23:59:59
    returned = in_state("returned")
    replied = in_state("replied")
    on_time = in_state("dispatched")
    on_time.deadline = eod(2026, 12, 31)
    now = sh(2026, 10, 20)
    got = stats.overdue([replied, on_time, returned, late, in_state("closed")], now)
    assert got["count"] == 2
    assert {x["id"] for x in got["tickets"]} == {late.id, returned.id}
    assert got["tickets"][0] == {"id": got["tickets"][0]["id"], "number": "20260930000001", "department": "WATER",
                                 "due": "2026-10-13T23:59:59+08:00"}
    assert stats.overdue([late], eod(2026, 10, 13))["count"] == 0          # due this very second: not yet
    assert office.deadline_info(late, now)["state"] == "overdue"  # type: ignore[index]


@pytest.mark.parametrize("waits,share30", [([30.0], 1.0), ([30.001], 0.0)])
def test_thirty_seconds_is_inclusive(waits: list[float], share30: float) -> None:
    assert stats.answer_speed(waits)["within_30s"] == share30
