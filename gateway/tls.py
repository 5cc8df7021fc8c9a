"""HTTPS for the gateway: a server SSL context, and a self-signed certificate for trying it on a LAN.

Browsers give a page the camera and microphone only in a secure context, so a caller on another
device needs https.  ``--tls-cert/--tls-key`` take a real certificate; ``--tls-self-signed``
makes one, once, under ``var/tls/`` for this host's names and addresses (cryptography, already a
dependency of aiortc), and prints its SHA-256 fingerprint so a person can check what they trust.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import socket
import ssl
import subprocess
from pathlib import Path

from gateway.errors import InvalidField


def server_context(cert: str | Path, key: str | Path) -> ssl.SSLContext:
    """TLS 1.2+ with the certificate chain and key (PEM); a clear error for a bad pair."""
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        ctx.load_cert_chain(str(cert), str(key))
    except FileNotFoundError as exc:
        raise InvalidField(f"TLS file not found: {exc.filename}") from None
    except (ssl.SSLError, ValueError) as exc:
        raise InvalidField(f"tls_cert and tls_key are not a matching PEM certificate and key ({exc})") from None
    return ctx


def host_addresses() -> list[str]:
    """This machine's non-loopback IP addresses (for the banner and the self-signed certificate)."""
    found: list[str] = []
    try:
        out = subprocess.run(["ip", "-o", "addr", "show", "up"], capture_output=True, text=True, timeout=5).stdout
        for line in out.splitlines():
            parts = line.split()
            if len(parts) > 3 and parts[2] in ("inet", "inet6"):
                found.append(parts[3].split("/")[0])
    except (OSError, subprocess.SubprocessError):
        pass
    try:
        for info in socket.getaddrinfo(socket.gethostname(), None):
            found.append(str(info[4][0]))
    except OSError:
        pass
    out_addrs: list[str] = []
    for a in found:
        try:
            ip = ipaddress.ip_address(a.split("%")[0])
        except ValueError:
            continue
        if ip.is_loopback or ip.is_link_local or str(ip) in out_addrs:
            continue
        out_addrs.append(str(ip))
    return out_addrs


def fingerprint(cert_path: str | Path) -> str:
    """The certificate's SHA-256 fingerprint, as browsers show it (AB:CD:...)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    cert = x509.load_pem_x509_certificate(Path(cert_path).read_bytes())
    return cert.fingerprint(hashes.SHA256()).hex(":").upper()


def self_signed(folder: str | Path, *, names: list[str] | None = None,
                addresses: list[str] | None = None) -> tuple[Path, Path, bool]:
    """(cert, key, created): made once under ``folder`` for this host; reused after that.

    It covers localhost, the host name and every address of the machine, so a phone on the same
    Wi-Fi can open https://<address>:<port>/video once it trusts the certificate."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder = Path(folder)
    cert_path, key_path = folder / "self-signed.crt", folder / "self-signed.key"
    if cert_path.is_file() and key_path.is_file():
        return cert_path, key_path, False
    folder.mkdir(parents=True, exist_ok=True)
    host = socket.gethostname()
    dns = list(dict.fromkeys(["localhost", host, socket.getfqdn(), *(names or [])]))
    ips = list(dict.fromkeys(["127.0.0.1", "::1", *host_addresses(), *(addresses or [])]))
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"hotline-gateway on {host}"[:64]),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, "hotline-gateway (self-signed, for a LAN)")])
    now = dt.datetime.now(dt.timezone.utc)
    san = [x509.DNSName(n) for n in dns if n] + [x509.IPAddress(ipaddress.ip_address(a)) for a in ips]
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=397))
            .add_extension(x509.SubjectAlternativeName(san), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(key, hashes.SHA256()))
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                   serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path, True
