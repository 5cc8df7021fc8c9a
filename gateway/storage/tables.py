"""The logical shape of every table, shared by the backends and ``hotline-gateway db copy``.

Column names are the SQLite ones.  ``dump_table`` returns rows as plain values: times as float
epoch seconds, JSON columns parsed, flags as bool.  Each backend maps these to its own types
(SQLite REAL/TEXT/INTEGER; PostgreSQL timestamptz/jsonb/boolean).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]
    json: frozenset[str] = frozenset()
    flags: frozenset[str] = frozenset()
    times: frozenset[str] = frozenset()


SPECS: tuple[Table, ...] = (
    Table("users", ("id", "login", "name", "role", "department", "seat_kind", "skills", "password_hash",
                    "created_at", "disabled"), ("id",),
          json=frozenset({"skills"}), flags=frozenset({"disabled"}), times=frozenset({"created_at"})),
    Table("auth_tokens", ("token_hash", "user_id", "created_at", "expires_at", "revoked"), ("token_hash",),
          flags=frozenset({"revoked"}), times=frozenset({"created_at", "expires_at"})),
    Table("sessions", ("id", "channel", "lang", "state", "token_hash", "queue", "skill", "priority", "created_at",
                       "enqueued_at", "answered_at", "ended_at", "ended_by", "seat_id", "seat_name", "ticket_id",
                       "meta", "last_seq"), ("id",),
          json=frozenset({"meta"}), times=frozenset({"created_at", "enqueued_at", "answered_at", "ended_at"})),
    Table("messages", ("session_id", "seq", "sender", "author", "text", "client_id", "created_at", "meta"),
          ("session_id", "seq"), json=frozenset({"meta"}), times=frozenset({"created_at"})),
    Table("tickets", ("id", "number", "status", "channel", "lang", "category", "department", "district",
                      "session_id", "deadline", "created_at", "updated_at", "data", "version"), ("id",),
          json=frozenset({"data"}), times=frozenset({"deadline", "created_at", "updated_at"})),
    Table("ticket_history", ("ticket_id", "idx", "at", "actor", "action", "field", "old", "new", "reason"),
          ("ticket_id", "idx"), json=frozenset({"old", "new"}), times=frozenset({"at"})),
    Table("ticket_counters", ("day", "seq"), ("day",)),
    Table("kiosk_counts", ("kiosk", "hour", "event", "lang", "channel", "count"),
          ("kiosk", "hour", "event", "lang", "channel")),
    Table("api_keys", ("id", "name", "key_hash", "created_at", "revoked"), ("id",),
          flags=frozenset({"revoked"}), times=frozenset({"created_at"})),
    Table("service_requests", ("ticket_id", "number", "api_key_id", "token", "access_hash", "idem_key",
                               "body_hash", "service_code", "lang", "lat", "long", "address", "media",
                               "submitter_hash", "requested_at"), ("ticket_id",),
          times=frozenset({"requested_at"})),
)
BY_NAME: dict[str, Table] = {t.name: t for t in SPECS}
TABLES: tuple[str, ...] = tuple(t.name for t in SPECS)


def spec(name: str) -> Table:
    """The table called ``name``; ValueError for anything else (names are never interpolated unchecked)."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise ValueError(f"unknown table {name[:40]!r}; tables are: {', '.join(TABLES)}") from None
