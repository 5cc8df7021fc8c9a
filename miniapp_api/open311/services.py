"""GeoReport v2 "GET Service List" and "GET Service Definition", built from the catalog.

One Open311 service per dispatch department (``service_code`` = department code), because the
department is what a GeoReport client chooses between; the 12345 request type (诉求类型) and the
district are service-definition attributes rather than separate services.

Spec: https://wiki.open311.org/GeoReport_v2#get-service-list and #get-service-definition.
"""

from __future__ import annotations

from typing import Any

from gateway.domain import catalog
from gateway.domain.catalog import Department
from gateway.errors import InvalidField
from miniapp_api.open311.errors import InvalidParameters, ServiceNotFound

LANGS: tuple[str, ...] = ("en", "zh")
SERVICE_TYPE = "batch"   # tickets are recorded, then dispatched: POST answers with a token

#: Service groups (the spec's ``group``): key -> (English, Chinese).
GROUPS: dict[str, tuple[str, str]] = {
    "public_security": ("Public security and immigration", "公安与出入境"),
    "social": ("Education, health and social services", "教育、卫生与社会服务"),
    "economy": ("Work, business, tax and tourism", "就业、经济、税务与旅游"),
    "city": ("Housing, transport, environment and city upkeep", "住房、交通、环境与市容"),
    "general": ("General", "综合"),
}
#: Department code -> group key; departments not listed fall into "general".
DEPARTMENT_GROUPS: dict[str, str] = {
    "EXIT_ENTRY": "public_security", "POLICE": "public_security",
    "EDUCATION": "social", "HEALTH": "social", "MEDICAL_INSURANCE": "social",
    "CIVIL_AFFAIRS": "social", "DISABLED_FEDERATION": "social",
    "HR_SOCIAL_SECURITY": "economy", "SCIENCE_TECH": "economy", "MARKET_REGULATION": "economy",
    "COMMERCE": "economy", "TAX": "economy", "CULTURE_TOURISM": "economy",
    "HOUSING": "city", "TRANSPORT": "city", "ECOLOGY_ENVIRONMENT": "city", "WATER": "city",
    "GREENING_CITY_APPEARANCE": "city", "URBAN_MANAGEMENT": "city", "COMMUNICATIONS": "city",
}

#: Needs the caller may state so the reply reaches them (multivaluelist): key -> (en, zh).
ACCESSIBILITY_NEEDS: dict[str, tuple[str, str]] = {
    "sign_language": ("Sign-language interpretation (video)", "手语翻译（视频）"),
    "text_only": ("Contact me in writing only, no voice calls", "仅以文字联系，不要语音电话"),
    "captions": ("Captions in video calls", "视频通话字幕"),
    "easy_read": ("Plain, easy-to-read replies", "简明易读的答复"),
    "own_language": ("Reply in my language, not Chinese", "用我的语言答复"),
}
_YES_NO: dict[str, tuple[str, str]] = {"yes": ("Yes", "是"), "no": ("No", "否")}


def normalise_lang(lang: object) -> str:
    """``en`` or ``zh`` from a tag such as ``zh-CN``; anything else is a 400."""
    if isinstance(lang, str):
        base = lang.strip().replace("_", "-").split("-")[0].lower()
        if base in LANGS:
            return base
    raise InvalidParameters("lang must be one of: " + ", ".join(LANGS), field="lang")


def find_service(service_code: object) -> Department:
    """The department behind a ``service_code`` (case-insensitive); 404 when unknown."""
    if not isinstance(service_code, str) or not service_code.strip():
        raise InvalidParameters("service_code is required", field="service_code")
    try:
        return catalog.department(service_code)
    except InvalidField:
        raise ServiceNotFound(service_code.strip()) from None


def group_of(department_code: str, lang: str = "en") -> str:
    """The display name of a department's service group."""
    en, zh = GROUPS[DEPARTMENT_GROUPS.get(department_code, "general")]
    return zh if normalise_lang(lang) == "zh" else en


def _service(dept: Department, lang: str) -> dict[str, Any]:
    zh = lang == "zh"
    # The catalog has the matters ("handles") in English only, so both languages show them.
    matters = "; ".join(dept.handles)
    return {
        "service_code": dept.code,
        "service_name": dept.zh if zh else dept.en,
        "description": (f"受理事项：{matters}" if zh else f"Handles: {matters}"),
        "metadata": True,
        "type": SERVICE_TYPE,
        "keywords": ",".join(h.replace(",", " ") for h in dept.handles),
        "group": group_of(dept.code, lang),
    }


def service_list(lang: str = "en") -> list[dict[str, Any]]:
    """GET Service List: every department, in catalog order (spec fields only)."""
    code = normalise_lang(lang)
    return [_service(d, code) for d in catalog.departments()]


def _values(pairs: dict[str, tuple[str, str]], zh: bool) -> list[dict[str, str]]:
    return [{"key": k, "name": names[1] if zh else names[0]} for k, names in pairs.items()]


def _attribute(code: str, order: int, datatype: str, description: str,
               values: list[dict[str, str]], hint: str | None = None) -> dict[str, Any]:
    return {"variable": True, "code": code, "datatype": datatype, "required": False,
            "datatype_description": hint, "order": order, "description": description,
            "values": values}


def _attributes(lang: str) -> list[dict[str, Any]]:
    zh = lang == "zh"
    kinds = {c.code: (c.en, c.zh) for c in catalog.categories()}
    places = {d.code: (d.en, d.zh) for d in catalog.districts()}
    return [
        _attribute("request_type", 1, "singlevaluelist",
                   "诉求类型" if zh else "What kind of request is this?", _values(kinds, zh)),
        _attribute("district", 2, "singlevaluelist",
                   "事发所在区" if zh else "Which district of Shanghai is it in?", _values(places, zh)),
        _attribute("consent_share_location", 3, "singlevaluelist",
                   "是否同意把位置提供给承办部门" if zh
                   else "May the location be shared with the department that handles it?",
                   _values(_YES_NO, zh)),
        _attribute("accessibility_needs", 4, "multivaluelist",
                   "联系您时需要的无障碍方式" if zh else "How should we contact you?",
                   _values(ACCESSIBILITY_NEEDS, zh),
                   "可多选" if zh else "choose any number"),
    ]


def service_definition(service_code: str, lang: str = "en") -> dict[str, Any]:
    """GET Service Definition: ``{"service_code", "attributes": [...]}``; 404 for unknown codes."""
    dept = find_service(service_code)
    return {"service_code": dept.code, "attributes": _attributes(normalise_lang(lang))}
