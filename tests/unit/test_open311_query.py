"""GET Service Requests filters: defaults, the 90-day window, lists and limits."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from multidict import MultiDict

from miniapp_api.open311 import InvalidParameters, RequestQuery, parse_query

SHANGHAI = timezone(timedelta(hours=8))
NOW = datetime(2026, 11, 28, 12, 0, tzinfo=SHANGHAI)


def rejects(params: Any, fragment: str) -> list[str]:
    with pytest.raises(InvalidParameters) as info:
        parse_query(params, now=NOW)
    found = [str(e["description"]) for e in info.value.to_body()]
    assert any(fragment in d for d in found), found
    return found


def test_defaults_are_the_last_90_days_and_1000_results() -> None:
    q = parse_query({}, now=NOW)
    assert q == RequestQuery(start_date=NOW - timedelta(days=90), end_date=NOW)
    assert q.limit == 1000 and q.statuses == () and q.service_codes == ()
    assert q.end_date is not None and q.end_date.utcoffset() == timedelta(hours=8)


def test_now_in_utc_gives_the_same_instants() -> None:
    q = parse_query({}, now=NOW.astimezone(timezone.utc))
    assert q.end_date == NOW and q.end_date is not None and q.end_date.utcoffset() == timedelta(hours=8)


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        parse_query({}, now=datetime(2026, 1, 1))


def test_explicit_window_with_offsets_and_z() -> None:
    q = parse_query({"start_date": "2026-10-01T00:00:00Z", "end_date": "2026-11-01T00:00:00+08:00"}, now=NOW)
    assert q.start_date == datetime(2026, 10, 1, 8, 0, tzinfo=SHANGHAI)
    assert q.end_date == datetime(2026, 11, 1, tzinfo=SHANGHAI)


def test_naive_dates_are_shanghai_time() -> None:
    q = parse_query({"start_date": "2026-10-01T09:30:00", "end_date": "2026-10-02"}, now=NOW)
    assert q.start_date == datetime(2026, 10, 1, 9, 30, tzinfo=SHANGHAI)
    assert q.end_date == datetime(2026, 10, 2, tzinfo=SHANGHAI)


def test_one_date_sets_the_other_90_days_away() -> None:
    start = datetime(2026, 1, 1, tzinfo=SHANGHAI)
    q = parse_query({"start_date": "2026-01-01T00:00:00+08:00"}, now=NOW)
    assert (q.start_date, q.end_date) == (start, start + timedelta(days=90))
    q = parse_query({"end_date": "2026-01-01T00:00:00+08:00"}, now=NOW)
    assert (q.start_date, q.end_date) == (start - timedelta(days=90), start)


def test_exactly_90_days_is_allowed_and_a_second_more_is_not() -> None:
    parse_query({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-04-01T00:00:00Z"}, now=NOW)
    rejects({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-04-01T00:00:01Z"}, "at most 90 days")


def test_end_before_start() -> None:
    rejects({"start_date": "2026-02-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, "before start_date")


@pytest.mark.parametrize("bad", ["yesterday", "2026-13-01", "2026-02-30T00:00:00Z", "01/02/2026",
                                 "2026-01-01T25:00:00Z", "0001-01-01T00:00:00+00:00", "２０２６-01-01"])
def test_bad_date_strings(bad: str) -> None:
    rejects({"start_date": bad}, "start_date")


def test_repeated_date_is_rejected() -> None:
    rejects(MultiDict([("end_date", "2026-01-01"), ("end_date", "2026-01-02")]), "end_date takes one")


def test_ids_comma_separated_override_everything_else() -> None:
    q = parse_query({"service_request_id": "20261128000123, 20261128000124,,20261128000123",
                     "status": "bogus", "start_date": "nonsense"}, now=NOW)
    assert q.service_request_ids == ("20261128000123", "20261128000124")
    assert q.start_date is None and q.end_date is None and q.statuses == () and q.limit == 1000


def test_100_ids_pass_and_101_fail() -> None:
    ids = [f"2026112800{i:04d}" for i in range(101)]
    assert len(parse_query({"service_request_id": ",".join(ids[:100])}, now=NOW).service_request_ids) == 100
    rejects({"service_request_id": ",".join(ids)}, "more than 100")


def test_malformed_id() -> None:
    rejects({"service_request_id": "1,<script>"}, "not a valid id")


def test_service_codes_and_statuses_comma_or_repeated() -> None:
    params = MultiDict([("service_code", "police,HOUSING"), ("service_code", "POLICE"),
                        ("status", "Closed"), ("status", "open,closed")])
    q = parse_query(params, now=NOW)
    assert q.service_codes == ("POLICE", "HOUSING")
    assert q.statuses == ("open", "closed")


def test_unknown_code_and_status_are_both_reported() -> None:
    found = rejects({"service_code": "POLICE,POTHOLE", "status": "pending"}, "'POTHOLE' was not found")
    assert any("status 'pending'" in d for d in found)
