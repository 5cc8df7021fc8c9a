"""Every route, every method, hostile bodies, path parameters, query strings and raw headers.

The full table runs on SQLite (``db_url`` pinned); a sample of it runs on both backends."""

from __future__ import annotations

import re
from typing import Any

import pytest

from gateway.web.keys import REPO
from miniapp_api import apikeys
from tests.hostile import corpus
from tests.hostile.harness import Problems, STATS, http_case, raw_case

# aiohttp warns (rightly) about the corpus's broken Content-Disposition headers
pytestmark = pytest.mark.filterwarnings("ignore::aiohttp.multipart.BadContentDispositionHeader")

BODY_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
# JSON-only endpoints that need no login: a JSON body under another content type is a 415,
# which also closes cross-site form posts to them.
JSON_ONLY_OPEN = ("/api/v1/auth/login", "/api/v1/sessions")
NOT_JSON = ("json-as-text-plain", "json-as-form", "json-without-content-type")


def targets(app: Any) -> list[tuple[str, str, bool]]:
    """(method, path template, has parameters) for every route the app serves."""
    out = []
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource is not None else {}
        if "path" in info:
            template, dynamic = info["path"], False
        elif "formatter" in info:
            template, dynamic = info["formatter"], True
        elif "prefix" in info:
            template, dynamic = info["prefix"].rstrip("/") + "/{filename}", True
        else:
            continue
        methods = ["GET", "POST", "PATCH"] if route.method == "*" else [route.method]
        out.extend((m, template, dynamic) for m in methods if m != "HEAD")
    return sorted(set(out))


def fill(template: str, segment: str) -> str:
    return re.sub(r"\{[^}]+\}", segment, template)


async def credentials(gw: Any) -> dict[str, str]:
    """A seat's token and a mini-program API key, so hostile bodies get past the doors."""
    token = await gw.add_seat("hostile-seat", {"lang:en": 5})
    key = apikeys.new_key()
    await gw.app[REPO].create_api_key(apikeys.new_record("hostile", gw.clock.now()), apikeys.key_hash(key))
    return {"token": token, "key": key}


def _headers(path: str, cred: dict[str, str], ctype: str | None) -> dict[str, str]:
    h = {"X-Api-Key": cred["key"]}
    if not path.endswith("/auth/logout"):          # logging out would spend the token for the cases after it
        h["Authorization"] = f"Bearer {cred['token']}"
    if ctype is not None:
        h["Content-Type"] = ctype
    return h


def _body(ctype: str | None, body: bytes, cred: dict[str, str]) -> bytes:
    # Open311 reads the key from the form: give it a real one where the body is a plain form
    if ctype == "application/x-www-form-urlencoded" and b"api_key" not in body and b"=" in body[:40]:
        return body + b"&api_key=" + cred["key"].encode()
    return body


async def run_corpus(gw: Any, caplog: Any, *, sample: bool) -> tuple[Problems, int]:
    cred = await credentials(gw)
    problems, n0 = Problems(), STATS["http"]
    routes = targets(gw.app)
    bodies = corpus.BODIES if not sample else [b for i, b in enumerate(corpus.BODIES) if i % 3 == 0
                                                 or b[0] in NOT_JSON]
    for method, template, dynamic in routes:
        path = fill(template, "x")
        if template.startswith("/static"):
            path = "/static/common/dom.js"
        if method in BODY_METHODS:
            for label, ctype, body in bodies:
                expect = (415,) if label in NOT_JSON and template in JSON_ONLY_OPEN else None
                await http_case(gw, caplog, problems, label, method, path, data=_body(ctype, body, cred),
                                headers=_headers(path, cred, ctype), expect=expect)
        if dynamic:
            for seg in corpus.SEGMENTS if not sample else corpus.SEGMENTS[1:3]:
                await http_case(gw, caplog, problems, "segment", method, fill(template, seg),
                                headers=_headers(template, cred, "application/json"),
                                data=b"{}" if method in BODY_METHODS else None)
        for q in corpus.QUERIES if not sample else corpus.QUERIES[:1]:
            await http_case(gw, caplog, problems, "query", method, f"{path}?{q}",
                            headers=_headers(path, cred, None))
        raw = corpus.RAW_AUTH + corpus.RAW_OTHER if not sample else corpus.RAW_AUTH[:1]
        for line in raw:
            expect = (401,) if line.startswith(b"Authorization") and template.startswith("/api/v1/queues") else None
            await raw_case(gw, caplog, problems, f"raw {line!r}", method, path, [line], expect=expect)
    return problems, STATS["http"] - n0


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_every_route_survives_the_full_corpus(gateway_factory, caplog):
    gw = await gateway_factory(mt_enabled=True)        # no models installed: translate parses, then refuses
    problems, n = await run_corpus(gw, caplog, sample=False)
    print(f"hostile HTTP corpus (sqlite): {n} cases, {len(problems.items)} failures")
    problems.check(n)


async def test_a_sample_on_both_backends(gw, caplog):
    problems, n = await run_corpus(gw, caplog, sample=True)
    print(f"hostile HTTP sample: {n} cases, {len(problems.items)} failures")
    problems.check(n)
