"""Two actors, one ticket, any interleaving (a Hypothesis state machine), on both backends.

Each actor holds its own copy of the ticket, which goes stale when the other one changes it.
An actor edits its copy and then either saves it conditionally (``save_ticket``: compare and
swap on the version it loaded), or applies the same edit through the store's atomic
read-modify-write (``update_ticket``, with or without the version it last saw), or reloads.
The model says what the store must hold; after every step the stored ticket equals the model,
its version counts the changes, and its history replays to exactly the stored state.
"""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from gateway.domain import audit
from gateway.domain.ticket import Ticket
from gateway.errors import PreconditionFailed
from gateway.storage import create_repository

T0 = 1_795_824_000.0
FIELDS = {"district": ["xuhui", "pudong", "jingan", None], "address": ["1 Huaihai Rd", "2 Nanjing Rd", None],
          "department": ["WATER", "HOUSING", None], "text_zh": ["路灯坏了", "噪音扰民", None]}
edits = st.sampled_from(sorted(FIELDS)).flatmap(lambda f: st.tuples(st.just(f), st.sampled_from(FIELDS[f])))


class Loop:
    """One event loop in a thread that owns the repository, so synchronous rules can use it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=30)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()


def machine(repo: Any, loop: Loop) -> type[RuleBasedStateMachine]:
    class TwoActors(RuleBasedStateMachine):
        @initialize()
        def new_ticket(self) -> None:
            self.now = T0
            t = Ticket.new_draft("pending", "chat", "en", "lamp broken", actor="system", now=T0, district="xuhui")
            t.number = t.id[:14]                         # unique across the examples sharing one database
            loop.run(repo.insert_ticket(t))
            self.model = {f: getattr(t, f) for f in FIELDS}
            self.version = 1
            self.copies = [loop.run(repo.get_ticket(t.id)), loop.run(repo.get_ticket(t.id))]
            self.id = t.id

        def _edit(self, t: Ticket, field: str, value: Any, who: int) -> bool:
            self.now += 1
            return bool(t.edit({field: value}, actor=f"agent:{who}", now=self.now))

        @rule(who=st.integers(0, 1), edit=edits)
        def save_my_copy(self, who: int, edit: tuple[str, Any]) -> None:
            mine = self.copies[who]
            stale = mine.version != self.version
            if not self._edit(mine, *edit, who):
                return
            try:
                loop.run(repo.save_ticket(mine))
            except PreconditionFailed as exc:
                assert stale and exc.current_version == self.version
                self.copies[who] = loop.run(repo.get_ticket(self.id))      # reload, as a person would
                return
            assert not stale, "a stale copy overwrote the stored ticket"
            self.model[edit[0]] = getattr(mine, edit[0])
            self.version += 1

        @rule(who=st.integers(0, 1), edit=edits, conditional=st.booleans())
        def change_in_the_store(self, who: int, edit: tuple[str, Any], conditional: bool) -> None:
            seen = self.copies[who].version
            expected = seen if conditional else None
            changed: list[bool] = []
            try:
                t = loop.run(repo.update_ticket(self.id, lambda t: changed.append(self._edit(t, *edit, who)),
                                                expected_version=expected))
            except PreconditionFailed as exc:
                assert conditional and seen != self.version and exc.current_version == self.version
                assert not changed, "the change ran although the precondition failed"
                return
            assert not conditional or seen == self.version
            if changed[0]:
                self.model[edit[0]] = getattr(t, edit[0])
                self.version += 1
            self.copies[who] = t

        @rule(who=st.integers(0, 1))
        def reload(self, who: int) -> None:
            self.copies[who] = loop.run(repo.get_ticket(self.id))

        @invariant()
        def stored_equals_model(self) -> None:
            if not hasattr(self, "id"):
                return
            t = loop.run(repo.get_ticket(self.id))
            assert {f: getattr(t, f) for f in FIELDS} == self.model
            assert t.version == self.version
            assert audit.replay(t) == []
    return TwoActors


@pytest.fixture
def store(db_url):
    loop = Loop()
    repo = create_repository(db_url)
    loop.run(repo.open())
    yield repo, loop
    loop.run(repo.close())
    loop.close()


def test_two_actors_never_lose_an_edit(store) -> None:
    repo, loop = store
    TwoActors = machine(repo, loop)
    TwoActors.TestCase.settings = settings(max_examples=25, stateful_step_count=25, deadline=None,
                                           suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
    TwoActors.TestCase().runTest()
