"""Token-bucket rate limits, per API client and per submitter.  Pure: the clock is passed in.

Two buckets guard each submission: the client's (a civic app or the mini program as a whole)
and the submitter's (their device id, e-mail or phone, HMAC-hashed, else their address).  A
refusal says how long to wait (``Retry-After``).  Buckets live in memory: after a restart
everyone starts with a full bucket, which errs on the side of letting people report.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

from gateway.errors import GatewayError


class RateLimited(GatewayError):
    code = "rate_limited"
    status = 429

    def __init__(self, message: str, retry_after_s: float) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


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


class SubmissionLimits:
    def __init__(self, *, per_client_per_min: int, per_submitter_per_hour: int) -> None:
        self.clients = TokenBuckets(per_client_per_min, 60.0, burst=max(1, per_client_per_min))
        self.submitters = TokenBuckets(per_submitter_per_hour, 3600.0, burst=max(1, min(per_submitter_per_hour, 5)))

    def check(self, client_id: str, submitter: str | None, now: float) -> None:
        """Take one token from each bucket, or none at all and raise RateLimited."""
        wait_c = self.clients.wait_s(client_id, now)
        wait_s = self.submitters.wait_s(submitter, now) if submitter else 0.0
        if wait_c > 0:
            raise RateLimited(f"this client sends too many requests; retry in {wait_c:.0f} s", wait_c)
        if wait_s > 0:
            raise RateLimited(f"too many reports from the same person in a short time; retry in {wait_s:.0f} s", wait_s)
        self.clients.take(client_id, now)
        if submitter:
            self.submitters.take(submitter, now)
