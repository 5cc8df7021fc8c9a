"""attribute[...] fields checked against a service definition, for every spec datatype."""

from __future__ import annotations

from typing import Any

import pytest

from miniapp_api.open311 import InvalidParameters, parse_new_request, validate_attributes

DEFINITION: list[dict[str, Any]] = [
    {"variable": True, "code": "count", "datatype": "number", "required": True, "order": 1},
    {"variable": True, "code": "seen_at", "datatype": "datetime", "required": False, "order": 2},
    {"variable": True, "code": "plate", "datatype": "string", "required": False, "order": 3},
    {"variable": True, "code": "notes", "datatype": "text", "required": False, "order": 4},
    {"variable": False, "code": "info", "datatype": "string", "required": False, "order": 5},
    {"variable": True, "code": "colour", "datatype": "singlevaluelist", "required": False, "order": 6,
     "values": [{"key": "Red", "name": "red"}, {"key": "blue", "name": "blue"}]},
]


def check(**form: list[object]) -> tuple[dict[str, Any], list[str]]:
    return validate_attributes(DEFINITION, {f"attribute[{k}]": v for k, v in form.items()})


def test_every_datatype_is_normalised() -> None:
    values, errors = check(count=[" 3 "], seen_at=["2026-11-28T09:30:00"], plate=[" 沪A12345 "],
                           notes=["line 1\nline 2"], colour=["red"])
    assert errors == []
    assert values == {"count": "3.0", "seen_at": "2026-11-28T09:30:00+08:00", "plate": "沪A12345",
                      "notes": "line 1\nline 2", "colour": "Red"}


def test_required_missing_and_blank_values() -> None:
    values, errors = check(count=["  "])
    assert values == {} and errors == ["attribute[count] is required"]


@pytest.mark.parametrize(("form", "fragment"), [
    ({"count": ["three"]}, "attribute[count] must be a decimal number"),
    ({"count": ["1e999"]}, "attribute[count] must be a finite number"),
    ({"count": ["NaN"]}, "attribute[count] must be a decimal number"),
    ({"count": ["1"], "seen_at": ["soon"]}, "attribute[seen_at] must be an ISO 8601"),
    ({"count": ["1"], "plate": ["x" * 501]}, "attribute[plate] is longer than 500"),
    ({"count": ["1"], "notes": ["x" * 4001]}, "attribute[notes] is longer than 4000"),
    ({"count": ["1", "2"]}, "attribute[count] takes one value"),
    ({"count": ["1"], "info": ["x"]}, "attribute[info] is not defined"),      # variable=false
    ({"count": ["1"], "colour": [b"red"]}, "attribute[colour] must be text"),
])
def test_bad_values(form: dict[str, list[object]], fragment: str) -> None:
    _, errors = check(**form)
    assert any(fragment in e for e in errors), errors


def test_non_text_form_values_are_400_not_crashes() -> None:
    form = {"api_key": "k", "service_code": "POLICE", "address_string": object(), "description": "x"}
    with pytest.raises(InvalidParameters) as info:
        parse_new_request(form)
    assert "address_string must be text" in info.value.message


@pytest.mark.parametrize("given", ["shanghai", "SHANGHAI.gov.cn", ""])
def test_jurisdiction_id_spellings_of_shanghai(given: str) -> None:
    req = parse_new_request({"api_key": "k", "service_code": "POLICE", "address_string": "x",
                             "description": "x", "jurisdiction_id": given})
    assert req.jurisdiction_id == "shanghai.gov.cn"
