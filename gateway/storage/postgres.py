"""PostgreSQL implementation of the Repository, for running several gateway nodes on one database.

The contract is ``repository.Repository``; this module honours it with PostgreSQL's own tools
instead of SQLite's single writer thread:

* every write is one transaction on a pooled connection (psycopg 3 async, psycopg-pool), and the
  coroutine returns only after COMMIT; ``synchronous_commit`` is set on every connection, so a
  COMMIT has reached the WAL on disk;
* tickets change either under row locks (``update_tickets``: ``SELECT ... FOR UPDATE`` in id
  order, so two multi-ticket changes can never deadlock) or by compare-and-swap on ``version``
  (``save_ticket``);
* counters are single statements that lock one row (``UPDATE ... RETURNING``, ``INSERT ... ON
  CONFLICT DO UPDATE ... RETURNING``), and idempotency keys are unique indexes: a racing
  duplicate fails its INSERT, its transaction rolls back whole, and the stored row is returned;
* driver errors become ``GatewayError``\\ s (see :func:`_gateway_error`), and NUL characters, which
  PostgreSQL cannot store in text or jsonb, are refused up front as ``InvalidField``.

Times are ``timestamptz`` in the database and float epoch seconds everywhere else, as in SQLite;
``timestamptz`` keeps microseconds, so a time comes back rounded to the microsecond.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import asdict, fields
from datetime import datetime, timezone
from importlib import resources
from typing import Any

import psycopg
from psycopg import errors as pgerrors
from psycopg.rows import dict_row
from psycopg.types.datetime import TimestamptzBinaryLoader, TimestamptzLoader
from psycopg.types.json import Jsonb
from psycopg_pool import AsyncConnectionPool

from gateway.domain.ticket import Ticket
from gateway.errors import Conflict, GatewayError, InvalidField, NotFound, PreconditionFailed, UnknownSession
from gateway.storage.records import (SR_COLUMNS, ApiKeyRecord, Builder, KioskCount, MessageRecord,
                                     ServiceRequestRecord, SessionRecord, UserRecord)
from gateway.storage import redact_url, tables
from gateway.storage.repository import TABLES, TicketChange

log = logging.getLogger("gateway.storage")

Row = dict[str, Any]
Conn = psycopg.AsyncConnection[Row]
Cursor = psycopg.AsyncCursor[Row]

#: ``pg_advisory_xact_lock`` key that serialises migrations across nodes starting at once ("hotline").
MIGRATION_LOCK_KEY = 0x686F746C696E65

_SESSION_FIELDS = frozenset({"state", "answered_at", "ended_at", "ended_by", "seat_id", "seat_name", "ticket_id",
                             "enqueued_at", "priority", "meta"})

#: Integer key columns; every other key column is text, ordered bytewise (COLLATE "C") as SQLite's
#: BINARY collation orders it, so both backends dump rows in the same order.
_INT_KEYS = frozenset({"seq", "idx"})
_SESSION_TIMES = tables.spec("sessions").times

_USER_COLS = ", ".join(f.name for f in fields(UserRecord))
_SESSION_COLS = ", ".join(f.name for f in fields(SessionRecord))
_MESSAGE_COLS = ", ".join(f.name for f in fields(MessageRecord))
_SR_COLS = ", ".join(SR_COLUMNS)
_HISTORY_COLS = "ticket_id, at, actor, action, field, old, new, reason"
_TICKET_WRITE_COLS = ("number", "status", "channel", "lang", "category", "department", "district", "session_id",
                      "deadline", "created_at", "updated_at", "data", "version")


# -- values in and out ------------------------------------------------------------------------------------

class _EpochLoader(TimestamptzLoader):
    """timestamptz comes out as float epoch seconds, the repository's time type (as in SQLite)."""

    def load(self, data: Any) -> float:  # type: ignore[override]
        return super().load(data).timestamp()


class _EpochBinaryLoader(TimestamptzBinaryLoader):
    """The binary-format twin of :class:`_EpochLoader`."""

    def load(self, data: Any) -> float:  # type: ignore[override]
        return super().load(data).timestamp()


def _ts(value: float | None, name: str = "time") -> datetime | None:
    """Float epoch seconds to an aware datetime (rounded to the microsecond, as timestamptz keeps it)."""
    if value is None:
        return None
    try:
        return datetime.fromtimestamp(float(value), tz=timezone.utc)
    except (OverflowError, OSError, ValueError, TypeError):
        raise InvalidField(f"{name} is not a valid time", field=name) from None


def _nul_path(value: Any, path: str) -> str | None:
    """Where in ``value`` a NUL character is (a dotted path), or None.

    PostgreSQL cannot store U+0000 in text or jsonb; found here, it is a clear 422 naming the
    field instead of a driver error halfway through a transaction."""
    if isinstance(value, str):
        return path if "\x00" in value else None
    if isinstance(value, Jsonb):
        return _nul_path(value.obj, path)
    if isinstance(value, Mapping):
        for key, item in value.items():
            sub = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and "\x00" in key:
                return path or "a key"
            found = _nul_path(item, sub)
            if found:
                return found
        return None
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            found = _nul_path(item, f"{path}[{i}]")
            if found:
                return found
    return None


def _check_nul(params: Mapping[str, Any] | Sequence[Any]) -> None:
    items = params.items() if isinstance(params, Mapping) else (("a value", v) for v in params)
    for name, value in items:
        where = _nul_path(value, name)
        if where is not None:
            raise InvalidField(f"{where} contains a NUL character", field=where.split(".")[0].split("[")[0])


async def _exec(cur: Cursor, sql: str, params: Mapping[str, Any] | Sequence[Any] = ()) -> Cursor:
    """``cur.execute`` after refusing NUL characters in any parameter."""
    _check_nul(params)
    await cur.execute(sql, params)  # type: ignore[arg-type]
    return cur


async def _exec_many(cur: Cursor, sql: str, rows: Sequence[Mapping[str, Any]]) -> None:
    for params in rows:
        _check_nul(params)
    if rows:
        await cur.executemany(sql, rows)


def _user(row: Row) -> UserRecord:
    return UserRecord(**row)


def _session(row: Row) -> SessionRecord:
    return SessionRecord(**row)


def _message(row: Row) -> MessageRecord:
    return MessageRecord(**row)


def _sr(row: Row) -> ServiceRequestRecord:
    return ServiceRequestRecord(**{k: row[k] for k in SR_COLUMNS})


def _ticket(data: Mapping[str, Any], version: int, history: list[Row]) -> Ticket:
    """The stored JSON plus its history; the ``version`` column is authoritative over data's copy."""
    raw = dict(data)
    raw["version"] = version
    raw["history"] = history
    return Ticket.from_dict(raw)


def _ticket_params(t: Ticket, version: int) -> dict[str, Any]:
    data = t.to_dict()
    data.pop("history", None)
    data["version"] = version
    where = _nul_path(data, "")
    if where is not None:
        raise InvalidField(f"{where} contains a NUL character", field=where.split(".")[0].split("[")[0])
    return {"id": t.id, "number": t.number, "status": t.status, "channel": str(t.channel), "lang": t.lang,
            "category": t.category, "department": t.department, "district": t.district,
            "session_id": t.session_id, "deadline": _ts(t.deadline, "deadline"),
            "created_at": _ts(t.created_at, "created_at"), "updated_at": _ts(t.updated_at, "updated_at"),
            "data": Jsonb(data), "version": version}


# -- driver errors --------------------------------------------------------------------------------------

class _Duplicate(Conflict):
    """A unique constraint refused a row; ``constraint`` says which, for idempotent retries."""

    def __init__(self, constraint: str | None) -> None:
        super().__init__(f"a record with the same key already exists ({constraint or 'unique constraint'})")
        self.constraint = constraint


class _MissingParent(NotFound):
    """A foreign key refused a row: the record it refers to does not exist."""

    def __init__(self, constraint: str | None) -> None:
        super().__init__(f"the record this refers to does not exist ({constraint or 'foreign key'})")
        self.constraint = constraint


def _gateway_error(exc: psycopg.Error) -> GatewayError:
    """The GatewayError a driver error means: bad data is 4xx, an unreachable database is 503."""
    constraint = exc.diag.constraint_name if exc.diag is not None else None
    if isinstance(exc, pgerrors.UniqueViolation):
        return _Duplicate(constraint)
    if isinstance(exc, pgerrors.ForeignKeyViolation):
        return _MissingParent(constraint)
    if isinstance(exc, psycopg.IntegrityError):
        return InvalidField(f"a value breaks a rule of the database ({constraint or type(exc).__name__})")
    if isinstance(exc, psycopg.DataError):
        if "NUL" in str(exc) or isinstance(exc, pgerrors.UntranslatableCharacter):
            return InvalidField("a text value contains a NUL character or an unsupported Unicode escape")
        primary = exc.diag.message_primary if exc.diag is not None else None
        return InvalidField(f"a value is out of range or malformed ({primary or type(exc).__name__})")
    if isinstance(exc, psycopg.OperationalError):
        log.warning("database unavailable", extra={"event": "db_unavailable", "error": type(exc).__name__})
        return GatewayError("the database is unavailable; try again", code="database_unavailable", status=503)
    log.error("database error", extra={"event": "db_error", "error": type(exc).__name__,
                                       "sqlstate": getattr(exc, "sqlstate", None)})
    return GatewayError("database error", code="database_error", status=500)


@asynccontextmanager
async def _translated() -> AsyncIterator[None]:
    """Turn driver exceptions raised inside the block into GatewayErrors (others pass through)."""
    try:
        yield
    except psycopg.Error as exc:
        raise _gateway_error(exc) from exc
    except UnicodeEncodeError as exc:       # a lone surrogate cannot be sent as UTF-8
        raise InvalidField("a text value is not valid Unicode") from exc


async def _configure(conn: Conn) -> None:
    """Per-connection settings: times as epoch floats, UTC, and durable commits.

    ``synchronous_commit`` is set explicitly, whatever the server or role default says: a write
    is acknowledged to a caller only after COMMIT, and that COMMIT must be on disk."""
    conn.adapters.register_loader("timestamptz", _EpochLoader)
    conn.adapters.register_loader("timestamptz", _EpochBinaryLoader)
    await conn.execute("SET synchronous_commit TO on")
    await conn.execute("SET TIME ZONE 'UTC'")


# -- migrations -----------------------------------------------------------------------------------------

def migrations() -> list[tuple[int, str, str]]:
    """(version, file name, sql) for every file in pg_migrations/, in order."""
    folder = resources.files("gateway.storage.pg_migrations")
    out = []
    for entry in folder.iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            out.append((int(name[:4]), name, entry.read_text(encoding="utf-8")))
    return sorted(out)


async def migrate(conn: psycopg.AsyncConnection[Any]) -> int:
    """Apply pending migrations in one transaction; return the schema version.

    ``pg_advisory_xact_lock`` makes nodes that start together take turns: the first applies,
    the others then find everything recorded and apply nothing."""
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK_KEY,))
        await conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations"
                           " (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())")
        cur = await conn.execute("SELECT version FROM schema_migrations")
        done = {row[0] for row in await cur.fetchall()}
        current = max(done, default=0)
        for version, name, sql in migrations():
            if version in done:
                continue
            try:
                await conn.execute(sql.encode("utf-8"))   # no parameters: several statements at once
            except psycopg.Error as exc:
                raise RuntimeError(f"PostgreSQL migration {name} failed: {exc}") from exc
            await conn.execute("INSERT INTO schema_migrations (version) VALUES (%s)", (version,))
            current = max(current, version)
    return current


# -- the repository ---------------------------------------------------------------------------------------

class PostgresRepository:
    """The store for several gateway nodes.  ``url`` is a ``postgresql://`` URL (or libpq conninfo)."""

    def __init__(self, url: str, *, pool_min: int = 1, pool_max: int = 10,
                 on_commit: Callable[[int, float], None] | None = None) -> None:
        if not 0 <= pool_min <= pool_max or pool_max < 1:
            raise ValueError("PostgreSQL pool sizes need 0 <= pool_min <= pool_max and pool_max >= 1")
        self._url = url
        self.where = redact_url(url)
        self.pool_min = pool_min
        self.pool_max = pool_max
        self.on_commit = on_commit
        self._pool: AsyncConnectionPool[Conn] | None = None
        self._closed = False
        self._version = 0

    def __repr__(self) -> str:
        return f"PostgresRepository({self.where!r})"

    # -- lifecycle ----------------------------------------------------------------------------
    async def open(self) -> None:
        """Migrate (on a connection of its own), then open the pool."""
        if self._pool is not None:
            return
        if self._closed:
            raise RuntimeError("the database is closed")
        try:
            conn = await psycopg.AsyncConnection.connect(self._url, autocommit=True)
        except psycopg.OperationalError as exc:
            raise ConnectionError(f"cannot connect to PostgreSQL at {self.where}: {exc}") from None
        async with conn:
            await _configure(conn)
            self._version = await migrate(conn)
        pool: AsyncConnectionPool[Conn] = AsyncConnectionPool(
            self._url, min_size=self.pool_min, max_size=self.pool_max, open=False, configure=_configure,
            kwargs={"autocommit": True, "row_factory": dict_row}, name="gateway-postgres")
        try:
            await pool.open(wait=True, timeout=30)
        except psycopg.OperationalError as exc:
            await pool.close()
            raise ConnectionError(f"cannot open a connection pool to PostgreSQL at {self.where}: {exc}") from None
        self._pool = pool
        log.info("database open", extra={"event": "db_open", "db": self.where, "schema_version": self._version})

    async def close(self) -> None:
        """Close the pool; safe to call twice."""
        self._closed = True
        pool, self._pool = self._pool, None
        if pool is not None:
            await pool.close()

    async def ping(self) -> bool:
        try:
            async with self._read() as cur:
                row = await (await cur.execute("SELECT 1 AS ok")).fetchone()
        except GatewayError:
            return False
        return row is not None and row["ok"] == 1

    async def server_setting(self, name: str) -> str:
        """A setting as a pooled connection sees it (``SHOW``), e.g. to check ``synchronous_commit``
        in a health check or a test.  Not part of the Repository protocol."""
        async with self._read() as cur:
            row = await (await _exec(cur, "SELECT current_setting(%s) AS v", (name,))).fetchone()
        return str(row["v"]) if row else ""

    async def schema_version(self) -> int:
        async with self._read() as cur:
            row = await (await cur.execute("SELECT max(version) AS v FROM schema_migrations")).fetchone()
        return int(row["v"] or 0) if row else 0

    # -- transactions -----------------------------------------------------------------------------
    def _require_pool(self) -> AsyncConnectionPool[Conn]:
        if self._pool is None:
            raise RuntimeError("the database is closed" if self._closed
                               else "the database is not open (call open() first)")
        return self._pool

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[Conn]:
        """A pooled connection; driver errors inside become GatewayErrors."""
        pool = self._require_pool()
        async with _translated(), pool.connection() as conn:
            yield conn

    @asynccontextmanager
    async def _tx(self, conn: Conn) -> AsyncIterator[Cursor]:
        """One write transaction on ``conn``: committed when the block ends, rolled back if it raises.
        Reports the commit to ``on_commit`` only once it has happened."""
        t0 = time.perf_counter()
        async with conn.transaction(), conn.cursor() as cur:
            yield cur
        self._committed(time.perf_counter() - t0)

    @asynccontextmanager
    async def _write(self) -> AsyncIterator[Cursor]:
        async with self._connection() as conn, self._tx(conn) as cur:
            yield cur

    @asynccontextmanager
    async def _read(self, *, consistent: bool = False) -> AsyncIterator[Cursor]:
        """A cursor for reads; ``consistent`` reads several statements from one snapshot
        (a ticket and its history must not come from two different commits)."""
        async with self._connection() as conn:
            if not consistent:
                async with conn.cursor() as cur:
                    yield cur
                return
            async with conn.transaction(), conn.cursor() as cur:
                await cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                yield cur

    def _committed(self, seconds: float) -> None:
        if self.on_commit is None:
            return
        try:
            self.on_commit(1, seconds)
        except Exception:  # metrics must never break storage
            log.debug("on_commit callback failed", exc_info=True)

    # -- users and auth ---------------------------------------------------------------------------
    async def create_user(self, user: UserRecord) -> UserRecord:
        params = {**asdict(user), "skills": Jsonb(user.skills), "created_at": _ts(user.created_at, "created_at"),
                  "disabled": bool(user.disabled)}
        try:
            async with self._write() as cur:
                await _exec(cur, f"INSERT INTO users ({_USER_COLS}) VALUES"
                            " (%(id)s, %(login)s, %(name)s, %(role)s, %(department)s, %(seat_kind)s, %(skills)s,"
                            " %(password_hash)s, %(created_at)s, %(disabled)s)", params)
        except _Duplicate as exc:
            raise Conflict(f"a user with login {user.login!r} already exists") from exc
        return user

    async def get_user(self, user_id: str) -> UserRecord | None:
        async with self._read() as cur:
            row = await (await _exec(cur, f"SELECT {_USER_COLS} FROM users WHERE id=%s", (user_id,))).fetchone()
        return _user(row) if row else None

    async def get_user_by_login(self, login: str) -> UserRecord | None:
        async with self._read() as cur:
            row = await (await _exec(cur, f"SELECT {_USER_COLS} FROM users WHERE login=%s", (login,))).fetchone()
        return _user(row) if row else None

    async def list_users(self, *, role: str | None = None) -> list[UserRecord]:
        sql = f"SELECT {_USER_COLS} FROM users WHERE (%(role)s::text IS NULL OR role=%(role)s) ORDER BY login"
        async with self._read() as cur:
            rows = await (await _exec(cur, sql, {"role": role})).fetchall()
        return [_user(r) for r in rows]

    async def add_token(self, token_hash: str, user_id: str, created_at: float, expires_at: float | None) -> None:
        params = {"token_hash": token_hash, "user_id": user_id, "created_at": _ts(created_at, "created_at"),
                  "expires_at": _ts(expires_at, "expires_at")}
        try:
            async with self._write() as cur:
                await _exec(cur, "INSERT INTO auth_tokens (token_hash, user_id, created_at, expires_at)"
                            " VALUES (%(token_hash)s, %(user_id)s, %(created_at)s, %(expires_at)s)", params)
        except _MissingParent as exc:
            raise NotFound(f"no user {user_id!r}") from exc

    async def user_for_token(self, token_hash: str, now: float) -> UserRecord | None:
        cols = ", ".join(f"u.{f.name}" for f in fields(UserRecord))
        sql = (f"SELECT {cols} FROM auth_tokens t JOIN users u ON u.id = t.user_id"
               " WHERE t.token_hash=%s AND NOT t.revoked AND (t.expires_at IS NULL OR t.expires_at > %s)"
               " AND NOT u.disabled")
        async with self._read() as cur:
            row = await (await _exec(cur, sql, (token_hash, _ts(now, "now")))).fetchone()
        return _user(row) if row else None

    async def revoke_token(self, token_hash: str) -> None:
        async with self._write() as cur:
            await _exec(cur, "UPDATE auth_tokens SET revoked=true WHERE token_hash=%s", (token_hash,))

    # -- sessions and messages ------------------------------------------------------------------
    async def create_session(self, session: SessionRecord) -> None:
        params = asdict(session)
        for name in ("created_at", "enqueued_at", "answered_at", "ended_at"):
            params[name] = _ts(params[name], name)
        params["meta"] = Jsonb(session.meta)
        values = ", ".join(f"%({f.name})s" for f in fields(SessionRecord))
        try:
            async with self._write() as cur:
                await _exec(cur, f"INSERT INTO sessions ({_SESSION_COLS}) VALUES ({values})", params)
        except _Duplicate as exc:
            raise Conflict(f"a session with id {session.id!r} already exists") from exc

    async def get_session(self, session_id: str) -> SessionRecord | None:
        async with self._read() as cur:
            row = await (await _exec(cur, f"SELECT {_SESSION_COLS} FROM sessions WHERE id=%s",
                                     (session_id,))).fetchone()
        return _session(row) if row else None

    @staticmethod
    async def _update_session(cur: Cursor, session_id: str, changes: Mapping[str, Any]) -> None:
        bad = set(changes) - _SESSION_FIELDS
        if bad:
            raise ValueError(f"not updatable session fields: {sorted(bad)}")
        if not changes:             # nothing to set, but an unknown session is still a KeyError
            await _exec(cur, "SELECT 1 FROM sessions WHERE id=%s", (session_id,))
            if await cur.fetchone() is None:
                raise KeyError(session_id)
            return
        params: dict[str, Any] = {}
        for name, value in changes.items():
            if name in _SESSION_TIMES:
                value = _ts(value, name)
            elif name == "meta":
                value = Jsonb(value)
            params[name] = value
        cols = ", ".join(f"{name}=%({name})s" for name in params)
        params["_id"] = session_id
        await _exec(cur, f"UPDATE sessions SET {cols} WHERE id=%(_id)s", params)
        if cur.rowcount != 1:
            raise KeyError(session_id)

    async def update_session(self, session_id: str, **fields_: Any) -> None:
        async with self._write() as cur:
            await self._update_session(cur, session_id, fields_)

    async def open_sessions(self) -> list[SessionRecord]:
        async with self._read() as cur:
            rows = await (await cur.execute(f"SELECT {_SESSION_COLS} FROM sessions WHERE state IN ('queued','active')"
                                            " ORDER BY priority DESC, enqueued_at ASC")).fetchall()
        return [_session(r) for r in rows]

    @staticmethod
    async def _message_by_client(cur: Cursor, session_id: str, client_id: str) -> MessageRecord | None:
        await _exec(cur, f"SELECT {_MESSAGE_COLS} FROM messages WHERE session_id=%s AND client_id=%s",
                    (session_id, client_id))
        row = await cur.fetchone()
        return _message(row) if row else None

    async def append_message(self, msg: MessageRecord) -> tuple[MessageRecord, bool]:
        """Bump the session's counter and insert, in ONE statement (its own transaction, one round
        trip: this is the chat hot path).  The counter's row lock orders all writers.

        A repeated client id fails on the unique index; the whole statement, counter bump
        included, rolls back, so no seq is skipped, and the stored copy is returned with False."""
        params = {"session_id": msg.session_id, "sender": msg.sender, "author": msg.author, "text": msg.text,
                  "client_id": msg.client_id, "created_at": _ts(msg.created_at, "created_at"),
                  "meta": Jsonb(msg.meta)}
        _check_nul(params)
        t0 = time.perf_counter()
        try:
            async with self._connection() as conn:
                cur = await conn.execute(
                    "WITH bump AS (UPDATE sessions SET last_seq = last_seq + 1 WHERE id = %(session_id)s"
                    " RETURNING last_seq)"
                    f" INSERT INTO messages ({_MESSAGE_COLS}) SELECT %(session_id)s, last_seq, %(sender)s, %(text)s,"
                    " %(created_at)s, %(author)s, %(client_id)s, %(meta)s FROM bump RETURNING seq", params)
                row = await cur.fetchone()
        except _Duplicate as exc:
            if exc.constraint != "messages_client_id" or msg.client_id is None:
                raise
            async with self._read() as cur:
                stored = await self._message_by_client(cur, msg.session_id, msg.client_id)
            if stored is None:          # the history is append-only: the first copy's row is there
                raise
            return stored, False
        if row is None:
            raise UnknownSession(f"unknown session {msg.session_id!r}")
        self._committed(time.perf_counter() - t0)
        msg.seq = row["seq"]
        return msg, True

    async def messages(self, session_id: str, after_seq: int = 0) -> list[MessageRecord]:
        async with self._read() as cur:
            rows = await (await _exec(cur, f"SELECT {_MESSAGE_COLS} FROM messages WHERE session_id=%s AND seq>%s"
                                      " ORDER BY seq", (session_id, after_seq))).fetchall()
        return [_message(r) for r in rows]

    async def merge_message_meta(self, session_id: str, seq: int, meta: dict[str, Any]) -> None:
        """One statement: jsonb ``||`` adds the keys under the row lock, so concurrent merges both land."""
        async with self._write() as cur:
            await _exec(cur, "UPDATE messages SET meta = meta || %s WHERE session_id=%s AND seq=%s",
                        (Jsonb(meta), session_id, seq))
            if cur.rowcount != 1:
                raise KeyError((session_id, seq))

    # -- tickets -----------------------------------------------------------------------------
    @staticmethod
    async def _next_number(cur: Cursor, day: str) -> int:
        await _exec(cur, "INSERT INTO ticket_counters AS c (day, seq) VALUES (%s, 1)"
                    " ON CONFLICT (day) DO UPDATE SET seq = c.seq + 1 RETURNING seq", (day,))
        row = await cur.fetchone()
        assert row is not None
        return int(row["seq"])

    async def next_ticket_number(self, day: str) -> int:
        async with self._write() as cur:
            return await self._next_number(cur, day)

    @staticmethod
    async def _insert_history(cur: Cursor, t: Ticket, start: int) -> None:
        """Append the history rows from index ``start`` on (those already stored are never rewritten)."""
        rows = [{"ticket_id": t.id, "idx": idx, "at": _ts(h.at, "history.at"), "actor": h.actor,
                 "action": h.action, "field": h.field, "old": Jsonb(h.old), "new": Jsonb(h.new),
                 "reason": h.reason}
                for idx, h in enumerate(t.history) if idx >= start]
        await _exec_many(cur, "INSERT INTO ticket_history (ticket_id, idx, at, actor, action, field, old, new, reason)"
                         " VALUES (%(ticket_id)s, %(idx)s, %(at)s, %(actor)s, %(action)s, %(field)s, %(old)s,"
                         " %(new)s, %(reason)s)", rows)

    async def _insert_ticket(self, cur: Cursor, t: Ticket) -> None:
        params = _ticket_params(t, 1)
        cols = ", ".join(("id", *_TICKET_WRITE_COLS))
        values = ", ".join(f"%({c})s" for c in ("id", *_TICKET_WRITE_COLS))
        try:
            await _exec(cur, f"INSERT INTO tickets ({cols}) VALUES ({values})", params)
        except psycopg.errors.UniqueViolation as exc:
            raise Conflict(f"a ticket with id {t.id!r} or number {t.number!r} already exists") from exc
        await self._insert_history(cur, t, 0)

    async def _rewrite_ticket(self, cur: Cursor, t: Ticket, version: int, stored_history: int) -> None:
        """Write ``t`` as ``version`` (its row is locked by the caller) and its new history rows."""
        params = _ticket_params(t, version)
        sets = ", ".join(f"{c}=%({c})s" for c in _TICKET_WRITE_COLS)
        await _exec(cur, f"UPDATE tickets SET {sets} WHERE id=%(id)s", params)
        await self._insert_history(cur, t, stored_history)

    async def _history_count(self, cur: Cursor, ticket_id: str) -> int:
        row = await (await cur.execute("SELECT count(*) AS n FROM ticket_history WHERE ticket_id=%s",
                                       (ticket_id,))).fetchone()
        return int(row["n"]) if row else 0

    async def _compare_and_swap(self, cur: Cursor, t: Ticket) -> int:
        """Store ``t`` if the stored version is still ``t.version``; return the new version.

        The UPDATE's WHERE re-checks the version after waiting for any row lock, so of two
        writers holding the same version exactly one wins."""
        new = t.version + 1
        params = _ticket_params(t, new)
        params["_expected"] = t.version
        sets = ", ".join(f"{c}=%({c})s" for c in _TICKET_WRITE_COLS)
        await _exec(cur, f"UPDATE tickets SET {sets} WHERE id=%(id)s AND version=%(_expected)s", params)
        if cur.rowcount != 1:
            row = await (await cur.execute("SELECT version FROM tickets WHERE id=%s", (t.id,))).fetchone()
            if row is None:
                raise NotFound(f"no ticket {t.id!r}")
            raise PreconditionFailed(f"ticket {t.number} has changed: version {row['version']} is stored, "
                                     f"not {t.version}", current_version=int(row["version"]))
        await self._insert_history(cur, t, await self._history_count(cur, t.id))
        return new

    async def insert_ticket(self, ticket: Ticket) -> None:
        async with self._write() as cur:
            await self._insert_ticket(cur, ticket)
        ticket.version = 1

    async def save_ticket(self, ticket: Ticket) -> None:
        await self.save_tickets([ticket])

    async def save_tickets(self, tickets: Sequence[Ticket]) -> None:
        """All or none, in one transaction; rows are locked in id order so that two calls with
        the same tickets in different orders cannot deadlock."""
        ordered = sorted(tickets, key=lambda t: t.id)
        async with self._write() as cur:
            versions = [await self._compare_and_swap(cur, t) for t in ordered]
        for t, version in zip(ordered, versions):
            t.version = version

    async def _load_histories(self, cur: Cursor, ids: Sequence[str]) -> dict[str, list[Row]]:
        out: dict[str, list[Row]] = {i: [] for i in ids}
        if not ids:
            return out
        await _exec(cur, f"SELECT {_HISTORY_COLS} FROM ticket_history WHERE ticket_id = ANY(%s)"
                    " ORDER BY ticket_id, idx", (list(ids),))
        for row in await cur.fetchall():
            out[row.pop("ticket_id")].append(row)
        return out

    async def update_tickets(self, ticket_ids: Sequence[str], change: TicketChange, *,
                             expected: Mapping[str, int] | None = None) -> list[Ticket]:
        """Lock (in id order), check ``expected``, run ``change``, write what changed; one transaction."""
        ids = list(ticket_ids)
        unique = sorted(set(ids))
        async with self._write() as cur:
            await _exec(cur, 'SELECT id, data, version FROM tickets WHERE id = ANY(%s) ORDER BY id COLLATE "C"'
                        " FOR UPDATE", (unique,))
            rows = {r["id"]: r for r in await cur.fetchall()}
            missing = [i for i in unique if i not in rows]
            if missing:
                raise NotFound(f"no ticket {missing[0]!r}")
            for tid, version in (expected or {}).items():
                if tid in rows and rows[tid]["version"] != version:
                    raise PreconditionFailed(f"ticket {tid} has changed: version {rows[tid]['version']} is stored, "
                                             f"not {version}", current_version=int(rows[tid]["version"]))
            histories = await self._load_histories(cur, unique)
            tickets = {tid: _ticket(rows[tid]["data"], rows[tid]["version"], histories[tid]) for tid in unique}
            before = {tid: t.to_dict() for tid, t in tickets.items()}
            change([tickets[tid] for tid in ids])
            for tid in unique:
                t = tickets[tid]
                if t.to_dict() == before[tid]:
                    continue
                t.version = int(rows[tid]["version"]) + 1
                await self._rewrite_ticket(cur, t, t.version, len(histories[tid]))
        return [tickets[tid] for tid in ids]

    async def update_ticket(self, ticket_id: str, change: Callable[[Ticket], Any], *,
                            expected_version: int | None = None) -> Ticket:
        expected = None if expected_version is None else {ticket_id: expected_version}
        out = await self.update_tickets([ticket_id], lambda ts: change(ts[0]), expected=expected)
        return out[0]

    async def get_ticket(self, ticket_id: str) -> Ticket | None:
        async with self._read(consistent=True) as cur:
            row = await (await _exec(cur, "SELECT data, version FROM tickets WHERE id=%s", (ticket_id,))).fetchone()
            if row is None:
                return None
            history = (await self._load_histories(cur, [ticket_id]))[ticket_id]
        return _ticket(row["data"], row["version"], history)

    async def _tickets_where(self, where: str, params: Sequence[Any], *, with_history: bool,
                             order: str = "", limit: int | None = None) -> list[Ticket]:
        sql = f"SELECT id, data, version FROM tickets WHERE {where} {order}"
        args = list(params)
        if limit is not None:
            sql += " LIMIT %s"
            args.append(limit)
        async with self._read(consistent=with_history) as cur:
            rows = await (await _exec(cur, sql, args)).fetchall()
            histories = await self._load_histories(cur, [r["id"] for r in rows]) if with_history else {}
        return [_ticket(r["data"], r["version"], histories.get(r["id"], [])) for r in rows]

    async def list_tickets(self, *, statuses: Sequence[str] = (), channels: Sequence[str] = (),
                           departments: Sequence[str] = (), limit: int = 100,
                           with_history: bool = False, due_before: float | None = None) -> list[Ticket]:
        """Newest first; without their history unless asked (a list shows the current state)."""
        where, args = ["true"], []
        if due_before is not None:
            where.append("deadline IS NOT NULL AND deadline < %s")
            args.append(_ts(due_before, "due_before"))
        for col, values in (("status", statuses), ("channel", channels), ("department", departments)):
            if values:
                where.append(f"{col} = ANY(%s)")
                args.append([str(v) for v in values])
        return await self._tickets_where(" AND ".join(where), args, with_history=with_history,
                                         order="ORDER BY created_at DESC", limit=limit)

    async def tickets_touched(self, since: float, until: float) -> list[Ticket]:
        """Tickets with any history entry in [since, until), with their whole history (for stats)."""
        return await self._tickets_where("id IN (SELECT ticket_id FROM ticket_history WHERE at >= %s AND at < %s)",
                                         [_ts(since, "since"), _ts(until, "until")], with_history=True)

    async def contact_times(self, since: float, until: float) -> list[tuple[float, float | None, float | None, str]]:
        async with self._read() as cur:
            rows = await (await _exec(cur, "SELECT created_at, answered_at, ended_at, state FROM sessions"
                                      " WHERE created_at >= %s AND created_at < %s",
                                      (_ts(since, "since"), _ts(until, "until")))).fetchall()
        return [(r["created_at"], r["answered_at"], r["ended_at"], r["state"]) for r in rows]

    async def end_session_with_ticket(self, session_id: str, *, ended_at: float, ended_by: str,
                                      ticket: Ticket | None) -> None:
        async with self._write() as cur:
            await self._update_session(cur, session_id, {"state": "ended", "ended_at": ended_at, "ended_by": ended_by,
                                                         "ticket_id": ticket.id if ticket else None})
            if ticket is not None:
                await self._insert_ticket(cur, ticket)
        if ticket is not None:
            ticket.version = 1

    # -- anonymous kiosk counters --------------------------------------------------------------
    async def kiosk_count(self, kiosk: str, hour: str, event: str, lang: str, channel: str = "",
                          n: int = 1) -> int:
        """One UPSERT: the row lock orders concurrent increments, none is lost."""
        async with self._write() as cur:
            await _exec(cur, "INSERT INTO kiosk_counts AS k (kiosk, hour, event, lang, channel, count)"
                        " VALUES (%(kiosk)s, %(hour)s, %(event)s, %(lang)s, %(channel)s, %(n)s)"
                        " ON CONFLICT (kiosk, hour, event, lang, channel) DO UPDATE SET count = k.count + EXCLUDED.count"
                        " RETURNING count",
                        {"kiosk": kiosk, "hour": hour, "event": event, "lang": lang, "channel": channel, "n": n})
            row = await cur.fetchone()
        assert row is not None
        return int(row["count"])

    async def kiosk_report(self, since: str, until: str, kiosk: str | None = None) -> list[KioskCount]:
        sql = ("SELECT kiosk, hour, event, lang, channel, count FROM kiosk_counts"
               " WHERE hour >= %(since)s AND hour < %(until)s AND (%(kiosk)s::text IS NULL OR kiosk = %(kiosk)s)"
               " ORDER BY kiosk, hour, event, lang, channel")
        async with self._read() as cur:
            rows = await (await _exec(cur, sql, {"since": since, "until": until, "kiosk": kiosk})).fetchall()
        return [KioskCount(**r) for r in rows]

    # -- self-service clients and submissions ---------------------------------------------------
    async def create_api_key(self, rec: ApiKeyRecord, key_hash: str) -> ApiKeyRecord:
        params = {"id": rec.id, "name": rec.name, "key_hash": key_hash,
                  "created_at": _ts(rec.created_at, "created_at"), "revoked": bool(rec.revoked)}
        try:
            async with self._write() as cur:
                await _exec(cur, "INSERT INTO api_keys (id, name, key_hash, created_at, revoked)"
                            " VALUES (%(id)s, %(name)s, %(key_hash)s, %(created_at)s, %(revoked)s)", params)
        except _Duplicate as exc:
            raise Conflict(f"an API client named {rec.name!r} already exists") from exc
        return rec

    async def api_key_by_hash(self, key_hash: str) -> ApiKeyRecord | None:
        async with self._read() as cur:
            row = await (await _exec(cur, "SELECT id, name, created_at, revoked FROM api_keys WHERE key_hash=%s",
                                     (key_hash,))).fetchone()
        return None if row is None else ApiKeyRecord(**row)

    @staticmethod
    async def _sr_by_idem(cur: Cursor, api_key_id: str, idem_key: str) -> ServiceRequestRecord | None:
        await _exec(cur, f"SELECT {_SR_COLS} FROM service_requests WHERE api_key_id=%s AND idem_key=%s",
                    (api_key_id, idem_key))
        row = await cur.fetchone()
        return _sr(row) if row else None

    async def insert_service_request(self, *, day: str, api_key_id: str, idem_key: str | None,
                                     build: Builder) -> tuple[ServiceRequestRecord, bool]:
        """Idempotency check, day number, ticket and row in one transaction.

        A concurrent submission with the same key passes the check too, then fails on the unique
        index (api_key_id, idem_key); its transaction (number, ticket) rolls back whole and the
        row the winner stored is returned with created=False."""
        try:
            async with self._connection() as conn:
                if idem_key is not None:
                    async with conn.cursor() as cur:
                        stored = await self._sr_by_idem(cur, api_key_id, idem_key)
                    if stored is not None:
                        return stored, False
                async with self._tx(conn) as cur:
                    ticket, rec = build(await self._next_number(cur, day))
                    await self._insert_ticket(cur, ticket)
                    params = asdict(rec)
                    params["requested_at"] = _ts(rec.requested_at, "requested_at")
                    values = ", ".join(f"%({c})s" for c in SR_COLUMNS)
                    await _exec(cur, f"INSERT INTO service_requests ({_SR_COLS}) VALUES ({values})", params)
        except _Duplicate as exc:
            if idem_key is None or exc.constraint != "service_requests_idem":
                raise
            async with self._read() as cur:
                stored = await self._sr_by_idem(cur, api_key_id, idem_key)
            if stored is None:
                raise
            return stored, False
        ticket.version = 1
        return rec, True

    async def service_request(self, *, number: str | None = None, token: str | None = None,
                              ticket_id: str | None = None) -> ServiceRequestRecord | None:
        given = [(col, v) for col, v in (("number", number), ("token", token), ("ticket_id", ticket_id))
                 if v is not None]
        if not given:
            raise ValueError("service_request needs number, token or ticket_id")
        col, value = given[0]
        async with self._read() as cur:
            row = await (await _exec(cur, f"SELECT {_SR_COLS} FROM service_requests WHERE {col}=%s",
                                     (value,))).fetchone()
        return None if row is None else _sr(row)

    async def find_service_requests(self, *, api_key_id: str | None, numbers: Sequence[str] = (),
                                    service_codes: Sequence[str] = (), start: float | None = None,
                                    end: float | None = None, ticket_states: Sequence[str] = (),
                                    idem_key: str | None = None,
                                    limit: int = 1000) -> list[tuple[ServiceRequestRecord, Ticket]]:
        """Newest first.  ``api_key_id`` None means every client's (for staff)."""
        where, args = ["true"], []
        if api_key_id is not None:
            where.append("s.api_key_id=%s")
            args.append(api_key_id)
        for col, values in (("s.number", numbers), ("s.service_code", service_codes), ("t.status", ticket_states)):
            if values:
                where.append(f"{col} = ANY(%s)")
                args.append(list(values))
        if idem_key is not None:
            where.append("s.idem_key=%s")
            args.append(idem_key)
        if start is not None:
            where.append("s.requested_at >= %s")
            args.append(_ts(start, "start"))
        if end is not None:
            where.append("s.requested_at <= %s")
            args.append(_ts(end, "end"))
        cols = ", ".join(f"s.{c}" for c in SR_COLUMNS)
        sql = (f"SELECT {cols}, t.data AS ticket_data, t.version AS ticket_version FROM service_requests s"
               f" JOIN tickets t ON t.id = s.ticket_id WHERE {' AND '.join(where)}"
               " ORDER BY s.requested_at DESC LIMIT %s")
        async with self._read() as cur:
            rows = await (await _exec(cur, sql, [*args, limit])).fetchall()
        # lists carry the current state, not the audit trail
        return [(_sr(r), _ticket(r["ticket_data"], r["ticket_version"], [])) for r in rows]

    # -- moving data between stores -------------------------------------------------------------
    async def is_empty(self) -> bool:
        checks = " AND ".join(f"NOT EXISTS (SELECT 1 FROM {t})" for t in TABLES)
        async with self._read(consistent=True) as cur:
            row = await (await cur.execute(f"SELECT {checks} AS empty")).fetchone()
        return bool(row and row["empty"])

    async def dump_table(self, table: str) -> list[dict[str, Any]]:
        """Rows under the SQLite column names: times as float epoch seconds (the loader does it),
        jsonb parsed, booleans as bool; in primary-key order."""
        t = tables.spec(table)
        order = ", ".join(k if k in _INT_KEYS else f'{k} COLLATE "C"' for k in t.key)
        async with self._read() as cur:
            rows = await (await cur.execute(f"SELECT {', '.join(t.columns)} FROM {t.name} ORDER BY {order}")).fetchall()
        return [dict(r) for r in rows]

    async def load_table(self, table: str, rows: Sequence[dict[str, Any]]) -> None:
        """Insert dumped rows in one transaction, then bring the counters level with them: a
        session's ``last_seq`` with its highest message, a day's ticket counter with the highest
        ticket number of that day, so new numbers never collide with copied ones."""
        t = tables.spec(table)
        if not rows:
            return
        for row in rows:
            unknown = set(row) - set(t.columns)
            if unknown:
                raise InvalidField(f"{table}: unknown columns {sorted(unknown)}")
        values = ", ".join(f"%({c})s" for c in t.columns)
        sql = f"INSERT INTO {t.name} ({', '.join(t.columns)}) VALUES ({values})"
        if table == "ticket_counters":     # rows raised from copied tickets may be there already
            sql += " ON CONFLICT (day) DO UPDATE SET seq = GREATEST(ticket_counters.seq, EXCLUDED.seq)"
        params = [{c: _load_value(t, c, row.get(c)) for c in t.columns} for row in rows]
        async with self._write() as cur:
            await _exec_many(cur, sql, params)
            if table in ("sessions", "messages"):
                await cur.execute("UPDATE sessions s SET last_seq = m.top FROM"
                                  " (SELECT session_id, max(seq) AS top FROM messages GROUP BY session_id) m"
                                  " WHERE s.id = m.session_id AND s.last_seq < m.top")
            if table in ("tickets", "ticket_counters"):
                await cur.execute(
                    "INSERT INTO ticket_counters AS c (day, seq)"
                    " SELECT substr(number, 1, 4) || '-' || substr(number, 5, 2) || '-' || substr(number, 7, 2),"
                    " max(substr(number, 9)::integer) FROM tickets WHERE number ~ '^[0-9]{14}$' GROUP BY 1"
                    " ON CONFLICT (day) DO UPDATE SET seq = GREATEST(c.seq, EXCLUDED.seq)")


def _load_value(t: tables.Table, column: str, value: Any) -> Any:
    """A dumped value as the PostgreSQL column takes it.  JSON null stays JSON null in history
    old/new (as SQLite keeps the text 'null'); elsewhere None is SQL NULL."""
    if column in t.times:
        return _ts(value, column)
    if column in t.json:
        return None if value is None and t.name != "ticket_history" else Jsonb(value)
    if column in t.flags:
        return bool(value)
    return value
