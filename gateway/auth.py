"""Passwords (scrypt, from the standard library) and bearer tokens (stored only as sha256).

Logins go through a :class:`LoginGuard`: scrypt runs on a small dedicated thread pool (it
releases the GIL), never on the event loop; failed attempts are limited per login and per
client address; and an unknown login costs the same scrypt as a real one."""

from __future__ import annotations

import asyncio
import base64
import functools
import hashlib
import hmac
import secrets
import threading
import weakref
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from gateway.errors import GatewayError
from gateway.ratelimit import RateLimited, TokenBuckets

_N, _R, _P = 2**14, 8, 1

Kdf = Callable[..., bytes]      # hashlib.scrypt's signature: (password, *, salt, n, r, p, dklen)


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return "scrypt${}${}${}${}${}".format(_N, _R, _P, base64.b64encode(salt).decode(), base64.b64encode(digest).decode())


@functools.cache
def dummy_hash() -> str:
    """A hash of a random password, with the same parameters as real ones: what a login that
    does not exist (or has no password, or is disabled) is checked against, so that it costs
    the same scrypt as a real one and the answer's timing does not tell which logins exist."""
    return hash_password(secrets.token_urlsafe(24))


def _parse(stored: str | None) -> tuple[int, int, int, bytes, bytes] | None:
    if not stored:
        return None
    try:
        kind, n, r, p, salt, digest = stored.split("$")
        if kind != "scrypt":
            return None
        return int(n), int(r), int(p), base64.b64decode(salt), base64.b64decode(digest)
    except (ValueError, TypeError):
        return None


def verify_password(password: str, stored: str | None, *, kdf: Kdf = hashlib.scrypt) -> bool:
    """True if ``password`` matches ``stored``.  Without a usable ``stored`` hash the password is
    still run through ``kdf`` against :func:`dummy_hash` (and the answer is False): the same work."""
    parsed = _parse(stored)
    real = parsed is not None
    if parsed is None:
        parsed = _parse(dummy_hash())
        assert parsed is not None
    n, r, p, salt, digest = parsed
    try:
        got = kdf(password.encode(), salt=salt, n=n, r=r, p=p, dklen=len(digest))
    except (ValueError, TypeError, MemoryError):
        return False
    return hmac.compare_digest(got, digest) and real


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# -- logins ---------------------------------------------------------------------------------
class LoginBusy(GatewayError):
    """503: every hashing thread is busy and the waiting line is full (a flood of logins)."""

    code = "busy"
    status = 503

    def __init__(self) -> None:
        super().__init__("the gateway is checking too many logins at once; retry in 1 s")
        self.retry_after_s = 1


class LoginGuard:
    """Brute-force protection and off-loop hashing for seat logins.

    Policy.  Every attempt first takes a token from two buckets: its login name's (normalised:
    stripped and case-folded; unknown names too, so a 429 does not reveal which logins exist)
    and its client address's (``request.remote``: the real client behind a trusted proxy).  The
    login's bucket holds ``per_login`` failures and the address's ``per_address``; once a bucket
    is empty each refills one attempt per ``refill_s`` seconds, and until then every attempt —
    the right password included — is answered 429 with ``Retry-After`` (whole seconds, the same
    number as the message's "retry in N s").  A successful login gives its tokens back and
    empties its login's failure count, so only failures count.

    So one address guessing at many logins is stopped by its address bucket, and many addresses
    guessing at one login by that login's bucket.  Failures from one address never block a
    login from another address, except through the per-login bucket (which has to be shared:
    otherwise a guesser with many addresses would never be slowed down).

    Hashing.  scrypt runs on ``workers`` dedicated threads (hashlib.scrypt releases the GIL, so
    the event loop keeps serving); at most ``queue`` further logins wait for a thread, and any
    more are refused at once with 503 (:class:`LoginBusy`) rather than queued without bound.
    ``kdf`` is the scrypt function (a parameter so that tests can count its calls).
    """

    def __init__(self, *, per_login: int, per_address: int, refill_s: float, workers: int = 2,
                 queue: int = 16, kdf: Kdf = hashlib.scrypt) -> None:
        self.logins = TokenBuckets(1, refill_s, burst=per_login)
        self.addresses = TokenBuckets(1, refill_s, burst=per_address)
        self.kdf = kdf
        self.capacity = workers + queue
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="login-hash")
        weakref.finalize(self, self._pool.shutdown, wait=False)
        self._lock = threading.Lock()
        self._in_flight = 0          # hashing or waiting for a thread

    @staticmethod
    def _keys(login: str, address: str | None) -> tuple[str, str]:
        return login.strip().casefold(), address or "unknown"

    def begin(self, login: str, address: str | None, now: float) -> None:
        """Take this attempt's tokens, or raise RateLimited (and take none)."""
        lk, ak = self._keys(login, address)
        wait_l, wait_a = self.logins.wait_s(lk, now), self.addresses.wait_s(ak, now)
        if wait_a > 0:
            raise RateLimited.after("too many failed logins from this address", wait_a)
        if wait_l > 0:
            raise RateLimited.after("too many failed logins for this account", wait_l)
        self.logins.take(lk, now)
        self.addresses.take(ak, now)

    def not_counted(self, login: str, address: str | None, now: float) -> None:
        """The attempt was never checked (the gateway was busy): give its tokens back."""
        lk, ak = self._keys(login, address)
        self.logins.give_back(lk, now)
        self.addresses.give_back(ak, now)

    def succeeded(self, login: str, address: str | None, now: float) -> None:
        """A right password: the attempt does not count, nor do the login's earlier failures."""
        lk, ak = self._keys(login, address)
        self.logins.forget(lk)
        self.addresses.give_back(ak, now)

    async def verify(self, password: str, stored: str | None) -> bool:
        """:func:`verify_password` on the hashing pool; LoginBusy when its line is full."""
        with self._lock:
            if self._in_flight >= self.capacity:
                raise LoginBusy()
            self._in_flight += 1
        try:
            fut = self._pool.submit(verify_password, password, stored, kdf=self.kdf)
        except RuntimeError:                     # the pool was shut down
            self._done(None)
            raise LoginBusy() from None
        fut.add_done_callback(self._done)        # counted until the thread is really done
        return await asyncio.wrap_future(fut)

    def _done(self, _fut: Any) -> None:
        with self._lock:
            self._in_flight -= 1

    def close(self) -> None:
        self._pool.shutdown(wait=False)


_guards: "weakref.WeakKeyDictionary[Any, LoginGuard]" = weakref.WeakKeyDictionary()


def login_guard(owner: Any, config: Any) -> LoginGuard:
    """The guard of one application (``owner``), made from its config on first use."""
    guard = _guards.get(owner)
    if guard is None:
        guard = _guards[owner] = LoginGuard(
            per_login=config.login_failures_per_login, per_address=config.login_failures_per_address,
            refill_s=config.login_failure_refill_s, workers=config.login_hash_workers,
            queue=config.login_hash_queue)
    return guard
