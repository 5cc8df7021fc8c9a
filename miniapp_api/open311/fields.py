"""Validators for single GeoReport v2 form values.

Each returns the normalised value or raises :class:`FieldError` with one sentence that names the
field and the rule, never the value; the parsers collect these into one
:class:`~miniapp_api.open311.errors.Open311Error`.
"""

from __future__ import annotations

import math
import re
from datetime import datetime
from urllib.parse import urlsplit

from gateway.domain.deadlines import SHANGHAI

#: C0 controls other than tab/LF/CR, DEL, surrogates and the two non-characters XML 1.0 forbids.
BAD_CHARS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]{1,4})?")
# The WHATWG HTML "valid e-mail address" syntax (ASCII only).
_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+")
_SPACE = re.compile(r"\s")
MAX_EMAIL = 254          # RFC 5321 path limit
MAX_EMAIL_LOCAL = 64
MAX_URL = 2000
MAX_DATETIME = 64
MIN_YEAR, MAX_YEAR = 1900, 2999


class FieldError(ValueError):
    """One field failed one rule."""


def text(name: str, value: str, limit: int, *, required: bool = False) -> str | None:
    """Stripped text without control characters, at most ``limit`` characters; blank is None."""
    stripped = value.strip()
    if not stripped:
        if required:
            raise FieldError(f"{name} is required")
        return None
    if BAD_CHARS.search(stripped):
        raise FieldError(f"{name} contains control characters")
    if len(stripped) > limit:
        raise FieldError(f"{name} is longer than {limit} characters")
    return stripped


def number(name: str, value: str) -> float:
    """A finite decimal number such as ``31.2304`` or ``-1.5e2`` (ASCII digits only)."""
    stripped = value.strip()
    if not _NUMBER.fullmatch(stripped):
        raise FieldError(f"{name} must be a decimal number")
    result = float(stripped)
    if not math.isfinite(result):
        raise FieldError(f"{name} must be a finite number")
    return result


def email(value: str) -> str | None:
    """A syntactically plausible e-mail address (WHATWG syntax), at most 254 characters."""
    stripped = value.strip()
    if not stripped:
        return None
    if len(stripped) > MAX_EMAIL:
        raise FieldError(f"email is longer than {MAX_EMAIL} characters")
    if not _EMAIL.fullmatch(stripped) or len(stripped.split("@")[0]) > MAX_EMAIL_LOCAL:
        raise FieldError("email is not a valid e-mail address")
    return stripped


def http_url(name: str, value: str) -> str | None:
    """An absolute ``http``/``https`` URL with a host, at most 2000 characters."""
    stripped = value.strip()
    if not stripped:
        return None
    if len(stripped) > MAX_URL:
        raise FieldError(f"{name} is longer than {MAX_URL} characters")
    if BAD_CHARS.search(stripped) or _SPACE.search(stripped):
        raise FieldError(f"{name} must not contain spaces or control characters")
    try:
        parts = urlsplit(stripped)
        port_ok = parts.port is None or parts.port > 0
    except ValueError:
        raise FieldError(f"{name} is not a valid URL") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise FieldError(f"{name} must be an http or https URL")
    if not parts.hostname or not port_ok:
        raise FieldError(f"{name} must name a host")
    return stripped


def w3c_datetime(name: str, value: str) -> datetime:
    """An ISO 8601 / W3C date-time; without an offset it is read as Asia/Shanghai (+08:00).

    The spec (GeoReport v2, "Date/time format") asks clients to send an offset or ``Z``;
    accepting naive values as local time is our leniency.  Years outside 1900-2999 are refused.
    """
    stripped = value.strip()
    if not stripped or len(stripped) > MAX_DATETIME or not stripped.isascii():
        raise FieldError(f"{name} must be an ISO 8601 date-time such as 2026-11-28T09:30:00+08:00")
    try:
        parsed = datetime.fromisoformat(stripped)
    except ValueError:
        raise FieldError(f"{name} must be an ISO 8601 date-time such as "
                         "2026-11-28T09:30:00+08:00") from None
    if not MIN_YEAR <= parsed.year <= MAX_YEAR:
        raise FieldError(f"{name} must be between the years {MIN_YEAR} and {MAX_YEAR}")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=SHANGHAI)
    return parsed.astimezone(SHANGHAI)
