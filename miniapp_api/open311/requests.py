"""GeoReport v2 "POST Service Request": parse and validate a form into a :class:`NewRequest`.

Spec: https://wiki.open311.org/GeoReport_v2#post-service-request.  Deviations, on purpose:

* ``description`` is required (the spec makes it optional): a 12345 ticket is a written account
  of what happened, and a department cannot act on a category and a pin alone.
* ``lat``/``long`` must lie inside :data:`SHANGHAI_BBOX` when the jurisdiction is Shanghai.
* ``email`` and ``phone`` are checked (WHATWG e-mail syntax; :func:`gateway.domain.privacy.
  validate_phone`, which already accepts international numbers in E.164 form) and ``phone`` is
  returned normalised to E.164.
* ``attribute[code]`` values must belong to the service definition; undefined codes are errors.

Every 400-class problem is collected into one :class:`InvalidParameters`; api_key problems (403)
and an unknown ``service_code`` (404) are raised first, on their own.

The GET side lives in :mod:`.query` and :mod:`.render` and is re-exported here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar

from gateway.domain.privacy import validate_phone
from gateway.errors import InvalidField
from miniapp_api.open311 import fields
from miniapp_api.open311.attributes import validate_attributes
from miniapp_api.open311.errors import InvalidApiKey, InvalidParameters, MissingApiKey, shown
from miniapp_api.open311.query import RequestQuery, parse_query
from miniapp_api.open311.render import post_response_json, request_json, status_for, token_json
from miniapp_api.open311.services import find_service, service_definition

__all__ = ["JURISDICTION", "SHANGHAI_BBOX", "BBox", "NewRequest", "parse_new_request",
           "RequestQuery", "parse_query", "status_for", "request_json", "token_json",
           "post_response_json"]

#: The ``jurisdiction_id`` this gateway answers for (GeoReport v2 "jurisdiction_id").
JURISDICTION = "shanghai.gov.cn"
#: Names that mean "Shanghai" for the ``jurisdiction`` argument and the ``jurisdiction_id`` field.
SHANGHAI_IDS: frozenset[str] = frozenset({"shanghai", JURISDICTION})


class BBox(NamedTuple):
    south: float
    north: float
    west: float
    east: float

    def contains(self, lat: float, long: float) -> bool:
        return self.south <= lat <= self.north and self.west <= long <= self.east


#: Shanghai municipality, WGS84.  The municipal government gives the extent as 30°40′-31°53′ N,
#: 120°52′-122°12′ E (Chongming's north shore is at 31°53′ ≈ 31.883, hence 31.89, not 31.88);
#: the east edge is widened to 122.25 for the outer islets (Sheshan Island, ~122.24 E).  A box is
#: only a coarse filter: it also admits edges of Kunshan, Taicang and Pinghu.
SHANGHAI_BBOX = BBox(south=30.66, north=31.89, west=120.85, east=122.25)

MAX_DESCRIPTION = 4000   # the spec's limit for description
MAX_API_KEY = 256
MAX_ADDRESS = 500        # as gateway.domain.ticket.MAX_ADDRESS
MAX_ID = 200             # address_id, device_id, account_id
MAX_NAME = 100
MAX_PHONE = 40
_API_KEY = re.compile(r"[\x21-\x7e]+")
T = TypeVar("T")
Form = Mapping[str, Any]


@dataclass(frozen=True, kw_only=True)
class NewRequest:
    """A validated POST Service Request (spec field names; ``long`` is longitude)."""

    api_key: str
    service_code: str
    lat: float | None = None
    long: float | None = None
    address_string: str | None = None
    address_id: str | None = None
    description: str
    media_url: str | None = None
    attributes: dict[str, str | list[str]] = field(default_factory=dict, hash=False)
    email: str | None = None
    phone: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    device_id: str | None = None
    account_id: str | None = None
    jurisdiction_id: str | None = None


def form_values(form: Form) -> dict[str, list[object]]:
    """``{key: [values...]}`` from a plain mapping (str or list values) or a MultiDict (getall)."""
    getall: Callable[[str], Sequence[object]] | None = getattr(form, "getall", None)
    out: dict[str, list[object]] = {}
    for key in form.keys():
        if not isinstance(key, str) or key in out:
            continue
        raw: object = getall(key) if getall is not None else form[key]
        out[key] = list(raw) if isinstance(raw, (list, tuple)) else [raw]
    return out


class _Collector:
    """Reads single fields from the form and collects error descriptions."""

    def __init__(self, data: dict[str, list[object]]) -> None:
        self.data = data
        self.errors: list[str] = []

    def raw(self, name: str) -> str | None:
        values = self.data.get(name) or []
        if len(values) > 1:
            self.errors.append(f"{name} was given more than once")
            return None
        if values and not isinstance(values[0], str):
            self.errors.append(f"{name} must be text")
            return None
        return values[0] if values else None  # type: ignore[return-value]

    def present(self, name: str) -> bool:
        return any(not isinstance(v, str) or v.strip() for v in self.data.get(name) or [])

    def check(self, name: str, parse: Callable[[str], T], *, required: bool = False) -> T | None:
        value = self.raw(name)
        if value is None:
            if required and not (self.data.get(name) or []):
                self.errors.append(f"{name} is required")
            return None
        try:
            return parse(value)
        except fields.FieldError as exc:
            self.errors.append(str(exc))
            return None


def _api_key(data: dict[str, list[object]]) -> str:
    values = data.get("api_key") or []
    if not values or (isinstance(values[0], str) and not values[0].strip()):
        raise MissingApiKey(field="api_key")
    key = values[0]
    if len(values) > 1 or not isinstance(key, str) or len(key.strip()) > MAX_API_KEY \
            or not _API_KEY.fullmatch(key.strip()):
        raise InvalidApiKey(field="api_key")
    return key.strip()


def _jurisdiction(c: _Collector, jurisdiction: str) -> str:
    """Our canonical ``jurisdiction_id``; a different one in the form is a 400 (spec)."""
    shanghai = jurisdiction.casefold() in SHANGHAI_IDS
    ours = JURISDICTION if shanghai else jurisdiction
    accepted = SHANGHAI_IDS if shanghai else frozenset({jurisdiction.casefold()})
    given = (c.raw("jurisdiction_id") or "").strip()
    if given and given.casefold() not in accepted:
        c.errors.append(f"jurisdiction_id {shown(given)} was not found; use '{ours}'")
    return ours


def _coordinate(name: str, low: float, high: float) -> Callable[[str], float]:
    def parse(value: str) -> float:
        result = fields.number(name, value)
        if not low <= result <= high:
            raise fields.FieldError(f"{name} must be between {low:g} and {high:g}")
        return result
    return parse


def _location(c: _Collector, shanghai: bool) -> tuple[float | None, float | None]:
    lat = c.check("lat", _coordinate("lat", -90.0, 90.0))
    long = c.check("long", _coordinate("long", -180.0, 180.0))
    if c.present("lat") != c.present("long"):
        c.errors.append("lat and long must be given together")
        return None, None
    if lat is not None and long is not None and shanghai and not SHANGHAI_BBOX.contains(lat, long):
        c.errors.append("lat/long is outside Shanghai")
        return None, None
    return lat, long


def _phone(value: str) -> str | None:
    if not value.strip():
        return None
    if len(value) > MAX_PHONE:
        raise fields.FieldError(f"phone is longer than {MAX_PHONE} characters")
    try:
        return validate_phone(value)
    except InvalidField as exc:
        raise fields.FieldError(exc.message) from None


def _text(name: str, limit: int, *, required: bool = False) -> Callable[[str], str | None]:
    return lambda value: fields.text(name, value, limit, required=required)


def _attributes(c: _Collector, service_code: str) -> dict[str, str | list[str]]:
    values, errors = validate_attributes(service_definition(service_code)["attributes"], c.data)
    c.errors.extend(errors)
    return values


def parse_new_request(form: Form, *, max_description: int = MAX_DESCRIPTION,
                      jurisdiction: str = "shanghai") -> NewRequest:
    """Validate a POST Service Request form (GeoReport v2 "POST Service Request").

    Raises :class:`MissingApiKey`/:class:`InvalidApiKey` (403), then
    :class:`~miniapp_api.open311.errors.ServiceNotFound` (404), then one
    :class:`InvalidParameters` (400) listing every other problem.  Unknown fields are ignored.
    """
    data = form_values(form)
    api_key = _api_key(data)
    c = _Collector(data)
    code = c.check("service_code", _text("service_code", MAX_ID, required=True), required=True)
    service = find_service(code).code if code else None
    jurisdiction_id = _jurisdiction(c, jurisdiction)
    lat, long = _location(c, jurisdiction_id == JURISDICTION)
    address_string = c.check("address_string", _text("address_string", MAX_ADDRESS))
    address_id = c.check("address_id", _text("address_id", MAX_ID))
    if not any(c.present(f) for f in ("lat", "long", "address_string", "address_id")):
        c.errors.append("a location is required: lat and long, address_string or address_id")
    description = c.check("description", _text("description", max_description, required=True),
                          required=True)
    request = NewRequest(
        api_key=api_key, service_code=service or "", lat=lat, long=long,
        address_string=address_string, address_id=address_id, description=description or "",
        media_url=c.check("media_url", lambda v: fields.http_url("media_url", v)),
        attributes=_attributes(c, service) if service else {},
        email=c.check("email", fields.email), phone=c.check("phone", _phone),
        first_name=c.check("first_name", _text("first_name", MAX_NAME)),
        last_name=c.check("last_name", _text("last_name", MAX_NAME)),
        device_id=c.check("device_id", _text("device_id", MAX_ID)),
        account_id=c.check("account_id", _text("account_id", MAX_ID)),
        jurisdiction_id=jurisdiction_id)
    if c.errors:
        raise InvalidParameters([(400, e) for e in dict.fromkeys(c.errors)])
    return request
