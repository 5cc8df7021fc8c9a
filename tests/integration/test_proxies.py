"""Behind a trusted proxy, rate limits count the real client; a direct client cannot forge one."""

from __future__ import annotations


async def _flood(gw, forwarded_for: str, n: int) -> list[int]:
    statuses = []
    for i in range(n):
        r = await gw.client.post("/api/v1/kiosk/events",
                                 json={"kiosk": f"PVG-T2-{i % 4:02d}", "event": "language_chosen", "lang": "ja"},
                                 headers={"X-Forwarded-For": forwarded_for, "X-Forwarded-Proto": "https"})
        statuses.append(r.status)
    return statuses


async def test_rate_limits_use_the_address_a_trusted_proxy_reports(gateway_factory):
    gw = await gateway_factory(trusted_proxies=["127.0.0.1"])
    first = await _flood(gw, "203.0.113.7", 41)
    assert first[:40] == [204] * 40 and first[40] == 429          # the per-address burst is 40
    assert await _flood(gw, "203.0.113.8", 1) == [204]             # another visitor is not blocked


async def test_a_direct_client_cannot_pick_its_address(gateway_factory):
    gw = await gateway_factory()                                   # no trusted proxies
    first = await _flood(gw, "203.0.113.7", 41)
    assert first[40] == 429
    assert await _flood(gw, "203.0.113.8", 1) == [429]             # the forged header changed nothing


async def test_https_at_the_proxy_is_the_scheme_the_app_sees(gateway_factory):
    gw = await gateway_factory(trusted_proxies=["127.0.0.1"])
    r = await gw.client.get("/api/v1/openapi.json", headers={"X-Forwarded-Proto": "https", "Host": "hotline.example"})
    servers = (await r.json())["servers"]
    assert servers[0]["url"].startswith("https://")
    gw2 = await gateway_factory()
    r = await gw2.client.get("/api/v1/openapi.json", headers={"X-Forwarded-Proto": "https"})
    assert (await r.json())["servers"][0]["url"].startswith("http://")
