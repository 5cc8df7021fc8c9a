"""Token-bucket rate limits, per API client and per submitter.  Pure: the clock is passed in.

Three buckets guard each submission: the client's (a civic app or the mini program as a whole),
the submitter's (their device id, e-mail or phone, HMAC-hashed, else their address) and the
address's (so that a fresh device id on every submission does not buy a fresh budget).  A
refusal says how long to wait: whole seconds, rounded up, the same number in the message
("retry in N s") and in ``Retry-After``.  Buckets live in memory: after a restart
everyone starts with a full bucket, which errs on the side of letting people report.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from dataclasses import dataclass

from gateway.errors import GatewayError


def retry_seconds(wait_s: float) -> int:
    """A wait as the whole seconds a client is told: rounded up, at least 1 (never "retry in 0 s")."""
    if not math.isfinite(wait_s):
        return 1
    return max(1, math.ceil(wait_s - 1e-9))


class RateLimited(GatewayError):
    """429.  ``retry_after_s`` is already whole seconds (see :func:`retry_seconds`), so the
    ``Retry-After`` header the middleware writes is the number the message names."""

    code = "rate_limited"
    status = 429

    def __init__(self, message: str, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_seconds(retry_after_s)

    @classmethod
    def after(cls, reason: str, wait_s: float) -> "RateLimited":
        """``"<reason>; retry in N s"`` with ``Retry-After: N``."""
        secs = retry_seconds(wait_s)
        return cls(f"{reason}; retry in {secs} s", secs)


@dataclass
class _Bucket:
    tokens: float
    at: float


class TokenBuckets:
    """``rate`` tokens per ``per_s`` seconds, holding at most ``burst``.  Keys beyond
    ``max_keys`` evict the least recently used (a flood of ids cannot exhaust memory)."""

    def __init__(self, rate: float, per_s: float, burst: int, max_keys: int = 100_000) -> None:
        if rate <= 0 or per_s <= 0 or burst < 1:
            raise ValueError("rate, per_s and burst must be positive")
        self.fill_per_s = rate / per_s
        self.burst = float(burst)
        self.max_keys = max_keys
        self._b: OrderedDict[str, _Bucket] = OrderedDict()

    def _bucket(self, key: str, now: float) -> _Bucket:
        b = self._b.get(key)
        if b is None:
            b = self._b[key] = _Bucket(self.burst, now)
            while len(self._b) > self.max_keys:
                self._b.popitem(last=False)
        else:
            self._b.move_to_end(key)
            b.tokens = min(self.burst, b.tokens + max(0.0, now - b.at) * self.fill_per_s)
            b.at = now
        return b

    def wait_s(self, key: str, now: float) -> float:
        """Seconds until one token is available (0 when one is)."""
        b = self._bucket(key, now)
        return 0.0 if b.tokens >= 1.0 else (1.0 - b.tokens) / self.fill_per_s

    def take(self, key: str, now: float) -> None:
        self._bucket(key, now).tokens -= 1.0

    def give_back(self, key: str, now: float) -> None:
        """Return a token taken for something that turned out not to count (never above ``burst``)."""
        b = self._bucket(key, now)
        b.tokens = min(self.burst, b.tokens + 1.0)

    def forget(self, key: str) -> None:
        """A full bucket again for ``key``."""
        self._b.pop(key, None)


# The default per-address budget (gateway.config.Config.miniapp_rate_per_address_per_hour).
DEFAULT_PER_ADDRESS_PER_HOUR = 60


class SubmissionLimits:
    """Per client (``per_client_per_min``, all of it at once), per submitter
    (``per_submitter_per_hour``, at most 5 at once) and per client address
    (``per_address_per_hour``, at most 20 at once).  The address budget is higher than the
    submitter's because many people share one address (an office, a mobile carrier's NAT);
    it stops one machine from minting a fresh device id for every submission."""

    def __init__(self, *, per_client_per_min: int, per_submitter_per_hour: int,
                 per_address_per_hour: int = DEFAULT_PER_ADDRESS_PER_HOUR) -> None:
        self.clients = TokenBuckets(per_client_per_min, 60.0, burst=max(1, per_client_per_min))
        self.submitters = TokenBuckets(per_submitter_per_hour, 3600.0, burst=max(1, min(per_submitter_per_hour, 5)))
        self.addresses = TokenBuckets(per_address_per_hour, 3600.0, burst=max(1, min(per_address_per_hour, 20)))

    def check(self, client_id: str, submitter: str | None, now: float, address: str | None = None) -> None:
        """Take one token from each bucket, or none at all and raise RateLimited."""
        wait_c = self.clients.wait_s(client_id, now)
        wait_s = self.submitters.wait_s(submitter, now) if submitter else 0.0
        wait_a = self.addresses.wait_s(address, now) if address else 0.0
        if wait_c > 0:
            raise RateLimited.after("this client sends too many requests", wait_c)
        if wait_s > 0:
            raise RateLimited.after("too many reports from the same person in a short time", wait_s)
        if wait_a > 0:
            raise RateLimited.after("too many reports from the same network address in a short time", wait_a)
        self.clients.take(client_id, now)
        if submitter:
            self.submitters.take(submitter, now)
        if address:
            self.addresses.take(address, now)
