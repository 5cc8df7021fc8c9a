"""A second device on the LAN: ``serve --host 0.0.0.0 --tls-self-signed``, reached at the machine's
own network address (not loopback) by a Chromium that trusts exactly that certificate, as a
phone does once its owner installs it.  The page is a secure context, so the camera works, and a
sign-language video call runs end to end."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path

import pytest
from playwright.sync_api import expect

from gateway import tls
from tests.browser.conftest import CHROMIUM_FLAGS, chromium_path, start_gateway
from tests.browser.test_video_e2e import assert_frames, connect_video_call

pytestmark = pytest.mark.browser


def spki_pin(cert: Path) -> str:
    """base64(SHA-256(SubjectPublicKeyInfo)): what Chromium's certificate pin flag takes."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    key = x509.load_pem_x509_certificate(cert.read_bytes()).public_key()
    der = key.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


def test_video_call_from_another_address_over_self_signed_https(tmp_path):
    addresses = [a for a in tls.host_addresses() if ":" not in a]
    if not addresses:
        pytest.skip("this machine has no non-loopback IPv4 address to call from")
    lan = addresses[0]
    from playwright.sync_api import sync_playwright
    for base in start_gateway(tmp_path, "--tls-self-signed", host="0.0.0.0"):
        port = base.rsplit(":", 1)[1]
        cert = tmp_path / "tls" / "self-signed.crt"          # next to --secret-file, made once
        assert cert.is_file()
        assert tls.fingerprint(cert) in (tmp_path / "server.log").read_text()   # the banner shows it
        url = f"https://{lan}:{port}"
        # The certificate names this address: a client that trusts it verifies the name too.
        import ssl
        import urllib.request
        ctx = ssl.create_default_context(cafile=str(cert))
        with urllib.request.urlopen(url + "/healthz", context=ctx, timeout=10) as r:
            assert r.status == 200 and r.headers["Strict-Transport-Security"]
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium_path(), headless=True,
                                         args=[*CHROMIUM_FLAGS, f"--ignore-certificate-errors-spki-list={spki_pin(cert)}"])
            try:
                caller = browser.new_context(locale="zh-CN").new_page()
                agent = browser.new_context(locale="zh-CN").new_page()
                connect_video_call(caller, agent, url)
                assert caller.evaluate("() => window.isSecureContext && !!navigator.mediaDevices") is True
                expect(caller.locator("#call-state")).to_have_attribute("data-state", "connected", timeout=15_000)
                assert_frames(agent, "call-remote", "seat sees caller")
                assert_frames(caller, "remote-video", "caller sees seat")
                agent.click("#end-session")
                expect(agent.locator("#ticket")).to_be_visible(timeout=10_000)
            finally:
                browser.close()
