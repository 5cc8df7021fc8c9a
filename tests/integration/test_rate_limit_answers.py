"""Issue 12, items 9 and 10: every 429's "retry in N s" is its Retry-After (rounded up, at least
1 s); an Open311 GET without a key is not told it needs one "to submit"; and a fresh device_id on
every self-service submission does not escape the per-address limit."""

from __future__ import annotations

import re

from gateway.ratelimit import SubmissionLimits
from gateway.web.keys import REPO
from miniapp_api import apikeys

O = "/open311/v2"


async def _key(gw) -> str:
    key = apikeys.new_key()
    await gw.app[REPO].create_api_key(apikeys.new_record("civic-app", gw.clock.now()), apikeys.key_hash(key))
    return key


def _form(key: str, **extra: str) -> dict[str, str]:
    return {"api_key": key, "service_code": "URBAN_MANAGEMENT", "lat": "31.2304", "long": "121.4737",
            "description": "A street lamp has been broken for a week at the corner of Huaihai Road.", **extra}


def _said(message: str) -> int:
    return int(re.search(r"retry in (\d+) s", message).group(1))


async def _walk_down_the_wait(gw, send, message_of) -> list[int]:
    """Repeat a refused request while the clock creeps forward 0.3 s at a time until it is
    accepted; every refusal's message must name its Retry-After.  Returns the Retry-Afters."""
    seen = []
    for _ in range(100):
        r = await send()
        if r.status != 429:
            assert r.status < 300, await r.text()
            return seen
        retry = int(r.headers["Retry-After"])
        assert retry >= 1
        assert _said(await message_of(r)) == retry, (await message_of(r), retry)
        seen.append(retry)
        gw.clock.advance(0.3)
    raise AssertionError("still refused")


async def test_kiosk_429_message_and_retry_after_agree_to_the_last_fraction_of_a_second(gw):
    body = {"kiosk": "PVG-T2-01", "event": "language_chosen", "lang": "ja"}
    for _ in range(20):                                   # the per-kiosk burst
        assert (await gw.client.post("/api/v1/kiosk/events", json=body)).status == 204
    seen = await _walk_down_the_wait(gw, lambda: gw.client.post("/api/v1/kiosk/events", json=body),
                                     lambda r: _error_message(r))
    assert seen and seen[-1] == 1                        # the last refusal, under half a second: "retry in 1 s"


async def _error_message(r) -> str:
    return (await r.json())["error"]["message"]


async def _open311_message(r) -> str:
    return (await r.json())[0]["description"]


async def test_submission_429_message_and_retry_after_agree(gateway_factory):
    gw = await gateway_factory(miniapp_rate_per_submitter_per_hour=3)
    key = await _key(gw)
    for i in range(3):
        r = await gw.client.post(f"{O}/requests.json", data=_form(key, device_id="phone-A", description=f"lamp {i} " * 5))
        assert r.status == 201, await r.text()
    r = await gw.client.post(f"{O}/requests.json", data=_form(key, device_id="phone-A"))
    assert r.status == 429 and _said(await _open311_message(r)) == int(r.headers["Retry-After"]) == 1200
    gw.clock.advance(1200 - 1.0)                          # less than a second to go
    seen = await _walk_down_the_wait(
        gw, lambda: gw.client.post(f"{O}/requests.json", data=_form(key, device_id="phone-A", description="x " * 20)),
        _open311_message)
    assert seen and set(seen) == {1}


async def test_open311_reads_without_a_key_are_not_told_to_submit(gw):
    key = await _key(gw)
    for path in (f"{O}/requests.json", f"{O}/requests.xml", f"{O}/requests/SH-1.json", f"{O}/tokens/abc.json"):
        r = await gw.client.get(path)
        assert r.status == 403, path
        text = await r.text()
        assert "api_key is required to read service requests" in text and "submit" not in text, (path, text)
    r = await gw.client.get(f"{O}/requests.json", params={"api_key": ""})
    assert r.status == 403 and "submit" not in await r.text()
    # A POST without a key is still told it needs one to submit; a GET with a key is served.
    form = _form(key)
    del form["api_key"]
    r = await gw.client.post(f"{O}/requests.json", data=form)
    assert r.status == 403 and "required to submit" in (await _open311_message(r))
    assert (await gw.client.get(f"{O}/requests.json", params={"api_key": key})).status == 200


async def test_a_fresh_device_id_per_submission_meets_the_per_address_limit(gateway_factory):
    gw = await gateway_factory(trusted_proxies=["127.0.0.1"])  # X-Forwarded-For names the client
    key = await _key(gw)
    statuses = []
    for i in range(21):
        r = await gw.client.post(f"{O}/requests.json", headers={"X-Forwarded-For": "203.0.113.9"},
                                 data=_form(key, device_id=f"fresh-phone-{i}", description=f"lamp number {i} " * 4))
        statuses.append(r.status)
    assert statuses == [201] * 20 + [429]                # at most 20 at once from one address
    message = await _open311_message(r)
    assert "same network address" in message and _said(message) == int(r.headers["Retry-After"])
    r = await gw.client.post(f"{O}/requests.json", headers={"X-Forwarded-For": "203.0.113.10"},
                             data=_form(key, device_id="fresh-phone-x"))
    assert r.status == 201                               # someone at another address is not blocked
    gw.clock.advance(60)
    r = await gw.client.post(f"{O}/requests.json", headers={"X-Forwarded-For": "203.0.113.9"},
                             data=_form(key, device_id="fresh-phone-y"))
    assert r.status == 201                               # 60 an hour: one more a minute later


def test_the_per_address_budget_is_a_parameter_and_higher_than_the_per_submitter_one():
    limits = SubmissionLimits(per_client_per_min=600, per_submitter_per_hour=10, per_address_per_hour=3)
    for i in range(3):
        limits.check("client", f"device-{i}", 0.0, "addr")
    try:
        limits.check("client", "device-new", 0.0, "addr")
    except Exception as exc:
        assert exc.retry_after_s == 1200 and "retry in 1200 s" in str(exc)
    else:
        raise AssertionError("the fourth submission from one address was accepted")
    limits.check("client", "device-new", 0.0, "other-addr")
    default = SubmissionLimits(per_client_per_min=600, per_submitter_per_hour=10)
    assert default.addresses.burst > default.submitters.burst and default.addresses.fill_per_s > default.submitters.fill_per_s
