"""Errors that reach a client carry a machine-readable code, an HTTP status and one sentence.

Domain code raises these; the HTTP and WebSocket edges turn them into
``{"error": {"code": ..., "message": ...}}`` bodies.  Nothing here does I/O.
"""

from __future__ import annotations


class GatewayError(Exception):
    """Base class: ``code`` is stable and machine-readable, ``message`` is for people."""

    code: str = "bad_request"
    status: int = 400

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None,
                 field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field          # the request field at fault, when there is one
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status

    def to_dict(self) -> dict[str, dict[str, str]]:
        body = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        return {"error": body}


class InvalidField(GatewayError):
    code = "invalid_field"
    status = 422


class BadJson(GatewayError):
    code = "bad_json"
    status = 400


class PayloadTooLarge(GatewayError):
    code = "payload_too_large"
    status = 413


class UnknownLanguage(GatewayError):
    code = "unknown_language"
    status = 400


class UnknownChannel(GatewayError):
    code = "unknown_channel"
    status = 400


class NotFound(GatewayError):
    code = "not_found"
    status = 404


class UnknownSession(NotFound):
    code = "unknown_session"


class Unauthorized(GatewayError):
    code = "unauthorized"
    status = 401


class BadToken(Unauthorized):
    code = "bad_token"


class Forbidden(GatewayError):
    code = "forbidden"
    status = 403


class IllegalTransition(GatewayError):
    code = "illegal_transition"
    status = 409


class Conflict(GatewayError):
    code = "conflict"
    status = 409


class PreconditionFailed(GatewayError):
    """A conditional change (``If-Match``) named a version that is no longer the stored one.

    Nothing was changed.  ``current_version`` is the version now stored, so a client can fetch
    it, show the person what changed, and let them reapply their edit."""

    code = "precondition_failed"
    status = 412

    def __init__(self, message: str, *, current_version: int | None = None, **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.current_version = current_version
        self.current: dict[str, object] | None = None   # the record as it is now, as the client may see it

    def to_dict(self) -> dict[str, dict[str, object]]:  # type: ignore[override]
        body: dict[str, dict[str, object]] = super().to_dict()  # type: ignore[assignment]
        if self.current_version is not None:
            body["error"]["current_version"] = self.current_version
        if self.current is not None:
            body["current"] = self.current
        return body


class NoRoute(GatewayError):
    code = "no_route"
    status = 400


class UnsupportedMediaType(GatewayError):
    """The body's ``Content-Type`` is not one this endpoint reads (a JSON endpoint sent a form)."""

    code = "unsupported_media_type"
    status = 415
