"""A private PostgreSQL server for the test session, started from Debian's binaries.

Why not pytest-postgresql: it wraps the same three commands (initdb, pg_ctl, createdb) but runs
them as the current user, and initdb refuses root, which is how these containers run tests.  Here, as root, the data folder
belongs to the ``postgres`` user and the commands run through ``runuser``.

The server lives in a ``tempfile.mkdtemp()`` folder (data, unix socket, log), listens on a free
loopback port only, and is stopped (``pg_ctl stop -m fast``) and removed at the end of the
session.  ``fsync=off`` is set on this throwaway server only: it makes CREATE DATABASE and
commits cheap without changing what any client can observe (a COMMIT still returns only after
its WAL record is written; only the flush to the disk platter is skipped).  ``synchronous_commit``
stays on: the repository sets it on each connection, and a contract test checks it.

``pg_url`` gives each test an empty database: the session's shared database (migrated when a
repository first opens it) with every table truncated (see :meth:`PgServer.clean_database` for the measured choice); ``pg_fresh_url``
gives a brand-new, schema-less one for tests of migrations or database settings.

Use from a conftest::

    from tests.pg import pg_fresh_url, pg_server, pg_url  # noqa: F401  (fixtures, registered by import)

``HOTLINE_TEST_PG=0`` skips every test that needs the server.  Without the binaries, tests that
need it fail with a message saying to install Debian's ``postgresql`` (``scripts/test`` does it).
"""

from __future__ import annotations

import atexit
import glob
import itertools
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

SUPERUSER = "postgres"
_START_TIMEOUT_S = 60


def find_bindir() -> Path | None:
    """The folder holding initdb and pg_ctl: ``pg_config --bindir``, else Debian's layout."""
    candidates: list[str] = []
    pg_config = shutil.which("pg_config")
    if pg_config:
        out = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True)
        if out.returncode == 0:
            candidates.append(out.stdout.strip())
    # Debian's pg_config (from libpq-dev) may point at /usr/bin, which has no initdb.
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for folder in candidates:
        if (Path(folder) / "initdb").is_file() and (Path(folder) / "pg_ctl").is_file():
            return Path(folder)
    return None


def free_port() -> int:
    """A loopback port nobody listens on right now (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class PgServer:
    """One postgres process in its own temporary folder; databases are created on demand."""

    def __init__(self, bindir: Path, *, durable: bool = False) -> None:
        """``durable``: fsync and full-page writes on, as in production (bench/dbspec.py uses
        it); the tests' throwaway server runs without them."""
        self.bindir = bindir
        self.durable = durable
        self.root = Path(tempfile.mkdtemp(prefix="hotline-pg-"))
        self.data = self.root / "data"
        self.port = 0
        self._as_root = os.geteuid() == 0
        self._names = itertools.count(1)
        self._running = False
        self._shared: str | None = None

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self) -> None:
        if self._as_root:
            # initdb refuses to run as root: the folder (and so the cluster) belongs to postgres.
            shutil.chown(self.root, user=SUPERUSER, group=None)
            os.chmod(self.root, 0o700)
        self._run("initdb", "-D", str(self.data), "-A", "trust", "-U", SUPERUSER, "-E", "UTF8",
                  "--locale=C", "--no-sync", "--no-instructions")
        for attempt in range(3):          # the free port can be taken between probe and bind
            self.port = free_port()
            safety = "" if self.durable else " -c fsync=off -c full_page_writes=off"
            options = (f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1{safety}"
                       " -c max_connections=200")
            try:
                self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-o", options,
                          "-w", "-t", str(_START_TIMEOUT_S), "start")
            except RuntimeError:
                if attempt == 2:
                    raise
                continue
            break
        self._running = True
        atexit.register(self.stop)        # a crashed session must not leave a server behind

    def stop(self) -> None:
        """Stop the server and remove its folder; safe to call twice."""
        if self._running:
            self._running = False
            try:
                self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "stop")
            except RuntimeError:
                pass
        shutil.rmtree(self.root, ignore_errors=True)

    def _run(self, tool: str, *args: str) -> None:
        cmd = [str(self.bindir / tool), *args]
        if self._as_root:
            cmd = ["runuser", "-u", SUPERUSER, "--", *cmd]
        # cwd: postgres may not be allowed into the repository folder.
        out = subprocess.run(cmd, cwd=self.root, capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            log = self.root / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"{tool} failed ({out.returncode}): {out.stderr.strip()}\n{tail}")

    # -- databases ----------------------------------------------------------------------------
    def url(self, dbname: str = "postgres") -> str:
        return f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/{dbname}"

    def _admin(self, dbname: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(self.url(dbname), autocommit=True)

    def new_database(self) -> str:
        """Create a brand-new, schema-less database and return its URL (about 30 ms, plus the
        migrations when a repository first opens it); for tests of migrations or of database
        settings.  ``STRATEGY FILE_COPY``: with fsync off it is 2-3x faster than WAL_LOG."""
        name = f"t{os.getpid()}_{next(self._names)}"
        with self._admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 STRATEGY FILE_COPY')
        return self.url(name)

    def drop_database(self, url: str) -> None:
        """Drop a database, closing any connection a failed test left open."""
        name = url.rsplit("/", 1)[1]
        with self._admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def clean_database(self) -> str:
        """The session's shared test database with every row of every table removed.

        Why not a new database per test: measured here (``python -m tests.pg``), CREATE DATABASE
        + DROP + the first open() that migrates it cost 65 ms a test on a quiet machine and up to
        200 ms on a busy one; cleaning the shared database costs 8-30 ms, plus 3-15 ms for an
        open() with nothing to migrate.  Every integration test runs on PostgreSQL too, so that
        is the difference that shows.  Tests stay isolated: connections a previous test left open
        are terminated first (they could hold locks or see old rows), then every table in the
        schema is truncated, so each test starts from an empty, migrated database.  What
        TRUNCATE cannot undo (database settings, schema changes) needs :meth:`new_database`."""
        if self._shared is None:
            self._shared = self.new_database()
        name = self._shared.rsplit("/", 1)[1]
        with self._admin(name) as conn:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                         " WHERE datname = current_database() AND pid <> pg_backend_pid()")
            rows = conn.execute("SELECT quote_ident(tablename) FROM pg_tables"
                                " WHERE schemaname = 'public' AND tablename <> 'schema_migrations'").fetchall()
            if rows:
                conn.execute(f"TRUNCATE {', '.join(r[0] for r in rows)} RESTART IDENTITY CASCADE")
        return self._shared


def _disabled() -> bool:
    return os.environ.get("HOTLINE_TEST_PG", "1").strip().lower() in {"0", "no", "false", "off"}


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    """The session's PostgreSQL server, started on first use."""
    if _disabled():
        pytest.skip("PostgreSQL tests are switched off (HOTLINE_TEST_PG=0)")
    bindir = find_bindir()
    if bindir is None:
        pytest.fail("PostgreSQL server binaries (initdb, pg_ctl) not found: install Debian's 'postgresql' "
                    "package (apt-get install --no-install-recommends postgresql; ./scripts/test does it when "
                    "run as root), or set HOTLINE_TEST_PG=0 to skip the PostgreSQL tests", pytrace=False)
    server = PgServer(bindir)
    try:
        server.start()
    except BaseException:
        server.stop()
        raise
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg_server: PgServer) -> str:
    """An empty database for one test (the shared one, truncated: see PgServer.clean_database)."""
    return pg_server.clean_database()


@pytest.fixture
def pg_fresh_url(pg_server: PgServer) -> Iterator[str]:
    """A brand-new, schema-less database for one test, dropped after it (migrations, settings)."""
    url = pg_server.new_database()
    yield url
    pg_server.drop_database(url)


def _measure(rounds: int = 20) -> None:
    """Print what a per-test database costs: CREATE+DROP against TRUNCATE of every table."""
    import asyncio

    from gateway.storage.postgres import PostgresRepository
    from gateway.storage.repository import TABLES

    bindir = find_bindir()
    assert bindir is not None, "install postgresql"
    server = PgServer(bindir)
    server.start()
    try:
        t0 = time.perf_counter()
        urls = [server.new_database() for _ in range(rounds)]
        create = (time.perf_counter() - t0) / rounds
        t0 = time.perf_counter()
        for url in urls:
            server.drop_database(url)
        drop = (time.perf_counter() - t0) / rounds

        async def migrate(url: str) -> None:
            repo = PostgresRepository(url, pool_min=1, pool_max=1)
            await repo.open()
            await repo.close()

        url = server.new_database()
        t0 = time.perf_counter()
        asyncio.run(migrate(url))
        first_open = time.perf_counter() - t0
        server._shared = url
        t0 = time.perf_counter()
        for _ in range(rounds):
            server.clean_database()
        clean = (time.perf_counter() - t0) / rounds
        t0 = time.perf_counter()
        asyncio.run(migrate(url))
        again = time.perf_counter() - t0
        print(f"new database: CREATE {create * 1000:.1f} ms + DROP {drop * 1000:.1f} ms + first open() with "
              f"migrations {first_open * 1000:.1f} ms; shared database: clean_database() (terminate + TRUNCATE of "
              f"{len(TABLES)} tables) {clean * 1000:.1f} ms + open() with nothing to migrate {again * 1000:.1f} ms")
    finally:
        server.stop()


if __name__ == "__main__":
    _measure()
