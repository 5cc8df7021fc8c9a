"""One SQLite connection on one thread, with group commit.

Why hand-written: ``aiosqlite`` runs one statement per round trip and commits
each on its own, so 1,000 chat messages a second would mean 1,000 fsyncs.  Here
every operation is a function ``fn(conn) -> result`` queued to a single worker
thread.  The worker drains whatever is queued, runs each operation inside its
own SAVEPOINT (so one failing operation never undoes its neighbours), commits
the whole batch once, and only *then* resolves the callers' futures.  An
acknowledgement therefore always follows a durable commit, and the cost of the
fsync is shared by everything that arrived while the previous one ran.

WAL checkpoints run on a second connection in their own thread (PASSIVE, once
a second).  Left to SQLite's automatic checkpoint, every thousandth page
would make one unlucky commit copy the WAL into the database and fsync it,
which showed up as 100-250 ms stalls at the 99th percentile under chat load.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from gateway.errors import GatewayError

T = TypeVar("T")
log = logging.getLogger("gateway.storage")

#: SQLite's result codes for "no room" and "the disk failed us" (sqlite3.Error.sqlite_errorcode, low byte).
_SQLITE_FULL, _SQLITE_IOERR = 13, 10
FULL_RETRY_AFTER_S = 30


class StorageFull(GatewayError):
    """The disk (or the database's size limit) is full: nothing was stored; try again later.
    A 503 with Retry-After, not a 500: the hotline recovers by itself once space is freed."""

    code = "storage_full"
    status = 503
    retry_after_s = FULL_RETRY_AFTER_S


class _BatchAborted(Exception):
    def __init__(self, cause: BaseException) -> None:
        super().__init__(str(cause))
        self.cause = cause


def _full(exc: BaseException) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if isinstance(code, int) and code & 0xFF in (_SQLITE_FULL, _SQLITE_IOERR):
        return True
    return isinstance(exc, sqlite3.OperationalError) and "disk is full" in str(exc)

_STOP = object()


@dataclass
class EngineStats:
    batches: int = 0
    operations: int = 0
    last_batch_size: int = 0
    commit_seconds: list[float] = field(default_factory=list)  # most recent, bounded
    wal_truncations: int = 0        # times the WAL outgrew wal_limit_bytes and was cut back
    full_since: float | None = None  # monotonic time of the first "disk full" not yet followed by a write
    full_refusals: int = 0


class SQLiteEngine:
    """Serialises every database operation onto one thread and commits in groups."""

    def __init__(self, path: str | Path, *, synchronous: str = "FULL", max_batch: int = 512,
                 on_commit: Callable[[int, float], None] | None = None,
                 checkpoint_interval_s: float = 1.0, wal_limit_bytes: int = 64 * 1024 * 1024) -> None:
        self.path = str(path)
        self.wal_limit_bytes = wal_limit_bytes
        self._full_logged = float("-inf")
        self.synchronous = synchronous.upper()
        if self.synchronous not in {"OFF", "NORMAL", "FULL", "EXTRA"}:
            raise ValueError(f"sqlite synchronous must be OFF, NORMAL, FULL or EXTRA, not {synchronous!r}")
        self.max_batch = max_batch
        self.on_commit = on_commit
        self.stats = EngineStats()
        self._q: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._open_error: BaseException | None = None
        self._closed = False
        self.checkpoint_interval_s = checkpoint_interval_s
        self._ckpt_stop = threading.Event()
        self._ckpt_thread: threading.Thread | None = None

    # -- lifecycle ---------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            return
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._thread = threading.Thread(target=self._run, name="sqlite-writer", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._open_error is not None:
            raise self._open_error
        if self.path != ":memory:" and self.checkpoint_interval_s > 0:
            self._ckpt_thread = threading.Thread(target=self._checkpointer, name="sqlite-checkpoint", daemon=True)
            self._ckpt_thread.start()

    def stop(self) -> None:
        """Finish everything queued, commit, close.  Safe to call twice."""
        if self._thread is None or self._closed:
            return
        self._closed = True
        self._ckpt_stop.set()
        if self._ckpt_thread is not None:
            self._ckpt_thread.join()
        self._q.put(_STOP)
        self._thread.join()

    def _storage_error(self, exc: BaseException) -> BaseException:
        """A full disk becomes :class:`StorageFull` (503), logged once a minute, not per request."""
        if not _full(exc):
            return exc
        st = self.stats
        st.full_refusals += 1
        now = time.monotonic()
        if now - self._full_logged > 60:            # one line a minute, however many refusals
            self._full_logged = now
            log.error("the database disk is full: writes are refused with 503 until space is freed",
                      extra={"event": "storage_full", "refused": st.full_refusals})
        if st.full_since is None:
            st.full_since = now
        return StorageFull("the hotline cannot store anything right now (its disk is full); "
                           f"nothing was saved: please try again in {FULL_RETRY_AFTER_S} seconds")

    @property
    def full(self) -> bool:
        return self.stats.full_since is not None

    def _checkpointer(self) -> None:
        """PASSIVE checkpoints once a second, off the commit path.  A PASSIVE checkpoint never waits,
        so under a steady stream of commits (or a long reader) it may never finish, and a WAL file
        never shrinks by itself: when it passes ``wal_limit_bytes`` a TRUNCATE checkpoint waits
        (up to the busy timeout) for a quiet moment and cuts the file back to zero."""
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout=1000")
        wal = Path(self.path + "-wal")
        warned = 0.0
        try:
            while not self._ckpt_stop.wait(self.checkpoint_interval_s):
                try:
                    conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
                    if wal.exists() and wal.stat().st_size > self.wal_limit_bytes:
                        busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
                        if not busy:
                            self.stats.wal_truncations += 1
                        elif time.monotonic() - warned > 60:      # one line a minute, not one a second
                            warned = time.monotonic()
                            log.warning("the WAL is over its limit and could not be truncated yet",
                                        extra={"event": "wal_over_limit", "bytes": wal.stat().st_size})
                except (sqlite3.Error, OSError) as exc:  # busy now: the next round catches up
                    log.debug("checkpoint skipped", extra={"event": "checkpoint_skipped", "error": str(exc)})
        finally:
            conn.close()

    # -- submitting work ---------------------------------------------------
    async def run(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Run ``fn(conn)`` on the writer thread; return after its batch is committed."""
        self._check_open()
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[T] = loop.create_future()
        self._q.put((fn, fut, loop))
        return await fut

    def run_sync(self, fn: Callable[[sqlite3.Connection], T]) -> T:
        """Blocking variant for the CLI and for start-up code outside an event loop."""
        self._check_open()
        done = threading.Event()
        box: dict[str, Any] = {}
        self._q.put((fn, (done, box), None))
        done.wait()
        if "error" in box:
            raise box["error"]
        return box["result"]

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("the database is closed")
        if self._thread is None or self._open_error is not None:
            # Without a writer thread nothing would ever resolve the operation: fail instead of hanging.
            raise RuntimeError("the database is not open (call start() / open() first)")

    # -- the worker ----------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(f"PRAGMA synchronous={self.synchronous}")
        if self.checkpoint_interval_s > 0 and self.path != ":memory:":
            conn.execute("PRAGMA wal_autocheckpoint=0")   # the checkpoint thread does it
        # When a checkpoint lets the WAL start over, the file is cut back to this size.
        conn.execute(f"PRAGMA journal_size_limit={int(self.wal_limit_bytes)}")
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA busy_timeout=5000")
        return conn

    def _run(self) -> None:
        try:
            conn = self._connect()
        except BaseException as exc:  # reported to start()
            self._open_error = exc
            self._ready.set()
            return
        self._ready.set()
        stopping = False
        while not stopping:
            item = self._q.get()
            batch = []
            if item is _STOP:
                stopping = True
            else:
                batch.append(item)
            while len(batch) < self.max_batch:
                try:
                    nxt = self._q.get_nowait()
                except queue.Empty:
                    break
                if nxt is _STOP:
                    stopping = True
                    break
                batch.append(nxt)
            if batch:
                self._execute_batch(conn, batch)
        try:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")   # leave a tidy database file behind
        except sqlite3.Error:
            pass
        conn.close()

    def _execute_batch(self, conn: sqlite3.Connection, batch: list[Any]) -> None:
        results: list[tuple[bool, Any]] = []
        t0 = time.perf_counter()
        changes_before = conn.total_changes
        try:
            conn.execute("BEGIN IMMEDIATE")
            for fn, _fut, _loop in batch:
                conn.execute("SAVEPOINT op")
                try:
                    res = fn(conn)
                except BaseException as exc:  # the op failed: undo only it
                    if not conn.in_transaction:
                        # SQLite rolled the whole transaction back (a full disk does that):
                        # the ops before this one are gone too, so the batch fails as one.
                        raise _BatchAborted(exc) from exc
                    conn.execute("ROLLBACK TO op")
                    conn.execute("RELEASE op")
                    results.append((False, self._storage_error(exc)))
                else:
                    conn.execute("RELEASE op")
                    results.append((True, res))
            conn.execute("COMMIT")
        except BaseException as exc:  # the commit itself failed: nothing in the batch is durable
            if isinstance(exc, _BatchAborted):
                exc = exc.cause
            mapped = self._storage_error(exc)
            if mapped is exc:
                log.error("database batch failed", extra={"event": "db_batch_failed", "error": type(exc).__name__})
            try:
                conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            results = [(False, mapped)] * len(batch)
        else:
            if self.stats.full_since is not None and conn.total_changes != changes_before:
                self.stats.full_since = None          # a write went through: room again
        elapsed = time.perf_counter() - t0
        st = self.stats
        st.batches += 1
        st.operations += len(batch)
        st.last_batch_size = len(batch)
        st.commit_seconds.append(elapsed)
        if len(st.commit_seconds) > 1024:
            del st.commit_seconds[:512]
        if self.on_commit is not None:
            try:
                self.on_commit(len(batch), elapsed)
            except Exception:  # metrics must never break storage
                pass
        for (_fn, fut, loop), (ok, value) in zip(batch, results):
            if loop is None:
                done, box = fut
                box["result" if ok else "error"] = value
                done.set()
            else:
                try:
                    loop.call_soon_threadsafe(_resolve, fut, ok, value)
                except RuntimeError:  # the caller's event loop is closed: nobody is waiting any more
                    # Raising here would kill the writer thread and leave every later caller hanging.
                    log.warning("database result dropped: caller's event loop is closed",
                                extra={"event": "db_result_dropped"})


def _resolve(fut: asyncio.Future[Any], ok: bool, value: Any) -> None:
    if fut.done():
        return
    if ok:
        fut.set_result(value)
    else:
        fut.set_exception(value)
