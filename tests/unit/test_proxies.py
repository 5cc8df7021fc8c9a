"""Whom to believe about the client's address: X-Forwarded-For only from trusted proxies."""

from __future__ import annotations

import pytest

from gateway.web.proxies import client_of, networks

NGINX = networks(["127.0.0.1", "10.0.0.0/8"])


@pytest.mark.parametrize(("peer", "xff", "proto", "want"), [
    ("127.0.0.1", "203.0.113.7", "https", ("203.0.113.7", "https")),             # one trusted proxy
    ("127.0.0.1", "203.0.113.7, 10.1.2.3", "https", ("203.0.113.7", "https")),   # two proxies, both ours
    ("127.0.0.1", "6.6.6.6, 203.0.113.7", "http", ("203.0.113.7", "http")),      # a client's forged hop is left of ours
    ("198.51.100.1", "203.0.113.7", "https", (None, None)),                       # a direct client: ignored
    ("127.0.0.1", None, "https", (None, "https")),
    ("127.0.0.1", "not-an-ip", "gopher", (None, None)),                           # garbage: not believed
    ("127.0.0.1", "10.0.0.5", None, ("10.0.0.5", None)),                          # only proxies: the left-most
    ("127.0.0.1", "2001:db8::1", "HTTPS", ("2001:db8::1", "https")),
])
def test_client_of(peer, xff, proto, want) -> None:
    assert client_of(peer, xff, proto, NGINX) == want


def test_nothing_is_believed_without_trusted_proxies() -> None:
    assert client_of("127.0.0.1", "203.0.113.7", "https", ()) == (None, None)
