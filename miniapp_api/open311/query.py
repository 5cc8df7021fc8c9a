"""GeoReport v2 "GET Service Requests": parse the filters into a :class:`RequestQuery`.

Spec: https://wiki.open311.org/GeoReport_v2#get-service-requests.

* ``service_request_id``: comma-delimited ids; when given it "overrides all other arguments",
  so the other filters are neither applied nor validated and no date default applies.
  At most :data:`MAX_IDS` ids.
* ``service_code`` and ``status`` (``open``/``closed``): comma-delimited, and may repeat.
  An unknown ``service_code`` in a filter is a 400 (a bad parameter of the list query), not a 404.
* ``start_date``/``end_date``: W3C date-times (see :func:`fields.w3c_datetime`; naive values are
  Asia/Shanghai).  The spec's default is "a span of 90 days or first 1000 requests, whichever is
  smallest": with neither date the window is the 90 days up to ``now``; with one date the other
  is 90 days away from it; a window longer than 90 days, or ending before it starts, is a 400.
* Results are capped at :data:`RESULT_LIMIT` (``RequestQuery.limit``), newest first by the
  integrator.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from gateway.domain.deadlines import SHANGHAI
from gateway.errors import GatewayError
from miniapp_api.open311 import fields
from miniapp_api.open311.errors import InvalidParameters, shown
from miniapp_api.open311.services import find_service

MAX_IDS = 100
MAX_WINDOW = timedelta(days=90)
RESULT_LIMIT = 1000
STATUSES: tuple[str, ...] = ("open", "closed")
_ID = re.compile(r"[A-Za-z0-9_.:-]{1,64}")


@dataclass(frozen=True, kw_only=True)
class RequestQuery:
    """Filters for GET Service Requests; empty tuples mean "any"."""

    service_request_ids: tuple[str, ...] = ()
    service_codes: tuple[str, ...] = ()
    start_date: datetime | None = None
    end_date: datetime | None = None
    statuses: tuple[str, ...] = ()
    limit: int = RESULT_LIMIT


def _raw(params: Mapping[str, Any], name: str) -> list[object]:
    """Every value of a parameter, from a MultiDict (getall) or a plain mapping."""
    getall = getattr(params, "getall", None)
    if getall is not None:
        return list(getall(name, []))
    value = params.get(name)
    return [] if value is None else list(value) if isinstance(value, (list, tuple)) else [value]


def _values(params: Mapping[str, Any], name: str, errors: list[str]) -> list[str]:
    """All comma-separated items of a (possibly repeated) parameter, blanks dropped."""
    raw = _raw(params, name)
    if any(not isinstance(v, str) for v in raw):
        errors.append(f"{name} must be text")
        return []
    return [item.strip() for v in raw for item in str(v).split(",") if item.strip()]


def _ids(items: list[str], errors: list[str]) -> tuple[str, ...]:
    unique = tuple(dict.fromkeys(items))
    if len(unique) > MAX_IDS:
        errors.append(f"service_request_id lists more than {MAX_IDS} ids")
    bad = [i for i in unique if not _ID.fullmatch(i)]
    if bad:
        errors.append(f"service_request_id {shown(bad[0])} is not a valid id")
    return unique


def _codes(items: list[str], errors: list[str]) -> tuple[str, ...]:
    codes: list[str] = []
    for item in items:
        try:
            codes.append(find_service(item).code)
        except GatewayError:
            errors.append(f"service_code {shown(item)} was not found")
    return tuple(dict.fromkeys(codes))


def _statuses(items: list[str], errors: list[str]) -> tuple[str, ...]:
    wanted = [s.lower() for s in items]
    bad = [s for s in wanted if s not in STATUSES]
    if bad:
        errors.append(f"status {shown(bad[0])} is not one of: " + ", ".join(STATUSES))
    return tuple(s for s in STATUSES if s in wanted)


def _date(params: Mapping[str, Any], name: str, errors: list[str]) -> datetime | None:
    raw = [v for v in _raw(params, name) if not isinstance(v, str) or v.strip()]
    if not raw:
        return None
    if len(raw) > 1 or not isinstance(raw[0], str):
        errors.append(f"{name} takes one date-time")
        return None
    try:
        return fields.w3c_datetime(name, raw[0])
    except fields.FieldError as exc:
        errors.append(str(exc))
        return None


def _window(start: datetime | None, end: datetime | None, now: datetime,
            errors: list[str]) -> tuple[datetime | None, datetime | None]:
    if start is None and end is None:
        end = now
    if start is None and end is not None:
        start = end - MAX_WINDOW
    elif end is None and start is not None:
        end = start + MAX_WINDOW
    if start is not None and end is not None:
        if end < start:
            errors.append("end_date is before start_date")
        elif end - start > MAX_WINDOW:
            errors.append(f"start_date and end_date may be at most {MAX_WINDOW.days} days apart")
    return start, end


def parse_query(params: Mapping[str, Any], *, now: datetime) -> RequestQuery:
    """Parse GET Service Requests parameters; one :class:`InvalidParameters` lists all problems.

    ``params`` is a plain mapping (str or list values) or a MultiDict; ``now`` must be aware.
    """
    if now.tzinfo is None:
        raise ValueError("parse_query needs an aware 'now'")
    errors: list[str] = []
    ids = _values(params, "service_request_id", errors)
    if ids:
        query = RequestQuery(service_request_ids=_ids(ids, errors))
    else:
        codes = _codes(_values(params, "service_code", errors), errors)
        statuses = _statuses(_values(params, "status", errors), errors)
        start, end = _window(_date(params, "start_date", errors), _date(params, "end_date", errors),
                             now.astimezone(SHANGHAI), errors)
        query = RequestQuery(service_codes=codes, statuses=statuses, start_date=start, end_date=end)
    if errors:
        raise InvalidParameters([(400, e) for e in dict.fromkeys(errors)])
    return query
