"""Storage for self-service submissions (``miniapp_api/``): API clients and service requests.

Part of the SQLite repository (``SQLiteRepository`` mixes this in), kept in its own module
because it is its own concern.  A submission is written in ONE transaction: the idempotency
check, the daily ticket number, the ticket with its history and the service-request row.
Either all of it is on disk (fsynced) before the client hears "accepted", or none of it is.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from gateway.domain.ticket import Ticket
from gateway.errors import Conflict
from gateway.storage.records import SR_COLUMNS as _SR_COLS
from gateway.storage.records import ApiKeyRecord, Builder, ServiceRequestRecord

if TYPE_CHECKING:
    from gateway.storage.engine import SQLiteEngine


def _sr(row: sqlite3.Row) -> ServiceRequestRecord:
    return ServiceRequestRecord(**{k: row[k] for k in _SR_COLS})


class MiniappRepoMixin:
    engine: "SQLiteEngine"
    _write_ticket: Callable[[sqlite3.Connection, Ticket, bool], None]

    # -- API keys --------------------------------------------------------------
    @staticmethod
    def _insert_api_key(c: sqlite3.Connection, rec: ApiKeyRecord, key_hash: str) -> ApiKeyRecord:
        try:
            c.execute("INSERT INTO api_keys (id, name, key_hash, created_at, revoked) VALUES (?,?,?,?,?)",
                      (rec.id, rec.name, key_hash, rec.created_at, int(rec.revoked)))
        except sqlite3.IntegrityError as exc:
            raise Conflict(f"an API client named {rec.name!r} already exists") from exc
        return rec

    async def create_api_key(self, rec: ApiKeyRecord, key_hash: str) -> ApiKeyRecord:
        return await self.engine.run(lambda c: self._insert_api_key(c, rec, key_hash))

    async def api_key_by_hash(self, key_hash: str) -> ApiKeyRecord | None:
        def q(c: sqlite3.Connection) -> ApiKeyRecord | None:
            row = c.execute("SELECT id, name, created_at, revoked FROM api_keys WHERE key_hash=?", (key_hash,)).fetchone()
            return None if row is None else ApiKeyRecord(row["id"], row["name"], row["created_at"], bool(row["revoked"]))
        return await self.engine.run(q)

    # -- submissions -------------------------------------------------------------
    async def insert_service_request(self, *, day: str, api_key_id: str, idem_key: str | None,
                                     build: Builder) -> tuple[ServiceRequestRecord, bool]:
        """Store a new submission, or return the one already stored under ``idem_key``.

        Returns (record, created).  ``build`` runs inside the transaction, so it must be quick
        and pure: everything slow (drafting, the photo) is done before."""
        def tx(c: sqlite3.Connection) -> tuple[ServiceRequestRecord, bool]:
            if idem_key is not None:
                row = c.execute("SELECT * FROM service_requests WHERE api_key_id=? AND idem_key=?",
                                (api_key_id, idem_key)).fetchone()
                if row is not None:
                    return _sr(row), False
            c.execute("INSERT INTO ticket_counters (day, seq) VALUES (?, 1)"
                      " ON CONFLICT(day) DO UPDATE SET seq = seq + 1", (day,))
            seq = c.execute("SELECT seq FROM ticket_counters WHERE day=?", (day,)).fetchone()[0]
            ticket, rec = build(seq)
            self._write_ticket(c, ticket, True)
            values = asdict(rec)
            c.execute(f"INSERT INTO service_requests ({', '.join(_SR_COLS)}) VALUES ({', '.join('?' * len(_SR_COLS))})",
                      tuple(values[k] for k in _SR_COLS))
            return rec, True
        return await self.engine.run(tx)

    async def service_request(self, *, number: str | None = None, token: str | None = None,
                              ticket_id: str | None = None) -> ServiceRequestRecord | None:
        col, value = next((k, v) for k, v in (("number", number), ("token", token), ("ticket_id", ticket_id))
                          if v is not None)
        def q(c: sqlite3.Connection) -> ServiceRequestRecord | None:
            row = c.execute(f"SELECT * FROM service_requests WHERE {col}=?", (value,)).fetchone()
            return None if row is None else _sr(row)
        return await self.engine.run(q)

    async def find_service_requests(self, *, api_key_id: str | None, numbers: Sequence[str] = (),
                                    service_codes: Sequence[str] = (), start: float | None = None,
                                    end: float | None = None, ticket_states: Sequence[str] = (),
                                    idem_key: str | None = None, limit: int = 1000) -> list[tuple[ServiceRequestRecord, Ticket]]:
        """Newest first.  ``api_key_id`` None means every client's (for staff)."""
        where, args = ["1=1"], []
        if api_key_id is not None:
            where.append("s.api_key_id=?"); args.append(api_key_id)
        for col, values in (("s.number", numbers), ("s.service_code", service_codes), ("t.status", ticket_states)):
            if values:
                where.append(f"{col} IN ({', '.join('?' * len(values))})"); args.extend(values)
        if idem_key is not None:
            where.append("s.idem_key=?"); args.append(idem_key)
        if start is not None:
            where.append("s.requested_at >= ?"); args.append(start)
        if end is not None:
            where.append("s.requested_at <= ?"); args.append(end)
        sql = (f"SELECT s.*, t.data AS ticket_data FROM service_requests s JOIN tickets t ON t.id = s.ticket_id"
               f" WHERE {' AND '.join(where)} ORDER BY s.requested_at DESC LIMIT ?")
        def q(c: sqlite3.Connection) -> list[tuple[ServiceRequestRecord, Ticket]]:
            out = []
            for row in c.execute(sql, (*args, limit)).fetchall():
                data: dict[str, Any] = json.loads(row["ticket_data"])
                data["history"] = []          # lists carry the current state, not the audit trail
                out.append((_sr(row), Ticket.from_dict(data)))
            return out
        return await self.engine.run(q)
