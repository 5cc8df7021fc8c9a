"""Storage behind one repository interface (``repository.Repository``).

``db`` is a SQLite file path (the embedded default; ``sqlite:///path`` works too) or a
``postgresql://`` URL (``postgres://`` is accepted as its alias).  Anything else that looks like
a URL is refused: it must never become a file or folder named after the URL.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from gateway.errors import InvalidField

POSTGRES_SCHEMES = ("postgresql", "postgres")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")


def backend_of(db: str) -> str:
    """``"sqlite"`` or ``"postgres"`` for a ``db`` setting; InvalidField for anything else."""
    if not isinstance(db, str) or not db.strip():
        raise InvalidField("'db' must be a SQLite file path or a postgresql:// URL", field="db")
    m = _SCHEME.match(db)
    if m is None:
        return "sqlite"
    scheme = m.group(1).lower()
    if scheme in POSTGRES_SCHEMES:
        if not db[m.end():].startswith("//"):
            raise InvalidField(f"a PostgreSQL URL looks like postgresql://user@host:5432/dbname, not "
                               f"{redact_url(db)!r}", field="db")
        return "postgres"
    if scheme == "sqlite":
        if not db.startswith("sqlite:///") or len(db) == len("sqlite:///"):
            raise InvalidField("a SQLite URL is sqlite:///relative/path or sqlite:////absolute/path", field="db")
        return "sqlite"
    if len(scheme) == 1:            # a Windows drive letter, e.g. C:\\data\\gateway.sqlite3
        return "sqlite"
    raise InvalidField(f"unknown database URL scheme {scheme[:20]!r}: 'db' is a SQLite file path or a "
                       f"postgresql://user@host:5432/dbname URL", field="db")


def sqlite_path(db: str) -> str:
    return db[len("sqlite:///"):] if db.startswith("sqlite:///") else db


def redact_url(db: str) -> str:
    """The ``db`` setting (a URL or a libpq conninfo string) with any password replaced by
    ``***``: safe to print or log."""
    if "://" not in db:
        return re.sub(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", r"\1***", db)
    try:
        parts = urlsplit(db)
    except ValueError:
        return "<unparseable database URL>"
    if parts.password is None and "password=" not in parts.query:
        return db
    netloc = parts.netloc
    if parts.password is not None:
        user, _, host = netloc.rpartition("@")
        name = user.split(":", 1)[0]
        netloc = f"{name}:***@{host}"
    query = re.sub(r"(password=)[^&]*", r"\1***", parts.query)
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def create_repository(db: str, *, synchronous: str = "FULL", pool_size: int = 10,
                      on_commit: Callable[[int, float], None] | None = None) -> Any:
    """The repository for ``db``: SQLite for a path, PostgreSQL for a postgresql:// URL."""
    if backend_of(db) == "postgres":
        from gateway.storage.postgres import PostgresRepository
        return PostgresRepository(db, pool_max=pool_size, on_commit=on_commit)
    from gateway.storage.sqlite import SQLiteRepository
    return SQLiteRepository(sqlite_path(db), synchronous=synchronous, on_commit=on_commit)
