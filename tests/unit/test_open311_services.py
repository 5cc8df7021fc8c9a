"""GET Service List and GET Service Definition built from the catalog."""

from __future__ import annotations

import json

import pytest

from gateway.domain import catalog
from miniapp_api.open311 import InvalidParameters, ServiceNotFound, service_definition, service_list
from miniapp_api.open311.services import GROUPS

SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
ATTRIBUTE_FIELDS = {"variable", "code", "datatype", "required", "datatype_description", "order",
                    "description", "values"}
DATATYPES = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}


def test_one_service_per_department_in_catalog_order() -> None:
    services = service_list()
    assert [s["service_code"] for s in services] == [d.code for d in catalog.departments()]


def test_services_have_exactly_the_spec_fields_and_values() -> None:
    departments = {d.code: d for d in catalog.departments()}
    for service in service_list():
        assert set(service) == SERVICE_FIELDS
        dept = departments[service["service_code"]]
        assert service["service_name"] == dept.en
        assert service["metadata"] is True and service["type"] == "batch"
        assert service["keywords"].split(",") == list(dept.handles)
        assert all(h in service["description"] for h in dept.handles)
        assert service["group"] in {en for en, _ in GROUPS.values()}


def test_groups_are_derived_and_the_fallback_is_general() -> None:
    by_code = {s["service_code"]: s["group"] for s in service_list()}
    assert by_code["DISTRICT"] == "General"
    assert by_code["POLICE"] == by_code["EXIT_ENTRY"] != "General"
    assert len(set(by_code.values())) >= 4


def test_service_list_is_stable_and_json_serialisable() -> None:
    assert service_list() == service_list()
    assert json.loads(json.dumps(service_list("zh"), ensure_ascii=False)) == service_list("zh")


@pytest.mark.parametrize("lang", ["zh", "zh-CN", "ZH_hans"])
def test_chinese_names(lang: str) -> None:
    zh = {s["service_code"]: s for s in service_list(lang)}
    for dept in catalog.departments():
        assert zh[dept.code]["service_name"] == dept.zh
    assert zh["DISTRICT"]["group"] == "综合"


def test_unknown_language_is_a_400() -> None:
    with pytest.raises(InvalidParameters) as info:
        service_list("fr")
    assert info.value.status == 400


def _attrs(code: str = "POLICE", lang: str = "en") -> dict[str, dict]:
    return {a["code"]: a for a in service_definition(code, lang)["attributes"]}


def test_definition_attributes_have_the_spec_fields() -> None:
    definition = service_definition("HOUSING")
    assert set(definition) == {"service_code", "attributes"}
    assert definition["service_code"] == "HOUSING"
    orders = [a["order"] for a in definition["attributes"]]
    assert orders == list(range(1, len(orders) + 1))
    for attribute in definition["attributes"]:
        assert set(attribute) == ATTRIBUTE_FIELDS
        assert attribute["datatype"] in DATATYPES
        assert attribute["variable"] is True and attribute["required"] is False
        assert all(set(v) == {"key", "name"} and v["name"] for v in attribute["values"])


def test_definition_lists_every_category_and_district() -> None:
    attrs = _attrs()
    assert attrs["request_type"]["datatype"] == "singlevaluelist"
    assert [v["key"] for v in attrs["request_type"]["values"]] == [c.code for c in catalog.categories()]
    assert [v["key"] for v in attrs["district"]["values"]] == [d.code for d in catalog.districts()]
    assert [v["key"] for v in attrs["consent_share_location"]["values"]] == ["yes", "no"]
    assert attrs["accessibility_needs"]["datatype"] == "multivaluelist"


def test_definition_names_follow_the_language() -> None:
    en, zh = _attrs(lang="en"), _attrs(lang="zh")
    assert [v["name"] for v in zh["district"]["values"]] == [d.zh for d in catalog.districts()]
    assert [v["name"] for v in en["request_type"]["values"]] == [c.en for c in catalog.categories()]
    assert [v["key"] for v in zh["request_type"]["values"]] == [v["key"] for v in en["request_type"]["values"]]


def test_definition_code_is_case_insensitive_and_canonicalised() -> None:
    assert service_definition(" police ")["service_code"] == "POLICE"


@pytest.mark.parametrize("code", ["POTHOLE", "POLICE2", "不存在"])
def test_unknown_service_code_is_404(code: str) -> None:
    with pytest.raises(ServiceNotFound) as info:
        service_definition(code)
    assert info.value.status == 404
    assert info.value.to_body()[0]["code"] == 404


def test_blank_service_code_is_400() -> None:
    with pytest.raises(InvalidParameters):
        service_definition("  ")
