"""The ``hotline-gateway`` command, run as a real process: seats, users, serve, graceful shutdown."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import aiohttp
import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = str(Path(sys.executable).parent / "hotline-gateway")
if not os.path.exists(BIN):
    BIN = str(ROOT / ".venv" / "bin" / "hotline-gateway")


def clean_env() -> dict[str, str]:
    """The caller's HOTLINE_* settings must not leak into these runs."""
    return {k: v for k, v in os.environ.items() if not k.startswith("HOTLINE_")}


def cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([BIN, *args], cwd=tmp_path, env=clean_env(), capture_output=True,
                          text=True, timeout=120)


def assert_one_line_error(out: subprocess.CompletedProcess, code: int, *fragments: str) -> str:
    assert out.returncode == code, (out.returncode, out.stdout, out.stderr)
    assert "Traceback" not in out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("hotline-gateway: "), out.stderr
    for f in fragments:
        assert f in lines[0], (f, lines[0])
    return lines[0]


# -- seats and users -------------------------------------------------------------------------

def test_seat_create_then_duplicate_login(tmp_path) -> None:
    db = str(tmp_path / "gw.sqlite3")
    ok = cli(tmp_path, "seats", "create", "--login", "x", "--skills", "lang:ja=4", "--db", db)
    assert ok.returncode == 0, ok.stderr
    assert re.fullmatch(r"seat x created \(agent; lang:ja=4\); password: \S+\n", ok.stdout)
    again = cli(tmp_path, "seats", "create", "--login", "x", "--skills", "lang:en=3", "--db", db)
    assert_one_line_error(again, 2, "'x' already exists")
    assert again.stdout == ""


@pytest.mark.parametrize(("skills", "fragment"), [
    ("lang:ja", "must look like 'name=level'"),
    ("lang:ja=9", "must be between 1 and 5"),
    ("lang:ja=4,,lang:en=2", "is empty"),
    ("lang:ja=4,lang:ja=3", "listed twice"),
    ("lang:ja=high", "must be an integer"),
])
def test_bad_skills_exit_2_without_touching_the_database(tmp_path, skills: str, fragment: str) -> None:
    db = tmp_path / "gw.sqlite3"
    out = cli(tmp_path, "seats", "create", "--login", "y", "--skills", skills, "--db", str(db))
    assert_one_line_error(out, 2, "skills", fragment)
    assert not db.exists()


def test_users_create_prints_the_token_last(tmp_path) -> None:
    db = str(tmp_path / "gw.sqlite3")
    out = cli(tmp_path, "users", "create", "--role", "supervisor", "--name", "N", "--db", db)
    assert out.returncode == 0, out.stderr
    token = out.stdout.split()[-1]
    assert len(token) >= 40 and re.fullmatch(r"[A-Za-z0-9_-]+", token)
    assert "(supervisor) created" in out.stdout
    second = cli(tmp_path, "users", "create", "--role", "supervisor", "--name", "N", "--db", db)
    assert second.returncode == 0 and second.stdout.split()[-1] != token


def test_apikeys_create_prints_the_key_last_and_stores_only_its_hash(tmp_path) -> None:
    import hashlib
    import sqlite3
    db = str(tmp_path / "gw.sqlite3")
    out = cli(tmp_path, "apikeys", "create", "--name", "mini-program", "--db", db)
    assert out.returncode == 0, out.stderr
    key = out.stdout.split()[-1]
    assert key.startswith("h12345_") and len(key) > 40
    rows = sqlite3.connect(db).execute("SELECT name, key_hash FROM api_keys").fetchall()
    assert rows == [("mini-program", hashlib.sha256(key.encode()).hexdigest())]
    assert key not in (tmp_path / "gw.sqlite3").read_bytes().decode("latin-1")
    again = cli(tmp_path, "apikeys", "create", "--name", "mini-program", "--db", db)
    assert_one_line_error(again, 2, "already exists")
    empty = cli(tmp_path, "apikeys", "create", "--name", "  ", "--db", db)
    assert_one_line_error(empty, 2, "1 to 80 characters")


@pytest.mark.parametrize(("args", "fragment"), [
    (["--role", "nonsense"], "role must be one of"),
    (["--role", "department"], "needs --department"),
    (["--role", "department", "--department", "NOPE"], "unknown department 'NOPE'"),
])
def test_users_create_rejects_bad_input(tmp_path, args: list[str], fragment: str) -> None:
    out = cli(tmp_path, "users", "create", "--name", "N", "--db", str(tmp_path / "gw.sqlite3"), *args)
    assert_one_line_error(out, 2, fragment)


def test_unopenable_database_is_one_line_exit_1(tmp_path) -> None:
    (tmp_path / "adir").mkdir()
    out = cli(tmp_path, "seats", "create", "--login", "x", "--skills", "lang:ja=4", "--db", str(tmp_path / "adir"))
    assert_one_line_error(out, 1, "database error")


# -- serve: flags and bad configuration -------------------------------------------------------

def test_serve_help_lists_every_knob(tmp_path) -> None:
    out = cli(tmp_path, "serve", "--help")
    assert out.returncode == 0
    for flag in ("--max-message-chars", "--port", "--host", "--db", "--sqlite-synchronous", "--config",
                 "--demo", "--no-demo", "--seat-token-ttl-s", "--log-format", "HOTLINE_MAX_MESSAGE_CHARS"):
        assert flag in out.stdout, flag
    assert "--routing" not in out.stdout


@pytest.mark.parametrize(("args", "fragment"), [
    (["--port", "70000"], "port must be between 0 and 65535"),
    (["--port", "abc"], "'port' is not a valid int"),
    (["--log-level", "chatty"], "log_level must be"),
    (["--sqlite-synchronous", "sometimes"], "sqlite_synchronous must be"),
    (["--config", "missing.toml"], "does not exist"),
])
def test_serve_with_bad_configuration_exits_2(tmp_path, args: list[str], fragment: str) -> None:
    out = cli(tmp_path, "serve", "--db", str(tmp_path / "gw.sqlite3"), *args)
    assert_one_line_error(out, 2, fragment)


def test_serve_on_a_busy_port_exits_1(tmp_path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        out = cli(tmp_path, "serve", "--port", str(port), "--db", str(tmp_path / "gw.sqlite3"))
    assert out.returncode == 1, out.stderr
    assert "Traceback" not in out.stderr
    assert out.stderr.strip().splitlines()[-1].startswith("hotline-gateway: ")


# -- a running server ------------------------------------------------------------------------

class Server:
    def __init__(self, proc: asyncio.subprocess.Process, banner: str, err: Path) -> None:
        self.proc, self.banner, self.err = proc, banner, err
        port = re.search(r"listening on http://[^:]+:(\d+)", banner).group(1)
        self.base = f"http://127.0.0.1:{port}"
        self.port = int(port)


@pytest.fixture
async def serve(tmp_path):
    started: list[asyncio.subprocess.Process] = []

    async def start(db: Path, *args: str) -> Server:
        err = tmp_path / f"serve-{len(started)}.log"
        with open(err, "wb") as errf:
            proc = await asyncio.create_subprocess_exec(
                BIN, "serve", "--port", "0", "--db", str(db), *args, cwd=tmp_path, env=clean_env(),
                stdout=asyncio.subprocess.PIPE, stderr=errf)
        started.append(proc)
        lines: list[str] = []
        while not (lines and lines[-1].lstrip().startswith("database")):
            line = await asyncio.wait_for(proc.stdout.readline(), 60)
            if not line:
                raise AssertionError(f"serve exited early: {err.read_text()}")
            lines.append(line.decode())
        server = Server(proc, "".join(lines), err)
        async with aiohttp.ClientSession() as http:       # ready as soon as the banner is out
            async with http.get(server.base + "/healthz") as r:
                assert r.status == 200 and (await r.json())["db"] == "ok"
        return server

    yield start
    for proc in started:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def test_serve_prints_urls_and_tokens_work(tmp_path, serve) -> None:
    db = tmp_path / "gw.sqlite3"
    sup = cli(tmp_path, "users", "create", "--role", "supervisor", "--name", "Sue", "--db", str(db))
    token = sup.stdout.split()[-1]
    seat = cli(tmp_path, "seats", "create", "--login", "aiko", "--skills", "lang:ja=4", "--db", str(db))
    password = seat.stdout.split()[-1]

    server = await serve(db)
    url = f"http://localhost:{server.port}"
    assert f"listening on {url}" in server.banner
    assert f"{url}/chat" in server.banner and f"{url}/console" in server.banner
    assert str(db) in server.banner

    async with aiohttp.ClientSession(server.base) as http:
        async with http.get("/api/v1/queues", headers={"Authorization": f"Bearer {token}"}) as r:
            assert r.status == 403 and (await r.json())["error"]["code"] == "forbidden"
        async with http.get("/api/v1/queues", headers={"Authorization": "Bearer not-a-real-token"}) as r:
            assert r.status == 401 and (await r.json())["error"]["code"] in ("bad_token", "unauthorized")
        async with http.get("/api/v1/queues") as r:
            assert r.status == 401
        async with http.post("/api/v1/auth/login", json={"login": "aiko", "password": password}) as r:
            assert r.status == 200
            seat_token = (await r.json())["token"]
        async with http.get("/api/v1/queues", headers={"Authorization": f"Bearer {seat_token}"}) as r:
            assert r.status == 200 and isinstance(await r.json(), list)
        for page in ("/chat", "/console"):
            async with http.get(page) as r:
                assert r.status == 200, page


async def test_sigterm_is_graceful_and_nothing_acknowledged_is_lost(tmp_path, serve) -> None:
    db = tmp_path / "gw.sqlite3"
    server = await serve(db)
    texts = [f"message {i} — 你好" for i in range(5)]
    async with aiohttp.ClientSession(server.base) as http:
        async with http.post("/api/v1/sessions", json={"channel": "chat", "lang": "en"}) as r:
            assert r.status == 201, await r.text()
            sess = await r.json()
        ws = await http.ws_connect(sess["ws_url"])
        acks: dict[str, int] = {}
        for text in texts:
            cid = uuid.uuid4().hex
            await ws.send_json({"type": "msg", "client_id": cid, "text": text})
            while cid not in acks:
                m = await asyncio.wait_for(ws.receive(), 10)
                assert m.type == aiohttp.WSMsgType.TEXT, m
                data = json.loads(m.data)
                if data["type"] == "ack":
                    acks[data["client_id"]] = data["seq"]
        assert sorted(acks.values()) == [1, 2, 3, 4, 5]

        # SIGTERM with the caller's socket still open
        server.proc.send_signal(signal.SIGTERM)
        async def until_closed() -> aiohttp.WSMessage:
            while True:
                m = await ws.receive()
                if m.type != aiohttp.WSMsgType.TEXT:     # echoes and queue updates may come first
                    return m
        closing = await asyncio.wait_for(until_closed(), 15)
        assert closing.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING, aiohttp.WSMsgType.CLOSED)
        assert ws.close_code == 1012                       # "service restart": the page reconnects
        await ws.close()
    code = await asyncio.wait_for(server.proc.wait(), 15)
    rest = (await server.proc.stdout.read()).decode()
    assert code == 0, server.err.read_text()
    assert "shutting down" in rest
    assert "Traceback" not in server.err.read_text()

    again = await serve(db)
    async with aiohttp.ClientSession(again.base) as http:
        async with http.get(f"/api/v1/sessions/{sess['id']}",
                            headers={"Authorization": f"Bearer {sess['token']}"}) as r:
            assert r.status == 200, await r.text()
            body = await r.json()
        async with http.get(f"/api/v1/sessions/{sess['id']}",
                            headers={"Authorization": "Bearer wrong"}) as r:
            assert r.status in (401, 403)
    assert body["state"] == "queued"
    assert [(m["seq"], m["text"], m["from"]) for m in body["transcript"]] == \
        [(i + 1, t, "caller") for i, t in enumerate(texts)]
    again.proc.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(again.proc.wait(), 15) == 0
