"""GeoReport v2 response bodies for service requests and tokens (JSON-ready dicts).

Spec: https://wiki.open311.org/GeoReport_v2#get-service-requests (response fields),
#post-service-request (response) and #get-service-request-id-from-a-token.

Conventions: every spec field is always present, in spec order, and a missing value is
``null`` (the XML renderer writes an empty element), so clients see one stable shape.
Date-times are ISO 8601 with the Shanghai offset, e.g. ``2026-11-28T09:30:00+08:00``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from gateway.domain import catalog
from gateway.domain.deadlines import SHANGHAI
from miniapp_api.open311.services import normalise_lang

#: Field order of a service request in GET Service Requests / GET Service Request.
REQUEST_FIELDS: tuple[str, ...] = (
    "service_request_id", "status", "status_notes", "service_name", "service_code",
    "description", "agency_responsible", "service_notice", "requested_datetime",
    "updated_datetime", "expected_datetime", "address", "address_id", "zipcode", "lat", "long",
    "media_url")

_DEPARTMENTS = {d.code: d for d in catalog.departments()}

#: Workflow state -> default ``status_notes`` (en, zh) when the record gives none.
STATUS_NOTES: dict[str, tuple[str, str]] = {
    "draft": ("Received; not yet accepted.", "已收到，尚未受理。"),
    "accepted": ("Accepted by the hotline.", "热线已受理。"),
    "dispatched": ("Sent to the responsible department.", "已派发至承办部门。"),
    "returned": ("The department sent it back; the hotline is re-routing it.",
                 "承办部门已退单，热线正在重新派单。"),
    "replied": ("The department has replied.", "承办部门已答复。"),
    "callback": ("We are checking with you whether it was solved.", "正在回访，确认问题是否解决。"),
    "review": ("Under review after your feedback; it will be handled again.",
               "根据您的反馈正在复核，将再次办理。"),
    "closed": ("Closed.", "已办结归档。"),
}


def status_for(workflow_status: str) -> Literal["open", "closed"]:
    """Map a ticket state to the spec's two statuses.

    Only ``closed`` (归档, archived) is final; every other state, including ``replied`` and
    ``callback``, can still lead back to work (回访 -> 复核 -> 重新派单), so it is ``open``.
    Unknown states are a programming error (ValueError).
    """
    if workflow_status not in catalog.TICKET_STATES:
        raise ValueError(f"unknown ticket status {workflow_status!r}")
    return "closed" if workflow_status == "closed" else "open"


def w3c(value: object) -> str | None:
    """``None``, epoch seconds or a datetime (naive = Shanghai) as ISO 8601 with +08:00."""
    if value is None:
        return None
    if isinstance(value, datetime):
        moment = value if value.tzinfo is not None else value.replace(tzinfo=SHANGHAI)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        moment = datetime.fromtimestamp(value, SHANGHAI)
    else:
        raise TypeError("date-times must be epoch seconds or datetime objects")
    return moment.astimezone(SHANGHAI).isoformat(timespec="seconds")


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text if text.strip() else None


def _coordinate(value: object) -> float | None:
    if value is None:
        return None
    number = float(value)  # type: ignore[arg-type]
    return number if math.isfinite(number) else None


def _department_name(code: object, zh: bool) -> str | None:
    if not isinstance(code, str) or not code:
        return None
    found = _DEPARTMENTS.get(code)
    return None if found is None else (found.zh if zh else found.en)


def request_json(rec: Mapping[str, Any], *, lang: str = "en") -> dict[str, Any]:
    """One service request in the spec's shape, from a plain dict.

    Input keys (required: ``service_request_id``, ``status``; all others optional):

    * ``service_request_id``: the public id (the ticket number).
    * ``status``: the *workflow* state (``catalog.TICKET_STATES``), mapped by :func:`status_for`.
    * ``status_notes``: text; default: a short note for the workflow state in ``lang``.
    * ``service_code``: the department code requested; ``service_name`` defaults to its name.
    * ``department``: the department now handling it; ``agency_responsible`` defaults to its
      name, else to the ``service_code`` department's name.
    * ``description``, ``service_notice``, ``address``, ``address_id``, ``zipcode``,
      ``media_url``: text.  ``lat``, ``long``: numbers.
    * ``requested_datetime``, ``updated_datetime``, ``expected_datetime``: epoch seconds
      (``Ticket.created_at``/``updated_at``/``deadline``) or datetimes.
    """
    zh = normalise_lang(lang) == "zh"
    state = str(rec["status"])
    code = rec.get("service_code")
    notes = STATUS_NOTES.get(state)
    out: dict[str, Any] = {name: None for name in REQUEST_FIELDS}
    out.update({
        "service_request_id": str(rec["service_request_id"]),
        "status": status_for(state),
        "status_notes": _text(rec.get("status_notes")) or (notes and notes[1 if zh else 0]),
        "service_name": _text(rec.get("service_name")) or _department_name(code, zh),
        "service_code": _text(code),
        "agency_responsible": (_text(rec.get("agency_responsible"))
                               or _department_name(rec.get("department"), zh)
                               or _department_name(code, zh)),
        "lat": _coordinate(rec.get("lat")),
        "long": _coordinate(rec.get("long")),
    })
    for name in ("description", "service_notice", "address", "address_id", "zipcode", "media_url"):
        out[name] = _text(rec.get(name))
    for name in ("requested_datetime", "updated_datetime", "expected_datetime"):
        out[name] = w3c(rec.get(name))
    return out


def token_json(token: str, service_request_id: str | None) -> list[dict[str, str | None]]:
    """GET Service Request id from a token: ``[{"service_request_id", "token"}]``.

    ``service_request_id`` is null while the request is not yet accepted into a ticket.
    """
    return [{"service_request_id": service_request_id, "token": token}]


def post_response_json(*, token: str | None = None, service_request_id: str | None = None,
                       service_notice: str | None = None,
                       account_id: str | None = None) -> list[dict[str, str | None]]:
    """POST Service Request response: ``[{"service_request_id", "token", "service_notice",
    "account_id"}]``.  Our services are ``batch``, so normally only ``token`` is set."""
    return [{"service_request_id": service_request_id, "token": token,
             "service_notice": service_notice, "account_id": account_id}]
