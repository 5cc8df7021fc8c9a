"""The OpenAPI 3.1 document for the self-service APIs, served at ``/api/v1/openapi.json``.

Written out by hand: the handlers validate with the Open311 core rather than with schema
classes, so there is nothing to generate it from.  ``tests/browser/test_openapi_schemathesis.py``
runs schemathesis against a live gateway with this document, so a response that drifts from
it fails the suite.
"""

from __future__ import annotations

from typing import Any

from gateway.domain import catalog

ERR = {"type": "object", "required": ["error"], "properties": {"error": {
    "type": "object", "required": ["code", "message"],
    "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "field": {"type": "string"}}}}}
O311_ERR = {"type": "array", "minItems": 1, "items": {"type": "object", "required": ["code", "description"],
            "properties": {"code": {"type": "integer"}, "description": {"type": "string"}}}}
NULLABLE_STR = {"type": ["string", "null"]}
NULLABLE_NUM = {"type": ["number", "null"]}


def _codes() -> list[str]:
    return [d.code for d in catalog.departments()]


def _err(desc: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"description": desc, "content": {"application/json": {"schema": schema or ERR}}}


def _ok(desc: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": desc, "content": {"application/json": {"schema": schema}}}


def _o311(desc: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"description": desc, "content": {"application/json": {"schema": schema},
                                             "text/xml": {"schema": {"type": "string"}}}}


def _o311_errors(*codes: int) -> dict[str, Any]:
    words = {400: "invalid parameters", 403: "missing or invalid api_key", 404: "not found (or no such format)",
             409: "Idempotency-Key reused for a different body", 413: "too large", 415: "unsupported media",
             422: "unreadable image", 429: "rate limited"}
    return {str(c): _o311(words[c], O311_ERR) for c in codes}


SERVICE = {"type": "object", "required": ["service_code", "service_name", "type"], "properties": {
    "service_code": {"type": "string"}, "service_name": {"type": "string"}, "description": NULLABLE_STR,
    "metadata": {"type": "boolean"}, "type": {"enum": ["realtime", "batch", "blackbox"]},
    "keywords": NULLABLE_STR, "group": NULLABLE_STR}}
REQUEST = {"type": "object", "required": ["service_request_id", "status"], "properties": {
    "service_request_id": {"type": "string"}, "status": {"enum": ["open", "closed"]},
    **{k: NULLABLE_STR for k in ("status_notes", "service_name", "service_code", "description", "agency_responsible",
                                "service_notice", "requested_datetime", "updated_datetime", "expected_datetime",
                                "address", "address_id", "zipcode", "media_url")},
    "lat": NULLABLE_NUM, "long": NULLABLE_NUM}}
POST_RESPONSE = {"type": "array", "items": {"type": "object", "properties": {
    "service_request_id": NULLABLE_STR, "token": NULLABLE_STR, "service_notice": NULLABLE_STR,
    "account_id": NULLABLE_STR}}}
FMT = {"name": "fmt", "in": "path", "required": True, "schema": {"enum": ["json", "xml"]}}
API_KEY_Q = {"name": "api_key", "in": "query", "required": True, "schema": {"type": "string"}}


def _open311() -> dict[str, Any]:
    form_props: dict[str, Any] = {
        "api_key": {"type": "string"}, "service_code": {"type": "string", "enum": _codes()},
        "lat": {"type": "number", "minimum": 30.66, "maximum": 31.89},
        "long": {"type": "number", "minimum": 120.85, "maximum": 122.25},
        "address_string": {"type": "string", "maxLength": 500}, "address_id": {"type": "string"},
        "description": {"type": "string", "minLength": 1, "maxLength": 4000},
        "media_url": {"type": "string", "format": "uri"}, "email": {"type": "string", "format": "email"},
        "phone": {"type": "string"}, "first_name": {"type": "string"}, "last_name": {"type": "string"},
        "device_id": {"type": "string"}, "lang": {"type": "string", "description": "extension: the submitter's language"},
        "attribute[request_type]": {"enum": [c.code for c in catalog.categories()]},
        "attribute[district]": {"enum": [d.code for d in catalog.districts()]},
        "attribute[consent_share_location]": {"enum": ["yes", "no"]},
    }
    form = {"type": "object", "required": ["api_key", "service_code", "description"], "properties": form_props}
    multipart = {"type": "object", "required": ["api_key", "service_code", "description"],
                 "properties": {**form_props, "media": {"type": "string", "format": "binary"}}}
    return {
        "/open311/v2/services.{fmt}": {"get": {
            "summary": "GeoReport v2 service list", "tags": ["open311"], "parameters": [FMT],
            "responses": {"200": _o311("services", {"type": "array", "items": SERVICE}), **_o311_errors(400, 404)}}},
        "/open311/v2/services/{service_code}.{fmt}": {"get": {
            "summary": "GeoReport v2 service definition", "tags": ["open311"],
            "parameters": [{"name": "service_code", "in": "path", "required": True, "schema": {"type": "string"}}, FMT],
            "responses": {"200": _o311("definition", {"type": "object", "required": ["service_code", "attributes"]}),
                          **_o311_errors(400, 404)}}},
        "/open311/v2/requests.{fmt}": {
            "post": {"summary": "GeoReport v2: submit a service request", "tags": ["open311"], "parameters": [FMT,
                     {"name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string"}}],
                     "requestBody": {"required": True, "content": {"application/x-www-form-urlencoded": {"schema": form},
                                                                   "multipart/form-data": {"schema": multipart}}},
                     "responses": {"201": _o311("created", POST_RESPONSE), "200": _o311("idempotent replay", POST_RESPONSE),
                                   **_o311_errors(400, 403, 404, 409, 413, 415, 422, 429)}},
            "get": {"summary": "GeoReport v2: this client's service requests", "tags": ["open311"], "parameters": [
                FMT, API_KEY_Q,
                *({"name": n, "in": "query", "required": False, "schema": {"type": "string"}}
                  for n in ("service_request_id", "service_code", "start_date", "end_date", "status"))],
                "responses": {"200": _o311("requests", {"type": "array", "items": REQUEST}), **_o311_errors(400, 403, 404)}}},
        "/open311/v2/requests/{service_request_id}.{fmt}": {"get": {
            "summary": "GeoReport v2: one service request", "tags": ["open311"], "parameters": [
                {"name": "service_request_id", "in": "path", "required": True, "schema": {"type": "string"}}, FMT, API_KEY_Q],
            "responses": {"200": _o311("the request", {"type": "array", "items": REQUEST}), **_o311_errors(400, 403, 404)}}},
        "/open311/v2/tokens/{token}.{fmt}": {"get": {
            "summary": "GeoReport v2: request id from a token", "tags": ["open311"], "parameters": [
                {"name": "token", "in": "path", "required": True, "schema": {"type": "string"}}, FMT, API_KEY_Q],
            "responses": {"200": _o311("id", {"type": "array", "items": {"type": "object"}}), **_o311_errors(400, 403, 404)}}},
    }


def _native() -> dict[str, Any]:
    submission = {"type": "object", "required": ["service_code", "description"], "properties": {
        "service_code": {"type": "string", "enum": _codes()}, "description": {"type": "string", "minLength": 1, "maxLength": 4000},
        "lang": {"type": "string", "description": "one of the 18 served languages or zh; default en"},
        "location": {"type": "object", "required": ["lat", "long"], "properties": {
            "lat": {"type": "number", "minimum": 30.66, "maximum": 31.89},
            "long": {"type": "number", "minimum": 120.85, "maximum": 122.25}}},
        "address": {"type": "string", "maxLength": 500}, "category": {"enum": [c.code for c in catalog.categories()]},
        "district": {"enum": [d.code for d in catalog.districts()]}, "device_id": {"type": "string"},
        "contact": {"type": "object", "properties": {"email": {"type": "string", "format": "email"},
                                                     "phone": {"type": "string"}, "name": {"type": "string"}}},
        "share_location": {"type": "boolean", "description": "keep the photo's GPS position"}}}
    view = {"type": "object", "required": ["id", "status", "status_note", "timeline"], "properties": {
        "id": {"type": "string"}, "status": {"enum": ["received", "accepted", "in_progress", "replied", "closed"]},
        "status_note": {"type": "string"}, "lang": {"type": "string"}, "service_code": {"type": "string"},
        "description": {"type": "string"}, "timeline": {"type": "array"}, "media_url": NULLABLE_STR,
        "token": {"type": "string"}, "access_token": {"type": "string"}, "location_removed": {"type": "boolean"}}}
    key = {"name": "X-Api-Key", "in": "header", "required": True, "schema": {"type": "string"}}
    return {
        "/api/v1/miniapp/services": {"get": {"summary": "topics, request types and districts for the pickers",
                                             "tags": ["miniapp"], "responses": {"200": _ok("lists", {"type": "object"})}}},
        "/api/v1/miniapp/requests": {"post": {
            "summary": "submit a report (JSON, or multipart with parts 'request' and 'photo')", "tags": ["miniapp"],
            "parameters": [key, {"name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string"}}],
            "requestBody": {"required": True, "content": {"application/json": {"schema": submission}, "multipart/form-data": {
                "schema": {"type": "object", "properties": {"request": submission,
                                                            "photo": {"type": "string", "format": "binary"}}}}}},
            "responses": {"201": _ok("accepted: on disk before this answer", view), "200": _ok("idempotent replay", view),
                          **{str(c): _err(d) for c, d in ((400, "bad input"), (403, "bad api key"), (404, "unknown service"),
                                                          (409, "Idempotency-Key reused"), (413, "too large"),
                                                          (415, "not an image"), (422, "invalid field or image"),
                                                          (429, "rate limited"))}}}},
        "/api/v1/miniapp/requests/{id}": {"get": {
            "summary": "follow a report (Authorization: Bearer <access_token>, or the client's X-Api-Key)",
            "tags": ["miniapp"], "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
                                                {"name": "lang", "in": "query", "required": False, "schema": {"type": "string"}}],
            "security": [{"access": []}, {"apikey": []}],
            "responses": {"200": _ok("the report", view), "400": _err("unknown language"), "401": _err("no token"),
                          "403": _err("bad api key"), "404": _err("not found for this token")}}},
        "/api/v1/miniapp/requests/{id}/survey": {
            "get": {"summary": "the callback survey in the submitter's language, once the department replied",
                    "tags": ["miniapp"], "security": [{"access": []}],
                    "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
                                   {"name": "lang", "in": "query", "required": False, "schema": {"type": "string"}}],
                    "responses": {"200": _ok("questions", {"type": "object", "required": ["open", "questions"]}),
                                  "400": _err("unknown language"), "401": _err("no token"),
                                  "404": _err("not found for this token")}},
            "post": {"summary": "answer the survey: resolved and satisfaction (5 very satisfied .. 1 very dissatisfied)",
                     "tags": ["miniapp"], "security": [{"access": []}],
                     "parameters": [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}},
                                    {"name": "lang", "in": "query", "required": False, "schema": {"type": "string"}}],
                     "requestBody": {"required": True, "content": {"application/json": {"schema": {
                         "type": "object", "required": ["resolved", "satisfaction"], "properties": {
                             "resolved": {"type": "boolean"}, "satisfaction": {"type": "integer", "minimum": 1, "maximum": 5},
                             "note": {"type": "string", "maxLength": 1000}}}}}},
                     "responses": {"200": _ok("recorded", view), "400": _err("bad JSON or language"),
                                   "401": _err("no token"), "404": _err("not found for this token"),
                                   "409": _err("nothing to rate yet, or already answered"),
                                   "422": _err("invalid answer")}}},
        "/api/v1/miniapp/media/{name}": {"get": {
            "summary": "a submitted photo (metadata stripped)", "tags": ["miniapp"],
            "parameters": [{"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "the image", "content": {"image/*": {}}}, "404": _err("no such photo")}}},
    }


def document(server_url: str | None = None) -> dict[str, Any]:
    from gateway import __version__
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "Hotline access gateway: self-service APIs", "version": __version__,
                 "description": "Open311 GeoReport v2 and the mini program's native API. Reports are tickets of "
                                "the Shanghai 12345 hotline; a Chinese draft is made on the device."},
        "paths": {**_native(), **_open311()},
        "components": {"securitySchemes": {"access": {"type": "http", "scheme": "bearer"},
                                           "apikey": {"type": "apiKey", "in": "header", "name": "X-Api-Key"}}},
    }
    if server_url:
        doc["servers"] = [{"url": server_url}]
    return doc
