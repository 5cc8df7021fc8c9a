"""The ``repo`` fixture: every contract test runs on SQLite and on PostgreSQL.

``make_repo()`` returns another, unopened repository on the same store (the same SQLite file,
the same PostgreSQL database): a second gateway node, or the same node after a restart.
``other_backend`` is an empty store of the *other* kind, for copies between backends."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

import tests.conftest as _root
import tests.pg as _pg
from gateway.storage.postgres import PostgresRepository
from gateway.storage.sqlite import SQLiteRepository

# The PostgreSQL fixtures (tests/pg.py) that tests/conftest.py does not register already.
for _name in ("pg_server", "pg_url", "pg_fresh_url"):
    if not hasattr(_root, _name):
        globals()[_name] = getattr(_pg, _name)

BACKENDS = ("sqlite", "postgres")
Repo = Any   # SQLiteRepository | PostgresRepository: both honour gateway.storage.repository.Repository


def _factory(backend: str, request: pytest.FixtureRequest, tmp_path: Path, name: str) -> Callable[[], Repo]:
    if backend == "sqlite":
        path = tmp_path / f"{name}.sqlite3"
        return lambda: SQLiteRepository(path)
    url = request.getfixturevalue("pg_url" if name == "db" else "pg_fresh_url")
    return lambda: PostgresRepository(url)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_repo(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], Repo]:
    return _factory(backend, request, tmp_path, "db")


@pytest.fixture
async def repo(make_repo: Callable[[], Repo]) -> AsyncIterator[Repo]:
    r = make_repo()
    await r.open()
    yield r
    await r.close()


@pytest.fixture
async def other_backend(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Repo]:
    r = _factory("postgres" if backend == "sqlite" else "sqlite", request, tmp_path, "other")()
    await r.open()
    yield r
    await r.close()
