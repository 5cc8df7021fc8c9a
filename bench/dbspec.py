"""Which store a benchmark runs the gateway on: ``--db`` for bench/open311_bench.py and
bench/chat_bench.py.

* ``sqlite`` (the default): a fresh SQLite file in a temporary folder.
* ``postgresql://user@host:port/dbname``: an existing, EMPTY database (the bench refuses one
  with data, so the durability check counts only its own rows).
* ``temp-postgresql``: a private PostgreSQL server from Debian's binaries, started for the run in
  a temporary folder on a free loopback port with ``fsync=on`` (a production setting: every
  commit reaches the disk, like SQLite's synchronous=FULL), and removed afterwards.

Give ``--db`` more than once to measure the backends side by side in one run, against the same
baseline.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path


def label(spec: str) -> str:
    return "sqlite" if spec == "sqlite" else "postgresql"


@contextlib.contextmanager
def database(spec: str) -> Iterator[str]:
    """The ``--db`` value for the gateway: a file path or a postgresql:// URL."""
    if spec == "sqlite":
        with tempfile.TemporaryDirectory(prefix="bench-db-") as tmp:
            yield str(Path(tmp) / "gateway.sqlite3")
        return
    if spec == "temp-postgresql":
        from tests.pg import PgServer, find_bindir
        bindir = find_bindir()
        if bindir is None:
            raise SystemExit("temp-postgresql: install Debian's postgresql (apt-get install postgresql)")
        server = PgServer(bindir, durable=True)
        server.start()
        try:
            yield server.new_database()
        finally:
            server.stop()
        return
    if not spec.startswith(("postgresql://", "postgres://")):
        raise SystemExit(f"--db must be sqlite, temp-postgresql or a postgresql:// URL, not {spec!r}")
    if not asyncio.run(_is_empty(spec)):
        raise SystemExit("--db: that PostgreSQL database is not empty; give the benchmark an empty one")
    yield spec


async def _is_empty(url: str) -> bool:
    from gateway.storage import create_repository
    repo = create_repository(url)
    await repo.open()
    try:
        return bool(await repo.is_empty())
    finally:
        await repo.close()


def count_rows(db: str, table: str) -> int:
    """Rows in one table, read independently of the gateway (as another process would)."""
    if db.startswith(("postgresql://", "postgres://")):
        import psycopg
        with psycopg.connect(db) as conn:
            row = conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()
            return int(row[0]) if row else 0
    c = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        return int(c.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
    finally:
        c.close()
