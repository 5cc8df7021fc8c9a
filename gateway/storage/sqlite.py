"""SQLite implementation of the Repository: WAL mode, migrations, group commit."""

from __future__ import annotations

import json
import sqlite3
import time
from importlib import resources
from pathlib import Path
from collections.abc import Sequence
from typing import Any, Callable
from collections.abc import Mapping

from gateway.domain.ticket import Ticket
from gateway.errors import Conflict, NotFound, PreconditionFailed
from gateway.storage import tables
from gateway.storage.engine import SQLiteEngine
from gateway.storage.sqlite_miniapp import MiniappRepoMixin
from gateway.storage.repository import TicketChange
from gateway.storage.records import KioskCount, MessageRecord, SessionRecord, UserRecord

_SESSION_FIELDS = {
    "state", "answered_at", "ended_at", "ended_by", "seat_id", "seat_name", "ticket_id",
    "enqueued_at", "priority", "meta",
}


def migrations() -> list[tuple[int, str]]:
    """(version, sql) for every file in migrations/, in order."""
    folder = resources.files("gateway.storage") / "migrations"
    out = []
    for entry in folder.iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            out.append((int(name[:4]), entry.read_text(encoding="utf-8")))
    return sorted(out)


def _migrate(conn: sqlite3.Connection) -> int:
    conn.execute("CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at REAL NOT NULL)")
    done = {r[0] for r in conn.execute("SELECT version FROM schema_migrations")}
    current = max(done, default=0)
    for version, sql in migrations():
        if version in done:
            continue
        # executescript() would COMMIT our transaction; run statements one by one instead.
        for stmt in _split_sql(sql):
            conn.execute(stmt)
        conn.execute("INSERT INTO schema_migrations VALUES (?, ?)", (version, time.time()))
        current = version
    return current


def _split_sql(sql: str) -> list[str]:
    lines = [ln for ln in sql.splitlines() if not ln.strip().startswith("--")]
    stmts, buf = [], ""
    for ln in lines:
        buf += ln + "\n"
        if sqlite3.complete_statement(buf):
            if buf.strip():
                stmts.append(buf.strip())
            buf = ""
    if buf.strip():
        stmts.append(buf.strip())
    return stmts


def _user(row: sqlite3.Row) -> UserRecord:
    return UserRecord(id=row["id"], login=row["login"], name=row["name"], role=row["role"],
                      department=row["department"], seat_kind=row["seat_kind"],
                      skills=json.loads(row["skills"]), password_hash=row["password_hash"],
                      created_at=row["created_at"], disabled=bool(row["disabled"]))


def _session(row: sqlite3.Row) -> SessionRecord:
    d = dict(row)
    d.pop("last_seq", None)                  # the message counter is the store's business
    d["meta"] = json.loads(d["meta"])
    return SessionRecord(**d)


def _message(row: sqlite3.Row) -> MessageRecord:
    d = dict(row)
    d["meta"] = json.loads(d["meta"])
    return MessageRecord(**d)


class SQLiteRepository(MiniappRepoMixin):
    """The embedded default store.  ``path`` is a file on disk (":memory:" only for quick checks)."""

    def __init__(self, path: str | Path, *, synchronous: str = "FULL",
                 on_commit: Callable[[int, float], None] | None = None) -> None:
        self.path = str(path)
        self.engine = SQLiteEngine(path, synchronous=synchronous, on_commit=on_commit)
        self._version = 0

    # -- lifecycle -----------------------------------------------------------
    async def open(self) -> None:
        self.engine.start()
        self._version = await self.engine.run(_migrate)

    async def close(self) -> None:
        self.engine.stop()

    async def ping(self) -> bool:
        """False while the disk is full (writes are being refused), even though reads still work."""
        ok = await self.engine.run(lambda c: c.execute("SELECT 1").fetchone()[0] == 1)
        return ok and not self.engine.full

    async def schema_version(self) -> int:
        return await self.engine.run(lambda c: c.execute("SELECT MAX(version) FROM schema_migrations").fetchone()[0])

    # -- users -----------------------------------------------------------------
    @staticmethod
    def _insert_user(conn: sqlite3.Connection, u: UserRecord) -> UserRecord:
        try:
            conn.execute(
                "INSERT INTO users (id, login, name, role, department, seat_kind, skills, password_hash, created_at, disabled)"
                " VALUES (?,?,?,?,?,?,?,?,?,?)",
                (u.id, u.login, u.name, u.role, u.department, u.seat_kind, json.dumps(u.skills),
                 u.password_hash, u.created_at, int(u.disabled)))
        except sqlite3.IntegrityError as exc:
            raise Conflict(f"a user with login {u.login!r} already exists") from exc
        return u

    async def create_user(self, user: UserRecord) -> UserRecord:
        return await self.engine.run(lambda c: self._insert_user(c, user))

    async def get_user(self, user_id: str) -> UserRecord | None:
        def q(c: sqlite3.Connection) -> UserRecord | None:
            row = c.execute("SELECT * FROM users WHERE id=?", (user_id,)).fetchone()
            return _user(row) if row else None
        return await self.engine.run(q)

    def _by_login(self, c: sqlite3.Connection, login: str) -> UserRecord | None:
        row = c.execute("SELECT * FROM users WHERE login=?", (login,)).fetchone()
        return _user(row) if row else None

    async def get_user_by_login(self, login: str) -> UserRecord | None:
        return await self.engine.run(lambda c: self._by_login(c, login))

    async def list_users(self, *, role: str | None = None) -> list[UserRecord]:
        def q(c: sqlite3.Connection) -> list[UserRecord]:
            if role is None:
                rows = c.execute("SELECT * FROM users ORDER BY login").fetchall()
            else:
                rows = c.execute("SELECT * FROM users WHERE role=? ORDER BY login", (role,)).fetchall()
            return [_user(r) for r in rows]
        return await self.engine.run(q)

    @staticmethod
    def _add_token(c: sqlite3.Connection, token_hash: str, user_id: str, created_at: float,
                   expires_at: float | None) -> None:
        try:
            c.execute("INSERT INTO auth_tokens (token_hash, user_id, created_at, expires_at) VALUES (?,?,?,?)",
                      (token_hash, user_id, created_at, expires_at))
        except sqlite3.IntegrityError as exc:
            if c.execute("SELECT 1 FROM users WHERE id=?", (user_id,)).fetchone() is None:
                raise NotFound(f"no user {user_id[:40]!r}") from exc
            raise Conflict("this token is already registered") from exc

    async def add_token(self, token_hash: str, user_id: str, created_at: float, expires_at: float | None) -> None:
        await self.engine.run(lambda c: self._add_token(c, token_hash, user_id, created_at, expires_at))

    async def user_for_token(self, token_hash: str, now: float) -> UserRecord | None:
        def q(c: sqlite3.Connection) -> UserRecord | None:
            row = c.execute(
                "SELECT u.* FROM auth_tokens t JOIN users u ON u.id = t.user_id"
                " WHERE t.token_hash=? AND t.revoked=0 AND (t.expires_at IS NULL OR t.expires_at > ?)"
                " AND u.disabled=0", (token_hash, now)).fetchone()
            return _user(row) if row else None
        return await self.engine.run(q)

    async def revoke_token(self, token_hash: str) -> None:
        await self.engine.run(lambda c: c.execute("UPDATE auth_tokens SET revoked=1 WHERE token_hash=?", (token_hash,)))

    # -- sessions and messages ------------------------------------------------
    async def create_session(self, s: SessionRecord) -> None:
        def q(c: sqlite3.Connection) -> None:
            try:
                self._insert_session(c, s)
            except sqlite3.IntegrityError as exc:
                raise Conflict(f"a session with id {s.id[:40]!r} already exists") from exc
        await self.engine.run(q)

    @staticmethod
    def _insert_session(c: sqlite3.Connection, s: SessionRecord) -> None:
            c.execute(
                "INSERT INTO sessions (id, channel, lang, state, token_hash, queue, skill, priority, created_at,"
                " enqueued_at, answered_at, ended_at, ended_by, seat_id, seat_name, ticket_id, meta)"
                " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                (s.id, s.channel, s.lang, s.state, s.token_hash, s.queue, s.skill, s.priority, s.created_at,
                 s.enqueued_at, s.answered_at, s.ended_at, s.ended_by, s.seat_id, s.seat_name, s.ticket_id,
                 json.dumps(s.meta)))

    async def get_session(self, session_id: str) -> SessionRecord | None:
        def q(c: sqlite3.Connection) -> SessionRecord | None:
            row = c.execute("SELECT * FROM sessions WHERE id=?", (session_id,)).fetchone()
            return _session(row) if row else None
        return await self.engine.run(q)

    @staticmethod
    def _update_session(c: sqlite3.Connection, session_id: str, fields: dict[str, Any]) -> None:
        bad = set(fields) - _SESSION_FIELDS
        if bad:
            raise ValueError(f"not updatable session fields: {sorted(bad)}")
        if not fields:
            if c.execute("SELECT 1 FROM sessions WHERE id=?", (session_id,)).fetchone() is None:
                raise KeyError(session_id)
            return
        if "meta" in fields:
            fields = {**fields, "meta": json.dumps(fields["meta"])}
        cols = ", ".join(f"{k}=?" for k in fields)
        cur = c.execute(f"UPDATE sessions SET {cols} WHERE id=?", (*fields.values(), session_id))
        if cur.rowcount != 1:
            raise KeyError(session_id)

    async def update_session(self, session_id: str, **fields: Any) -> None:
        await self.engine.run(lambda c: self._update_session(c, session_id, fields))

    async def open_sessions(self) -> list[SessionRecord]:
        def q(c: sqlite3.Connection) -> list[SessionRecord]:
            rows = c.execute("SELECT * FROM sessions WHERE state IN ('queued','active')"
                             " ORDER BY priority DESC, enqueued_at ASC").fetchall()
            return [_session(r) for r in rows]
        return await self.engine.run(q)

    async def append_message(self, m: MessageRecord) -> tuple[MessageRecord, bool]:
        def q(c: sqlite3.Connection) -> tuple[MessageRecord, bool]:
            if m.client_id is not None:
                row = c.execute("SELECT * FROM messages WHERE session_id=? AND client_id=?",
                                (m.session_id, m.client_id)).fetchone()
                if row is not None:
                    return _message(row), False
            row = c.execute("UPDATE sessions SET last_seq = last_seq + 1 WHERE id=? RETURNING last_seq",
                            (m.session_id,)).fetchone()
            if row is None:
                raise NotFound(f"no session {m.session_id[:40]!r}")
            seq = row[0]
            c.execute("INSERT INTO messages (session_id, seq, sender, author, text, client_id, created_at, meta)"
                      " VALUES (?,?,?,?,?,?,?,?)",
                      (m.session_id, seq, m.sender, m.author, m.text, m.client_id, m.created_at,
                       json.dumps(m.meta, ensure_ascii=False)))
            m.seq = seq
            return m, True
        return await self.engine.run(q)

    async def messages(self, session_id: str, after_seq: int = 0) -> list[MessageRecord]:
        def q(c: sqlite3.Connection) -> list[MessageRecord]:
            rows = c.execute("SELECT * FROM messages WHERE session_id=? AND seq>? ORDER BY seq",
                             (session_id, after_seq)).fetchall()
            return [_message(r) for r in rows]
        return await self.engine.run(q)

    async def merge_message_meta(self, session_id: str, seq: int, meta: dict[str, Any]) -> None:
        """Add keys to a stored message's meta (e.g. its Chinese translation); the text never changes."""
        def q(c: sqlite3.Connection) -> None:
            row = c.execute("SELECT meta FROM messages WHERE session_id=? AND seq=?", (session_id, seq)).fetchone()
            if row is None:
                raise KeyError((session_id, seq))
            merged = {**json.loads(row["meta"]), **meta}
            c.execute("UPDATE messages SET meta=? WHERE session_id=? AND seq=?",
                      (json.dumps(merged, ensure_ascii=False), session_id, seq))
        await self.engine.run(q)

    # -- tickets -------------------------------------------------------------
    async def next_ticket_number(self, day: str) -> int:
        def q(c: sqlite3.Connection) -> int:
            c.execute("INSERT INTO ticket_counters (day, seq) VALUES (?, 1)"
                      " ON CONFLICT(day) DO UPDATE SET seq = seq + 1", (day,))
            return c.execute("SELECT seq FROM ticket_counters WHERE day=?", (day,)).fetchone()[0]
        return await self.engine.run(q)

    @staticmethod
    def _write_ticket(c: sqlite3.Connection, t: Ticket, insert: bool) -> None:
        """Insert a new ticket (version 1), or compare-and-swap an existing one (version + 1).

        History rows past those already stored are appended.  Under the CAS (or inside
        ``update_tickets``, where the single writer thread serialises everything) nobody else
        wrote in between, so "past those stored" is exactly the rows this change added."""
        version = 1 if insert else t.version + 1
        data = {**t.to_dict(), "version": version}
        history = data.pop("history", [])
        cols = (t.number, t.status, str(t.channel), t.lang, t.category, t.department, t.district,
                t.session_id, t.deadline, t.created_at, t.updated_at, json.dumps(data, ensure_ascii=False), version)
        if insert:
            try:
                c.execute("INSERT INTO tickets (number, status, channel, lang, category, department, district,"
                          " session_id, deadline, created_at, updated_at, data, version, id)"
                          " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", (*cols, t.id))
            except sqlite3.IntegrityError as exc:
                raise Conflict(f"a ticket with this id or number ({t.number}) already exists") from exc
            stored = 0
        else:
            cur = c.execute("UPDATE tickets SET number=?, status=?, channel=?, lang=?, category=?, department=?,"
                            " district=?, session_id=?, deadline=?, created_at=?, updated_at=?, data=?, version=?"
                            " WHERE id=? AND version=?", (*cols, t.id, t.version))
            if cur.rowcount != 1:
                row = c.execute("SELECT version FROM tickets WHERE id=?", (t.id,)).fetchone()
                if row is None:
                    raise NotFound(f"no ticket with id {t.id[:40]!r}")
                raise PreconditionFailed(f"ticket {t.number} was changed by someone else (version {row[0]}, "
                                         f"not {t.version})", current_version=row[0])
            stored = c.execute("SELECT COUNT(*) FROM ticket_history WHERE ticket_id=?", (t.id,)).fetchone()[0]
        for idx, h in enumerate(history):
            if idx < stored:
                continue
            c.execute("INSERT INTO ticket_history (ticket_id, idx, at, actor, action, field, old, new, reason)"
                      " VALUES (?,?,?,?,?,?,?,?,?)",
                      (t.id, idx, h["at"], h["actor"], h["action"], h.get("field"),
                       json.dumps(h.get("old"), ensure_ascii=False), json.dumps(h.get("new"), ensure_ascii=False),
                       h.get("reason")))
        t.version = version

    @classmethod
    def _load_ticket(cls, c: sqlite3.Connection, ticket_id: str, *, with_history: bool = True) -> Ticket | None:
        row = c.execute("SELECT data, version FROM tickets WHERE id=?", (ticket_id,)).fetchone()
        if row is None:
            return None
        return cls._ticket(c, row, with_history=with_history)

    @classmethod
    def _ticket(cls, c: sqlite3.Connection, row: sqlite3.Row, *, with_history: bool) -> Ticket:
        data = json.loads(row["data"])
        data["version"] = row["version"]
        data["history"] = cls._history(c, data["id"]) if with_history else []
        return Ticket.from_dict(data)

    async def insert_ticket(self, ticket: Ticket) -> None:
        await self.engine.run(lambda c: self._write_ticket(c, ticket, insert=True))

    async def save_ticket(self, ticket: Ticket) -> None:
        await self.engine.run(lambda c: self._write_ticket(c, ticket, insert=False))

    async def save_tickets(self, tickets: Sequence[Ticket]) -> None:
        """Several tickets in one transaction: every CAS holds, or nothing is written."""
        before = [t.version for t in tickets]

        def tx(c: sqlite3.Connection) -> None:
            try:
                for t in tickets:
                    self._write_ticket(c, t, insert=False)
            except BaseException:
                for t, v in zip(tickets, before):   # the savepoint is rolled back: so are the versions
                    t.version = v
                raise
        await self.engine.run(tx)

    def _update(self, c: sqlite3.Connection, ids: Sequence[str], change: TicketChange,
                expected: Mapping[str, int]) -> list[Ticket]:
        loaded: list[Ticket] = []
        for tid in ids:
            t = self._load_ticket(c, tid)
            if t is None:
                raise NotFound(f"no ticket with id {tid[:40]!r}")
            want = expected.get(tid)
            if want is not None and want != t.version:
                raise PreconditionFailed(f"ticket {t.number} was changed by someone else (version {t.version}, "
                                         f"not {want})", current_version=t.version)
            loaded.append(t)
        before = [t.to_dict() for t in loaded]
        change(loaded)
        for t, old in zip(loaded, before):
            if t.to_dict() != old:
                self._write_ticket(c, t, insert=False)
        return loaded

    async def update_tickets(self, ticket_ids: Sequence[str], change: TicketChange, *,
                             expected: Mapping[str, int] | None = None) -> list[Ticket]:
        """Read, change and write on the writer thread: one operation, so nothing interleaves."""
        ids, want = list(ticket_ids), dict(expected or {})
        return await self.engine.run(lambda c: self._update(c, ids, change, want))

    async def update_ticket(self, ticket_id: str, change: Callable[[Ticket], Any], *,
                            expected_version: int | None = None) -> Ticket:
        want = {} if expected_version is None else {ticket_id: expected_version}
        return (await self.update_tickets([ticket_id], lambda ts: change(ts[0]), expected=want))[0]

    async def get_ticket(self, ticket_id: str) -> Ticket | None:
        return await self.engine.run(lambda c: self._load_ticket(c, ticket_id))

    async def list_tickets(self, *, statuses: Sequence[str] = (), channels: Sequence[str] = (),
                           departments: Sequence[str] = (), limit: int = 100,
                           with_history: bool = False, due_before: float | None = None) -> list[Ticket]:
        """Newest first; without their history unless asked (a list shows the current state).
        ``due_before``: only tickets whose deadline is earlier (an indexed column, not the JSON)."""
        where, args = ["1=1"], []
        if due_before is not None:
            where.append("deadline IS NOT NULL AND deadline < ?")
            args.append(due_before)
        for col, values in (("status", statuses), ("channel", channels), ("department", departments)):
            if values:
                where.append(f"{col} IN ({', '.join('?' * len(values))})")
                args.extend(values)
        sql = f"SELECT data, version FROM tickets WHERE {' AND '.join(where)} ORDER BY created_at DESC LIMIT ?"
        def q(c: sqlite3.Connection) -> list[Ticket]:
            return [self._ticket(c, row, with_history=with_history) for row in c.execute(sql, (*args, limit)).fetchall()]
        return await self.engine.run(q)

    @staticmethod
    def _history(c: sqlite3.Connection, ticket_id: str) -> list[dict[str, Any]]:
        return [{"at": h["at"], "actor": h["actor"], "action": h["action"], "field": h["field"],
                 "old": json.loads(h["old"]) if h["old"] is not None else None,
                 "new": json.loads(h["new"]) if h["new"] is not None else None, "reason": h["reason"]}
                for h in c.execute("SELECT * FROM ticket_history WHERE ticket_id=? ORDER BY idx", (ticket_id,))]

    async def tickets_touched(self, since: float, until: float) -> list[Ticket]:
        """Tickets with any history entry in [since, until), with their whole history (for stats)."""
        def q(c: sqlite3.Connection) -> list[Ticket]:
            ids = [r[0] for r in c.execute("SELECT DISTINCT ticket_id FROM ticket_history WHERE at >= ? AND at < ?",
                                           (since, until))]
            found = (self._load_ticket(c, tid) for tid in ids)
            return [t for t in found if t is not None]
        return await self.engine.run(q)

    async def contact_times(self, since: float, until: float) -> list[tuple[float, float | None, float | None, str]]:
        """(created_at, answered_at, ended_at, state) of caller sessions created in [since, until)."""
        def q(c: sqlite3.Connection) -> list[tuple[float, float | None, float | None, str]]:
            return [(r[0], r[1], r[2], r[3]) for r in c.execute(
                "SELECT created_at, answered_at, ended_at, state FROM sessions WHERE created_at >= ? AND created_at < ?",
                (since, until))]
        return await self.engine.run(q)

    async def end_session_with_ticket(self, session_id: str, *, ended_at: float, ended_by: str,
                                      ticket: Ticket | None) -> None:
        def q(c: sqlite3.Connection) -> None:
            before = ticket.version if ticket is not None else 0
            try:
                if ticket is not None:
                    self._write_ticket(c, ticket, insert=True)
                self._update_session(c, session_id, {"state": "ended", "ended_at": ended_at, "ended_by": ended_by,
                                                     "ticket_id": ticket.id if ticket else None})
            except BaseException:
                if ticket is not None:          # rolled back: the ticket was never stored
                    ticket.version = before
                raise
        await self.engine.run(q)

    # -- anonymous kiosk counters ----------------------------------------------
    async def kiosk_count(self, kiosk: str, hour: str, event: str, lang: str, channel: str = "",
                          n: int = 1) -> int:
        """One UPSERT on the writer thread: concurrent increments never lose a count, and the
        caller hears back only after the group commit."""
        def q(c: sqlite3.Connection) -> int:
            return c.execute(
                "INSERT INTO kiosk_counts (kiosk, hour, event, lang, channel, count) VALUES (?,?,?,?,?,?)"
                " ON CONFLICT(kiosk, hour, event, lang, channel) DO UPDATE SET count = count + excluded.count"
                " RETURNING count", (kiosk, hour, event, lang, channel, n)).fetchone()[0]
        return await self.engine.run(q)

    async def kiosk_report(self, since: str, until: str, kiosk: str | None = None) -> list[KioskCount]:
        def q(c: sqlite3.Connection) -> list[KioskCount]:
            sql = "SELECT kiosk, hour, event, lang, channel, count FROM kiosk_counts WHERE hour >= ? AND hour < ?"
            args: list[Any] = [since, until]
            if kiosk is not None:
                sql += " AND kiosk = ?"
                args.append(kiosk)
            rows = c.execute(sql + " ORDER BY kiosk, hour, event, lang, channel", args).fetchall()
            return [KioskCount(*tuple(r)) for r in rows]
        return await self.engine.run(q)

    # -- moving data between stores (hotline-gateway db copy) ------------------------------------
    async def is_empty(self) -> bool:
        def q(c: sqlite3.Connection) -> bool:
            return all(c.execute(f"SELECT 1 FROM {t} LIMIT 1").fetchone() is None for t in tables.TABLES)
        return await self.engine.run(q)

    async def dump_table(self, table: str) -> list[dict[str, Any]]:
        t = tables.spec(table)

        def q(c: sqlite3.Connection) -> list[dict[str, Any]]:
            rows = c.execute(f"SELECT {', '.join(t.columns)} FROM {t.name} ORDER BY {', '.join(t.key)}").fetchall()
            out = []
            for row in rows:
                d = dict(row)
                for col in t.json:
                    d[col] = None if d[col] is None else json.loads(d[col])
                for col in t.flags:
                    d[col] = bool(d[col])
                out.append(d)
            return out
        return await self.engine.run(q)

    async def load_table(self, table: str, rows: Sequence[dict[str, Any]]) -> None:
        t = tables.spec(table)
        sql = f"INSERT INTO {t.name} ({', '.join(t.columns)}) VALUES ({', '.join('?' * len(t.columns))})"
        if t.name == "ticket_counters":     # never below a counter already raised by loaded tickets
            sql += " ON CONFLICT(day) DO UPDATE SET seq = MAX(seq, excluded.seq)"

        def value(col: str, v: Any) -> Any:
            if col in t.json:
                # history old/new keep JSON null as the text 'null', as _write_ticket writes it
                return json.dumps(v, ensure_ascii=False) if (v is not None or t.name == "ticket_history") else None
            if col in t.flags:
                return int(bool(v))
            return v

        def q(c: sqlite3.Connection) -> None:
            c.executemany(sql, [tuple(value(col, r.get(col)) for col in t.columns) for r in rows])
            if t.name in ("tickets", "ticket_counters"):   # a day's counter never lags its loaded numbers
                c.execute("INSERT INTO ticket_counters (day, seq) SELECT substr(number, 1, 4) || '-' ||"
                          " substr(number, 5, 2) || '-' || substr(number, 7, 2), MAX(CAST(substr(number, 9) AS INTEGER))"
                          " FROM tickets WHERE length(number) = 14 AND number NOT GLOB '*[^0-9]*' GROUP BY 1"
                          " ON CONFLICT(day) DO UPDATE SET seq = MAX(seq, excluded.seq)")
            if t.name == "messages":        # a session's counter never lags its loaded messages
                c.execute("UPDATE sessions SET last_seq = (SELECT MAX(seq) FROM messages m WHERE m.session_id ="
                          " sessions.id) WHERE last_seq < (SELECT COALESCE(MAX(seq), 0) FROM messages m"
                          " WHERE m.session_id = sessions.id)")
        await self.engine.run(q)
