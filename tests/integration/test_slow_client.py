"""A WebSocket client that stops reading: it is dropped, nobody else waits for it, and SIGTERM still
shuts the real ``hotline-gateway serve`` down promptly with the database checkpointed (issue 12)."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import signal
import socket
import sqlite3
import time
import uuid
from pathlib import Path

import aiohttp

from tests.integration.test_cli import Server, cli, serve  # noqa: F401  (serve is a fixture)

LIGHT = ("--no-mt-enabled", "--no-video-enabled")


def ws_frame(text: str) -> bytes:
    """One masked text frame, as a client must send it (RFC 6455 5.2)."""
    payload = text.encode()
    n = len(payload)
    mask = os.urandom(4)
    if n < 126:
        head = bytes([0x81, 0x80 | n])
    elif n < 65536:
        head = bytes([0x81, 0x80 | 126]) + n.to_bytes(2, "big")
    else:
        head = bytes([0x81, 0x80 | 127]) + n.to_bytes(8, "big")
    key = (mask * (n // 4 + 1))[:n]
    masked = (int.from_bytes(payload, "big") ^ int.from_bytes(key, "big")).to_bytes(n, "big")
    return head + mask + masked


async def unread_caller(server: Server, ws_url: str) -> socket.socket:
    """A caller WebSocket on a socket with a 4 KB receive buffer; after the handshake it is never read."""
    loop = asyncio.get_running_loop()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    await loop.sock_connect(sock, ("127.0.0.1", server.port))
    key = base64.b64encode(os.urandom(16)).decode()
    await loop.sock_sendall(sock, (
        f"GET {ws_url} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n").encode())
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = await asyncio.wait_for(loop.sock_recv(sock, 1), 10)   # byte by byte: nothing more is read
        assert chunk, head
        head += chunk
    assert head.startswith(b"HTTP/1.1 101"), head
    return sock


async def flood(sock: socket.socket, frames: int = 3000, deadline_s: float = 30.0) -> int:
    """Send up to ``frames`` 2 KB chat messages; stop early if the server stops taking them or drops us."""
    loop = asyncio.get_running_loop()
    text = "x" * 1900
    end = time.monotonic() + deadline_s
    sent = 0
    for _ in range(frames):
        left = end - time.monotonic()
        if left <= 0:
            break
        frame = ws_frame(json.dumps({"type": "msg", "client_id": uuid.uuid4().hex, "text": text}))
        try:
            await asyncio.wait_for(loop.sock_sendall(sock, frame), min(left, 5.0))
        except (asyncio.TimeoutError, OSError):
            break
        sent += 1
    return sent


async def new_session(base: str, lang: str) -> dict:
    async with aiohttp.ClientSession(base) as http:
        async with http.post("/api/v1/sessions", json={"channel": "chat", "lang": lang}) as r:
            assert r.status == 201, await r.text()
            return await r.json()


async def stop_within(server: Server, seconds: float = 15.0) -> int:
    server.proc.send_signal(signal.SIGTERM)
    try:
        return await asyncio.wait_for(server.proc.wait(), seconds)
    except asyncio.TimeoutError:
        raise AssertionError(f"the server was still running {seconds:g} s after SIGTERM") from None


async def wait_for_log(server: Server, needle: str, seconds: float) -> bool:
    """True once ``needle`` is in the server's log; False after ``seconds`` (then the caller goes on)."""
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if needle in server.err.read_text():
            return True
        await asyncio.sleep(0.1)
    return False


def assert_checkpointed_and_gapless(db: Path, session_id: str) -> list[int]:
    wal = Path(f"{db}-wal")
    assert not wal.exists() or wal.stat().st_size == 0, "the WAL was not checkpointed at shutdown"
    with sqlite3.connect(db) as conn:
        seqs = [r[0] for r in conn.execute("SELECT seq FROM messages WHERE session_id = ? ORDER BY seq",
                                           (session_id,))]
    assert seqs and seqs == list(range(1, len(seqs) + 1)), seqs[:20]
    return seqs


async def test_a_client_that_does_not_read_is_dropped_and_sigterm_still_exits(tmp_path, serve) -> None:
    db = tmp_path / "gw.sqlite3"
    server = await serve(db, *LIGHT)
    sess = await new_session(server.base, "en")
    sock = await unread_caller(server, sess["ws_url"])
    try:
        sent = await flood(sock)
        assert sent > 0
        # The frames sit in kernel buffers; give the server time to work through them and choke on
        # the replies (the old code then blocks forever; the fixed one drops this client).
        await wait_for_log(server, "ws_slow_client_dropped", 20)
        code = await stop_within(server)
    finally:
        sock.close()
    log = server.err.read_text()
    assert code == 0, log
    assert "Traceback" not in log
    assert log.count("ws_slow_client_dropped") == 1, log[-3000:]    # dropped, and said so once
    assert sess["token"] not in log
    assert_checkpointed_and_gapless(db, sess["id"])


async def recv_type(ws: aiohttp.ClientWebSocketResponse, kind: str, timeout: float = 5.0, **match) -> dict:
    async def loop() -> dict:
        while True:
            m = await ws.receive()
            assert m.type == aiohttp.WSMsgType.TEXT, m
            data = json.loads(m.data)
            if data["type"] == kind and all(data.get(k) == v for k, v in match.items()):
                return data
    return await asyncio.wait_for(loop(), timeout)


async def test_others_keep_chatting_while_one_client_does_not_read(tmp_path, serve) -> None:
    db = tmp_path / "gw.sqlite3"
    password = cli(tmp_path, "seats", "create", "--login", "aiko", "--skills", "lang:en=4",
                   "--db", str(db)).stdout.split()[-1]
    server = await serve(db, *LIGHT)
    slow = await new_session(server.base, "ja")          # queued where no seat serves, never offered
    sock = await unread_caller(server, slow["ws_url"])
    flooding = asyncio.create_task(flood(sock, frames=3000, deadline_s=40.0))
    try:
        async with aiohttp.ClientSession(server.base) as http:
            async with http.post("/api/v1/auth/login", json={"login": "aiko", "password": password}) as r:
                assert r.status == 200, await r.text()
                seat_token = (await r.json())["token"]
            seat = await http.ws_connect(f"/ws/seat?token={seat_token}")
            await recv_type(seat, "hello", 10)
            await seat.send_json({"type": "set_state", "state": "available"})
            sess = await new_session(server.base, "en")
            caller = await http.ws_connect(sess["ws_url"])
            await recv_type(caller, "hello", 10)
            offer = await recv_type(seat, "offer", 10)
            assert offer["session"]["id"] == sess["id"]
            await seat.send_json({"type": "accept", "session": sess["id"]})
            await recv_type(caller, "connected", 10)
            # Chat for as long as the slow client is being fed, until well after it was dropped:
            # every message is relayed promptly, both ways.
            i, dropped_at, end = 0, None, time.monotonic() + 60
            while dropped_at is None or i < dropped_at + 10:
                assert time.monotonic() < end, "the slow client was never dropped"
                await caller.send_json({"type": "msg", "client_id": f"c{i}", "text": f"hello {i}"})
                got = await recv_type(seat, "msg", 5, **{"from": "caller", "text": f"hello {i}"})
                await seat.send_json({"type": "msg", "session": sess["id"], "client_id": f"s{i}",
                                      "text": f"reply {i}"})
                back = await recv_type(caller, "msg", 5, **{"from": "seat", "text": f"reply {i}"})
                assert back["seq"] == got["seq"] + 1
                i += 1
                if dropped_at is None and "ws_slow_client_dropped" in server.err.read_text():
                    dropped_at = i
            server.proc.send_signal(signal.SIGTERM)

            async def until_closed() -> aiohttp.WSMessage:
                while True:
                    m = await caller.receive()
                    if m.type != aiohttp.WSMsgType.TEXT:
                        return m
            await asyncio.wait_for(until_closed(), 15)
            assert caller.close_code == 1012                # the reading caller is told "service restart"
            code = await stop_within(server)
            await caller.close()
            await seat.close()
    finally:
        flooding.cancel()
        sock.close()
    log = server.err.read_text()
    assert code == 0, log
    assert "Traceback" not in log
    assert log.count("ws_slow_client_dropped") == 1, log[-3000:]
    assert_checkpointed_and_gapless(db, slow["id"])
    seqs = assert_checkpointed_and_gapless(db, sess["id"])
    assert len(seqs) == 2 * i
