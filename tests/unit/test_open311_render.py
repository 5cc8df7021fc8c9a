"""Service request, token and POST response bodies."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import pytest

from gateway.domain import catalog
from miniapp_api.open311 import post_response_json, request_json, status_for, token_json
from miniapp_api.open311.render import REQUEST_FIELDS

W3C = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00")
# 2026-11-28T01:30:00Z, i.e. 09:30 in Shanghai
CREATED = datetime(2026, 11, 28, 1, 30, tzinfo=timezone.utc).timestamp()


def record(**extra: object) -> dict[str, object]:
    return {"service_request_id": "20261128000123", "status": "dispatched", "service_code": "HOUSING",
            "description": "Broken lift", "requested_datetime": CREATED, **extra}


def test_status_mapping_covers_every_workflow_state() -> None:
    mapped = {s: status_for(s) for s in catalog.TICKET_STATES}
    assert mapped.pop("closed") == "closed"
    assert set(mapped.values()) == {"open"}
    assert {"accepted", "dispatched", "returned", "replied", "callback", "review"} <= set(mapped)


def test_unknown_workflow_state_is_an_error() -> None:
    with pytest.raises(ValueError):
        status_for("open")


def test_request_json_has_every_spec_field_in_order() -> None:
    out = request_json(record())
    assert tuple(out) == REQUEST_FIELDS
    assert len(REQUEST_FIELDS) == 17
    json.dumps(out)


def test_request_json_values_and_defaults() -> None:
    out = request_json(record(department="DISTRICT", updated_datetime=CREATED + 60,
                              expected_datetime=datetime(2026, 12, 5, 23, 59, 59), lat=31.2, long="121.5"))
    assert out["status"] == "open" and out["service_request_id"] == "20261128000123"
    assert out["service_name"] == "Housing and Urban-Rural Development Commission"
    assert out["agency_responsible"] == "District Government"     # the department now handling it
    assert out["status_notes"] == "Sent to the responsible department."
    assert out["requested_datetime"] == "2026-11-28T09:30:00+08:00"
    assert out["updated_datetime"] == "2026-11-28T09:31:00+08:00"
    assert out["expected_datetime"] == "2026-12-05T23:59:59+08:00"   # naive = Shanghai
    assert out["lat"] == 31.2 and out["long"] == 121.5
    assert out["address"] is None and out["media_url"] is None and out["zipcode"] is None


def test_aware_datetimes_are_shown_in_shanghai_time() -> None:
    out = request_json(record(requested_datetime=datetime(2026, 1, 1, 0, 0, tzinfo=timezone(timedelta(hours=-5)))))
    assert out["requested_datetime"] == "2026-01-01T13:00:00+08:00"
    assert W3C.fullmatch(out["requested_datetime"])


def test_given_texts_win_over_defaults_and_chinese_defaults() -> None:
    out = request_json(record(status="closed", status_notes="Fixed on 2 Dec.", agency_responsible="物业"))
    assert out["status"] == "closed" and out["status_notes"] == "Fixed on 2 Dec."
    assert out["agency_responsible"] == "物业"
    zh = request_json(record(), lang="zh")
    assert zh["service_name"] == "市住房和城乡建设管理委员会（市房屋管理局）"
    assert zh["status_notes"] == "已派发至承办部门。"


def test_missing_required_keys_fail_loudly() -> None:
    with pytest.raises(KeyError):
        request_json({"status": "accepted"})
    with pytest.raises(TypeError):
        request_json(record(requested_datetime="yesterday"))


def test_token_and_post_response_shapes() -> None:
    assert token_json("tok-1", None) == [{"service_request_id": None, "token": "tok-1"}]
    assert token_json("tok-1", "20261128000123")[0]["service_request_id"] == "20261128000123"
    body = post_response_json(token="tok-1", service_notice="Replies within 5 working days")
    assert body == [{"service_request_id": None, "token": "tok-1",
                     "service_notice": "Replies within 5 working days", "account_id": None}]
