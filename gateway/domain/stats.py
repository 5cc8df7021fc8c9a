"""The supervisor's figures (docs/BACKOFFICE.md, "Stats") as pure functions over plain inputs.

The HTTP layer reads sessions and tickets from storage and passes them in; nothing here does
I/O or reads a clock, so each figure can be checked by hand on a few rows.  A share over
nothing is ``None`` rather than 0.0: "no calls answered" is not "0 % answered in time".
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from gateway.domain import office, workflow
from gateway.domain.deadlines import SHANGHAI
from gateway.domain.ticket import Ticket

#: FCC video relay service answer-speed benchmarks (seconds); 85 % within 30 s is the strict one.
FAST_S = 30.0
SLOW_S = 120.0
LEVELS: tuple[str, ...] = ("1", "2", "3", "4", "5")


def _finite(values: Iterable[float]) -> list[float]:
    return [float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)
            and math.isfinite(v)]


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def answer_speed(waits_s: list[float]) -> dict[str, Any]:
    """How many contacts were answered and the shares answered within 30 s and 120 s.

    A negative wait (clocks of two machines) counts as 0; non-numbers are ignored.
    """
    waits = [max(0.0, w) for w in _finite(waits_s)]
    n = len(waits)
    return {"answered": n,
            "within_30s": _share(sum(1 for w in waits if w <= FAST_S), n),
            "within_120s": _share(sum(1 for w in waits if w <= SLOW_S), n)}


def aht(handle_s: list[float]) -> float | None:
    """Average handling time: the mean of answered-to-ended durations (negative ones ignored)."""
    times = [h for h in _finite(handle_s) if h >= 0]
    return sum(times) / len(times) if times else None


def draft_acceptance(tickets: Iterable[Ticket]) -> dict[str, Any]:
    """The share of drafted fields the agent left unchanged at submit, overall and by field.

    Counted over the ``draft_accepted`` snapshots taken at submit: tickets that never left
    ``draft``, or had nothing drafted, have none and do not count.  ``overall`` pools every
    field of every ticket (a ticket with four drafted fields weighs four times one with one).
    """
    kept: dict[str, int] = {}
    total: dict[str, int] = {}
    counted = 0
    for t in tickets:
        if not t.draft_accepted:
            continue
        counted += 1
        for name, same in t.draft_accepted.items():
            total[name] = total.get(name, 0) + 1
            kept[name] = kept.get(name, 0) + bool(same)
    by_field = {name: kept[name] / total[name] for name in sorted(total)}
    return {"overall": _share(sum(kept.values()), sum(total.values())), "by_field": by_field,
            "tickets": counted}


def returns_by_department(tickets: Iterable[Ticket], since: float | None = None,
                          until: float | None = None) -> dict[str, int]:
    """Returns (退单) per department that held the ticket when it was returned, most first.

    Needs the tickets' history; a return whose department is unknown counts under ``"?"``.
    With ``since``/``until``, only returns made in ``[since, until)`` count.
    """
    counts: dict[str, int] = {}
    for t in tickets:
        for index, department in office.returns(t):
            at = t.history[index].at
            if (since is not None and at < since) or (until is not None and at >= until):
                continue
            key = department or "?"
            counts[key] = counts.get(key, 0) + 1
    return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


def satisfaction(tickets: Iterable[Ticket]) -> dict[str, Any]:
    """Average and distribution of the latest callback survey of each ticket (1..5)."""
    by_level = {level: 0 for level in LEVELS}
    values: list[int] = []
    for t in tickets:
        level = (t.survey or {}).get("satisfaction")
        if isinstance(level, int) and not isinstance(level, bool) and str(level) in by_level:
            by_level[str(level)] += 1
            values.append(level)
    return {"average": sum(values) / len(values) if values else None, "count": len(values),
            "by_level": by_level}


def overdue(tickets: Iterable[Ticket], now: float) -> dict[str, Any]:
    """Tickets past their deadline while the clock runs (accepted, dispatched, returned), oldest due first.

    A replied ticket is not overdue: the department answered, the rest is the hotline's work.
    """
    late = sorted((t for t in tickets if t.status in workflow.CLOCK_STATES and t.deadline is not None
                   and t.deadline < now), key=lambda t: (t.deadline or 0.0, t.number))
    return {"count": len(late),
            "tickets": [{"id": t.id, "number": t.number, "department": t.department,
                         "due": datetime.fromtimestamp(t.deadline or 0.0, SHANGHAI).isoformat(timespec="seconds")}
                        for t in late]}
