"""A real coturn for the tests, from Debian's ``coturn`` package, on loopback with a random secret.

Started in a temporary folder on a free port, with ``use-auth-secret`` (the TURN REST API the
gateway mints credentials for) and ``--allow-loopback-peers``, needed only because every peer
of these tests is on 127.0.0.1.  ``check(username, credential)`` asks coturn itself, through its
own client ``turnutils_uclient``, whether it accepts a credential.

Use from a conftest or a test module::

    from tests.turn import coturn  # noqa: F401  (fixture)

``HOTLINE_TEST_TURN=0`` skips the tests that need it; without the binaries they fail and say
what to install (``scripts/test`` installs it when run as root).
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

TURNSERVER = "/usr/bin/turnserver"
UCLIENT = "/usr/bin/turnutils_uclient"


def _free_udp_tcp_port() -> int:
    """A port free for both UDP and TCP on loopback (TURN listens on both)."""
    for _ in range(50):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
            t.bind(("127.0.0.1", 0))
            port = t.getsockname()[1]
            try:
                with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u:
                    u.bind(("127.0.0.1", port))
            except OSError:
                continue
            return int(port)
    raise RuntimeError("no free port for TURN")


@dataclass
class Coturn:
    port: int
    secret: str
    realm: str
    folder: Path
    proc: subprocess.Popen[bytes]

    @property
    def url(self) -> str:
        return f"turn:127.0.0.1:{self.port}?transport=udp"

    @property
    def tcp_url(self) -> str:
        return f"turn:127.0.0.1:{self.port}?transport=tcp"

    def check(self, username: str, credential: str) -> bool:
        """Does coturn accept this credential?  Its own client allocates a relay and echoes."""
        out = subprocess.run([UCLIENT, "-y", "-n", "3", "-u", username, "-w", credential, "-p", str(self.port),
                              "127.0.0.1"], capture_output=True, text=True, timeout=60)
        text = out.stdout + out.stderr
        if "Cannot complete Allocation" in text or "error 401" in text.lower():
            return False
        received = [int(line.split("tot_recv_msgs=")[1].split(",")[0].split()[0])
                    for line in text.splitlines() if "tot_recv_msgs=" in line]
        return bool(received) and received[-1] > 0        # the last line is the total

    def log(self) -> str:
        files = sorted(self.folder.glob("*.log"))
        return "\n".join(f.read_text(errors="replace")[-3000:] for f in files)


def start(secret: str | None = None) -> Coturn:
    if not (os.path.exists(TURNSERVER) and os.path.exists(UCLIENT)):
        pytest.fail("coturn not found: install Debian's 'coturn' package (apt-get install --no-install-recommends "
                    "coturn; ./scripts/test does it when run as root), or set HOTLINE_TEST_TURN=0", pytrace=False)
    folder = Path(tempfile.mkdtemp(prefix="hotline-turn-"))
    secret = secret or secrets.token_urlsafe(24)
    for attempt in range(3):
        port = _free_udp_tcp_port()
        proc = subprocess.Popen(
            [TURNSERVER, "-n", "--listening-ip=127.0.0.1", "--relay-ip=127.0.0.1", f"--listening-port={port}",
             "--use-auth-secret", f"--static-auth-secret={secret}", "--realm=hotline", "--no-tls", "--no-dtls",
             "--no-cli", "--allow-loopback-peers", "--fingerprint", f"--log-file={folder / 'turn.log'}", "--simple-log",
             f"--pidfile={folder / 'turn.pid'}"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=folder)
        deadline = time.time() + 15
        while time.time() < deadline:
            if proc.poll() is not None:
                break
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                    return Coturn(port, secret, "hotline", folder, proc)
            except OSError:
                time.sleep(0.1)
        proc.kill()
        proc.wait()
    raise RuntimeError(f"coturn did not start:\n{(folder / 'turn.log').read_text(errors='replace')[-2000:]}"
                       if (folder / "turn.log").exists() else "coturn did not start")


def stop(server: Coturn) -> None:
    server.proc.terminate()
    try:
        server.proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        server.proc.wait()
    shutil.rmtree(server.folder, ignore_errors=True)


@pytest.fixture(scope="session")
def coturn() -> Iterator[Coturn]:
    """A coturn on loopback for the whole test session, with a random static-auth-secret."""
    if os.environ.get("HOTLINE_TEST_TURN", "1").strip().lower() in {"0", "no", "false", "off"}:
        pytest.skip("TURN tests are switched off (HOTLINE_TEST_TURN=0)")
    server = start()
    yield server
    stop(server)
