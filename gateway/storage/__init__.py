"""Storage behind one repository interface (``repository.Repository``); SQLite is the embedded default."""

from __future__ import annotations

from collections.abc import Callable

from gateway.errors import InvalidField


def create_repository(db: str, *, synchronous: str = "FULL",
                      on_commit: Callable[[int, float], None] | None = None):
    """Pick the implementation from the ``db`` setting: a file path (or ``sqlite:///path``) means SQLite."""
    if db.startswith(("postgres://", "postgresql://")):
        raise InvalidField("PostgreSQL is not implemented yet; set 'db' to a SQLite file path")
    from gateway.storage.sqlite import SQLiteRepository
    path = db[len("sqlite:///"):] if db.startswith("sqlite:///") else db
    return SQLiteRepository(path, synchronous=synchronous, on_commit=on_commit)
