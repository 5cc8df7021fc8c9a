"""Pure core of an Open311 GeoReport v2 endpoint (https://wiki.open311.org/GeoReport_v2).

No I/O and no aiohttp: the HTTP layer parses forms and query strings with these functions,
looks things up in storage, and renders the results as JSON (the dicts as they are) or XML
(:func:`to_xml`).  Errors are :class:`Open311Error`; ``status`` is the HTTP status and
``to_body()`` the spec's error list.
"""

from __future__ import annotations

from miniapp_api.open311.attributes import validate_attributes
from miniapp_api.open311.errors import (
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
from miniapp_api.open311.query import MAX_IDS, MAX_WINDOW, RESULT_LIMIT, RequestQuery, parse_query
from miniapp_api.open311.render import post_response_json, request_json, status_for, token_json
from miniapp_api.open311.requests import (
    JURISDICTION,
    SHANGHAI_BBOX,
    BBox,
    NewRequest,
    parse_new_request,
)
from miniapp_api.open311.services import find_service, service_definition, service_list
from miniapp_api.open311.xml import CONTENT_TYPE as XML_CONTENT_TYPE
from miniapp_api.open311.xml import to_xml

__all__ = [
    "JURISDICTION", "MAX_IDS", "MAX_WINDOW", "RESULT_LIMIT", "SHANGHAI_BBOX", "XML_CONTENT_TYPE",
    "BBox", "IdempotencyMismatch", "InvalidApiKey", "InvalidParameters", "MissingApiKey",
    "NewRequest", "Open311Error", "RateLimited", "RequestNotFound", "RequestQuery",
    "RequestTooLarge", "ServiceNotFound", "find_service", "parse_new_request", "parse_query",
    "post_response_json", "request_json", "service_definition", "service_list", "status_for",
    "to_xml", "token_json", "validate_attributes",
]
