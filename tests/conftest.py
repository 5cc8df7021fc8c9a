"""Shared fixtures: a real gateway app on a real store, with a controllable clock.

``gw`` (and ``gateway_factory``) run every test that uses them twice: on a SQLite file and on a
database of the session's private PostgreSQL server (``tests/pg.py``), because every
integration test touches storage."""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from gateway.auth import hash_password
from gateway.clock import ManualClock
from gateway.config import load_config
from gateway.storage.records import UserRecord
from gateway.web.app import create_app
from gateway.web.keys import REPO, SERVICE
from tests.pg import pg_fresh_url, pg_server, pg_url  # noqa: F401  (fixtures, registered by import)

PASSWORD = "test-password"
_PW_HASH = hash_password(PASSWORD)


def make_config(tmp_path: Path, **overrides: Any):
    # Machine translation is off unless a test asks for it (tests/integration/test_translate_*.py);
    # drafting still runs, on rules alone.
    base = {"db": str(tmp_path / "gw.sqlite3"), "translate_dir": str(tmp_path / "translate"), "mt_enabled": False,
            "secret_file": str(tmp_path / "secret.key"), "recordings_dir": str(tmp_path / "recordings")}
    return load_config(env={}, overrides={**base, **overrides})


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


class Gateway:
    """A started app plus helpers to act as callers and seats."""

    def __init__(self, client: TestClient, clock: ManualClock) -> None:
        self.client = client
        self.clock = clock

    @property
    def app(self) -> web.Application:
        return self.client.server.app

    @property
    def service(self):
        return self.app[SERVICE]

    async def add_seat(self, login: str, skills: dict[str, int], kind: str = "agent", name: str | None = None) -> str:
        await self.app[REPO].create_user(UserRecord(
            id=uuid.uuid4().hex, login=login, name=name or login, role="agent", seat_kind=kind,
            skills=skills, password_hash=_PW_HASH, created_at=self.clock.now()))
        r = await self.client.post("/api/v1/auth/login", json={"login": login, "password": PASSWORD})
        assert r.status == 200, await r.text()
        return (await r.json())["token"]

    async def new_session(self, lang: str = "ja", channel: str = "chat") -> dict[str, Any]:
        r = await self.client.post("/api/v1/sessions", json={"channel": channel, "lang": lang})
        assert r.status == 201, await r.text()
        return await r.json()

    async def caller_ws(self, sess: dict[str, Any]):
        return await self.client.ws_connect(sess["ws_url"])

    async def seat_ws(self, token: str):
        return await self.client.ws_connect(f"/ws/seat?token={token}")


async def recv_until(ws, type_: str, *, timeout: float = 3.0, match: Callable[[dict], bool] | None = None) -> dict:
    """Read messages until one of ``type_`` (and matching) arrives; fail on timeout."""
    seen = []
    async def loop() -> dict:
        while True:
            msg = await ws.receive()
            if msg.type.name != "TEXT":
                raise AssertionError(f"socket closed while waiting for {type_!r}; seen {seen}")
            data = json.loads(msg.data)
            seen.append(data.get("type"))
            if data.get("type") == type_ and (match is None or match(data)):
                return data
    try:
        return await asyncio.wait_for(loop(), timeout)
    except asyncio.TimeoutError:
        raise AssertionError(f"no {type_!r} message within {timeout}s; seen {seen}") from None


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request, tmp_path) -> str:
    """Where the test's store lives: a SQLite file, or a fresh PostgreSQL database."""
    if request.param == "postgres":
        return request.getfixturevalue("pg_url")
    return str(tmp_path / "gw.sqlite3")


@pytest.fixture
def gateway_factory(aiohttp_client, tmp_path, clock, db_url) -> Callable[..., Awaitable[Gateway]]:
    async def make(**overrides: Any) -> Gateway:
        config = make_config(tmp_path, **{"db": db_url, **overrides})
        app = create_app(config, clock=clock, run_ticker=False)
        client = await aiohttp_client(app)
        return Gateway(client, clock)
    return make


@pytest.fixture
async def gw(gateway_factory) -> Gateway:
    return await gateway_factory()
