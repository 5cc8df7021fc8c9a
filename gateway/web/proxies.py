"""The real client behind a reverse proxy: ``X-Forwarded-For`` and ``X-Forwarded-Proto``, believed
only from ``trusted_proxies``.

Written by hand because aiohttp-remotes does not fit: its Strict middleware refuses every
request whose peer is not a trusted proxy (a health check on the node itself would fail), and
its Filtered one believes the header from any peer, so a direct client could claim any address
and slip past the per-address rate limits.  The rule here: if the peer is a trusted proxy, walk
X-Forwarded-For from the right, skipping trusted proxies; the first other address is the
client.  Otherwise the headers are ignored.  Rate limits and logs then use ``request.remote``.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Awaitable, Callable, Sequence

from aiohttp import web

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def networks(entries: Sequence[str]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(e.strip(), strict=False) for e in entries if e.strip())


def _trusted(address: str | None, trusted: tuple[Network, ...]) -> bool:
    if not address:
        return False
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return False
    return any(ip in net for net in trusted)


def client_of(peer: str | None, forwarded_for: str | None, forwarded_proto: str | None,
              trusted: tuple[Network, ...]) -> tuple[str | None, str | None]:
    """(client address, scheme) to believe; (None, None) when the headers are not to be believed."""
    if not trusted or not _trusted(peer, trusted):
        return None, None
    client = None
    if forwarded_for:
        hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
        for hop in reversed(hops):
            try:
                ipaddress.ip_address(hop.split("%")[0])
            except ValueError:
                break                      # garbage from further left is not believed
            client = hop
            if not _trusted(hop, trusted):
                break
    scheme = None
    if forwarded_proto:
        last = forwarded_proto.split(",")[-1].strip().lower()
        scheme = last if last in ("http", "https") else None
    return client, scheme


def middleware(trusted_entries: Sequence[str]) -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]:
    trusted = networks(trusted_entries)

    @web.middleware
    async def real_client(request: web.Request, handler: Handler) -> web.StreamResponse:
        client, scheme = client_of(request.remote, request.headers.get("X-Forwarded-For"),
                                   request.headers.get("X-Forwarded-Proto"), trusted)
        overrides: dict[str, str] = {}
        if client:
            overrides["remote"] = client
        if scheme:
            overrides["scheme"] = scheme
        return await handler(request.clone(**overrides) if overrides else request)  # type: ignore[arg-type]
    return real_client
