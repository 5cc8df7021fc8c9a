"""ICE servers for a call: STUN, and TURN with short-lived credentials (the TURN REST API).

coturn checks these under ``use-auth-secret`` / ``static-auth-secret``: the username is
``"<unix expiry>:<subject>"`` and the credential is base64(HMAC-SHA1(secret, username)).  The
secret never leaves the server; a credential is good until its expiry, so one leaked from a
page is worth an hour at most.  Written by hand because it is five lines of standard HMAC: no
library wraps this one scheme.  Pure: the clock is passed in.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from gateway.errors import InvalidField

POLICIES = ("all", "relay")
_TURN = re.compile(r"^turns?:[^\s?]+(\?transport=(udp|tcp))?$")
_STUN = re.compile(r"^stuns?:[^\s?]+$")
_SUBJECT = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")


@dataclass(frozen=True)
class IceSettings:
    turn_urls: tuple[str, ...] = ()
    turn_secret: str = field(default="", repr=False)
    turn_ttl_s: float = 3600.0
    stun_urls: tuple[str, ...] = ()
    policy: str = "all"

    def __post_init__(self) -> None:
        for url in self.turn_urls:
            if not _TURN.match(url):
                raise InvalidField(f"turn_urls: {url[:80]!r} is not a TURN URL such as "
                                   "turn:turn.example.org:3478?transport=udp or turns:turn.example.org:5349?transport=tcp")
        for url in self.stun_urls:
            if not _STUN.match(url):
                raise InvalidField(f"stun_urls: {url[:80]!r} is not a STUN URL such as stun:stun.example.org:3478")
        if self.turn_urls and len(self.turn_secret) < 16:
            raise InvalidField("turn_urls need turn_secret: coturn's static-auth-secret, at least 16 characters")
        if not 60 <= self.turn_ttl_s <= 86_400:
            raise InvalidField(f"turn_ttl_s must be from 60 to 86400 seconds, not {self.turn_ttl_s!r}")
        if self.policy not in POLICIES:
            raise InvalidField(f"ice_transport_policy must be 'all' or 'relay', not {self.policy[:20]!r}")
        if self.policy == "relay" and not self.turn_urls:
            raise InvalidField("ice_transport_policy 'relay' needs turn_urls: without a relay no call connects")


def turn_credential(secret: str, subject: str, expires_at: int) -> tuple[str, str]:
    """(username, credential) for coturn's ``use-auth-secret``; ``subject`` names who it is for."""
    if not _SUBJECT.match(subject):
        raise ValueError("a TURN subject is 1-64 letters, digits, '.', '_' or '-'")
    username = f"{int(expires_at)}:{subject}"
    digest = hmac.new(secret.encode("utf-8"), username.encode("utf-8"), hashlib.sha1).digest()
    return username, base64.b64encode(digest).decode("ascii")


def ice_config(settings: IceSettings, subject: str, now: float) -> dict[str, Any]:
    """The browser's ``RTCConfiguration`` (``iceServers``, ``iceTransportPolicy``) for one call,
    with fresh TURN credentials, plus ``ttl_s``."""
    servers: list[dict[str, Any]] = []
    if settings.stun_urls:
        servers.append({"urls": list(settings.stun_urls)})
    if settings.turn_urls:
        username, credential = turn_credential(settings.turn_secret, subject, int(now + settings.turn_ttl_s))
        servers.append({"urls": list(settings.turn_urls), "username": username, "credential": credential})
    return {"iceServers": servers, "iceTransportPolicy": settings.policy, "ttl_s": int(settings.turn_ttl_s)}


def from_lists(turn_urls: Sequence[str], turn_secret: str, turn_ttl_s: float, stun_urls: Sequence[str],
               policy: str) -> IceSettings:
    return IceSettings(tuple(u.strip() for u in turn_urls if u.strip()), turn_secret, float(turn_ttl_s),
                       tuple(u.strip() for u in stun_urls if u.strip()), policy.strip().lower())
