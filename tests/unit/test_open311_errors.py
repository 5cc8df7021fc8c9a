"""Open311 error objects: the spec's error list, HTTP statuses, and no echo of long input."""

from __future__ import annotations

import json

import pytest

from gateway.errors import GatewayError
from miniapp_api.open311 import (
    IdempotencyMismatch,
    InvalidApiKey,
    InvalidParameters,
    MissingApiKey,
    Open311Error,
    RateLimited,
    RequestNotFound,
    RequestTooLarge,
    ServiceNotFound,
)


def test_single_description_uses_the_status_as_numeric_code() -> None:
    err = InvalidParameters("lat must be a decimal number")
    assert err.status == 400
    assert err.to_body() == [{"code": 400, "description": "lat must be a decimal number"}]
    assert isinstance(err.to_body()[0]["code"], int)
    json.dumps(err.to_body())


def test_several_pairs_are_kept_in_order_and_joined_in_the_message() -> None:
    err = InvalidParameters([(400, "a is required"), (400, "b is too long")])
    assert [e["description"] for e in err.to_body()] == ["a is required", "b is too long"]
    assert err.message == "a is required; b is too long"


def test_status_override_applies_to_a_plain_description() -> None:
    err = Open311Error("gone", status=410)
    assert err.status == 410 and err.to_body() == [{"code": 410, "description": "gone"}]


def test_no_errors_at_all_is_refused() -> None:
    with pytest.raises(ValueError):
        Open311Error([])


@pytest.mark.parametrize(("error", "status"), [
    (MissingApiKey(), 403), (InvalidApiKey(), 403), (ServiceNotFound("X"), 404),
    (RequestNotFound("1"), 404), (RequestTooLarge(), 413), (IdempotencyMismatch(), 409),
    (RateLimited(), 429), (InvalidParameters("x"), 400)])
def test_each_error_kind_has_its_status_and_a_description(error: Open311Error, status: int) -> None:
    assert isinstance(error, GatewayError)
    assert error.status == status
    body = error.to_body()
    assert len(body) == 1 and body[0]["code"] == status and str(body[0]["description"]).strip()
    assert error.to_dict()["error"]["code"] == error.code


def test_not_found_names_the_code_but_cuts_long_input() -> None:
    err = ServiceNotFound("POTHOLE")
    assert "'POTHOLE'" in err.message and err.field == "service_code"
    long = RequestNotFound("9" * 500)
    assert len(long.message) < 100


def test_rate_limited_keeps_retry_after() -> None:
    assert RateLimited(retry_after=30).retry_after == 30
    assert RateLimited().retry_after is None
