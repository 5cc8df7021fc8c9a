"""SQLite storage: engine (one writer, group commit, SAVEPOINT per op) and the repository on top."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import textwrap
import threading
import uuid
from pathlib import Path

import pytest

from gateway.domain.ticket import Ticket
from gateway.errors import Conflict
from gateway.storage.engine import SQLiteEngine
from gateway.storage.records import MessageRecord, SessionRecord, UserRecord
from gateway.storage.sqlite import SQLiteRepository, migrations

T0 = 1_795_824_000.0
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
async def repo(tmp_path):
    r = SQLiteRepository(tmp_path / "db.sqlite3")
    await r.open()
    yield r
    await r.close()


def user(login: str = "alice", **kw) -> UserRecord:
    return UserRecord(id=uuid.uuid4().hex, login=login, name=login.title(), role="agent",
                      seat_kind="agent", skills={"lang:ja": 4}, created_at=T0, **kw)


def session(sid: str = "s1", **kw) -> SessionRecord:
    base = dict(id=sid, channel="chat", lang="ja", state="queued", token_hash="th-" + sid,
                queue="lang:ja", skill="lang:ja", priority=0, created_at=T0, enqueued_at=T0)
    return SessionRecord(**{**base, **kw})


def msg(sid: str, text: str, client_id: str | None = None) -> MessageRecord:
    return MessageRecord(session_id=sid, seq=0, sender="caller", text=text, created_at=T0, client_id=client_id)


def draft_ticket(number: str = "20261128000001", session_id: str | None = "s1") -> Ticket:
    return Ticket.new_draft(number, "chat", "ja", "Noise at night.", actor="system", now=T0,
                            session_id=session_id, district="Pudong")


def raw(path: Path, sql: str, params: tuple = ()) -> list[tuple]:
    """Read with an independent sqlite3 connection, as another process would."""
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


# -- engine ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("setting", "code"), [("FULL", 2), ("normal", 1), ("OFF", 0)])
async def test_wal_and_synchronous_are_applied(tmp_path, setting, code) -> None:
    r = SQLiteRepository(tmp_path / "db.sqlite3", synchronous=setting)
    await r.open()
    try:
        mode = await r.engine.run(lambda c: c.execute("PRAGMA journal_mode").fetchone()[0])
        sync = await r.engine.run(lambda c: c.execute("PRAGMA synchronous").fetchone()[0])
        fks = await r.engine.run(lambda c: c.execute("PRAGMA foreign_keys").fetchone()[0])
    finally:
        await r.close()
    assert (mode, sync, fks) == ("wal", code, 1)
    assert raw(tmp_path / "db.sqlite3", "PRAGMA journal_mode") == [("wal",)]   # persistent in the file


def test_bad_synchronous_setting_is_rejected(tmp_path) -> None:
    with pytest.raises(ValueError, match="synchronous"):
        SQLiteEngine(tmp_path / "x.sqlite3", synchronous="SOMETIMES")


async def test_failing_op_in_a_batch_only_undoes_itself(tmp_path) -> None:
    engine = SQLiteEngine(tmp_path / "e.sqlite3")
    engine.start()
    try:
        await engine.run(lambda c: c.execute("CREATE TABLE t (k INTEGER PRIMARY KEY)"))
        started, release = threading.Event(), threading.Event()

        def blocker(c: sqlite3.Connection) -> str:
            started.set()
            release.wait()
            return "blocker"

        first = asyncio.ensure_future(engine.run(blocker))
        await asyncio.get_running_loop().run_in_executor(None, started.wait)

        def insert(k: int):
            def op(c: sqlite3.Connection) -> int:
                c.execute("INSERT INTO t VALUES (?)", (k,))
                if k == 13:
                    raise RuntimeError("op 13 fails after writing")
                return k
            return op

        tasks = [asyncio.ensure_future(engine.run(insert(k))) for k in range(30)]
        await asyncio.sleep(0)                      # let every task queue its operation
        assert engine._q.qsize() == 30              # all 30 wait behind the blocker: one batch
        release.set()
        assert await first == "blocker"
        results = await asyncio.gather(*tasks, return_exceptions=True)
        assert engine.stats.last_batch_size == 30
        assert isinstance(results[13], RuntimeError)
        assert [r for i, r in enumerate(results) if i != 13] == [k for k in range(30) if k != 13]
        rows = await engine.run(lambda c: [r[0] for r in c.execute("SELECT k FROM t ORDER BY k")])
        assert rows == [k for k in range(30) if k != 13]
    finally:
        engine.stop()
    assert [r[0] for r in raw(tmp_path / "e.sqlite3", "SELECT k FROM t ORDER BY k")] == [k for k in range(30) if k != 13]


def test_run_sync_outside_a_loop(tmp_path) -> None:
    r = SQLiteRepository(tmp_path / "db.sqlite3")
    r.open_sync()
    try:
        u = r.create_user_sync(user("bob"))
        assert r.get_user_by_login_sync("bob") == u
        assert r.engine.run_sync(lambda c: c.execute("SELECT COUNT(*) FROM users").fetchone()[0]) == 1
        with pytest.raises(ZeroDivisionError):
            r.engine.run_sync(lambda c: 1 / 0)
        assert r.get_user_by_login_sync("nobody") is None
    finally:
        r.close_sync()


async def test_operations_after_stop_raise_a_clear_error(tmp_path) -> None:
    r = SQLiteRepository(tmp_path / "db.sqlite3")
    await r.open()
    await r.create_user(user())
    await r.close()
    await r.close()                                  # twice is fine
    with pytest.raises(RuntimeError, match="closed"):
        await r.get_user_by_login("alice")
    with pytest.raises(RuntimeError, match="closed"):
        r.get_user_by_login_sync("alice")


async def test_use_before_open_or_after_failed_open_raises_instead_of_hanging(tmp_path) -> None:
    r = SQLiteRepository(tmp_path / "db.sqlite3")
    with pytest.raises(RuntimeError, match="not open"):
        await r.ping()
    bad = SQLiteRepository(tmp_path)                 # a directory cannot be opened as a database
    with pytest.raises(sqlite3.OperationalError):
        await bad.open()
    with pytest.raises(RuntimeError, match="not open"):
        bad.get_user_by_login_sync("x")
    await bad.close()


def test_writer_survives_a_caller_whose_loop_closed(tmp_path) -> None:
    """A result for a closed event loop must not kill the writer thread (and hang everyone else)."""
    engine = SQLiteEngine(tmp_path / "e.sqlite3")
    engine.start()
    try:
        started, release = threading.Event(), threading.Event()

        def blocker(c: sqlite3.Connection) -> int:
            started.set()
            release.wait()
            return 1

        loop = asyncio.new_event_loop()
        task = loop.create_task(engine.run(blocker))
        loop.run_until_complete(asyncio.sleep(0))   # the op is queued
        assert started.wait(10)
        task.cancel()
        loop.run_until_complete(asyncio.gather(task, return_exceptions=True))
        loop.close()
        release.set()                                # the writer now resolves a future of a closed loop

        box: dict[str, object] = {}
        t = threading.Thread(target=lambda: box.setdefault("v", engine.run_sync(lambda c: 42)), daemon=True)
        t.start()
        t.join(10)                                   # a hang guard, not a timing assertion
        assert box.get("v") == 42, "the writer thread died"
    finally:
        engine.stop()


# -- migrations and durability ------------------------------------------------------------------

async def test_migrations_recorded_and_idempotent(tmp_path) -> None:
    path = tmp_path / "db.sqlite3"
    versions = [v for v, _ in migrations()]
    assert versions and versions == sorted(set(versions))
    for _ in range(2):
        r = SQLiteRepository(path)
        await r.open()
        assert await r.schema_version() == versions[-1]
        await r.close()
    rows = raw(path, "SELECT version, applied_at FROM schema_migrations ORDER BY version")
    assert [v for v, _ in rows] == versions                  # recorded once each, not re-applied
    tables = {n for (n,) in raw(path, "SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"users", "auth_tokens", "sessions", "messages", "tickets", "ticket_history",
            "ticket_counters", "schema_migrations"} <= tables


async def test_everything_survives_close_and_reopen(tmp_path) -> None:
    path = tmp_path / "db.sqlite3"
    r = SQLiteRepository(path)
    await r.open()
    u = await r.create_user(user())
    await r.add_token("hash-1", u.id, T0, None)
    await r.create_session(session("s1", meta={"ua": "test"}))
    for i in range(5):
        await r.append_message(msg("s1", f"m{i}", client_id=f"c{i}"))
    await r.update_session("s1", state="active", seat_id=u.id, seat_name="Alice", answered_at=T0 + 5)
    t = draft_ticket()
    t.edit({"address": "1 Century Ave"}, actor=u.id, now=T0 + 10, reason="caller said")
    await r.end_session_with_ticket("s1", ended_at=T0 + 20, ended_by="seat", ticket=t)
    await r.close()

    r2 = SQLiteRepository(path)
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
        assert [(h.action, h.field, h.new) for h in got.history] == \
            [("create", "status", "draft"), ("edit", "address", "1 Century Ave")]
        assert await r2.open_sessions() == []
    finally:
        await r2.close()


def test_acknowledged_writes_survive_a_process_that_never_closes(tmp_path) -> None:
    """A child process writes, prints each acknowledgement, then dies without closing the database."""
    path = tmp_path / "db.sqlite3"
    script = textwrap.dedent(f"""
        import asyncio, os, sys
        from gateway.storage.sqlite import SQLiteRepository
        from gateway.storage.records import MessageRecord, SessionRecord
        async def main():
            r = SQLiteRepository({str(path)!r})
            await r.open()
            await r.create_session(SessionRecord(id="s1", channel="chat", lang="en", state="queued",
                token_hash="x", queue="q", skill="lang:en", priority=0, created_at=1.0, enqueued_at=1.0))
            outs = await asyncio.gather(*(r.append_message(MessageRecord(session_id="s1", seq=0,
                sender="caller", text=f"t{{i}}", created_at=1.0, client_id=f"c{{i}}")) for i in range(50)))
            print(" ".join(str(m.seq) for m, _ in outs), flush=True)
            os._exit(0)   # no close(), no final checkpoint
        asyncio.run(main())
    """)
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    acked = sorted(int(x) for x in out.stdout.split())
    assert acked == list(range(1, 51))

    async def check() -> list[tuple[int, str]]:
        r = SQLiteRepository(path)
        await r.open()
        try:
            return [(m.seq, m.client_id) for m in await r.messages("s1")]
        finally:
            await r.close()
    stored = asyncio.run(check())
    assert [s for s, _ in stored] == acked
    assert sorted(c for _, c in stored) == sorted(f"c{i}" for i in range(50))


# -- messages ---------------------------------------------------------------------------------

async def test_concurrent_appends_get_consecutive_unique_seqs(repo) -> None:
    await repo.create_session(session("s1"))
    outs = await asyncio.gather(*(repo.append_message(msg("s1", f"t{i}")) for i in range(300)))
    seqs = [m.seq for m, created in outs]
    assert all(created for _, created in outs)
    assert sorted(seqs) == list(range(1, 301))
    stored = await repo.messages("s1")
    assert [m.seq for m in stored] == list(range(1, 301))
    assert {m.text for m in stored} == {f"t{i}" for i in range(300)}
    assert repo.engine.stats.batches < repo.engine.stats.operations   # some of it was grouped


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
    # duplicates submitted concurrently (same batch) still store one row
    outs = await asyncio.gather(*(repo.append_message(msg("s1", "dup", client_id="c-2")) for _ in range(10)))
    assert {m.seq for m, _ in outs} == {3} and [c for _, c in outs].count(True) == 1
    assert [m.seq for m in await repo.messages("s1")] == [1, 2, 3]


async def test_message_needs_an_existing_session(repo) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        await repo.append_message(msg("nope", "orphan"))
    with pytest.raises(KeyError):
        await repo.update_session("nope", state="ended")
    with pytest.raises(ValueError, match="token_hash"):
        await repo.update_session("nope", token_hash="x")


# -- users and tokens ------------------------------------------------------------------------

async def test_users_and_tokens(repo) -> None:
    a = await repo.create_user(user("alice"))
    b = await repo.create_user(UserRecord(id="sup1", login="boss", name="Boss", role="supervisor", created_at=T0))
    with pytest.raises(Conflict, match="alice"):
        await repo.create_user(user("alice"))
    assert await repo.get_user_by_login("alice") == a
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
    with pytest.raises(sqlite3.IntegrityError):                         # token for no user
        await repo.add_token("dangling", "no-such-user", T0, None)


async def test_disabled_user_token_does_not_authenticate(repo) -> None:
    u = await repo.create_user(user("carol", disabled=True))
    await repo.add_token("t", u.id, T0, None)
    assert await repo.user_for_token("t", T0) is None
    assert (await repo.get_user(u.id)).disabled is True


# -- tickets ------------------------------------------------------------------------------

async def test_ticket_history_is_append_only(repo, tmp_path) -> None:
    t = draft_ticket(session_id=None)
    await repo.insert_ticket(t)
    hist = "SELECT idx, at, actor, action, field, old, new, reason FROM ticket_history ORDER BY idx"
    rows1 = raw(tmp_path / "db.sqlite3", hist)
    assert len(rows1) == 1

    t.edit({"address": "A road 1"}, actor="agent-1", now=T0 + 1, reason="typo")
    await repo.save_ticket(t)
    rows2 = raw(tmp_path / "db.sqlite3", hist)
    t.edit({"address": "B road 2", "district": "Xuhui"}, actor="agent-2", now=T0 + 2)
    await repo.save_ticket(t)
    rows3 = raw(tmp_path / "db.sqlite3", hist)
    assert (len(rows2), len(rows3)) == (2, 4)
    assert rows3[:2] == rows2 and rows2[:1] == rows1                   # old rows untouched
    assert rows3[1][2:] == ("agent-1", "edit", "address", "null", '"A road 1"', "typo")

    # saving again without changes adds nothing; rewriting memory does not rewrite the trail
    await repo.save_ticket(t)
    t.history[0].actor = "forger"
    await repo.save_ticket(t)
    assert raw(tmp_path / "db.sqlite3", hist) == rows3
    got = await repo.get_ticket(t.id)
    assert got.history[0].actor == "system" and got.address == "B road 2" and got.district == "xuhui"
    assert await repo.get_ticket("missing") is None
    with pytest.raises(KeyError):                  # saving a ticket that was never inserted
        await repo.save_ticket(draft_ticket("20261128000099"))


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
    await repo.end_session_with_ticket("s1", ended_at=T0, ended_by="caller", ticket=None)
    s = await repo.get_session("s1")
    assert (s.state, s.ticket_id, s.ended_by) == ("ended", None, "caller")
