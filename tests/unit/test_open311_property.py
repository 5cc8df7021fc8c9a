"""Property tests: arbitrary input only ever fails with Open311Error, and XML always round-trips."""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from miniapp_api.open311 import (
    SHANGHAI_BBOX,
    Open311Error,
    parse_new_request,
    parse_query,
    request_json,
    to_xml,
)
from miniapp_api.open311.xml import clean

#: XML 1.0 Char minus CR (normalised to LF by parsers) and DEL (refused as a control character).
XML_SAFE = re.compile("[\t\n\x20-\x7e\x80-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*")

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=timezone(timedelta(hours=8)))
POST_FIELDS = ["api_key", "service_code", "lat", "long", "address_string", "address_id", "description",
               "media_url", "email", "phone", "first_name", "last_name", "device_id", "account_id",
               "jurisdiction_id", "attribute[request_type]", "attribute[district]",
               "attribute[accessibility_needs][]", "attribute[colour]"]
QUERY_FIELDS = ["service_request_id", "service_code", "start_date", "end_date", "status"]
VALID = {"api_key": "k", "service_code": "POLICE", "lat": "31.2", "long": "121.5", "description": "noise"}
INTERESTING = st.sampled_from(["", " ", "nan", "inf", "1e999", "31.2", "121.5", "-0", "POLICE", "police",
                               "javascript:alert(1)", "https://x.cn/a", "http://[::1", "a@b.cn",
                               "+44 20 7946 0958", "2026-11-01T00:00:00Z", "2026-02-30", "open,closed",
                               "COMPLAINT", "pudong", "sign_language", "\x00", "<&>", "x" * 5000])
VALUES = st.one_of(st.text(), INTERESTING)
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check_request(form: dict[str, str]) -> None:
    try:
        req = parse_new_request(form)
    except Open311Error as exc:
        body = exc.to_body()
        assert body and all(e["code"] == exc.status for e in body)
        ET.fromstring(to_xml("errors", body))
        return
    assert req.description and req.description == req.description.strip()
    assert len(req.description) <= 4000
    assert (req.lat is None) == (req.long is None)
    if req.lat is not None and req.long is not None:
        assert math.isfinite(req.lat) and SHANGHAI_BBOX.contains(req.lat, req.long)
    else:
        assert req.address_string or req.address_id


@SETTINGS
@given(st.dictionaries(st.one_of(st.sampled_from(POST_FIELDS), st.text(max_size=20)), VALUES, max_size=12))
def test_arbitrary_forms_only_raise_open311_errors(form: dict[str, str]) -> None:
    _check_request(form)


@SETTINGS
@given(st.dictionaries(st.sampled_from(POST_FIELDS), VALUES, max_size=8))
def test_valid_forms_with_arbitrary_overrides(overrides: dict[str, str]) -> None:
    _check_request({**VALID, **overrides})


@SETTINGS
@given(st.dictionaries(st.one_of(st.sampled_from(QUERY_FIELDS), st.text(max_size=20)), VALUES, max_size=6))
def test_arbitrary_queries_only_raise_open311_errors(params: dict[str, str]) -> None:
    try:
        query = parse_query(params, now=NOW)
    except Open311Error as exc:
        assert exc.status == 400 and exc.to_body()
        return
    if query.start_date is not None and query.end_date is not None:
        assert timedelta(0) <= query.end_date - query.start_date <= timedelta(days=90)
    else:
        assert query.service_request_ids
    assert len(query.service_request_ids) <= 100 and query.limit == 1000


@SETTINGS
@given(st.text())
def test_any_text_survives_xml(text: str) -> None:
    rec = request_json({"service_request_id": "1", "status": "accepted", "description": text})
    request = ET.fromstring(to_xml("service_requests", [rec])).find("request")
    assert request is not None
    description = request.find("description")
    assert description is not None
    assert description.text == (clean(text) if text.strip() else None)
    if XML_SAFE.fullmatch(text):
        assert clean(text) == text      # nothing that XML can carry is altered
