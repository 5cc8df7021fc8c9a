"""The shipped nginx site (deploy/nginx/hotline.conf) in front of a real gateway, in headless Chromium.

Real nginx (Debian's package) runs a configuration generated from the site file itself: only the
placeholders (server name, certificate paths), the listen ports and the upstream port are
substituted, and it is wrapped in a minimal nginx.conf whose pid, logs and temp paths are in a
temporary folder.  The gateway behind it is plain HTTP on loopback with ``--trusted-proxies
127.0.0.1``.  A caller and a seat chat and make a video call through https:// and wss://; plain
HTTP checks cover HSTS, X-Forwarded-Proto, the redirect and the body-size limits.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import ssl
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from gateway import tls
from tests.browser.conftest import ROOT, _free_port, start_gateway
from tests.browser.test_video_e2e import assert_frames, connect_video_call, login_seat

pytestmark = pytest.mark.browser

NGINX = "/usr/sbin/nginx"
SITE = ROOT / "deploy" / "nginx" / "hotline.conf"
SERVER_NAME = "localhost"


def site_config(folder: Path, https_port: int, http_port: int, upstream_port: int, cert: Path, key: Path) -> str:
    """deploy/nginx/hotline.conf with its placeholders and ports replaced; every one must be there."""
    text = SITE.read_text(encoding="utf-8")
    swaps = [
        ("server 127.0.0.1:12345;", f"server 127.0.0.1:{upstream_port};"),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        ("listen [::]:443 ssl http2;", ""),           # loopback IPv4 only in the test
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen [::]:80;", ""),
        ("server_name hotline.example.org;", f"server_name {SERVER_NAME};"),
        ("/etc/ssl/hotline/fullchain.pem;", f"{cert};"),
        ("/etc/ssl/hotline/privkey.pem;", f"{key};"),
        ("access_log /var/log/nginx/hotline.access.log", f"access_log {folder / 'access.log'}"),
    ]
    for old, new in swaps:
        # Only directives count (not the comments that explain them).
        pattern = re.compile(r"^(\s*(?:[a-z_]+\s+)?)" + re.escape(old), re.M)
        if not pattern.search(text):
            raise AssertionError(f"{SITE.relative_to(ROOT)} no longer contains {old!r}; "
                                 "the test substitutes it (keep the placeholder spellings)")
        text = pattern.sub(lambda m: m.group(1) + new, text)
    return text


def nginx_config(folder: Path, site: Path) -> str:
    user = "user root;\n" if os.geteuid() == 0 else ""   # workers must reach the temp folder
    temps = "\n".join(f"    {name}_temp_path {folder / (name + '_temp')};"
                      for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return (f"{user}worker_processes 1;\npid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'} info;\n"
            "events { worker_connections 512; }\n"
            "http {\n"
            f"    access_log {folder / 'access.log'};\n"
            f"{temps}\n"
            f"    include {site};\n"
            "}\n")


@contextlib.contextmanager
def running_nginx(folder: Path, upstream_port: int) -> Iterator[dict]:
    cert, key, _ = tls.self_signed(folder / "tls")
    https_port, http_port = _free_port(), _free_port()
    site = folder / "hotline.conf"
    site.write_text(site_config(folder, https_port, http_port, upstream_port, cert, key), encoding="utf-8")
    conf = folder / "nginx.conf"
    conf.write_text(nginx_config(folder, site), encoding="utf-8")
    base_cmd = [NGINX, "-c", str(conf), "-p", str(folder), "-e", str(folder / "error.log")]
    check = subprocess.run([*base_cmd, "-t"], capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, "nginx -t refused the generated configuration:\n" + check.stderr
    proc = subprocess.Popen([*base_cmd, "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 30
        while True:
            try:
                status, _, _ = fetch(https_port, "GET", "/healthz")
                if status == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("nginx did not start:\n" + (folder / "error.log").read_text(errors="replace"))
            time.sleep(0.1)
        yield {"https": f"https://127.0.0.1:{https_port}", "https_port": https_port, "http_port": http_port}
    finally:
        proc.terminate()                  # SIGTERM: fast shutdown, open WebSockets are cut
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def fetch(port: int, method: str, path: str, body: bytes | None = None, headers: dict | None = None,
          tls_on: bool = True) -> tuple[int, http.client.HTTPMessage, bytes]:
    if tls_on:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE           # the throwaway self-signed certificate
        conn: http.client.HTTPConnection = http.client.HTTPSConnection("127.0.0.1", port, timeout=20, context=ctx)
    else:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, resp.msg, resp.read()
    finally:
        conn.close()


@pytest.fixture(scope="module")
def stack(tmp_path_factory) -> Iterator[dict]:
    if not Path(NGINX).exists():
        if os.environ.get("HOTLINE_TEST_NGINX") == "0":
            pytest.skip("nginx is not installed and HOTLINE_TEST_NGINX=0")
        # Not a skip: CI must fail loudly (scripts/test installs it).
        raise RuntimeError(f"{NGINX} is missing: run ./scripts/test (installs Debian's nginx) or "
                           "apt-get install nginx; HOTLINE_TEST_NGINX=0 skips this test")
    tmp = tmp_path_factory.mktemp("deploy")
    with contextlib.contextmanager(start_gateway)(tmp, "--trusted-proxies", "127.0.0.1") as gateway:
        upstream_port = int(gateway.rsplit(":", 1)[1])
        nginx_dir = tmp / "nginx"
        nginx_dir.mkdir()
        with running_nginx(nginx_dir, upstream_port) as front:
            yield {**front, "gateway": gateway, "folder": nginx_dir}


def test_http_through_nginx(stack):
    port = stack["https_port"]

    # HSTS from nginx on everything, exactly once (the gateway's own copy on pages is hidden).
    for path in ("/healthz", "/chat"):
        status, headers, _ = fetch(port, "GET", path)
        assert status == 200, path
        assert headers.get_all("Strict-Transport-Security") == ["max-age=63072000"], (path, headers.items())

    # X-Forwarded-Proto reached the gateway: it believes nginx (a trusted proxy) that this was https.
    status, _, body = fetch(port, "GET", "/api/v1/openapi.json")
    assert status == 200
    server_url = json.loads(body)["servers"][0]["url"]
    assert server_url.startswith("https://"), server_url
    # (The gateway itself is plain HTTP: asked directly, without the header, it says http.)
    direct = int(stack["gateway"].rsplit(":", 1)[1])
    _, _, body = fetch(direct, "GET", "/api/v1/openapi.json", tls_on=False)
    assert json.loads(body)["servers"][0]["url"].startswith("http://")

    # A body above 1 MiB (max_body_bytes) is refused by nginx itself, before the gateway.
    big = b"{" + b" " * (1_048_576 + 10) + b"}"
    status, headers, body = fetch(port, "POST", "/api/v1/auth/login", body=big,
                                  headers={"Content-Type": "application/json"})
    assert status == 413
    assert headers.get("Content-Type", "").startswith("text/html") and b"nginx" in body   # nginx's page
    # Exactly 1 MiB still passes nginx (the gateway answers, in JSON).
    status, headers, _ = fetch(port, "POST", "/api/v1/auth/login", body=b" " * 1_048_576,
                               headers={"Content-Type": "application/json"})
    assert status != 413 and headers.get("Content-Type", "").startswith("application/json"), status
    # A report with a photo may be bigger: nginx passes 2 MB to the gateway, which has its own limits.
    status, headers, _ = fetch(port, "POST", "/api/v1/miniapp/requests", body=b"x" * 2_000_000,
                               headers={"Content-Type": "multipart/form-data; boundary=zz"})
    assert headers.get("Content-Type", "").startswith("application/json"), (status, headers.items())

    # Plain HTTP on the other port is only a redirect to https.
    status, headers, _ = fetch(stack["http_port"], "GET", "/chat?lang=ja", tls_on=False)
    assert status == 301
    assert re.fullmatch(r"https://[^/]+/chat\?lang=ja", headers["Location"]), headers["Location"]


def _https_pages(browser, locale: str):
    ctx = browser.new_context(locale=locale, ignore_https_errors=True)
    page = ctx.new_page()
    sockets: list[str] = []
    errors: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    return ctx, page, sockets, errors


def test_chat_through_nginx(stack, browser):
    base = stack["https"]
    caller_ctx, caller, caller_ws, errors = _https_pages(browser, "ja-JP")
    agent_ctx, agent, agent_ws, agent_errors = _https_pages(browser, "zh-CN")

    caller.goto(base + "/chat")
    caller.locator('button[data-lang="ja"]').click()
    expect(caller.locator("html")).to_have_attribute("lang", "ja")
    caller.locator("#start-chat").click()
    expect(caller.locator("#queue-status")).to_be_visible()

    login_seat(agent, base, "seat-ja")
    agent.click("#state-available")
    expect(agent.locator("#offer")).to_be_visible(timeout=10_000)
    agent.click("#offer-accept")
    expect(caller.locator("#chat-state")).to_have_attribute("data-state", "connected", timeout=10_000)

    caller.fill("#chat-input", "パスポートをなくしました。")
    caller.click("#send")
    expect(agent.locator("#agent-log .msg.from-caller")).to_contain_text("パスポートをなくしました")
    agent.fill("#agent-input", "最寄りの警察署に届けてください。")
    agent.click("#agent-send")
    expect(caller.locator("#chat-log .msg.from-seat")).to_contain_text("最寄りの警察署")
    expect(caller.locator("#chat-log .msg.from-caller[data-seq]")).to_have_count(1)   # acknowledged

    # Both sockets went through nginx over TLS.
    port = stack["https_port"]
    assert any(u.startswith(f"wss://127.0.0.1:{port}/ws/caller") for u in caller_ws), caller_ws
    assert any(u.startswith(f"wss://127.0.0.1:{port}/ws/seat") for u in agent_ws), agent_ws
    agent.click("#end-session")
    expect(agent.locator("#ticket")).to_be_visible(timeout=10_000)
    assert errors == [] and agent_errors == []
    caller_ctx.close()
    agent_ctx.close()


def test_video_call_through_nginx(stack, browser):
    base = stack["https"]
    caller_ctx, caller, caller_ws, errors = _https_pages(browser, "zh-CN")
    agent_ctx, agent, agent_ws, agent_errors = _https_pages(browser, "zh-CN")

    connect_video_call(caller, agent, base)
    expect(caller.locator("#call-state")).to_have_attribute("data-state", "connected", timeout=10_000)

    # Signalling went over wss:// through nginx; the pictures arrive both ways.
    assert_frames(agent, "call-remote", "seat sees caller")
    assert_frames(caller, "remote-video", "caller sees seat")
    expect(agent.locator("#call-media-state")).to_have_attribute("data-state", "connected")
    port = stack["https_port"]
    assert any(u.startswith(f"wss://127.0.0.1:{port}/ws/caller") for u in caller_ws), caller_ws

    agent.click("#end-session")
    expect(agent.locator("#ticket")).to_be_visible(timeout=10_000)
    number = agent.locator("#ticket-number").inner_text().strip()
    expect(caller.locator("#reference")).to_have_text(number)
    assert errors == [] and agent_errors == []
    caller_ctx.close()
    agent_ctx.close()

    # nginx logged the upgraded sockets (101), without their query strings (bearer tokens), and
    # no errors but the refused big body of the first test.
    time.sleep(0.5)
    access = (stack["folder"] / "access.log").read_text(errors="replace")
    assert re.search(r'"GET /ws/seat HTTP/1.1" 101 ', access), access[-2000:]
    assert re.search(r'"GET /ws/caller HTTP/1.1" 101 ', access), access[-2000:]
    assert "token=" not in access
    bad = [line for line in (stack["folder"] / "error.log").read_text(errors="replace").splitlines()
           if re.search(r"\[(error|crit|alert|emerg)\]", line) and "too large body" not in line]
    assert bad == [], bad
