"""``serve`` over HTTPS and WSS: a real process, verified against the certificate it made."""

from __future__ import annotations

import asyncio
import re
import ssl
from pathlib import Path

import aiohttp
import pytest

from gateway import tls
from tests.integration.test_cli import BIN, assert_one_line_error, clean_env, cli


async def _start(tmp_path: Path, *args: str) -> tuple[asyncio.subprocess.Process, str]:
    proc = await asyncio.create_subprocess_exec(
        BIN, "serve", "--port", "0", "--db", str(tmp_path / "gw.sqlite3"), "--no-mt-enabled", *args,
        cwd=tmp_path, env=clean_env(), stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.DEVNULL)
    lines: list[str] = []
    def done(line: str) -> bool:
        line = line.lstrip()
        return line.startswith("SHA-256") or (line.startswith("TLS") and "self-signed certificate" not in line)
    try:
        while not (lines and done(lines[-1])):
            line = await asyncio.wait_for(proc.stdout.readline(), 60)
            if not line:
                raise AssertionError("serve exited early:\n" + "".join(lines))
            lines.append(line.decode())
    except BaseException:
        if proc.returncode is None:        # never leave a server behind
            proc.kill()
            await proc.wait()
        raise
    return proc, "".join(lines)


async def _stop(proc: asyncio.subprocess.Process) -> None:
    proc.terminate()
    await asyncio.wait_for(proc.wait(), 30)


async def test_self_signed_https_and_wss_verified_against_its_own_certificate(tmp_path) -> None:
    proc, banner = await _start(tmp_path, "--tls-self-signed", "--secret-file", str(tmp_path / "var" / "secret.key"))
    try:
        cert = tmp_path / "var" / "tls" / "self-signed.crt"
        assert cert.is_file() and oct((tmp_path / "var" / "tls" / "self-signed.key").stat().st_mode & 0o777) == "0o600"
        port = int(re.search(r"listening on https://localhost:(\d+)", banner).group(1))
        assert "created" in banner and tls.fingerprint(cert) in banner
        ctx = ssl.create_default_context(cafile=str(cert))        # real verification: name and chain
        async with aiohttp.ClientSession() as http:
            async with http.get(f"https://localhost:{port}/healthz", ssl=ctx) as r:
                assert r.status == 200
                assert r.headers["Strict-Transport-Security"].startswith("max-age=")
            async with http.post(f"https://127.0.0.1:{port}/api/v1/sessions", json={"channel": "chat", "lang": "ja"},
                                 ssl=ctx) as r:
                sess = await r.json()
            async with http.ws_connect(f"wss://localhost:{port}{sess['ws_url']}", ssl=ctx) as ws:
                await ws.send_json({"type": "msg", "client_id": "c1", "text": "こんにちは"})
                while True:
                    msg = await asyncio.wait_for(ws.receive_json(), 10)
                    if msg.get("type") == "ack":
                        break
            with pytest.raises(aiohttp.ClientConnectorCertificateError):   # not trusted without the cert
                async with http.get(f"https://localhost:{port}/healthz"):
                    pass
    finally:
        await _stop(proc)
    proc, banner = await _start(tmp_path, "--tls-self-signed", "--secret-file", str(tmp_path / "var" / "secret.key"))
    try:
        assert "reused" in banner and tls.fingerprint(cert) in banner      # made once
    finally:
        await _stop(proc)


async def test_given_certificate_and_every_address_in_the_banner(tmp_path) -> None:
    cert, key, _ = tls.self_signed(tmp_path / "certs")
    proc, banner = await _start(tmp_path, "--host", "0.0.0.0", "--tls-cert", str(cert), "--tls-key", str(key))
    try:
        first = next(line for line in banner.splitlines() if "listening on" in line)
        assert first.startswith("hotline-gateway listening on https://localhost:")
        for addr in tls.host_addresses():                       # not only localhost when bound to 0.0.0.0
            assert (f"https://[{addr}]:" if ":" in addr else f"https://{addr}:") in first
    finally:
        await _stop(proc)


def test_tls_settings_are_checked(tmp_path) -> None:
    cert, key, _ = tls.self_signed(tmp_path / "certs")
    other_cert, _, _ = tls.self_signed(tmp_path / "other")
    db = str(tmp_path / "gw.sqlite3")
    assert_one_line_error(cli(tmp_path, "serve", "--db", db, "--tls-cert", str(cert)), 2, "go together")
    assert_one_line_error(cli(tmp_path, "serve", "--db", db, "--tls-cert", str(other_cert), "--tls-key", str(key)),
                          2, "not a matching")
    assert_one_line_error(cli(tmp_path, "serve", "--db", db, "--tls-cert", str(tmp_path / "nope.crt"),
                              "--tls-key", str(key)), 2, "not found")
    assert_one_line_error(cli(tmp_path, "serve", "--db", db, "--ice-transport-policy", "relay"), 2, "needs turn_urls")
    assert_one_line_error(cli(tmp_path, "serve", "--db", db, "--turn-urls", "http://x"), 2, "not a TURN URL")
    out = cli(tmp_path, "serve", "--db", db, "--turn-urls", "turn:127.0.0.1:3478", "--turn-secret", "short")
    line = assert_one_line_error(out, 2, "at least 16")
    assert "short" not in line.replace("at least 16", "")      # the secret is never echoed
