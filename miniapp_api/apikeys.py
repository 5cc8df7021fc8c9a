"""API keys for self-service clients (the mini program, civic apps speaking Open311).

A key is 32 random bytes, URL-safe, prefixed ``h12345_`` so that a leaked key is easy to
recognise in logs and by secret scanners.  Only its SHA-256 is stored: a key is high-entropy,
so a fast hash is enough (unlike passwords), and lookups stay one indexed query.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid

from gateway.storage.records import ApiKeyRecord

PREFIX = "h12345_"


def new_key() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def looks_like_key(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX) and 20 <= len(value) <= 100


def new_record(name: str, now: float) -> ApiKeyRecord:
    name = name.strip()
    if not 1 <= len(name) <= 80:
        raise ValueError("a client name has 1 to 80 characters")
    return ApiKeyRecord(id=uuid.uuid4().hex, name=name, created_at=now)
