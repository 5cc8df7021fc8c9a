"""Shared machinery for the hostile-input corpus: send one case, check the answer and the store.

A case passes when the gateway answers below 500 within the timeout, the log shows no
traceback, a refusal (4xx) left the store as it was, and an ``/api/`` refusal carries the
standard error body (Open311 paths: their own ``[{"code", "description"}]`` list)."""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from gateway.web.keys import REPO

TIMEOUT_S = 10.0
WATCHED_TABLES = ("sessions", "messages", "tickets", "ticket_history", "service_requests")

STATS: dict[str, int] = {"http": 0, "ws": 0, "server_errors": 0}


@dataclass
class Problems:
    """Every failing case of one test, reported together: how many, by label, and the first few."""

    items: dict[str, list[str]] = field(default_factory=dict)

    def add(self, where: str, issue: str) -> None:
        if where not in self.items:
            STATS["server_errors"] += 1
        self.items.setdefault(where, []).append(issue)

    def check(self, total: int) -> None:
        if self.items:
            by_label: dict[str, int] = {}
            for where in self.items:
                label = where.split(":")[0]
                by_label[label] = by_label.get(label, 0) + 1
            labels = ", ".join(f"{k} x{v}" for k, v in sorted(by_label.items(), key=lambda kv: -kv[1]))
            head = "\n  ".join(f"{w}: {'; '.join(i)}" for w, i in sorted(self.items.items(), key=lambda kv: kv[0].split(":")[0])[:1000])
            raise AssertionError(f"{len(self.items)} of {total} hostile cases failed ({labels}):\n  {head}")


async def fingerprint(gw: Any) -> dict[str, int]:
    repo = gw.app[REPO]
    return {t: len(await repo.dump_table(t)) for t in WATCHED_TABLES}


def tracebacks(caplog: Any) -> list[str]:
    out = []
    for rec in caplog.records:
        if rec.exc_info or rec.levelno >= logging.ERROR:
            out.append(f"{rec.name}: {rec.getMessage()[:120]} ({rec.exc_info[0].__name__ if rec.exc_info else ''})")
    return out


def _shape_ok(path: str, status: int, text: str) -> bool:
    if not (400 <= status < 500) or not path.startswith(("/api/", "/open311/", "/ws/")):
        return True
    try:
        body = json.loads(text)
    except ValueError:
        return path.endswith(".xml") and "<errors>" in text     # Open311's XML error document
    if path.startswith("/open311/"):
        return isinstance(body, list) and bool(body) and isinstance(body[0], dict) and "description" in body[0]
    err = body.get("error") if isinstance(body, dict) else None
    return isinstance(err, dict) and isinstance(err.get("code"), str) and isinstance(err.get("message"), str)


async def http_case(gw: Any, caplog: Any, problems: Problems, label: str, method: str, path: str, *,
                    data: bytes | None = None, headers: dict[str, str] | None = None,
                    expect: tuple[int, ...] | None = None) -> int | None:
    """One request through aiohttp's client; returns the status (None when it failed)."""
    STATS["http"] += 1
    caplog.clear()
    before = await fingerprint(gw)
    try:
        async with asyncio.timeout(TIMEOUT_S):
            resp = await gw.client.request(method, path, data=data, headers=headers or {},
                                           allow_redirects=False, skip_auto_headers=("Content-Type",))
            text = (await resp.read()).decode("utf-8", "replace")
            status = resp.status
    except TimeoutError:
        problems.add(f"{label}: {method} {path[:80]}", f"no answer within {TIMEOUT_S}s")
        return None
    return await _judge(gw, caplog, problems, label, method, path, status, text, before, expect)


async def raw_case(gw: Any, caplog: Any, problems: Problems, label: str, method: str, path: str,
                   head_lines: list[bytes], body: bytes = b"", expect: tuple[int, ...] | None = None) -> int | None:
    """One request written byte by byte on a socket: for headers no client library would send."""
    STATS["http"] += 1
    caplog.clear()
    before = await fingerprint(gw)
    server = gw.client.server
    lines = [f"{method} {path} HTTP/1.1".encode(), f"Host: {server.host}:{server.port}".encode(),
             b"Connection: close", f"Content-Length: {len(body)}".encode(), *head_lines]
    try:
        async with asyncio.timeout(TIMEOUT_S):
            reader, writer = await asyncio.open_connection(server.host, server.port)
            writer.write(b"\r\n".join(lines) + b"\r\n\r\n" + body)
            await writer.drain()
            raw = await reader.read()
            writer.close()
    except TimeoutError:
        problems.add(f"{label}: {method} {path[:80]}", f"no answer within {TIMEOUT_S}s")
        return None
    head, _, rest = raw.partition(b"\r\n\r\n")
    try:
        status = int(head.split(b" ", 2)[1])
    except (IndexError, ValueError):
        problems.add(f"{label}: {method} {path[:80]}", f"no HTTP answer ({raw[:60]!r})")
        return None
    text = rest.decode("utf-8", "replace")
    if b"transfer-encoding: chunked" in head.lower():
        text = ""            # the shape check needs the de-chunked body; status is what matters here
    return await _judge(gw, caplog, problems, label, method, path, status, text, before, expect)


async def _judge(gw: Any, caplog: Any, problems: Problems, label: str, method: str, path: str, status: int,
                 text: str, before: dict[str, int], expect: tuple[int, ...] | None) -> int:
    where = f"{label}: {method} {path[:80]}"
    if status >= 500 and status != 503:
        problems.add(where, f"{status} {text[:160]}")
    elif status == 503 and ("internal_error" in text or not _shape_ok(path.split("?")[0], 400, text)):
        # 503 is "switched off / busy, try later" (mt_unavailable, a full login pool), never a crash
        problems.add(where, f"503 {text[:160]}")
    elif expect is not None and status not in expect:
        problems.add(where, f"expected one of {expect}, got {status} {text[:120]}")
    elif text and not _shape_ok(path.split("?")[0], status, text):
        problems.add(where, f"{status} without the standard error body: {text[:120]}")
    tb = tracebacks(caplog)
    if tb:
        problems.add(where, f"logged {tb[0]}")
    if 400 <= status < 500:
        after = await fingerprint(gw)
        if after != before:
            problems.add(where, f"refused with {status} but the store changed {before} -> {after}")
    return status
