"""A script cannot flood the caller queue: calls per address, and a cap on sessions whose page
never connected (issue 12, item 3)."""

from __future__ import annotations

from tests.conftest import recv_until


async def _start(gw, address: str):
    return await gw.client.post("/api/v1/sessions", json={"channel": "chat", "lang": "ja"},
                                headers={"X-Forwarded-For": address})


async def test_calls_per_address_are_limited_with_a_clear_429(gateway_factory):
    gw = await gateway_factory(trusted_proxies=["127.0.0.1"], session_rate_per_address_per_min=5)
    statuses = [(await _start(gw, "203.0.113.7")).status for _ in range(6)]
    assert statuses == [201] * 5 + [429]
    r = await _start(gw, "203.0.113.7")
    body = await r.json()
    assert body["error"]["code"] == "rate_limited" and "network address" in body["error"]["message"]
    assert body["error"]["message"].endswith(f"retry in {r.headers['Retry-After']} s")
    assert (await _start(gw, "198.51.100.9")).status == 201           # another caller is not blocked
    gw.clock.advance(60)
    assert (await _start(gw, "203.0.113.7")).status == 201            # the budget refills


async def test_sessions_that_never_connect_are_capped(gateway_factory):
    gw = await gateway_factory(trusted_proxies=["127.0.0.1"], max_unconnected_sessions=3)
    ghosts = [await _start(gw, f"203.0.113.{i}") for i in range(3)]
    assert [g.status for g in ghosts] == [201, 201, 201]
    refused = await _start(gw, "203.0.113.50")                        # from yet another address
    assert refused.status == 429 and "connecting" in (await refused.json())["error"]["message"]
    ws = await gw.caller_ws(await ghosts[0].json())                    # one page connects
    await recv_until(ws, "hello")
    assert (await _start(gw, "203.0.113.51")).status == 201
    await ws.close()
