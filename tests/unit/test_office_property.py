"""Property test: random back-office operations by random users keep tickets consistent.

A hypothesis state machine holds three tickets and, at each step, lets a random user (role and
department) attempt a random operation with random, often invalid, payloads — the way the HTTP
layer does it: ``roles.check`` first, then the ``office`` function.  After every step:

* a refused attempt (any :class:`GatewayError`) left every ticket byte-identical;
* every status is one of ``catalog.TICKET_STATES``;
* history only grows (the old rows are an unchanged prefix) and a successful step added rows;
* the back-office fields agree with the history: ``return_count`` is the number of returns,
  ``returned_repeatedly`` is flagged exactly from the second return, a pending extension exists
  only while dispatched, a merged ticket is closed, a dispatched ticket has a deadline.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from gateway.domain import audit, catalog, office, roles, workflow
from gateway.domain.ticket import Ticket
from gateway.errors import GatewayError
from tests.unit.test_office import T0

DEPARTMENTS = ["WATER", "ECOLOGY_ENVIRONMENT", "DISTRICT"]
USERS = [(r, None) for r in roles.ROLES if r != "department"] + [("department", d) for d in DEPARTMENTS] + \
        [("department", None), ("janitor", None)]
#: Weighted so that sequences reach deep states: merges (which close tickets for good) are rare.
ACTIONS = [a for a in roles.ACTIONS if a not in ("submit", "edit", "merge")] * 3 + ["merge"]
CODES = [r["code"] for r in office.return_reasons()]

#: Mostly valid values, some invalid ones: the point is both successes and refusals.
texts = st.one_of(st.just("ok"), st.just("ok"), st.sampled_from(["", "  ", "字" * 4001]), st.text(max_size=12))
maybe_texts = st.one_of(st.none(), texts)
departments = st.one_of(st.sampled_from(DEPARTMENTS), st.sampled_from(DEPARTMENTS + ["POLICE", "nope", "", " water "]))


def dump(t: Ticket) -> str:
    return json.dumps(t.to_dict(), sort_keys=True, ensure_ascii=False)


class OfficeMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.now = T0
        self.tickets: list[Ticket] = []
        for i, district in enumerate(("pudong", None, "xuhui")):
            t = Ticket.new_draft(f"2026093000000{i}", "chat", "en", "text", actor="system", now=T0,
                                 category=["HELP", "CONSULTATION", "COMPLAINT"][i], district=district)
            workflow.apply(t, "submit", "agent:a", T0)
            self.tickets.append(t)
        self.rows = [len(t.history) for t in self.tickets]

    def _payload(self, data: st.DataObject, action: str) -> dict[str, Any]:
        draw = data.draw
        if action == "dispatch":
            return {"department": draw(departments), "complex": draw(st.booleans())}
        if action == "reply":
            return {"text": draw(texts)}
        if action == "extend":
            return {"working_days": draw(st.one_of(st.integers(1, 30), st.integers(-1, 33), st.just(True))),
                    "reason": draw(texts)}
        if action == "extension":
            return {"approve": draw(st.booleans()), "reason": draw(maybe_texts)}
        if action == "return":
            return {"reason": draw(st.sampled_from([*CODES, "other", "bogus", ""])), "note": draw(maybe_texts)}
        if action == "reroute":
            return {"department": draw(departments), "reason": draw(texts), "force": draw(st.booleans())}
        if action == "callback":
            level = draw(st.one_of(st.integers(1, 5), st.integers(-1, 7)))
            return {"resolved": draw(st.booleans()), "satisfaction": level,
                    "note": draw(maybe_texts), "channel": draw(st.sampled_from(["phone", "chat", "fax", None]))}
        if action == "review":
            return {"reason": draw(texts)}
        if action == "close":
            return {"answered_directly": draw(st.booleans()), "reason": draw(maybe_texts)}
        return {}

    def _run(self, action: str, t: Ticket, actor: str, body: dict[str, Any], others: list[Ticket]) -> None:
        now = self.now
        if action == "merge":
            office.merge(t, others[0], actor, now, reason=body.get("reason", "duplicate"))
            return
        call = {"dispatch": office.dispatch, "sign": office.sign, "reply": office.reply,
                "extend": office.request_extension, "extension": office.decide_extension,
                "return": office.return_ticket, "reroute": office.reroute, "callback": office.record_callback,
                "review": office.send_to_review, "close": office.close}[action]
        call(t, actor, now, **body)

    @rule(data=st.data(), which=st.integers(0, 2), other=st.integers(0, 2), anyone=st.sampled_from(USERS),
          fitting=st.booleans(), anything=st.sampled_from(ACTIONS), step=st.floats(0, 3 * 86_400))
    def attempt(self, data: st.DataObject, which: int, other: int, anyone: tuple[str, str | None], fitting: bool,
                anything: str, step: float) -> None:
        self.now += step
        t, target = self.tickets[which], self.tickets[other]
        possible = [a for a in workflow.allowed_actions(t.status) if a != "merge"]
        action = anything
        if possible and data.draw(st.integers(0, 3)):      # mostly an action the state allows
            action = data.draw(st.sampled_from(possible))
        role, dept = anyone
        if fitting:          # a user whose role may do this (the ticket's own department for department work)
            role = data.draw(st.sampled_from(sorted(roles.MAY[action])))
            dept = t.department if role == "department" else None
        user = (role, dept)
        actor = f"department:{dept}:u" if role == "department" else f"{role}:u"
        body = self._payload(data, action)
        if action == "merge":
            body = {"reason": data.draw(texts)}
        before = [dump(x) for x in self.tickets]
        try:
            roles.check(role, dept, action, t)
            self._run(action, t, actor, body, [target])
        except GatewayError:
            assert [dump(x) for x in self.tickets] == before, (action, user, body)
            return
        changed = [i for i, x in enumerate(self.tickets) if dump(x) != before[i]]
        assert which in changed
        assert len(t.history) > self.rows[which]

    @invariant()
    def consistent(self) -> None:
        for i, t in enumerate(self.tickets):
            assert t.status in catalog.TICKET_STATES
            assert len(t.history) >= self.rows[i]
            self.rows[i] = len(t.history)
            returns = sum(1 for h in t.history if h.action == "return" and h.field == "status")
            assert t.return_count == returns
            assert ("returned_repeatedly" in t.flags) == (returns >= 2)
            assert t.extension_request is None or t.status == "dispatched"
            assert t.merged_into is None or t.status == "closed"
            assert t.status != "dispatched" or t.deadline is not None
            assert t.status != "callback" or workflow.survey_satisfied(t.survey)
            statuses = [h.new for h in t.history if h.field == "status"]
            assert statuses[-1] == t.status
            for h in t.history:
                assert h.action in {"create", "submit", *workflow._BY_NAME} and h.actor
            assert Ticket.from_dict(json.loads(dump(t))) == t
            assert audit.replay(t) == []          # the history alone rebuilds the ticket

    @invariant()
    def history_is_append_only(self) -> None:
        if not hasattr(self, "snapshots"):
            self.snapshots = [[h.to_dict() for h in t.history] for t in self.tickets]
        for i, t in enumerate(self.tickets):
            rows = [h.to_dict() for h in t.history]
            assert rows[:len(self.snapshots[i])] == self.snapshots[i]
            self.snapshots[i] = rows


OfficeMachine.TestCase.settings = settings(max_examples=100, stateful_step_count=40, deadline=None,
                                           suppress_health_check=[HealthCheck.too_slow])
TestOffice = OfficeMachine.TestCase
