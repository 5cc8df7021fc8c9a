"""XML rendering: well-formed, the spec's element names, parseable back, escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from gateway.domain import catalog
from miniapp_api.open311 import InvalidParameters, request_json, service_definition, service_list, to_xml


def parse(body: bytes) -> ET.Element:
    assert body.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(body)


def test_services_xml_round_trips() -> None:
    services = service_list("zh")
    root = parse(to_xml("services", services))
    assert root.tag == "services"
    items = root.findall("service")
    assert len(items) == len(catalog.departments())
    for element, service in zip(items, services):
        assert element.findtext("service_code") == service["service_code"]
        assert element.findtext("service_name") == service["service_name"]
        assert element.findtext("metadata") == "true"
        assert element.findtext("keywords") == service["keywords"]


def test_service_definition_xml_structure() -> None:
    root = parse(to_xml("service_definition", service_definition("POLICE")))
    assert root.tag == "service_definition" and root.findtext("service_code") == "POLICE"
    attributes = root.findall("attributes/attribute")
    assert [a.findtext("code") for a in attributes] == [
        "request_type", "district", "consent_share_location", "accessibility_needs"]
    districts = attributes[1].findall("values/value")
    assert [v.findtext("key") for v in districts] == [d.code for d in catalog.districts()]
    assert districts[3].findtext("name") == "Jing'an"
    assert attributes[0].findtext("required") == "false"
    empty = attributes[0].find("datatype_description")
    assert empty is not None and empty.text is None and len(empty) == 0   # null -> empty element


def test_service_requests_xml_and_escaping() -> None:
    nasty = "a < b && c > d </description><x>\"'"
    rec = request_json({"service_request_id": "1", "status": "closed", "description": nasty,
                        "address": "人民大道 200 号", "requested_datetime": 0.0, "lat": 31.25})
    body = to_xml("service_requests", [rec])
    assert b"&lt;/description&gt;" in body and b"&amp;&amp;" in body
    request = parse(body).find("request")
    assert request is not None
    assert request.findtext("description") == nasty
    assert request.findtext("address") == "人民大道 200 号"
    assert request.findtext("status") == "closed"
    assert request.findtext("lat") == "31.25"
    assert request.findtext("requested_datetime") == "1970-01-01T08:00:00+08:00"
    media = request.find("media_url")
    assert media is not None and media.text is None


def test_errors_xml_from_an_error_body() -> None:
    err = InvalidParameters([(400, "lat must be a decimal number"), (400, "x < y & z")])
    root = parse(to_xml("errors", err.to_body()))
    assert root.tag == "errors"
    assert [(e.findtext("code"), e.findtext("description")) for e in root.findall("error")] == [
        ("400", "lat must be a decimal number"), ("400", "x < y & z")]


def test_characters_xml_cannot_carry_are_replaced_and_newlines_normalised() -> None:
    body = to_xml("errors", [{"code": 400, "description": "a\x00b\x1bc\r\nd\re\ud800"}])
    assert parse(body).findtext("error/description") == "a\ufffdb\ufffdc\nd\ne\ufffd"


def test_unknown_kind_and_bad_element_names() -> None:
    with pytest.raises(ValueError):
        to_xml("tickets", [])
    with pytest.raises(ValueError):
        to_xml("services", [{"bad name": 1}])
    with pytest.raises(TypeError):
        to_xml("services", [{"x": object()}])


def test_empty_list_is_an_empty_root() -> None:
    assert parse(to_xml("service_requests", [])).tag == "service_requests"
