"""The gateway's secret for hashing identifiers (HMAC), kept in a file only the gateway can read."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from gateway.errors import InvalidField


def load_or_create(path: str | Path) -> bytes:
    p = Path(path)
    if p.exists():
        data = p.read_bytes().strip()
        if len(data) < 32:
            raise InvalidField(f"the secret in {str(p)!r} is too short; delete it to make a new one")
        return data
    p.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32).encode()
    fd = os.open(p, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
    return key
