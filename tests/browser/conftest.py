"""A real gateway process and a real headless Chromium (the distribution's, never a downloaded one)."""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
    "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
]


def chromium_path() -> str:
    for cand in (os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                 shutil.which("chromium-browser")):
        if cand and Path(cand).exists():
            return cand
    # Not a skip: CI must fail loudly if the browser is missing (scripts/test installs it).
    raise RuntimeError("Chromium is not installed; run ./scripts/test, which installs it")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gateway(tmp: Path, *extra: str, host: str = "127.0.0.1") -> Iterator[str]:
    """The real gateway on a free port; yields its base URL (https:// when it serves TLS)."""
    port = _free_port()
    exe = Path(sys.executable).with_name("hotline-gateway")
    log = open(tmp / "server.log", "w")
    proc = subprocess.Popen([str(exe), "serve", "--demo", "--host", host, "--port", str(port),
                             "--db", str(tmp / "gw.sqlite3"),
                             "--translate-dir", str(tmp / "translate"), "--secret-file", str(tmp / "secret.key"),
                             "--seat-reconnect-grace-s", "2", *extra],
                            stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    secure = "--tls-self-signed" in extra or "--tls-cert" in extra
    base = f"{'https' if secure else 'http'}://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}"
    unverified = ssl._create_unverified_context() if secure else None    # only to see that it is up
    deadline = time.time() + 60
    while True:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1, context=unverified)
            break
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                log.close()
                raise RuntimeError("gateway did not start:\n" + (tmp / "server.log").read_text())
            time.sleep(0.1)
    try:
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    yield from start_gateway(tmp_path_factory.mktemp("gw"))


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import expect, sync_playwright
    # CI shares two cores with the server; waiting longer costs nothing when things are fast.
    expect.set_options(timeout=20_000)
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_FLAGS)
        yield b
        b.close()
