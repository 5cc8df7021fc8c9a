"""TURN credentials minted by the gateway, checked by a real coturn (tests/turn.py)."""

from __future__ import annotations

import time

import pytest

from gateway.domain.ice import IceSettings, ice_config, turn_credential
from tests.turn import coturn  # noqa: F401  (fixture)


async def test_ice_needs_a_caller_or_staff_token(gateway_factory, coturn):
    gw = await gateway_factory(turn_urls=[coturn.url], turn_secret=coturn.secret, stun_urls=["stun:127.0.0.1:3478"])
    r = await gw.client.get("/api/v1/ice")
    assert r.status == 401
    sess = await gw.new_session("ja")
    r = await gw.client.get(f"/api/v1/ice?session={sess['id']}", headers={"Authorization": "Bearer wrong"})
    assert r.status == 404                                   # same answer as an unknown session
    r = await gw.client.get(f"/api/v1/ice?session={sess['id']}", headers={"Authorization": f"Bearer {sess['token']}"})
    assert r.status == 200 and r.headers["Cache-Control"] == "no-store"
    body = await r.json()
    assert body["iceTransportPolicy"] == "all" and body["ttl_s"] == 3600
    stun, turn = body["iceServers"]
    assert stun == {"urls": ["stun:127.0.0.1:3478"]}
    expiry, subject = turn["username"].split(":", 1)
    assert subject == f"caller-{sess['id'][:24]}" and int(expiry) == int(gw.clock.now() + 3600)
    assert coturn.secret not in await r.text()
    seat = await gw.add_seat("seat-ja", {"lang:ja": 4})
    r = await gw.client.get("/api/v1/ice", headers={"Authorization": f"Bearer {seat}"})
    assert r.status == 200 and (await r.json())["iceServers"][1]["username"].split(":", 1)[1].startswith("staff-")
    info = await (await gw.client.get("/api/v1/info")).text()
    assert coturn.secret not in info


async def test_a_credential_minted_by_the_gateway_is_accepted_by_coturn(gateway_factory, coturn):
    gw = await gateway_factory(turn_urls=[coturn.url], turn_secret=coturn.secret)
    gw.clock.advance(time.time() - gw.clock.now())          # coturn checks the expiry against its own clock
    seat = await gw.add_seat("seat-ja", {"lang:ja": 4})
    body = await (await gw.client.get("/api/v1/ice", headers={"Authorization": f"Bearer {seat}"})).json()
    turn = body["iceServers"][0]
    assert coturn.check(turn["username"], turn["credential"]) is True


def test_coturn_refuses_a_wrong_secret_and_an_expired_credential(coturn):
    now = int(time.time())
    assert coturn.check(*turn_credential(coturn.secret, "caller-x", now + 600)) is True
    assert coturn.check(*turn_credential("not-the-secret-at-all", "caller-x", now + 600)) is False
    assert coturn.check(*turn_credential(coturn.secret, "caller-x", now - 60)) is False


def test_turn_rest_credential_is_the_standard_hmac() -> None:
    # coturn's documented example shape: base64(HMAC-SHA1(secret, "<expiry>:<user>"))
    import base64, hashlib, hmac
    user, cred = turn_credential("s3cret-s3cret-s3cret", "staff-1", 1_800_000_000)
    assert user == "1800000000:staff-1"
    assert cred == base64.b64encode(hmac.new(b"s3cret-s3cret-s3cret", user.encode(), hashlib.sha1).digest()).decode()
    with pytest.raises(ValueError):
        turn_credential("s3cret-s3cret-s3cret", "has:colon", 1)
    cfg = ice_config(IceSettings(turn_urls=("turns:t.example.org:5349?transport=tcp",),
                                 turn_secret="s3cret-s3cret-s3cret", turn_ttl_s=600, policy="relay"), "caller-1", 1000.0)
    assert cfg["iceTransportPolicy"] == "relay" and cfg["iceServers"][0]["username"] == "1600:caller-1"
