"""``GET /api/v1/stats``: the supervisor's figures, live and over a period of Shanghai days.

Live: queues by skill and seats by state, from the ACD.  Period: answer speed (the FCC video
relay benchmarks, 30 s and 120 s), handling time, draft acceptance, returns by department,
satisfaction, and the tickets overdue now.  The arithmetic is pure (``gateway/domain/stats.py``);
this module only reads rows and shapes the answer, as JSON or CSV.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time, timedelta
from typing import Any

from aiohttp import web

from gateway.domain import stats, workflow
from gateway.domain.deadlines import SHANGHAI
from gateway.errors import Forbidden, InvalidField
from gateway.web.api import current_user
from gateway.web.keys import CLOCK, REPO, SERVICE

routes = web.RouteTableDef()
MAX_DAYS = 366


def _day(value: str | None, default: date, name: str) -> date:
    if not value:
        return default
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidField(f"'{name}' must be a date like 2026-11-28", field=name) from None


def period(query: Any, now: float) -> tuple[date, date, float, float]:
    today = datetime.fromtimestamp(now, SHANGHAI).date()
    first = _day(query.get("from"), today, "from")
    last = _day(query.get("to"), today, "to")
    if last < first:
        raise InvalidField("'to' is before 'from'", field="to")
    if (last - first).days >= MAX_DAYS:
        raise InvalidField(f"a period is at most {MAX_DAYS} days", field="to")
    since = datetime.combine(first, time(0), SHANGHAI).timestamp()
    until = datetime.combine(last + timedelta(days=1), time(0), SHANGHAI).timestamp()
    return first, last, since, until


async def compute(request: web.Request) -> dict[str, Any]:
    repo, svc = request.app[REPO], request.app[SERVICE]
    now = request.app[CLOCK].now()
    first, last, since, until = period(request.query, now)
    contacts = await repo.contact_times(since, until)
    waits = [a - c for c, a, _e, _s in contacts if a is not None]
    handles = [e - a for _c, a, e, _s in contacts if a is not None and e is not None and e >= a]
    speed = stats.answer_speed(waits)
    touched = await repo.tickets_touched(since, until)
    # Only the late ones are read: the dashboard asks every 10 s, and open tickets number in the tens of thousands.
    late = await repo.list_tickets(statuses=list(workflow.CLOCK_STATES), due_before=now, limit=100_000)
    snap = svc.acd.snapshot()
    return {
        "period": {"from": first.isoformat(), "to": last.isoformat(), "timezone": "Asia/Shanghai"},
        "queues": svc.queue_summary(),
        "seats": snap.get("seats", {}),
        "contacts": {"answered": speed["answered"],
                     "abandoned": sum(1 for *_x, state in contacts if state == "abandoned"),
                     "total": len(contacts)},
        "answered_within_30s": speed["within_30s"],
        "answered_within_120s": speed["within_120s"],
        "aht_seconds": stats.aht(handles),
        "draft_acceptance": stats.draft_acceptance(touched),
        "returns_by_department": stats.returns_by_department(touched, since, until),
        "satisfaction": stats.satisfaction(touched),
        "overdue": stats.overdue(late, now),
    }


def to_csv(body: dict[str, Any]) -> str:
    """One long table, ``metric,key,value``, so a spreadsheet needs no nested parsing."""
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(["metric", "key", "value"])
    w.writerow(["period", "from", body["period"]["from"]])
    w.writerow(["period", "to", body["period"]["to"]])
    for k, v in body["contacts"].items():
        w.writerow(["contacts", k, v])
    for k in ("answered_within_30s", "answered_within_120s", "aht_seconds"):
        w.writerow([k, "", "" if body[k] is None else body[k]])
    acc = body["draft_acceptance"]
    w.writerow(["draft_acceptance", "overall", "" if acc.get("overall") is None else acc["overall"]])
    for k, v in (acc.get("by_field") or {}).items():
        w.writerow(["draft_acceptance", k, v])
    for k, v in body["returns_by_department"].items():
        w.writerow(["returns_by_department", k, v])
    sat = body["satisfaction"]
    w.writerow(["satisfaction", "average", "" if sat.get("average") is None else sat["average"]])
    for k, v in (sat.get("by_level") or {}).items():
        w.writerow(["satisfaction", k, v])
    w.writerow(["overdue", "count", body["overdue"]["count"]])
    for q in body["queues"]:
        w.writerow(["queue_waiting", f"{q['queue']}/{q['skill']}", q["waiting"]])
    return out.getvalue()


@routes.get("/api/v1/stats")
async def get_stats(request: web.Request) -> web.StreamResponse:
    user = await current_user(request)
    if user.role not in ("supervisor", "admin"):
        raise Forbidden("the figures are for supervisors")
    fmt = request.query.get("format", "json")
    if fmt not in ("json", "csv"):
        raise InvalidField("'format' is json or csv", field="format")
    body = await compute(request)
    if fmt == "csv":
        name = f"hotline-stats-{body['period']['from']}-{body['period']['to']}.csv"
        return web.Response(text=to_csv(body), content_type="text/csv", charset="utf-8",
                            headers={"Content-Disposition": f'attachment; filename="{name}"'})
    return web.json_response(body)
