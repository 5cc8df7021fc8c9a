"""Structured logs (one JSON object a line) that never carry personal data.

Call sites log events with ids and codes, never message text or caller
fields.  As a second line of defence a filter masks anything shaped like an
ID card number, a disability certificate number or a phone number in the
final record.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Mapping
from typing import Any

from gateway.domain import privacy

_STD = set(vars(logging.LogRecord("x", 0, "x", 0, "x", None, None))) | {"message", "asctime"}


#: ``token=...``, ``api_key=...`` and their kin in URLs and text; ``Bearer ...`` in headers.
_SECRET_PARAM = re.compile(r"(?i)((?:access_|api_|seat_|caller_)?(?:token|key|apikey|password|passwd|secret|"
                           r"credential|signature|sig)=)([^&\s\"'<>;,]+)")
_BEARER = re.compile(r"(?i)(\b(?:bearer|basic)\s+)[A-Za-z0-9._~+/=\-]{6,}")


def redact(text: str) -> str:
    """Mask personal numbers (privacy.redact) and secrets (tokens, keys, passwords) in log text."""
    return _BEARER.sub(r"\1***", _SECRET_PARAM.sub(r"\1***", privacy.redact(text)))


class ParseErrorFilter(logging.Filter):
    """aiohttp logs every request it cannot parse (a line too long, a bad header byte) at ERROR
    with a traceback that quotes the raw request line, query string and tokens included.  Those
    are the client's mistakes, answered with a 400: one WARNING line with the error's type."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name == "aiohttp.server" and record.exc_info and record.exc_info[1] is not None:
            from aiohttp.http_exceptions import HttpProcessingError
            exc = record.exc_info[1]
            if isinstance(exc, HttpProcessingError) and 400 <= (exc.code or 400) < 500:
                record.levelno, record.levelname = logging.WARNING, "WARNING"
                record.msg, record.args = "refused a malformed request (%s, %s)", (type(exc).__name__, exc.code)
                record.exc_info = record.exc_text = None
                record.event = "bad_request_line"
        return True


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        # Redact the final message rather than the pieces: args may be a mapping
        # (``log.info("%(phone)s", {...})``) or non-strings (ints, dicts, exceptions)
        # whose text still carries a number.
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: let the handler report it, but redact what we can
            if isinstance(record.msg, str):
                record.msg = redact(record.msg)
            if isinstance(record.args, Mapping):
                record.args = _redact_value(dict(record.args))
            elif isinstance(record.args, tuple):
                record.args = tuple(_redact_value(a) for a in record.args)
        else:
            record.msg = redact(message)
            record.args = None
        for key, value in list(vars(record).items()):
            if key not in _STD and not key.startswith("_"):
                setattr(record, key, _redact_value(value))
        return True


def _redact_value(value: Any) -> Any:
    """Redact strings, and strings inside dicts, lists and tuples; other objects by their text."""
    if isinstance(value, str):
        return redact(value)
    if value is None or isinstance(value, (bool, float)):
        return value
    if isinstance(value, int):
        # A mobile or ID number stored as an int has 11+ digits; shorter ints are counts and ids.
        if abs(value) < 10**10:
            return value
    if isinstance(value, Mapping):
        return {(_redact_value(k) if isinstance(k, str) else k): _redact_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_redact_value(v) for v in value]
    text = str(value)
    masked = redact(text)
    return value if masked == text else masked


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}",
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STD and not key.startswith("_"):
                out[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            out["exc_type"] = record.exc_info[0].__name__
            out["exc"] = redact(self.formatException(record.exc_info))
        return json.dumps(out, ensure_ascii=False, default=str)


class RedactingTextFormatter(logging.Formatter):
    """The plain-text format; tracebacks are redacted too, as in the JSON format."""

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


def setup_logging(level: str = "INFO", fmt: str = "json", stream: Any = None) -> None:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.addFilter(ParseErrorFilter())
    handler.addFilter(RedactingFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json"
                         else RedactingTextFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    root = logging.getLogger()
    for h in list(root.handlers):
        root.removeHandler(h)
    root.addHandler(handler)
    root.setLevel(level.upper())
    # aiohttp's access log prints query strings, which carry tokens: keep it off.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    # Argos logs every cache lookup at INFO; keep its warnings only.
    logging.getLogger("argostranslate").setLevel(logging.WARNING)
    logging.getLogger("argostranslate.utils").setLevel(logging.WARNING)
    # aioice logs every ICE candidate pair check at INFO (and the pairs carry IP addresses).
    logging.getLogger("aioice").setLevel(logging.WARNING)
