"""Who is calling: what each channel requires before a caller is queued.

The sign-language video service is for deaf callers: the ID card number (GB 11643
checksum) and the disability certificate number (the holder's ID number plus
category and level digits) are checked before the caller is queued, and the
certificate must belong to the same person.  Only masked forms and HMAC hashes
are kept (``CallerInfo.from_raw``); the raw numbers are never stored or logged,
and error messages never repeat them.
"""

from __future__ import annotations

from typing import Any

from gateway.domain.ticket import CallerInfo
from gateway.errors import InvalidField


def _opt_str(body: dict[str, Any], key: str) -> str | None:
    value = body.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise InvalidField(f"'{key}' must be a string")
    return value


def verify_caller(channel: str, body: dict[str, Any], secret: bytes) -> CallerInfo:
    id_number = _opt_str(body, "id_number")
    cert = _opt_str(body, "disability_cert")
    if channel == "video":
        if not id_number:
            raise InvalidField("the sign-language video service needs your ID card number ('id_number')",
                               field="id_number")
        if not cert:
            raise InvalidField("the sign-language video service needs your disability certificate number "
                               "('disability_cert')", field="disability_cert")
    try:
        info = CallerInfo.from_raw(_opt_str(body, "name"), _opt_str(body, "phone"), id_number, cert, secret)
    except InvalidField as exc:   # name the field, from the message privacy.py wrote (never the number)
        if exc.field is None:
            exc.field = next((f for f in ("disability_cert", "id_number", "phone", "name") if f in exc.message), None)
        raise
    if id_number and cert and info.id_hash and info.disability_cert_hash:
        own_id = CallerInfo.from_raw(None, None, cert.strip().upper()[:18], None, secret)
        if own_id.id_hash != info.id_hash:
            raise InvalidField("the disability certificate number does not belong to the ID card number given",
                               field="disability_cert")
    return info


def consent(body: dict[str, Any]) -> bool:
    value = body.get("consent_recording", False)
    if not isinstance(value, bool):
        raise InvalidField("'consent_recording' must be true or false")
    return value
