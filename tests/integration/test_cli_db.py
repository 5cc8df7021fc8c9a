"""``--db`` everywhere, ``migrate`` and ``db copy``: real processes, a SQLite file and a real
PostgreSQL database (the session's private server)."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import psycopg
import pytest

from gateway.storage import backend_of, create_repository, redact_url
from gateway.storage.copy import checksum
from gateway.storage.repository import TABLES
from gateway.errors import InvalidField
from tests.integration.test_cli import assert_one_line_error, cli


@pytest.mark.parametrize("url", ["postgresql://postgres@127.0.0.1/hotline", "mysql://root@h/db",
                                 "postgresql:hotline", "sqlite://relative", "redis://127.0.0.1:6379/0"])
def test_a_url_never_becomes_a_file_or_folder(tmp_path, url) -> None:
    before = set(tmp_path.iterdir())
    out = cli(tmp_path, "seats", "create", "--login", "x", "--skills", "lang:ja=4", "--db", url)
    assert out.returncode in (1, 2), out.stdout           # refused, or (postgres) unreachable
    assert "Traceback" not in out.stderr and "created" not in out.stdout
    assert set(tmp_path.iterdir()) == before              # nothing named after the URL


def test_unknown_scheme_is_exit_2_on_every_command(tmp_path) -> None:
    for args in (["seats", "create", "--login", "x", "--skills", "lang:ja=4"],
                 ["users", "create", "--role", "admin", "--name", "A"], ["apikeys", "create", "--name", "app"],
                 ["migrate"], ["serve", "--port", "0"]):
        out = cli(tmp_path, *args, "--db", "mysql://root@localhost/hotline")
        assert_one_line_error(out, 2, "unknown database URL scheme 'mysql'")


def test_backend_parsing_and_redaction() -> None:
    assert backend_of("var/gw.sqlite3") == backend_of("sqlite:///var/gw.sqlite3") == "sqlite"
    assert backend_of("postgresql://u@h/db") == backend_of("postgres://u@h/db") == "postgres"
    with pytest.raises(InvalidField):
        backend_of("ftp://x/y")
    assert redact_url("postgresql://hotline:s3cret@db:5432/h") == "postgresql://hotline:***@db:5432/h"
    assert redact_url("postgresql://h@db/h?password=s3cret&sslmode=require") == \
        "postgresql://h@db/h?password=***&sslmode=require"
    assert redact_url("var/gw.sqlite3") == "var/gw.sqlite3"


def test_every_command_works_on_postgresql(tmp_path, pg_url) -> None:
    mig = cli(tmp_path, "migrate", "--db", pg_url)
    assert mig.returncode == 0, mig.stderr
    assert re.search(r"schema version \d+", mig.stdout)
    seat = cli(tmp_path, "seats", "create", "--login", "seat-ja", "--skills", "lang:ja=4", "--db", pg_url)
    user = cli(tmp_path, "users", "create", "--role", "reviewer", "--name", "R", "--db", pg_url)
    key = cli(tmp_path, "apikeys", "create", "--name", "mini-program", "--db", pg_url)
    assert [p.returncode for p in (seat, user, key)] == [0, 0, 0], (seat.stderr, user.stderr, key.stderr)
    again = cli(tmp_path, "seats", "create", "--login", "seat-ja", "--skills", "lang:ja=4", "--db", pg_url)
    assert_one_line_error(again, 2, "already exists")
    with psycopg.connect(pg_url) as conn:
        logins = sorted(r[0] for r in conn.execute("SELECT login FROM users"))
        keys = conn.execute("SELECT key_hash FROM api_keys").fetchall()
    assert logins[0].startswith("reviewer-") and logins[1] == "seat-ja"
    assert len(keys) == 1 and key.stdout.split()[-1] not in keys[0][0]          # only the hash is stored
    assert list(tmp_path.iterdir()) == []                                       # no SQLite file on the side


def test_wrong_password_is_one_line_exit_1_without_the_password(tmp_path, pg_url) -> None:
    bad = pg_url.replace("postgres@", "nobody:hunter2@")
    out = cli(tmp_path, "migrate", "--db", bad)
    line = assert_one_line_error(out, 1)
    assert "hunter2" not in line and "***" in line


async def _fill(db: str, tmp_path: Path) -> None:
    """Real traffic through a real gateway: sessions, messages, tickets through the workflow,
    kiosk counts, an API key and a self-service submission."""
    from tests.conftest import make_config
    from gateway.web.app import create_app
    from gateway.clock import ManualClock
    from aiohttp.test_utils import TestClient, TestServer
    from gateway.web.keys import REPO
    from tests.conftest import Gateway, recv_until
    clock = ManualClock()
    app = create_app(make_config(tmp_path, db=db), clock=clock, run_ticker=False)
    async with TestClient(TestServer(app)) as client:
        gw = Gateway(client, clock)
        token = await gw.add_seat("seat-ja", {"lang:ja": 4})
        sess = await gw.new_session("ja")
        ws = await gw.caller_ws(sess)
        for i in range(3):
            await ws.send_json({"type": "msg", "text": f"部屋の電気が{i}回消えました", "client_id": f"c{i}"})
            await recv_until(ws, "ack")                  # stored before it is acknowledged
        await ws.close()
        hdr = {"Authorization": f"Bearer {token}"}
        r = await client.post("/api/v1/tickets", json={"lang": "ja", "text": "街灯が壊れた", "category": "REPORT",
                                                       "district": "pudong"}, headers=hdr)
        assert r.status == 201
        tid = (await r.json())["id"]
        assert (await client.post(f"/api/v1/tickets/{tid}/dispatch", json={"department": "WATER"},
                                  headers=hdr)).status == 200
        assert (await client.post("/api/v1/kiosk/events", json={"kiosk": "PVG-T2-01", "event": "language_chosen",
                                                                 "lang": "ja"})).status in (200, 201, 204)
        assert await app[REPO].get_ticket(tid) is not None


def test_db_copy_sqlite_to_postgresql_is_verified(tmp_path, pg_url) -> None:
    src = str(tmp_path / "var" / "gw.sqlite3")
    (tmp_path / "var").mkdir()
    asyncio.run(_fill(src, tmp_path))
    out = cli(tmp_path, "db", "copy", "--from", src, "--to", pg_url)
    assert out.returncode == 0, out.stderr
    assert "all 10 tables verified" in out.stdout
    # independently of the command's own check: every table equal, row for row
    async def dumps(db: str) -> dict[str, list]:
        repo = create_repository(db)
        await repo.open()
        try:
            return {t: await repo.dump_table(t) for t in TABLES}
        finally:
            await repo.close()
    a, b = asyncio.run(dumps(src)), asyncio.run(dumps(pg_url))
    assert {t: len(r) for t, r in a.items()} == {t: len(r) for t, r in b.items()}
    assert all(len(a[t]) > 0 for t in ("users", "sessions", "messages", "tickets", "ticket_history", "kiosk_counts"))
    assert all(checksum(t, a[t]) == checksum(t, b[t]) for t in TABLES)
    # the copy is a working store: the ticket reads back whole, with its version
    async def ticket_versions(db: str) -> list[tuple[str, int, int]]:
        repo = create_repository(db)
        await repo.open()
        try:
            ts = await repo.list_tickets(with_history=True)
            return sorted((t.id, t.version, len(t.history)) for t in ts)
        finally:
            await repo.close()
    assert asyncio.run(ticket_versions(src)) == asyncio.run(ticket_versions(pg_url))
    # a second copy into the now non-empty target is refused, and changes nothing
    again = cli(tmp_path, "db", "copy", "--from", src, "--to", pg_url)
    assert_one_line_error(again, 2, "not empty")
    assert {t: len(r) for t, r in asyncio.run(dumps(pg_url)).items()} == {t: len(r) for t, r in a.items()}


def test_db_copy_refuses_the_same_database(tmp_path) -> None:
    db = str(tmp_path / "gw.sqlite3")
    assert_one_line_error(cli(tmp_path, "db", "copy", "--from", db, "--to", db), 2, "same database")
