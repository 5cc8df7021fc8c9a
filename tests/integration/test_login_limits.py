"""Seat logins (issue 12, item 5): brute-force backoff per login and per address, scrypt off the
event loop on a bounded pool, and the same work for an unknown login.  No timing assertions:
the hash function is a test double (LoginGuard.kdf) that counts its calls or waits to be released."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import re
import threading
import uuid

from gateway.auth import dummy_hash, hash_password, login_guard
from gateway.storage.records import UserRecord
from gateway.web.keys import CONFIG, REPO
from tests.conftest import PASSWORD

LOGIN = "/api/v1/auth/login"


async def _login(gw, login: str, password: str, address: str | None = None):
    headers = {"X-Forwarded-For": address} if address else {}
    return await gw.client.post(LOGIN, json={"login": login, "password": password}, headers=headers)


async def _assert_429(r, reason: str) -> int:
    """A 429 in the standard body whose "retry in N s" is the Retry-After header's N."""
    assert r.status == 429, await r.text()
    body = await r.json()
    assert body["error"]["code"] == "rate_limited" and reason in body["error"]["message"]
    retry = int(r.headers["Retry-After"])
    assert retry >= 1
    assert re.search(r"retry in (\d+) s", body["error"]["message"]).group(1) == str(retry)
    return retry


async def test_brute_force_is_refused_with_retry_after_and_the_right_password_works_after_it(gw):
    await gw.add_seat("aiko", {"ja": 5})                 # logs in once: a success does not count
    for _ in range(5):                                   # login_failures_per_login = 5
        assert (await _login(gw, "aiko", "guess")).status == 401
    retry = await _assert_429(await _login(gw, "aiko", "guess"), "for this account")
    # While the backoff runs even the right password is refused (nothing is checked) ...
    await _assert_429(await _login(gw, "aiko", PASSWORD), "for this account")
    # ... and the login's letter case does not buy a fresh bucket.
    await _assert_429(await _login(gw, " AIKO ", "guess"), "for this account")
    gw.clock.advance(retry)
    r = await _login(gw, "aiko", PASSWORD)
    assert r.status == 200 and (await r.json())["token"]
    # The success wiped the login's failures: five more mistakes before the next 429.
    for _ in range(5):
        assert (await _login(gw, "aiko", "guess")).status == 401
    assert (await _login(gw, "aiko", "guess")).status == 429


async def test_one_address_guessing_at_many_logins_is_stopped_and_other_addresses_are_not(gateway_factory):
    gw = await gateway_factory(trusted_proxies=["127.0.0.1"])   # X-Forwarded-For names the client
    await gw.add_seat("aiko", {"ja": 5})
    for i in range(20):                                  # login_failures_per_address = 20
        r = await _login(gw, f"user-{i}", "guess", "203.0.113.7")
        assert r.status == 401, i
    await _assert_429(await _login(gw, "someone-else", "guess", "203.0.113.7"), "from this address")
    await _assert_429(await _login(gw, "aiko", PASSWORD, "203.0.113.7"), "from this address")
    # Another address is not blocked by those failures: the seat logs in from there.
    assert (await _login(gw, "aiko", PASSWORD, "203.0.113.8")).status == 200
    retry = await _assert_429(await _login(gw, "user-0", "guess", "203.0.113.7"), "from this address")
    gw.clock.advance(retry)
    assert (await _login(gw, "user-0", "guess", "203.0.113.7")).status == 401


async def test_many_addresses_guessing_at_one_login_meet_the_per_login_limit(gateway_factory):
    gw = await gateway_factory(trusted_proxies=["127.0.0.1"])
    await gw.add_seat("aiko", {"ja": 5})
    for i in range(5):
        assert (await _login(gw, "aiko", "guess", f"198.51.100.{i}")).status == 401
    await _assert_429(await _login(gw, "aiko", "guess", "198.51.100.99"), "for this account")
    # Other logins from those addresses are untouched.
    await gw.add_seat("bo", {"en": 5})
    assert (await _login(gw, "bo", PASSWORD, "198.51.100.0")).status == 200


class CountingScrypt:
    """hashlib.scrypt that remembers the salt and parameters of every call."""

    def __init__(self) -> None:
        self.calls: list[tuple[bytes, int, int, int, int]] = []

    def __call__(self, password: bytes, *, salt: bytes, n: int, r: int, p: int, dklen: int) -> bytes:
        self.calls.append((salt, n, r, p, dklen))
        return hashlib.scrypt(password, salt=salt, n=n, r=r, p=p, dklen=dklen)


def _params(stored: str) -> tuple[bytes, int, int, int, int]:
    _, n, r, p, salt, digest = stored.split("$")
    return base64.b64decode(salt), int(n), int(r), int(p), len(base64.b64decode(digest))


async def test_an_unknown_login_costs_the_same_scrypt_as_a_real_one(gw):
    kdf = CountingScrypt()
    login_guard(gw.app, gw.app[CONFIG]).kdf = kdf
    await gw.add_seat("aiko", {"ja": 5})
    aiko = await gw.app[REPO].get_user_by_login("aiko")
    assert kdf.calls == [_params(aiko.password_hash)]
    repo = gw.app[REPO]
    await repo.create_user(UserRecord(id=uuid.uuid4().hex, login="nopass", name="n", role="agent",
                                      seat_kind="agent", password_hash=None, created_at=gw.clock.now()))
    await repo.create_user(UserRecord(id=uuid.uuid4().hex, login="gone", name="g", role="agent", seat_kind="agent",
                                      password_hash=hash_password(PASSWORD), disabled=True, created_at=gw.clock.now()))
    dummy = _params(dummy_hash())
    assert dummy[1:4] == _params(aiko.password_hash)[1:4]          # the same scrypt parameters
    kdf.calls.clear()
    for login in ("nobody", "nopass", "gone"):
        r = await _login(gw, login, PASSWORD)
        assert r.status == 401 and (await r.json())["error"]["message"] == "wrong login or password"
    assert kdf.calls == [dummy] * 3                     # one full scrypt each, against the dummy hash
    kdf.calls.clear()
    assert (await _login(gw, "aiko", "guess")).status == 401
    assert kdf.calls == [_params(aiko.password_hash)]


class BlockingScrypt:
    """hashlib.scrypt that waits (on its worker thread) until ``release`` is set."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.entered = 0
        self._lock = threading.Lock()

    def __call__(self, password: bytes, **kw) -> bytes:
        with self._lock:
            self.entered += 1
        assert self.release.wait(30), "never released"
        return hashlib.scrypt(password, **kw)


async def _until(cond, what: str) -> None:
    async def poll() -> None:
        while not cond():
            await asyncio.sleep(0.01)
    try:
        await asyncio.wait_for(poll(), 10)
    except asyncio.TimeoutError:
        raise AssertionError(f"never: {what}") from None


async def test_the_event_loop_serves_healthz_while_twenty_logins_hash(gateway_factory):
    gw = await gateway_factory(login_hash_workers=2, login_hash_queue=32, login_failures_per_address=100)
    await gw.add_seat("aiko", {"ja": 5})
    kdf = BlockingScrypt()
    login_guard(gw.app, gw.app[CONFIG]).kdf = kdf
    try:
        logins = [asyncio.create_task(_login(gw, "aiko" if i == 0 else f"user-{i}", PASSWORD if i == 0 else "x"))
                  for i in range(20)]
        await _until(lambda: kdf.entered == 2, "both hashing threads busy")
        r = await gw.client.get("/healthz")               # served while every login is still hashing
        assert r.status == 200 and (await r.json())["status"] == "ok"
        assert not any(t.done() for t in logins)
        assert kdf.entered == 2                           # the rest wait for a thread, not on the loop
    finally:
        kdf.release.set()
    statuses = [r.status for r in await asyncio.gather(*logins)]
    assert statuses == [200] + [401] * 19
    assert kdf.entered == 20


async def test_a_flood_beyond_the_hashing_queue_is_refused_at_once(gateway_factory):
    gw = await gateway_factory(login_hash_workers=1, login_hash_queue=1)
    await gw.add_seat("aiko", {"ja": 5})
    guard = login_guard(gw.app, gw.app[CONFIG])
    kdf = BlockingScrypt()
    guard.kdf = kdf
    try:
        waiting = [asyncio.create_task(_login(gw, f"user-{i}", "x")) for i in range(2)]
        await _until(lambda: kdf.entered == 1 and guard._in_flight == 2, "one hashing, one waiting")
        r = await _login(gw, "aiko", PASSWORD)            # answered while the others still wait
        assert r.status == 503 and (await r.json())["error"]["code"] == "busy"
        assert r.headers["Retry-After"] == "1" and "retry in 1 s" in (await r.json())["error"]["message"]
        assert not any(t.done() for t in waiting)
    finally:
        kdf.release.set()
    assert [r.status for r in await asyncio.gather(*waiting)] == [401, 401]
    assert (await _login(gw, "aiko", PASSWORD)).status == 200
