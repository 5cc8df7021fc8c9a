"""No token, key or password reaches the log, aiohttp's own lines included (a real process)."""

from __future__ import annotations

import asyncio
import json

from gateway.logsetup import redact
from tests.integration.test_cli import serve  # noqa: F401  (fixture)

PLANTED = "tok3nS3cr3tPlanted42"


async def _raw(port: int, payload: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(payload)
    await writer.drain()
    data = await asyncio.wait_for(reader.read(400), 10)
    writer.close()
    return data


async def test_rejected_request_lines_are_logged_without_secrets(tmp_path, serve) -> None:
    server = await serve(tmp_path / "gw.sqlite3")
    long_line = b"GET /ws/seat?token=" + PLANTED.encode() + b"&x=" + b"a" * 9000 + b" HTTP/1.1\r\nHost: x\r\n\r\n"
    bad_header = (b"GET /open311/v2/requests.json?api_key=" + PLANTED.encode() + b" HTTP/1.1\r\nHost: x\r\n"
                  b"Authorization: Bearer " + PLANTED.encode() + b"\r\nBad\x01Header: y\r\n\r\n")
    assert (await _raw(server.port, long_line)).startswith(b"HTTP/1.0 400")
    assert (await _raw(server.port, bad_header)).startswith(b"HTTP/1.0 400")
    await asyncio.sleep(0.5)                      # let the log line be written
    server.proc.terminate()
    await asyncio.wait_for(server.proc.wait(), 30)
    log = server.err.read_text(errors="replace")
    assert PLANTED not in log
    records = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    refused = [r for r in records if r.get("event") == "bad_request_line"]
    assert len(refused) == 2 and all(r["level"] == "warning" and "exc" not in r for r in refused)
    assert not any(r["level"] == "error" for r in records)          # a client's mistake is not our error


def test_redact_masks_secrets_and_personal_numbers() -> None:
    text = (f"/ws/seat?token={PLANTED}&lang=ja api_key={PLANTED} access_token={PLANTED} password={PLANTED} "
            f"Authorization: Bearer {PLANTED} phone 13812345678")
    out = redact(text)
    assert PLANTED not in out and "13812345678" not in out
    assert "lang=ja" in out and "token=***" in out and "Bearer ***" in out
