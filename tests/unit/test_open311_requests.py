"""POST Service Request parsing: happy paths, every rule, and error collection."""

from __future__ import annotations

from typing import Any

import pytest
from multidict import MultiDict

from miniapp_api.open311 import (
    JURISDICTION,
    SHANGHAI_BBOX,
    InvalidApiKey,
    InvalidParameters,
    MissingApiKey,
    NewRequest,
    Open311Error,
    ServiceNotFound,
    parse_new_request,
)

PEOPLES_SQUARE = {"lat": "31.2304", "long": "121.4737"}


def form(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"api_key": "key-123", "service_code": "HOUSING",
                            "description": "The lift in our building has been broken for a week.",
                            **PEOPLES_SQUARE}
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def descriptions(exc: pytest.ExceptionInfo[Open311Error]) -> list[str]:
    return [str(e["description"]) for e in exc.value.to_body()]


def rejects(data: dict[str, Any], fragment: str, **kw: Any) -> list[str]:
    with pytest.raises(InvalidParameters) as info:
        parse_new_request(data, **kw)
    assert info.value.status == 400
    found = descriptions(info)
    assert any(fragment in d for d in found), found
    return found


def test_lat_long_happy_path() -> None:
    req = parse_new_request(form(phone="138 1234 5678", email=" a.b@example.cn ", first_name=" Li ",
                                 media_url="https://img.example.cn/a.jpg", jurisdiction_id=JURISDICTION))
    assert isinstance(req, NewRequest)
    assert (req.lat, req.long) == (31.2304, 121.4737)
    assert req.service_code == "HOUSING" and req.api_key == "key-123"
    assert req.phone == "+8613812345678" and req.email == "a.b@example.cn" and req.first_name == "Li"
    assert req.media_url == "https://img.example.cn/a.jpg"
    assert req.jurisdiction_id == JURISDICTION and req.attributes == {}
    assert req.address_string is None and req.last_name is None


def test_address_string_alone_is_a_location() -> None:
    req = parse_new_request(form(lat=None, long=None, address_string=" 人民大道200号 "))
    assert req.lat is None and req.long is None and req.address_string == "人民大道200号"


def test_address_id_alone_is_a_location() -> None:
    assert parse_new_request(form(lat=None, long=None, address_id="A-17")).address_id == "A-17"


def test_attributes_single_and_multi_values_from_a_multidict() -> None:
    data = MultiDict(form())
    data.add("attribute[request_type]", "complaint")
    data.add("attribute[district]", "PUDONG")
    data.add("attribute[accessibility_needs][]", "sign_language")
    data.add("attribute[accessibility_needs][]", "TEXT_ONLY")
    data.add("attribute[accessibility_needs][]", "sign_language")
    data.add("unknown_field", "ignored")
    req = parse_new_request(data)
    assert req.attributes == {"request_type": "COMPLAINT", "district": "pudong",
                              "accessibility_needs": ["sign_language", "text_only"]}


def test_multi_attribute_from_a_plain_dict_with_a_list_value() -> None:
    req = parse_new_request(form(**{"attribute[accessibility_needs][]": ["captions", "easy_read"],
                                    "attribute[consent_share_location]": "yes"}))
    assert req.attributes["accessibility_needs"] == ["captions", "easy_read"]
    assert req.attributes["consent_share_location"] == "yes"


def test_a_phone_in_international_e164_form_is_accepted() -> None:
    assert parse_new_request(form(phone="+44 20 7946 0958")).phone == "+442079460958"


@pytest.mark.parametrize("value", [None, "", "   "])
def test_missing_api_key_is_403_before_anything_else(value: str | None) -> None:
    with pytest.raises(MissingApiKey) as info:
        parse_new_request(form(api_key=value, service_code="NOPE", description=""))
    assert info.value.status == 403 and info.value.to_body()[0]["code"] == 403


@pytest.mark.parametrize("value", ["has space", "x" * 300, ["a", "b"]])
def test_malformed_api_key_is_403(value: Any) -> None:
    with pytest.raises(InvalidApiKey):
        parse_new_request(form(api_key=value))


def test_unknown_service_code_is_404_before_the_400s() -> None:
    with pytest.raises(ServiceNotFound) as info:
        parse_new_request(form(service_code="POTHOLE", description="", lat="99"))
    assert info.value.status == 404


def test_missing_service_code_is_collected_as_a_400() -> None:
    found = rejects(form(service_code=None, description=""), "service_code is required")
    assert "description is required" in found


def test_lat_outside_shanghai() -> None:
    rejects(form(lat="39.9042", long="116.4074"), "outside Shanghai")   # Beijing


def test_bbox_is_only_for_shanghai() -> None:
    req = parse_new_request(form(lat="39.9042", long="116.4074"), jurisdiction="testville")
    assert req.lat == 39.9042 and req.jurisdiction_id == "testville"
    rejects(form(lat="91", long="0"), "lat must be between -90 and 90", jurisdiction="testville")


def test_bbox_contains_chongming_and_the_south_coast() -> None:
    assert SHANGHAI_BBOX.contains(31.62, 121.40)   # Chongming island
    assert SHANGHAI_BBOX.contains(30.72, 121.34)   # Jinshan
    assert not SHANGHAI_BBOX.contains(32.06, 118.80)   # Nanjing


@pytest.mark.parametrize(("lat", "long"), [("31.23", None), (None, "121.47"), ("31.23", "  ")])
def test_lat_without_long_and_the_reverse(lat: str | None, long: str | None) -> None:
    rejects(form(lat=lat, long=long, address_string="somewhere"), "lat and long must be given together")


@pytest.mark.parametrize("bad", ["NaN", "nan", "inf", "-Infinity", "abc", "1e999", "31,2", "３１.２",
                                 "0x1f", "1_0", ""])
def test_bad_coordinates(bad: str) -> None:
    found = rejects(form(lat=bad), "lat")
    assert not any("outside Shanghai" in d for d in found)


def test_no_location_at_all() -> None:
    rejects(form(lat=None, long=None), "a location is required")


@pytest.mark.parametrize("description", [None, "", " \n\t "])
def test_description_is_required(description: str | None) -> None:
    rejects(form(description=description), "description is required")


def test_description_length_limit_and_override() -> None:
    assert len(parse_new_request(form(description="x" * 4000)).description) == 4000
    rejects(form(description="x" * 4001), "longer than 4000")
    rejects(form(description="x" * 11), "longer than 10", max_description=10)


def test_description_with_control_characters() -> None:
    rejects(form(description="ok\x00bad"), "control characters")


@pytest.mark.parametrize("email", ["nobody", "a@b", "a b@example.cn", "@example.cn",
                                   "x@" + "a" * 250 + ".cn", "a@-bad-.cn"])
def test_bad_email(email: str) -> None:
    rejects(form(email=email), "email")


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://example.cn/a.jpg", "data:image/png;base64,AA",
                                 "https://", "http://exa mple.cn/", "http://[::1", "//example.cn/a.jpg",
                                 "https://example.cn:99999/", "https://example.cn/" + "a" * 2000])
def test_bad_media_url(url: str) -> None:
    rejects(form(media_url=url), "media_url")


def test_bad_phone_and_long_names() -> None:
    found = rejects(form(phone="12345", first_name="x" * 101), "phone")
    assert any("first_name is longer than 100" in d for d in found)


def test_attribute_value_not_in_the_list() -> None:
    found = rejects(form(**{"attribute[request_type]": "CHITCHAT"}), "attribute[request_type]")
    assert any("CONSULTATION" in d for d in found)


def test_undefined_attribute_and_two_values_for_a_single_list() -> None:
    found = rejects(form(**{"attribute[colour]": "red", "attribute[district][]": ["xuhui", "putuo"]}),
                    "attribute[colour] is not defined")
    assert any("attribute[district] takes one value" in d for d in found)


def test_unknown_multi_value_is_rejected() -> None:
    rejects(form(**{"attribute[accessibility_needs][]": ["captions", "telepathy"]}), "'telepathy'")


def test_wrong_jurisdiction_and_repeated_field() -> None:
    found = rejects(form(jurisdiction_id="beijing.gov.cn", description=["a", "b"]), "jurisdiction_id")
    assert "description was given more than once" in found


def test_all_errors_are_collected_in_one_400() -> None:
    with pytest.raises(InvalidParameters) as info:
        parse_new_request(form(lat="abc", description=" ", email="bad", media_url="javascript:x",
                               phone="1", last_name="y" * 101,
                               **{"attribute[district]": "atlantis"}))
    found = descriptions(info)
    assert len(found) == 7, found
    assert all(e["code"] == 400 for e in info.value.to_body())
    for fragment in ("lat", "description", "email", "media_url", "phone", "last_name", "attribute[district]"):
        assert any(d.startswith(fragment) for d in found), fragment


def test_errors_do_not_echo_personal_data() -> None:
    with pytest.raises(InvalidParameters) as info:
        parse_new_request(form(email="secret-person@@x", phone="999secret"))
    assert "secret" not in info.value.message
