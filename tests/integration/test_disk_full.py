"""A full disk: a clear 503 with Retry-After, /healthz degraded, one log line, and recovery
without a restart.  SQLite's own "database or disk is full" (SQLITE_FULL) is produced for real
by capping the file with PRAGMA max_page_count on the writer's connection."""

from __future__ import annotations

import logging

from gateway.clock import ManualClock
from gateway.web.app import create_app
from gateway.web.keys import REPO
from tests.conftest import Gateway, make_config


async def test_full_disk_is_a_503_with_retry_after_and_recovers(aiohttp_client, tmp_path, caplog):
    clock = ManualClock()
    gw = Gateway(await aiohttp_client(create_app(make_config(tmp_path), clock=clock, run_ticker=False)), clock)
    agent = {"Authorization": f"Bearer {await gw.add_seat('agent-zh', {'lang:zh': 5})}"}
    engine = gw.app[REPO].engine

    async def ticket(i: int):
        return await gw.client.post("/api/v1/tickets", headers=agent,
                                    json={"lang": "zh", "text": f"第{i}号：" + "路灯坏了" * 2000, "category": "REPORT"})
    assert (await ticket(0)).status == 201
    await engine.run(lambda c: c.execute(f"PRAGMA max_page_count={c.execute('PRAGMA page_count').fetchone()[0] + 2}"))
    caplog.set_level(logging.INFO)
    statuses, first_full = [], None
    for i in range(1, 60):
        r = await ticket(i)
        statuses.append(r.status)
        if r.status == 503:
            first_full = (await r.json(), r.headers.get("Retry-After"))
            break
    assert statuses[-1] == 503, statuses
    body, retry = first_full
    assert body["error"]["code"] == "storage_full" and "try again" in body["error"]["message"]
    assert retry == "30"
    for i in range(5):                                           # more refusals: no log flood
        assert (await ticket(100 + i)).status == 503
    health = await gw.client.get("/healthz")
    assert health.status == 503 and (await health.json())["status"] == "degraded"
    full_lines = [r for r in caplog.records if getattr(r, "event", None) == "storage_full"]
    assert len(full_lines) == 1
    assert not [r for r in caplog.records if getattr(r, "event", None) == "unhandled_error"]

    await engine.run(lambda c: c.execute("PRAGMA max_page_count=1073741823"))   # space is freed
    assert (await ticket(200)).status == 201                                      # no restart needed
    health = await gw.client.get("/healthz")
    assert health.status == 200 and (await health.json())["db"] == "ok"
