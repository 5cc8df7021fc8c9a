"""The Repository contract (gateway/storage/repository.py), run on SQLite and on PostgreSQL alike.

Every test here takes the parametrized ``repo`` fixture, so each runs twice; a test that needs
the other backend or a second node says so.  Tests of one engine's machinery (SQLite pragmas and
group commit; PostgreSQL settings and migrations under the advisory lock) sit at the end of this
file under their own heading, or in tests/unit/test_storage.py.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import date
from typing import Any

import pytest

from gateway.domain import audit
from gateway.domain.ticket import Ticket, ticket_number
from gateway.errors import Conflict, GatewayError, InvalidField, NotFound, PreconditionFailed
from gateway.storage import redact_url as redact
from gateway.storage.postgres import PostgresRepository
from gateway.storage.records import (ApiKeyRecord, KioskCount, MessageRecord, ServiceRequestRecord, SessionRecord,
                                     UserRecord)
from gateway.storage.repository import TABLES

# Times are exact to the microsecond: PostgreSQL's timestamptz keeps microseconds (SQLite keeps the
# float), so contract values stay on whole microseconds and compare exactly on both.
T0 = 1_795_824_000.0
DAY = "2026-11-28"


def user(login: str = "alice", **kw: Any) -> UserRecord:
    return UserRecord(id=uuid.uuid4().hex, login=login, name=login.title(), role="agent",
                      seat_kind="agent", skills={"lang:ja": 4}, created_at=T0, **kw)


def session(sid: str = "s1", **kw: Any) -> SessionRecord:
    base: dict[str, Any] = dict(id=sid, channel="chat", lang="ja", state="queued", token_hash="th-" + sid,
                                queue="lang:ja", skill="lang:ja", priority=0, created_at=T0, enqueued_at=T0)
    return SessionRecord(**{**base, **kw})


def msg(sid: str, text: str, client_id: str | None = None, **kw: Any) -> MessageRecord:
    return MessageRecord(session_id=sid, seq=0, sender="caller", text=text, created_at=T0, client_id=client_id, **kw)


def draft_ticket(number: str = "20261128000001", session_id: str | None = "s1", **kw: Any) -> Ticket:
    return Ticket.new_draft(number, "chat", "ja", "Noise at night.", actor="system", now=T0,
                            session_id=session_id, district="Pudong", **kw)


def history_rows(rows: list[dict[str, Any]], ticket_id: str) -> list[tuple[Any, ...]]:
    return [tuple(r.values()) for r in rows if r["ticket_id"] == ticket_id]


async def stored_ticket(repo: Any, ticket_id: str) -> Ticket:
    got = await repo.get_ticket(ticket_id)
    assert got is not None
    return got


# -- users and tokens ----------------------------------------------------------------------------

async def test_users_and_tokens(repo) -> None:
    a = await repo.create_user(user("alice"))
    b = await repo.create_user(UserRecord(id="sup1", login="boss", name="Boss", role="supervisor", created_at=T0))
    with pytest.raises(Conflict, match="alice"):
        await repo.create_user(user("alice"))
    assert await repo.get_user_by_login("alice") == a
    assert await repo.get_user(a.id) == a
    assert await repo.get_user("missing") is None
    assert [u.login for u in await repo.list_users()] == ["alice", "boss"]
    assert [u.login for u in await repo.list_users(role="supervisor")] == ["boss"]
    assert not b.is_seat and a.is_seat

    await repo.add_token("forever", a.id, T0, None)
    await repo.add_token("short", a.id, T0, T0 + 60)
    await repo.add_token("revoked", b.id, T0, None)
    await repo.revoke_token("revoked")
    assert await repo.user_for_token("forever", T0 + 10**6) == a
    assert await repo.user_for_token("short", T0 + 59) == a
    assert await repo.user_for_token("short", T0 + 60) is None          # expired at expires_at
    assert await repo.user_for_token("revoked", T0) is None
    assert await repo.user_for_token("unknown", T0) is None


async def test_token_for_a_missing_user_is_refused(repo) -> None:
    # The protocol: bad data is a GatewayError, never a driver exception (sqlite3 / psycopg).
    with pytest.raises(GatewayError):
        await repo.add_token("dangling", "no-such-user", T0, None)
    assert await repo.user_for_token("dangling", T0) is None


async def test_users_sort_bytewise_on_both_backends(repo) -> None:
    for login in ("b", "B", "a", "é", "Z"):
        await repo.create_user(user(login))
    assert [u.login for u in await repo.list_users()] == sorted(["b", "B", "a", "é", "Z"])


async def test_disabled_user_token_does_not_authenticate(repo) -> None:
    u = await repo.create_user(user("carol", disabled=True))
    await repo.add_token("t", u.id, T0, None)
    assert await repo.user_for_token("t", T0) is None
    assert (await repo.get_user(u.id)).disabled is True


# -- sessions ---------------------------------------------------------------------------------

async def test_session_round_trip_and_updates(repo) -> None:
    s = session("s1", meta={"ua": "test", "nested": {"k": [1, 2]}}, priority=3)
    await repo.create_session(s)
    await repo.create_session(session("s2", enqueued_at=T0 - 5))
    with pytest.raises(Conflict):
        await repo.create_session(session("s1"))
    assert await repo.get_session("s1") == s
    assert await repo.get_session("nope") is None
    assert [x.id for x in await repo.open_sessions()] == ["s1", "s2"]      # priority first, then oldest

    await repo.update_session("s1", state="active", seat_id="u1", seat_name="Alice", answered_at=T0 + 5.25,
                              meta={"replaced": True})
    got = await repo.get_session("s1")
    assert (got.state, got.seat_id, got.seat_name, got.answered_at, got.meta) == \
        ("active", "u1", "Alice", T0 + 5.25, {"replaced": True})
    await repo.update_session("s1")                                          # no fields: a no-op
    assert await repo.get_session("s1") == got
    with pytest.raises(KeyError):
        await repo.update_session("nope", state="ended")
    with pytest.raises(ValueError, match="token_hash"):
        await repo.update_session("s1", token_hash="x")
    with pytest.raises(ValueError):                    # unknown field wins over unknown session
        await repo.update_session("nope", token_hash="x")
    await repo.update_session("s2", state="abandoned", ended_at=T0 + 9)
    assert [x.id for x in await repo.open_sessions()] == ["s1"]
    assert sorted(await repo.contact_times(T0 - 1, T0 + 1), key=lambda r: r[3]) == \
        [(T0, None, T0 + 9, "abandoned"), (T0, T0 + 5.25, None, "active")]
    assert await repo.contact_times(T0 + 1, T0 + 2) == []


async def test_everything_survives_close_and_reopen(repo, make_repo) -> None:
    u = await repo.create_user(user())
    await repo.add_token("hash-1", u.id, T0, None)
    await repo.create_session(session("s1", meta={"ua": "test"}))
    for i in range(5):
        await repo.append_message(msg("s1", f"m{i}", client_id=f"c{i}"))
    await repo.update_session("s1", state="active", seat_id=u.id, seat_name="Alice", answered_at=T0 + 5)
    t = draft_ticket()
    t.edit({"address": "1 Century Ave"}, actor=u.id, now=T0 + 10, reason="caller said")
    await repo.end_session_with_ticket("s1", ended_at=T0 + 20, ended_by="seat", ticket=t)
    assert t.version == 1
    await repo.close()

    r2 = make_repo()
    await r2.open()
    try:
        assert await r2.get_user(u.id) == u
        assert await r2.user_for_token("hash-1", T0) == u
        s = await r2.get_session("s1")
        assert (s.state, s.seat_id, s.ended_by, s.ticket_id, s.meta) == ("ended", u.id, "seat", t.id, {"ua": "test"})
        assert [(m.seq, m.text, m.client_id) for m in await r2.messages("s1")] == \
            [(i + 1, f"m{i}", f"c{i}") for i in range(5)]
        assert [m.seq for m in await r2.messages("s1", after_seq=3)] == [4, 5]
        got = await r2.get_ticket(t.id)
        assert got.to_dict() == t.to_dict()
        assert got.history[-1].field == "address" and got.history[-1].reason == "caller said"
        assert await r2.open_sessions() == []
        # the message counter survived too: the next message is 6, not a reused number
        m6, _ = await r2.append_message(msg("s1", "after restart"))
        assert m6.seq == 6
    finally:
        await r2.close()


async def test_schema_version_is_the_latest_and_reopening_changes_nothing(repo, make_repo) -> None:
    first = await repo.schema_version()
    assert first >= 1
    assert await repo.ping() is True
    r2 = make_repo()
    await r2.open()
    try:
        assert await r2.schema_version() == first
    finally:
        await r2.close()


async def test_use_after_close_is_a_clear_error(make_repo) -> None:
    r = make_repo()
    with pytest.raises(RuntimeError, match="not open"):
        await r.get_user("x")
    await r.open()
    await r.close()
    await r.close()                                    # twice is fine
    with pytest.raises(RuntimeError, match="closed"):
        await r.get_user("x")


# -- messages ---------------------------------------------------------------------------------

async def test_append_is_idempotent_on_client_id(repo) -> None:
    await repo.create_session(session("s1"))
    await repo.create_session(session("s2"))
    first, created = await repo.append_message(msg("s1", "hello", client_id="c-1"))
    assert (first.seq, created) == (1, True)
    await repo.append_message(msg("s1", "other"))
    again, created = await repo.append_message(msg("s1", "hello (resent)", client_id="c-1"))
    assert (again.seq, again.text, created) == (1, "hello", False)
    # the same client id in another session is a different message
    other, created = await repo.append_message(msg("s2", "hello", client_id="c-1"))
    assert (other.seq, created) == (1, True)
    # duplicates submitted concurrently still store one row, and skip no number
    outs = await asyncio.gather(*(repo.append_message(msg("s1", "dup", client_id="c-2")) for _ in range(10)))
    assert {m.seq for m, _ in outs} == {3} and [c for _, c in outs].count(True) == 1
    assert [m.seq for m in await repo.messages("s1")] == [1, 2, 3]
    nxt, _ = await repo.append_message(msg("s1", "next"))
    assert nxt.seq == 4


async def test_message_needs_an_existing_session(repo) -> None:
    with pytest.raises(NotFound):
        await repo.append_message(msg("nope", "orphan"))
    assert await repo.messages("nope") == []


async def test_concurrent_appends_from_two_nodes_get_consecutive_unique_seqs(repo, make_repo) -> None:
    """Many writers (on PostgreSQL: two pools, so many connections) share one session's counter."""
    await repo.create_session(session("s1"))
    node2 = make_repo()
    await node2.open()
    try:
        nodes = (repo, node2)
        outs = await asyncio.gather(*(nodes[i % 2].append_message(msg("s1", f"t{i}")) for i in range(200)))
        # the same client ids, racing from both nodes: one row each
        dups = await asyncio.gather(*(nodes[i % 2].append_message(msg("s1", f"d{i % 5}", client_id=f"d{i % 5}"))
                                      for i in range(40)))
    finally:
        await node2.close()
    assert all(created for _, created in outs)
    assert sorted(m.seq for m, _ in outs) == list(range(1, 201))
    assert [c for _, c in dups].count(True) == 5
    by_client = {m.client_id: m.seq for m, _ in dups}
    assert len(by_client) == 5 and all(m.seq == by_client[m.client_id] for m, _ in dups)
    stored = await repo.messages("s1")
    assert [m.seq for m in stored] == list(range(1, 206))                   # no gaps, no duplicates
    assert {m.text for m in stored} == {f"t{i}" for i in range(200)} | {f"d{i}" for i in range(5)}


async def test_merge_message_meta_adds_keys_atomically(repo) -> None:
    await repo.create_session(session("s1"))
    m, _ = await repo.append_message(msg("s1", "你好", meta={"lang": "zh"}))
    await asyncio.gather(*(repo.merge_message_meta("s1", m.seq, {f"k{i}": i}) for i in range(20)))
    await repo.merge_message_meta("s1", m.seq, {"lang": "zh-CN"})
    (got,) = await repo.messages("s1")
    assert got.text == "你好"
    assert got.meta == {"lang": "zh-CN", **{f"k{i}": i for i in range(20)}}
    with pytest.raises(KeyError):
        await repo.merge_message_meta("s1", 99, {"x": 1})


# -- tickets ------------------------------------------------------------------------------------

async def test_ticket_history_is_append_only(repo) -> None:
    t = draft_ticket(session_id=None)
    await repo.insert_ticket(t)
    born = len(t.history)
    rows1 = history_rows(await repo.dump_table("ticket_history"), t.id)
    assert len(rows1) == born

    t.edit({"address": "A road 1"}, actor="agent-1", now=T0 + 1, reason="typo")
    await repo.save_ticket(t)
    rows2 = history_rows(await repo.dump_table("ticket_history"), t.id)
    t.edit({"address": "B road 2", "district": "Xuhui"}, actor="agent-2", now=T0 + 2)
    await repo.save_ticket(t)
    rows3 = history_rows(await repo.dump_table("ticket_history"), t.id)
    assert (len(rows2), len(rows3)) == (born + 1, born + 3)
    assert rows3[:born + 1] == rows2 and rows2[:born] == rows1               # old rows untouched
    assert rows3[born] == (t.id, born, T0 + 1, "agent-1", "edit", "address", None, "A road 1", "typo")

    # saving again without changes adds nothing; rewriting memory does not rewrite the trail
    await repo.save_ticket(t)
    t.history[0].actor = "forger"
    await repo.save_ticket(t)
    assert history_rows(await repo.dump_table("ticket_history"), t.id) == rows3
    got = await stored_ticket(repo, t.id)
    assert got.history[0].actor == "system" and got.address == "B road 2" and got.district == "xuhui"
    assert await repo.get_ticket("missing") is None
    with pytest.raises(NotFound):                  # saving a ticket that was never inserted
        await repo.save_ticket(draft_ticket("20261128000099"))


async def test_duplicate_ticket_is_a_conflict(repo) -> None:
    t = draft_ticket()
    await repo.insert_ticket(t)
    with pytest.raises(Conflict):
        await repo.insert_ticket(draft_ticket(t.number))
    assert len(await repo.list_tickets()) == 1


async def test_ticket_numbers_count_per_day(repo) -> None:
    day1 = [await repo.next_ticket_number("2026-11-28") for _ in range(3)]
    day2 = await repo.next_ticket_number("2026-11-29")
    later = await repo.next_ticket_number("2026-11-28")
    assert (day1, day2, later) == ([1, 2, 3], 1, 4)
    both = await asyncio.gather(*(repo.next_ticket_number("2026-11-30") for _ in range(20)))
    assert sorted(both) == list(range(1, 21))


async def test_end_session_with_ticket_is_atomic(repo) -> None:
    await repo.create_session(session("s1"))
    t = draft_ticket()
    with pytest.raises(KeyError):          # unknown session: the ticket must not be kept either
        await repo.end_session_with_ticket("nope", ended_at=T0, ended_by="seat", ticket=t)
    assert await repo.get_ticket(t.id) is None
    assert t.version == 0
    await repo.end_session_with_ticket("s1", ended_at=T0, ended_by="caller", ticket=None)
    s = await repo.get_session("s1")
    assert (s.state, s.ticket_id, s.ended_by) == ("ended", None, "caller")


async def test_version_starts_at_one_and_bumps_by_one_per_stored_change(repo) -> None:
    t = draft_ticket()
    assert t.version == 0
    await repo.insert_ticket(t)
    assert t.version == 1 and (await stored_ticket(repo, t.id)).version == 1

    t.edit({"address": "1 Century Ave"}, actor="a", now=T0 + 1)
    await repo.save_ticket(t)
    assert t.version == 2 and (await stored_ticket(repo, t.id)).version == 2

    got = await repo.update_ticket(t.id, lambda x: x.edit({"address": "2 Century Ave"}, actor="b", now=T0 + 2))
    assert got.version == 3 and got.address == "2 Century Ave"
    # a change that changes nothing writes nothing and keeps the version
    same = await repo.update_ticket(t.id, lambda x: x.edit({"address": "2 Century Ave"}, actor="c", now=T0 + 3))
    assert same.version == 3
    stored = await stored_ticket(repo, t.id)
    assert stored.version == 3 and stored.to_dict() == got.to_dict()
    assert audit.replay(stored) == []


async def test_stale_save_is_refused_and_writes_nothing(repo) -> None:
    t = draft_ticket()
    await repo.insert_ticket(t)
    mine = await stored_ticket(repo, t.id)
    theirs = await stored_ticket(repo, t.id)
    theirs.edit({"address": "theirs"}, actor="b", now=T0 + 1)
    await repo.save_ticket(theirs)
    before = await stored_ticket(repo, t.id)
    hist_before = await repo.dump_table("ticket_history")

    mine.edit({"address": "mine", "text_zh": "我的"}, actor="a", now=T0 + 2)
    with pytest.raises(PreconditionFailed) as info:
        await repo.save_ticket(mine)
    assert info.value.current_version == 2
    assert mine.version == 1                                  # the caller's copy is not bumped either
    after = await stored_ticket(repo, t.id)
    assert after.to_dict() == before.to_dict() and after.address == "theirs"
    assert await repo.dump_table("ticket_history") == hist_before


async def test_concurrent_saves_of_one_version_let_exactly_one_win(repo, make_repo) -> None:
    t = draft_ticket()
    await repo.insert_ticket(t)
    node2 = make_repo()
    await node2.open()
    try:
        copies = [await stored_ticket(repo, t.id) for _ in range(8)]
        for i, c in enumerate(copies):
            c.edit({"address": f"road {i}"}, actor=f"a{i}", now=T0 + 1 + i)
        results = await asyncio.gather(*((repo, node2)[i % 2].save_ticket(c) for i, c in enumerate(copies)),
                                       return_exceptions=True)
    finally:
        await node2.close()
    winners = [i for i, r in enumerate(results) if r is None]
    assert len(winners) == 1
    assert all(isinstance(r, PreconditionFailed) and r.current_version == 2 for r in results if r is not None)
    stored = await stored_ticket(repo, t.id)
    assert (stored.version, stored.address) == (2, f"road {winners[0]}")
    assert audit.replay(stored) == []


async def test_save_tickets_is_all_or_none(repo) -> None:
    a, b = draft_ticket("20261128000001"), draft_ticket("20261128000002")
    await repo.insert_ticket(a)
    await repo.insert_ticket(b)
    stale_b = await stored_ticket(repo, b.id)
    await repo.update_ticket(b.id, lambda x: x.edit({"address": "moved"}, actor="x", now=T0 + 1))
    a.edit({"address": "A"}, actor="m", now=T0 + 2)
    stale_b.edit({"address": "B"}, actor="m", now=T0 + 2)
    with pytest.raises(PreconditionFailed):
        await repo.save_tickets([a, stale_b])
    assert (a.version, stale_b.version) == (1, 1)
    assert (await stored_ticket(repo, a.id)).address is None             # a's part was rolled back
    fresh_b = await stored_ticket(repo, b.id)
    fresh_b.edit({"address": "B"}, actor="m", now=T0 + 3)
    await repo.save_tickets([fresh_b, a])
    assert (a.version, fresh_b.version) == (2, 3)
    assert [(await stored_ticket(repo, x.id)).address for x in (a, b)] == ["A", "B"]


async def test_update_with_a_stale_expected_version_never_calls_change(repo) -> None:
    t = draft_ticket()
    await repo.insert_ticket(t)
    await repo.update_ticket(t.id, lambda x: x.edit({"address": "v2"}, actor="a", now=T0 + 1))
    calls: list[Ticket] = []
    with pytest.raises(PreconditionFailed) as info:
        await repo.update_ticket(t.id, calls.append, expected_version=1)
    assert info.value.current_version == 2 and calls == []
    ok = await repo.update_ticket(t.id, lambda x: x.edit({"address": "v3"}, actor="a", now=T0 + 2),
                                  expected_version=2)
    assert (ok.version, ok.address) == (3, "v3")
    with pytest.raises(NotFound):
        await repo.update_ticket("missing", calls.append)
    assert calls == []


async def test_a_change_that_raises_writes_nothing(repo) -> None:
    t = draft_ticket()
    await repo.insert_ticket(t)
    before = (await stored_ticket(repo, t.id)).to_dict()
    hist_before = await repo.dump_table("ticket_history")

    def half_done(x: Ticket) -> None:
        x.edit({"address": "half"}, actor="a", now=T0 + 1)
        raise RuntimeError("changed my mind")

    with pytest.raises(RuntimeError, match="changed my mind"):
        await repo.update_ticket(t.id, half_done)
    assert (await stored_ticket(repo, t.id)).to_dict() == before
    assert await repo.dump_table("ticket_history") == hist_before


async def test_update_tickets_changes_several_in_one_transaction(repo) -> None:
    a, b, c = (draft_ticket(f"2026112800000{i}") for i in (1, 2, 3))
    for t in (a, b, c):
        await repo.insert_ticket(t)

    def merge(ts: list[Ticket]) -> None:
        keep, gone, _untouched = ts
        keep.edit({"address": "kept"}, actor="m", now=T0 + 1)
        gone.edit({"address": "merged"}, actor="m", now=T0 + 1)

    out = await repo.update_tickets([b.id, a.id, c.id], merge)
    assert [t.id for t in out] == [b.id, a.id, c.id]                       # in ticket_ids order
    assert [t.version for t in out] == [2, 2, 1]                            # unchanged keeps its version
    with pytest.raises(NotFound):
        await repo.update_tickets([a.id, "missing"], lambda ts: ts[0].edit({"address": "x"}, actor="m", now=T0))
    with pytest.raises(PreconditionFailed):
        await repo.update_tickets([a.id, b.id], lambda ts: None, expected={a.id: 2, b.id: 1})
    assert [(await stored_ticket(repo, t.id)).address for t in (a, b, c)] == ["merged", "kept", None]


@pytest.mark.parametrize("fields", [("address",), ("address", "text_zh", "event_time")], ids=["same", "different"])
async def test_twenty_concurrent_updates_all_land(repo, make_repo, fields) -> None:
    t = draft_ticket()
    await repo.insert_ticket(t)
    node2 = make_repo()
    await node2.open()

    def edit(i: int):
        name = fields[i % len(fields)]
        value = f"2026-11-{i + 1:02d}" if name == "event_time" else f"{name} {i}"
        return lambda x: x.edit({name: value}, actor=f"agent-{i}", now=T0 + i + 1)

    try:
        await asyncio.gather(*((repo, node2)[i % 2].update_ticket(t.id, edit(i)) for i in range(20)))
    finally:
        await node2.close()
    stored = await stored_ticket(repo, t.id)
    assert stored.version == 1 + 20
    edits = [h for h in stored.history if h.action == "edit"]
    assert sorted(h.actor for h in edits) == sorted(f"agent-{i}" for i in range(20))
    assert audit.replay(stored) == []


async def test_ticket_lists_filters_and_touched(repo) -> None:
    a = draft_ticket("20261128000001", session_id=None)
    b = draft_ticket("20261128000002", session_id=None)
    b.created_at = b.updated_at = T0 + 10
    b.deadline = T0 + 100.5
    for t in (a, b):
        await repo.insert_ticket(t)
    await repo.update_ticket(a.id, lambda x: x.edit({"address": "later"}, actor="z", now=T0 + 500))
    assert [t.id for t in await repo.list_tickets()] == [b.id, a.id]          # newest first
    assert [t.id for t in await repo.list_tickets(limit=1)] == [b.id]
    assert all(t.history == [] for t in await repo.list_tickets())
    full = await repo.list_tickets(with_history=True)
    assert [len(t.history) for t in full] == [len(b.history), len(a.history) + 1]
    assert [t.version for t in full] == [1, 2]
    assert [t.id for t in await repo.list_tickets(due_before=T0 + 101)] == [b.id]
    assert await repo.list_tickets(due_before=T0 + 100.5) == []
    assert await repo.list_tickets(statuses=["closed"]) == []
    assert len(await repo.list_tickets(statuses=["draft", "closed"], channels=["chat"])) == 2
    assert await repo.list_tickets(departments=["nowhere"]) == []
    touched = await repo.tickets_touched(T0 + 400, T0 + 600)
    assert [t.id for t in touched] == [a.id] and touched[0].history[-1].new == "later"


# -- kiosk counters -----------------------------------------------------------------------------

async def test_kiosk_counts_add_up_under_concurrency_and_report_by_hour(repo) -> None:
    outs = await asyncio.gather(*(repo.kiosk_count("pvg-t2", "2026-11-28T08", "qr_shown", "en") for _ in range(30)))
    assert sorted(outs) == list(range(1, 31))
    assert await repo.kiosk_count("pvg-t2", "2026-11-28T08", "call_started", "ja", "video", n=3) == 3
    await repo.kiosk_count("sha-t1", "2026-11-28T09", "language_chosen", "ko")
    await repo.kiosk_count("pvg-t2", "2026-11-28T10", "qr_shown", "en")
    report = await repo.kiosk_report("2026-11-28T08", "2026-11-28T10")
    assert report == [KioskCount("pvg-t2", "2026-11-28T08", "call_started", "ja", "video", 3),
                      KioskCount("pvg-t2", "2026-11-28T08", "qr_shown", "en", "", 30),
                      KioskCount("sha-t1", "2026-11-28T09", "language_chosen", "ko", "", 1)]
    assert [r.kiosk for r in await repo.kiosk_report("2026-11-28T00", "2026-11-29T00", kiosk="sha-t1")] == ["sha-t1"]


# -- API keys and service requests ----------------------------------------------------------------

async def api_key(repo: Any, name: str = "wechat") -> ApiKeyRecord:
    return await repo.create_api_key(ApiKeyRecord(id=uuid.uuid4().hex, name=name, created_at=T0), f"hash-{name}")


def builder(api_key_id: str, idem_key: str | None, calls: list[int], code: str = "noise"):
    def build(seq: int) -> tuple[Ticket, ServiceRequestRecord]:
        calls.append(seq)
        t = Ticket.new_draft(ticket_number(date(2026, 11, 28), seq), "miniapp", "en", "Loud bar.", actor="api",
                             now=T0 + seq, session_id=None)
        rec = ServiceRequestRecord(ticket_id=t.id, number=t.number, api_key_id=api_key_id, token=uuid.uuid4().hex,
                                   access_hash="acc", body_hash="body", service_code=code, lang="en",
                                   requested_at=T0 + seq, idem_key=idem_key, lat=31.2304, long=121.4737,
                                   address="People's Square")
        return t, rec
    return build


async def test_api_keys(repo) -> None:
    k = await api_key(repo)
    with pytest.raises(Conflict, match="wechat"):
        await api_key(repo)
    assert await repo.api_key_by_hash("hash-wechat") == k
    assert await repo.api_key_by_hash("nope") is None


async def test_service_requests_store_find_and_are_idempotent(repo) -> None:
    k, other = await api_key(repo), await api_key(repo, "alipay")
    calls: list[int] = []
    rec, created = await repo.insert_service_request(day=DAY, api_key_id=k.id, idem_key="idem-1",
                                                     build=builder(k.id, "idem-1", calls))
    assert created and calls == [1]
    again, created = await repo.insert_service_request(day=DAY, api_key_id=k.id, idem_key="idem-1",
                                                       build=builder(k.id, "idem-1", calls))
    assert (again, created, calls) == (rec, False, [1])                    # build not even called
    # the same key from another client is another submission
    rec2, created = await repo.insert_service_request(day=DAY, api_key_id=other.id, idem_key="idem-1",
                                                      build=builder(other.id, "idem-1", calls, code="trash"))
    assert created and rec2.number.endswith("000002")
    rec3, _ = await repo.insert_service_request(day=DAY, api_key_id=k.id, idem_key=None,
                                                build=builder(k.id, None, calls))

    assert await repo.service_request(number=rec.number) == rec
    assert await repo.service_request(token=rec2.token) == rec2
    assert await repo.service_request(ticket_id=rec3.ticket_id) == rec3
    assert await repo.service_request(number="nope") is None
    ticket = await stored_ticket(repo, rec.ticket_id)
    assert ticket.version == 1 and ticket.number == rec.number

    mine = await repo.find_service_requests(api_key_id=k.id)
    assert [r.number for r, _ in mine] == [rec3.number, rec.number]        # newest first
    assert all(t.id == r.ticket_id and t.history == [] and t.version == 1 for r, t in mine)
    assert [r for r, _ in await repo.find_service_requests(api_key_id=None, service_codes=["trash"])] == [rec2]
    assert [r for r, _ in await repo.find_service_requests(api_key_id=k.id, idem_key="idem-1")] == [rec]
    assert [r.number for r, _ in await repo.find_service_requests(api_key_id=None, start=T0 + 2, end=T0 + 3)] == \
        [rec3.number, rec2.number]
    assert await repo.find_service_requests(api_key_id=None, ticket_states=["closed"]) == []
    assert len(await repo.find_service_requests(api_key_id=None, numbers=[rec.number, rec2.number])) == 2
    assert len(await repo.find_service_requests(api_key_id=None, limit=1)) == 1


async def test_racing_submissions_with_one_idempotency_key_store_one_ticket(repo, make_repo) -> None:
    k = await api_key(repo)
    node2 = make_repo()
    await node2.open()
    calls: list[int] = []
    try:
        outs = await asyncio.gather(*((repo, node2)[i % 2].insert_service_request(
            day=DAY, api_key_id=k.id, idem_key="same", build=builder(k.id, "same", calls)) for i in range(12)))
    finally:
        await node2.close()
    assert [created for _, created in outs].count(True) == 1
    assert len({rec for rec, _ in outs}) == 1
    assert len(await repo.list_tickets()) == 1
    assert len(await repo.find_service_requests(api_key_id=None)) == 1
    # the losers' ticket numbers were rolled back with them: the day's counter has no hole
    assert await repo.next_ticket_number(DAY) == 2


# -- moving data between stores -------------------------------------------------------------------

async def fill(repo: Any) -> None:
    """A row in every table, with the awkward values: None, unicode, nested JSON, flags, floats."""
    u = await repo.create_user(user("alice", department="water", password_hash="pw"))
    await repo.create_user(user("bob", disabled=True))
    await repo.add_token("tok", u.id, T0, T0 + 3600.5)
    await repo.add_token("old", u.id, T0, None)
    await repo.revoke_token("old")
    await repo.create_session(session("s1", meta={"ua": "Mozilla", "list": [1, None, "ü"]}))
    await repo.append_message(msg("s1", "こんにちは", client_id="c1", meta={"zh": "你好"}))
    await repo.append_message(msg("s1", "second"))
    t = draft_ticket(number=ticket_number(date(2026, 11, 28), await repo.next_ticket_number(DAY)))
    t.edit({"address": "1 Century Ave", "text_zh": "夜间噪音"}, actor=u.id, now=T0 + 1.5, reason="said so")
    await repo.end_session_with_ticket("s1", ended_at=T0 + 2, ended_by="seat", ticket=t)
    await repo.kiosk_count("pvg", "2026-11-28T08", "qr_shown", "en", n=2)
    k = await api_key(repo)
    await repo.insert_service_request(day=DAY, api_key_id=k.id, idem_key="i1", build=builder(k.id, "i1", []))


async def test_dump_and_load_round_trip_between_the_two_backends(repo, other_backend) -> None:
    await fill(repo)
    assert await other_backend.is_empty() and not await repo.is_empty()
    dumped = {t: await repo.dump_table(t) for t in TABLES}
    assert all(dumped[t] for t in TABLES)                                  # every table has rows
    assert all(isinstance(r["created_at"], float) for r in dumped["users"])
    assert {r["login"]: r["disabled"] for r in dumped["users"]} == {"alice": False, "bob": True}
    assert isinstance(dumped["tickets"][0]["data"], dict)
    for t in TABLES:
        await other_backend.load_table(t, dumped[t])
    assert {t: await other_backend.dump_table(t) for t in TABLES} == dumped
    # the copy goes on where the source left off: counters are consistent with the copied rows
    m, created = await other_backend.append_message(msg("s1", "third"))
    assert (m.seq, created) == (3, True)
    again, created = await other_backend.append_message(msg("s1", "resent", client_id="c1"))
    assert (again.seq, created) == (1, False)
    assert await other_backend.next_ticket_number(DAY) == 3               # 1: the call's ticket, 2: the submission
    ticket_id = dumped["tickets"][0]["id"]
    copied = await other_backend.get_ticket(ticket_id)
    assert copied.to_dict() == (await repo.get_ticket(ticket_id)).to_dict()
    assert audit.replay(copied) == []


async def test_load_table_raises_counters_behind_the_copied_rows(repo) -> None:
    """A dump whose counters lag its rows (an older source) must not make the copy reuse numbers.

    From a consistent source this changes nothing (the round trip above stays equal)."""
    s = {f: v for f, v in vars(session("s9")).items()}
    await repo.load_table("sessions", [{**s, "meta": {}, "last_seq": 0}])
    await repo.load_table("messages", [{"session_id": "s9", "seq": i, "sender": "caller", "author": None,
                                        "text": f"m{i}", "client_id": None, "created_at": T0, "meta": {}}
                                       for i in (1, 2, 3)])
    m, _ = await repo.append_message(msg("s9", "next"))
    assert m.seq == 4
    t = draft_ticket("20261128000005", session_id=None)
    rows = {"id": t.id, "number": t.number, "status": "draft", "channel": "chat", "lang": "ja", "category": None,
            "department": None, "district": None, "session_id": None, "deadline": None, "created_at": T0,
            "updated_at": T0, "data": {**t.to_dict(), "history": None}, "version": 1}
    del rows["data"]["history"]
    await repo.load_table("tickets", [rows])
    await repo.load_table("ticket_counters", [{"day": DAY, "seq": 2}])
    assert await repo.next_ticket_number(DAY) == 6


# -- NUL characters -------------------------------------------------------------------------------

NUL_CASES = ["message", "session_meta", "ticket", "user"]


@pytest.mark.parametrize("case", NUL_CASES)
async def test_nul_characters(repo, backend, case) -> None:
    """PostgreSQL cannot store U+0000 in text or jsonb: a clear InvalidField (422), nothing stored.

    SQLite stores it and gives it back unchanged; the two backends differ here on purpose (the
    gateway refuses NUL at its edges anyway, so only PostgreSQL's behaviour reaches a client)."""
    await repo.create_session(session("s1"))
    bad = "before\x00after"

    async def write() -> None:
        if case == "message":
            await repo.append_message(msg("s1", bad))
        elif case == "session_meta":
            await repo.update_session("s1", meta={"note": {"deep": [bad]}})
        elif case == "ticket":
            t = draft_ticket()
            t.edit({"address": bad}, actor="a", now=T0 + 1)
            await repo.insert_ticket(t)
        else:
            await repo.create_user(user(bad))

    if backend == "postgres":
        with pytest.raises(InvalidField, match="NUL character"):
            await write()
        assert await repo.messages("s1") == []
        assert (await repo.get_session("s1")).meta == {}
        assert await repo.list_tickets() == [] and await repo.list_users() == []
        return
    await write()
    if case == "message":
        assert [m.text for m in await repo.messages("s1")] == [bad]
    elif case == "session_meta":
        assert (await repo.get_session("s1")).meta == {"note": {"deep": [bad]}}
    elif case == "ticket":
        assert [t.address for t in await repo.list_tickets()] == [bad]
    else:
        assert [u.login for u in await repo.list_users()] == [bad]


# -- PostgreSQL only ---------------------------------------------------------------------------------

@pytest.fixture
def pg_only(backend: str) -> None:
    if backend != "postgres":
        pytest.skip("PostgreSQL machinery")


async def test_pg_connections_commit_synchronously_whatever_the_database_says(pg_only, pg_fresh_url) -> None:
    import psycopg
    with psycopg.connect(pg_fresh_url, autocommit=True) as admin:
        db = pg_fresh_url.rsplit("/", 1)[1]
        admin.execute(f'ALTER DATABASE "{db}" SET synchronous_commit = off')
    commits: list[tuple[int, float]] = []
    repo = PostgresRepository(pg_fresh_url, pool_min=2, pool_max=2, on_commit=lambda n, s: commits.append((n, s)))
    await repo.open()
    try:
        settings = await asyncio.gather(*(repo.server_setting("synchronous_commit") for _ in range(4)))
        assert settings == ["on"] * 4
        await repo.create_session(session("s1"))
        await repo.get_session("s1")                                       # reads are not commits
        await repo.append_message(msg("s1", "x", client_id="c"))
        await repo.append_message(msg("s1", "x", client_id="c"))           # a resend writes nothing
        assert [n for n, _ in commits] == [1, 1]
        assert all(s >= 0 for _, s in commits)
    finally:
        await repo.close()


async def test_pg_a_failing_metrics_callback_never_breaks_storage(pg_only, pg_url) -> None:
    def boom(n: int, s: float) -> None:
        raise RuntimeError("metrics down")
    repo = PostgresRepository(pg_url, on_commit=boom)
    await repo.open()
    try:
        await repo.create_session(session("s1"))
        assert (await repo.get_session("s1")) is not None
    finally:
        await repo.close()


async def test_pg_nodes_starting_together_migrate_once(pg_only, pg_fresh_url) -> None:
    import psycopg
    nodes = [PostgresRepository(pg_fresh_url, pool_min=1, pool_max=2) for _ in range(4)]
    await asyncio.gather(*(n.open() for n in nodes))
    try:
        versions = await asyncio.gather(*(n.schema_version() for n in nodes))
        assert len(set(versions)) == 1 and versions[0] >= 1
    finally:
        await asyncio.gather(*(n.close() for n in nodes))
    with psycopg.connect(pg_fresh_url) as conn:
        rows = conn.execute("SELECT version FROM schema_migrations ORDER BY version").fetchall()
        types = dict(conn.execute("SELECT column_name, data_type FROM information_schema.columns"
                                  " WHERE table_name = 'tickets'").fetchall())
    assert [v for (v,) in rows] == sorted({v for (v,) in rows}) and rows[-1][0] == versions[0]
    assert (types["created_at"], types["data"], types["version"]) == ("timestamp with time zone", "jsonb", "integer")


async def test_pg_password_never_shows(pg_only, pg_server) -> None:
    url = f"postgresql://postgres:s3cret-pw@127.0.0.1:{pg_server.port}/no_such_database"
    repo = PostgresRepository(url)
    assert "s3cret" not in repr(repo) and "s3cret" not in redact(url)
    assert "s3cret" not in redact("host=x password=s3cret-pw dbname=y")
    assert "s3cret" not in redact("postgresql://u@h/db?password=s3cret-pw")
    with pytest.raises(ConnectionError) as info:
        await repo.open()
    assert "s3cret" not in str(info.value) and "no_such_database" in str(info.value)


async def test_pg_unreachable_database_is_a_503_not_a_driver_error(pg_only, pg_url, pg_server) -> None:
    repo = PostgresRepository(pg_url, pool_min=1, pool_max=1)
    await repo.open()
    try:
        import psycopg
        with psycopg.connect(pg_server.url(), autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                          (pg_url.rsplit("/", 1)[1],))
        with pytest.raises(GatewayError) as info:
            await repo.get_user("x")                       # the pooled connection was killed
        assert info.value.status == 503
        assert await repo.ping() in (True, False)          # never raises
    finally:
        await repo.close()
