"""SQLite storage machinery: the engine (one writer, group commit, SAVEPOINT per op), pragmas, migrations,
durability.  What every backend must do (users, sessions, messages, tickets, ...) is tested once for both in
tests/contract/test_repository.py."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import textwrap
import threading
import time
import uuid
from pathlib import Path

import pytest

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
    engine = SQLiteEngine(tmp_path / "e.sqlite3")
    engine.start()
    try:
        engine.run_sync(lambda c: c.execute("CREATE TABLE t (k INTEGER PRIMARY KEY)"))
        engine.run_sync(lambda c: c.execute("INSERT INTO t VALUES (1)"))
        assert engine.run_sync(lambda c: c.execute("SELECT COUNT(*) FROM t").fetchone()[0]) == 1
        with pytest.raises(ZeroDivisionError):
            engine.run_sync(lambda c: 1 / 0)
        assert engine.run_sync(lambda c: c.execute("SELECT COUNT(*) FROM t").fetchone()[0]) == 1
    finally:
        engine.stop()


async def test_operations_after_stop_raise_a_clear_error(tmp_path) -> None:
    r = SQLiteRepository(tmp_path / "db.sqlite3")
    await r.open()
    await r.create_user(user())
    await r.close()
    await r.close()                                  # twice is fine
    with pytest.raises(RuntimeError, match="closed"):
        await r.get_user_by_login("alice")
    with pytest.raises(RuntimeError, match="closed"):
        r.engine.run_sync(lambda c: 1)


async def test_use_before_open_or_after_failed_open_raises_instead_of_hanging(tmp_path) -> None:
    r = SQLiteRepository(tmp_path / "db.sqlite3")
    with pytest.raises(RuntimeError, match="not open"):
        await r.ping()
    bad = SQLiteRepository(tmp_path)                 # a directory cannot be opened as a database
    with pytest.raises(sqlite3.OperationalError):
        await bad.open()
    with pytest.raises(RuntimeError, match="not open"):
        bad.engine.run_sync(lambda c: 1)
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

async def test_concurrent_appends_are_group_committed(repo) -> None:
    """The writer thread commits what queued up together once (the numbering itself is in
    tests/contract/test_repository.py, on both backends)."""
    await repo.create_session(session("s1"))
    outs = await asyncio.gather(*(repo.append_message(msg("s1", f"t{i}")) for i in range(300)))
    assert sorted(m.seq for m, _ in outs) == list(range(1, 301))
    assert repo.engine.stats.batches < repo.engine.stats.operations   # some of it was grouped



def test_the_wal_is_cut_back_after_it_outgrows_its_limit(tmp_path) -> None:
    """A burst written while a reader holds an old snapshot (so no checkpoint can finish) grows
    the WAL; once the reader is gone the file must shrink back, not stay that size for ever."""
    path = tmp_path / "e.sqlite3"
    engine = SQLiteEngine(path, checkpoint_interval_s=0.05, wal_limit_bytes=256 * 1024)
    engine.start()
    wal = Path(str(path) + "-wal")
    try:
        engine.run_sync(lambda c: c.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v BLOB)"))
        reader = sqlite3.connect(path)
        reader.execute("BEGIN")
        reader.execute("SELECT COUNT(*) FROM t").fetchone()           # holds its snapshot open
        for i in range(200):
            engine.run_sync(lambda c, i=i: c.execute("INSERT INTO t VALUES (?, ?)", (i, b"x" * 20_000)))
        grown = wal.stat().st_size
        assert grown > 2 * 1024 * 1024                                # the burst is in the WAL
        reader.rollback()
        reader.close()
        deadline = time.time() + 20
        while wal.exists() and wal.stat().st_size > 256 * 1024 and time.time() < deadline:
            time.sleep(0.05)
        assert wal.stat().st_size <= 256 * 1024, (grown, wal.stat().st_size)
        assert engine.stats.wal_truncations >= 1
        assert engine.run_sync(lambda c: c.execute("SELECT COUNT(*) FROM t").fetchone()[0]) == 200
    finally:
        engine.stop()
