"""Open311 GeoReport v2 errors.

GeoReport v2, "Errors" (https://wiki.open311.org/GeoReport_v2#errors): an error response is a
list of ``{"code": <number>, "description": <text>}`` objects (XML: ``<errors><error><code/>
<description/></error></errors>``).  ``code`` is numeric and by convention the HTTP status;
one response may carry several errors, so a form with three bad fields gets three entries.

Descriptions name the field and the rule that failed.  They never echo personal data (email,
phone, names); codes and ids that the client sent are echoed, cut to 40 characters.
"""

from __future__ import annotations

from collections.abc import Iterable

from gateway.errors import GatewayError

MAX_SHOWN = 40


def shown(value: str) -> str:
    """A client-sent code or id, quoted and cut for an error description."""
    text = value if len(value) <= MAX_SHOWN else value[:MAX_SHOWN] + "..."
    return f"'{text}'"


class Open311Error(GatewayError):
    """One or more GeoReport v2 errors with a single HTTP status.

    ``errors`` is a description (one error whose code is the status) or ``(code, description)``
    pairs.  ``self.errors`` keeps the pairs; :meth:`to_body` renders the spec's error list.
    """

    code = "open311_error"
    status = 400
    default_description = "the request could not be processed"

    def __init__(self, errors: str | Iterable[tuple[int, str]] | None = None, *,
                 status: int | None = None, field: str | None = None) -> None:
        http_status = status if status is not None else type(self).status
        if errors is None:
            errors = self.default_description
        pairs = ([(http_status, errors)] if isinstance(errors, str)
                 else [(int(c), str(d)) for c, d in errors])
        if not pairs:
            raise ValueError("an Open311Error needs at least one error")
        super().__init__("; ".join(d for _, d in pairs), status=status, field=field)
        self.errors: tuple[tuple[int, str], ...] = tuple(pairs)

    def to_body(self) -> list[dict[str, int | str]]:
        """The spec's JSON error body: ``[{"code": 400, "description": "..."}]``."""
        return [{"code": c, "description": d} for c, d in self.errors]


class InvalidParameters(Open311Error):
    """400: a parameter is missing or malformed (the spec's 400 for POST and GET requests)."""

    code = "invalid_parameters"
    status = 400


class MissingApiKey(Open311Error):
    """403: POST service request without ``api_key`` (the spec answers 403 for api_key problems)."""

    code = "missing_api_key"
    status = 403
    default_description = "api_key is required to submit a service request"


class InvalidApiKey(Open311Error):
    """403: ``api_key`` is malformed or not recognised."""

    code = "invalid_api_key"
    status = 403
    default_description = "api_key is not valid"


class ServiceNotFound(Open311Error):
    """404: no service with this ``service_code``."""

    code = "service_not_found"
    status = 404

    def __init__(self, service_code: str) -> None:
        super().__init__(f"service_code {shown(service_code)} was not found", field="service_code")


class RequestNotFound(Open311Error):
    """404: no service request (or token) with this id."""

    code = "request_not_found"
    status = 404

    def __init__(self, service_request_id: str, *, what: str = "service_request_id") -> None:
        super().__init__(f"{what} {shown(service_request_id)} was not found", field=what)


class RequestTooLarge(Open311Error):
    """413: the request body is larger than the server accepts."""

    code = "payload_too_large"
    status = 413
    default_description = "the request body is too large"


class IdempotencyMismatch(Open311Error):
    """409: an idempotency key was reused with a different request body."""

    code = "idempotency_mismatch"
    status = 409
    default_description = "this idempotency key was already used with a different request"


class RateLimited(Open311Error):
    """429: too many requests; ``retry_after`` (seconds) is for the Retry-After header."""

    code = "rate_limited"
    status = 429
    default_description = "too many requests; try again later"

    def __init__(self, errors: str | None = None, *, retry_after: int | None = None) -> None:
        super().__init__(errors)
        self.retry_after = retry_after
