"""Who may see and do what: the role matrix of docs/BACKOFFICE.md, actor strings, allowed actions."""

from __future__ import annotations

import pytest

from gateway.domain import office, roles
from gateway.errors import Forbidden, InvalidField
from tests.unit.test_office import CALLBACK, ECO, REVIEWER, T0, WATER, in_state

ALL = roles.ROLES


def forbidden(role: str, department: str | None, action: str, status: str, match: str | None = None) -> None:
    t = in_state(status)
    before = t.to_dict()
    with pytest.raises(Forbidden, match=match) as info:
        roles.check(role, department, action, t)
    assert info.value.status == 403 and info.value.code == "forbidden"
    assert t.to_dict() == before


def allowed(role: str, department: str | None, action: str, status: str) -> None:
    roles.check(role, department, action, in_state(status))


def test_actor_strings() -> None:
    assert roles.actor("reviewer", "u1") == "reviewer:u1"
    assert roles.actor("department", "u5", "WATER") == "department:WATER:u5"
    with pytest.raises(InvalidField):
        roles.actor("department", "u5")
    with pytest.raises(InvalidField):
        roles.actor("janitor", "u5")
    assert roles.parse_actor("department:WATER:u5") == roles.Actor("department", "u5", "WATER")
    assert roles.parse_actor("callback:c:1") == roles.Actor("callback", "c:1")
    assert roles.parse_actor("seat:s1") == roles.Actor("agent", "s1")
    assert roles.parse_actor("system").role is None
    assert roles.parse_actor("janitor:x").role is None


def test_department_a_cannot_act_on_department_b_ticket() -> None:
    for action in ("reply", "sign", "extend", "return"):
        forbidden("department", "ECOLOGY_ENVIRONMENT", action, "dispatched", "not one your department handles")
    t = in_state("dispatched")
    assert not roles.can_see("department", "ECOLOGY_ENVIRONMENT", t)
    allowed("department", "WATER", "reply", "dispatched")


def test_department_message_names_the_rule_when_it_can_see_the_ticket() -> None:
    # ECO returned it earlier (so it may still look), but it is now WATER's: only WATER may reply.
    t = in_state("dispatched")
    office.return_ticket(t, WATER, T0 + 2, "not_our_remit")
    office.reroute(t, REVIEWER, T0 + 3, "ECOLOGY_ENVIRONMENT", "x")
    office.return_ticket(t, ECO, T0 + 4, "not_our_remit")
    office.reroute(t, REVIEWER, T0 + 5, "WATER", "back to water", force=True)
    assert roles.can_see("department", "ECOLOGY_ENVIRONMENT", t)
    with pytest.raises(Forbidden, match="only the department the ticket is dispatched to may reply"):
        roles.check("department", "ECOLOGY_ENVIRONMENT", "reply", t)
    assert roles.allowed_actions("department", "ECOLOGY_ENVIRONMENT", t) == []
    assert roles.allowed_actions("department", "WATER", t) == ["sign", "reply", "extend", "return"]


def test_callback_cannot_dispatch_and_agent_cannot_reroute() -> None:
    forbidden("callback", None, "dispatch", "accepted", "only agent, reviewer, supervisor or admin users may dispatch")
    forbidden("agent", None, "reroute", "returned", "only reviewer, supervisor or admin users may re-route")
    forbidden("department", "WATER", "callback", "replied", "only callback or admin users")
    forbidden("agent", None, "merge", "accepted")
    forbidden("callback", None, "extension", "dispatched")


@pytest.mark.parametrize("role", ["reviewer", "supervisor", "admin"])
def test_reviewers_and_supervisors_decide_extensions(role: str) -> None:
    t = office.request_extension(in_state("dispatched"), WATER, T0 + 2, 3, "r")
    roles.check(role, None, "extension", t)
    assert "extension" in roles.allowed_actions(role, None, t)
    for other in ("agent", "callback", "department"):
        assert "extension" not in roles.allowed_actions(other, "WATER", t)


def test_stage_rules_are_about_the_role() -> None:
    allowed("agent", None, "dispatch", "accepted")
    forbidden("agent", None, "dispatch", "review", "an agent dispatches accepted tickets")
    allowed("reviewer", None, "dispatch", "review")
    forbidden("reviewer", None, "dispatch", "accepted", "a reviewer dispatches tickets in review")
    allowed("admin", None, "dispatch", "accepted")
    allowed("admin", None, "dispatch", "review")
    allowed("agent", None, "close", "accepted")
    forbidden("agent", None, "close", "callback", "an agent closes only a ticket answered directly")
    allowed("callback", None, "close", "callback")
    forbidden("callback", None, "close", "accepted", "the callback team closes a ticket after the callback")


def test_state_is_the_workflow_s_business_not_the_role_s() -> None:
    # A callback user may try to close a dispatched ticket: the refusal is 409 from the workflow, not 403.
    t = in_state("dispatched")
    roles.check("callback", None, "close", t)
    roles.check("reviewer", None, "reroute", t)
    assert "close" not in roles.allowed_actions("callback", None, t)


def test_unknown_role_and_action() -> None:
    forbidden("janitor", None, "reply", "dispatched", "unknown role")
    with pytest.raises(InvalidField, match="unknown action 'fly'"):
        roles.check("admin", None, "fly", in_state("dispatched"))
    assert not roles.can_see("janitor", None, in_state("dispatched"))
    assert roles.allowed_actions("janitor", None, in_state("accepted")) == []


def test_department_visibility() -> None:
    t = in_state("dispatched")
    assert roles.can_see("department", "WATER", t)
    assert not roles.can_see("department", None, t)
    assert all(roles.can_see(r, None, t) for r in ALL if r != "department")
    office.reply(t, WATER, T0 + 3, "done")
    assert roles.can_see("department", "WATER", t)                  # replied: still theirs
    office.record_callback(t, CALLBACK, T0 + 4, True, 5)
    assert not roles.can_see("department", "WATER", t)              # callback: the hotline's now
    r = in_state("returned")
    assert roles.can_see("department", "WATER", r)
    office.reroute(r, REVIEWER, T0 + 5, "ECOLOGY_ENVIRONMENT", "x")
    assert roles.can_see("department", "WATER", r)                  # they returned it
    assert roles.can_see("department", "ECOLOGY_ENVIRONMENT", r)
    assert not roles.can_see("department", "POLICE", r)
    r.history = []                                                  # as storage lists return tickets
    assert not roles.can_see("department", "WATER", r)


EXPECTED: dict[tuple[str, str], list[str]] = {
    ("agent", "draft"): ["submit", "edit"],
    ("agent", "accepted"): ["dispatch", "close", "edit"],
    ("agent", "dispatched"): [],
    ("reviewer", "accepted"): ["merge"],
    ("reviewer", "returned"): ["reroute", "merge"],
    ("reviewer", "review"): ["dispatch", "merge"],
    ("reviewer", "replied"): ["review", "merge"],
    ("reviewer", "dispatched"): ["merge"],
    ("callback", "replied"): ["callback", "review"],
    ("callback", "callback"): ["callback", "close"],
    ("callback", "dispatched"): [],
    ("supervisor", "returned"): ["reroute", "merge"],
    ("admin", "dispatched"): ["sign", "reply", "extend", "return", "merge"],
    ("admin", "accepted"): ["dispatch", "close", "merge", "edit"],
    ("admin", "closed"): [],
}


@pytest.mark.parametrize("key", list(EXPECTED))
def test_allowed_actions_matrix(key: tuple[str, str]) -> None:
    role, status = key
    assert roles.allowed_actions(role, None, in_state(status)) == EXPECTED[key]


def test_allowed_actions_follow_ticket_data() -> None:
    t = in_state("dispatched")
    assert roles.allowed_actions("department", "WATER", t) == ["sign", "reply", "extend", "return"]
    office.sign(t, WATER, T0 + 2)
    office.request_extension(t, WATER, T0 + 3, 2, "r")
    assert roles.allowed_actions("department", "WATER", t) == ["reply", "return"]
    assert roles.allowed_actions("supervisor", None, t) == ["extension", "merge"]


def test_allowed_actions_are_exactly_the_permitted_and_possible_ones() -> None:
    for status in ("draft", "accepted", "dispatched", "returned", "replied", "callback", "review", "closed"):
        t = in_state(status)
        for role in ALL:
            dept = "WATER" if role == "department" else None
            ok = roles.allowed_actions(role, dept, t)
            for action in roles.ACTIONS:
                try:
                    roles.check(role, dept, action, t)
                    permitted = True
                except Forbidden:
                    permitted = False
                assert (action in ok) == (permitted and roles._possible(action, t)), (status, role, action)
